"""Every dossier quarantine rule (analysis.ingest.rules.DOSSIER_RULES) has a case here.

One tiny export holds one row per case: a valid row with one cell changed, and the reason that
row must be quarantined with (the first rule it fails). Adding a rule = one `Rule` + one case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import columns as cols
from analysis.ingest.prepare import REPEATED_TEXT, SKIPPED, prepare_dossier_table
from analysis.ingest.read import read_table
from analysis.ingest.rules import DOSSIER_RULES, RowContext, Rule, first_failing

HEADER = ["Mã hồ sơ", "Tên thủ tục", "Đơn vị tiếp nhận", "Kênh thực hiện", "Ngày tiếp nhận",
          "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả", "Trạng thái"]  # fmt: skip
VALID = {
    "Mã hồ sơ": "HS-{n}",
    "Tên thủ tục": "Đăng ký khai sinh",
    "Đơn vị tiếp nhận": "UBND xã Phong Vân",
    "Kênh thực hiện": "1",
    "Ngày tiếp nhận": "01/03/2021",
    "Ngày hẹn trả": "03/03/2021",
    "Ngày có kết quả": "02/03/2021",
    "Ngày trả kết quả": "02/03/2021",
    "Trạng thái": "Đã trả kết quả",
}
# rule name -> (cells changed from VALID, the reason or its start)
CASES = {
    "missing_id": ({"Mã hồ sơ": ""}, "missing dossier id"),
    "personal_id": (
        {"Mã hồ sơ": "HS-2 ông Nguyễn Văn An 0912345678"},
        "personal data in the dossier id",
    ),
    "unparseable_received": ({"Ngày tiếp nhận": "ba mươi"}, "unparseable received date"),
    "missing_received": ({"Ngày tiếp nhận": ""}, "missing received date"),
    "unknown_unit": ({"Đơn vị tiếp nhận": "huyện Ba Vì"}, "unknown unit: "),
    "unknown_channel": ({"Kênh thực hiện": "fax"}, "unknown channel"),
    "missing_channel": ({"Kênh thực hiện": ""}, "missing channel"),
    "unparseable_due": ({"Ngày hẹn trả": "sắp tới"}, "unparseable due date"),
    "unparseable_completed": ({"Ngày có kết quả": "xong"}, "unparseable completed date"),
    "unparseable_returned": ({"Ngày trả kết quả": "đã trả"}, "unparseable returned date"),
    "date_outside_window": ({"Ngày hẹn trả": "03/03/1951"}, "due date"),
    "completed_before_received": ({"Ngày có kết quả": "27/02/2021"}, "completed before received"),
    "returned_before_received": ({"Ngày trả kết quả": "27/02/2021"}, "returned before received"),
    "due_before_received": ({"Ngày hẹn trả": "27/02/2021"}, "appointment before received"),
    "resolved_without_date": (
        {"Ngày có kết quả": "", "Ngày trả kết quả": ""},
        "resolved without a result or return date",
    ),
}


@pytest.fixture(scope="module")
def reasons(tmp_path_factory) -> dict[str, str]:
    """The reason each case row got, by rule name (one export, one read)."""
    rows = [
        {**VALID, "Mã hồ sơ": f"HS-{n}"} | changed for n, (changed, _) in enumerate(CASES.values())
    ]
    rows.append({**VALID, "Mã hồ sơ": "HS-OK"})
    path = tmp_path_factory.mktemp("rules") / "export.csv"
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False)
    (table,) = read_table(
        path,
        cols.DOSSIER_SYNONYMS,
        cols.DOSSIER_REQUIRED + (cols.DOSSIER_CHANNEL_REQUIRED,),
        REPEATED_TEXT,
    )
    _, _, found = prepare_dossier_table(table, "export.csv", b"secret")
    found = found.astype(object).where(found.notna(), None).tolist()
    assert found[-1] is None  # the untouched row passes every rule
    return dict(zip(CASES, found[:-1], strict=True))


def test_every_rule_has_a_case():
    assert [rule.name for rule in DOSSIER_RULES] == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_each_rule_quarantines_its_case_with_its_reason(reasons, name):
    assert reasons[name] is not None and reasons[name].startswith(CASES[name][1]), reasons[name]


def test_a_rule_on_a_column_with_missing_values_is_na_safe():
    """`frame["channel"].eq("postal") & ...` (missing -> NA) neither crashes nor flags the NA row."""
    frame = pd.DataFrame({"channel": pd.Series(["postal", None, "online"], dtype="string")})
    ctx = RowContext(
        pd.DataFrame(index=frame.index),
        frame,
        {},
        pd.Series(),
        pd.Series(),
        "channel",
        np.zeros(3, bool),
    )
    rule = Rule(
        "postal", lambda c: c.frame["channel"].eq("postal") & c.frame["channel"].notna(), "postal"
    )
    got = first_failing([rule], ctx, np.array([False, False, False]), SKIPPED)
    assert list(got.astype(object)) == ["postal", np.nan, np.nan]
