"""Every quarantine rule (analysis.ingest.rules: dossiers, rosters, registers) has a case here.

One tiny export holds one row per case: a valid row with one cell changed, and the reason that
row must be quarantined with (the first rule it fails). Adding a rule = one `Rule` + one case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import columns as cols
from analysis.ingest.officers import build_officers
from analysis.ingest.prepare import REPEATED_TEXT, SKIPPED, prepare_dossier_table
from analysis.ingest.read import read_export
from analysis.ingest.register import build_meetings
from analysis.ingest.rules import (
    DOSSIER_RULES,
    REGISTER_RULES,
    ROSTER_RULES,
    RowContext,
    Rule,
    first_failing,
)

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
    (table,) = read_export(
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


# rosters and registers: the same Rule type, one case per rule, cells by canonical column
ROSTER_VALID = {
    "name": "Nguyễn Văn An",
    "unit": "UBND xã Phong Vân",
    "title": "Công chức Tư pháp - Hộ tịch",
    "arrangement": "Chuyên trách",
    "start_date": "01/03/2021",
    "end_date": "30/11/2021",
}
ROSTER_CASES = {
    "missing_name": ({"name": ""}, "missing officer name"),
    "unknown_unit": ({"unit": "huyện Ba Vì"}, "the district"),
    "unparseable_start": ({"start_date": "đầu năm"}, "unparseable start date"),
    "unparseable_end": ({"end_date": "cuối năm"}, "unparseable end date"),
    "end_before_start": ({"end_date": "28/02/2021"}, "end date before start date"),
    "unknown_arrangement": ({"arrangement": "luân phiên"}, "unknown arrangement"),
}
REGISTER_VALID = {"meeting_date": "12/10/2021", "title": "Họp giao ban CCHC quý IV"}
REGISTER_CASES = {"missing_date": ({"meeting_date": "tháng sau"}, "missing or unparseable")}


def _case_reasons(valid: dict, cases: dict, build) -> dict[str, str]:
    rows = [valid | changed for changed, _ in cases.values()] + [valid]
    body = pd.DataFrame(rows, dtype=object).assign(source_row=range(2, len(rows) + 2))
    _, found = build(body, "cases.csv")
    assert found.iloc[-1] is None  # the untouched row passes every rule
    return dict(zip(cases, found.iloc[:-1], strict=True))


@pytest.fixture(scope="module")
def roster_reasons() -> dict[str, str]:
    return _case_reasons(
        ROSTER_VALID, ROSTER_CASES, lambda b, s: build_officers(b, s, secret=b"secret")
    )


def test_every_roster_and_register_rule_has_a_case():
    assert [rule.name for rule in ROSTER_RULES] == list(ROSTER_CASES)
    assert [rule.name for rule in REGISTER_RULES] == list(REGISTER_CASES)


@pytest.mark.parametrize("name", list(ROSTER_CASES))
def test_each_roster_rule_quarantines_its_case_with_its_reason(roster_reasons, name):
    reason = roster_reasons[name]
    assert reason is not None and ROSTER_CASES[name][1] in reason, reason


@pytest.mark.parametrize("name", list(REGISTER_CASES))
def test_each_register_rule_quarantines_its_case_with_its_reason(name):
    reason = _case_reasons(REGISTER_VALID, REGISTER_CASES, build_meetings)[name]
    assert reason is not None and reason.startswith(REGISTER_CASES[name][1]), reason
