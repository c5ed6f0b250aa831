"""Per-export clean reuse: replacing one export and cleaning again equals a cold clean of the new set.

The exports below are built so every rule across exports changes something when export B is
replaced: a dossier repeated in A and B (duplicates), a local procedure seen in three communes
only with B (the allow-list), appointments missing in C whose deadline is learned from B.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.ingest.clean import clean_all
from analysis.ingest.dates import PLAUSIBLE_DATES_ENV

HEADER = "STT,Mã hồ sơ,Tên thủ tục,Lĩnh vực,Đơn vị tiếp nhận,Kênh thực hiện,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Cán bộ xử lý"
LOCAL = "Cấp giấy xác nhận trồng cây ăn quả"  # not in the catalogue: kept only if in 3 communes
LEARNED = "Xác nhận đơn đề nghị hỗ trợ vùng đồi"  # no listed deadline: learned from rows with one


def write_export(path: Path, rows: list[tuple]) -> None:
    lines = ["UBND HUYỆN BA VÌ" + "," * 10, HEADER]
    for n, (dossier, procedure, unit, received, due, done) in enumerate(rows, start=1):
        status = "Đã trả kết quả" if done else "Đang xử lý"
        lines.append(
            f"{n},{dossier},{procedure},Nông nghiệp,{unit},1,{received},{due},{done},{status},Cán bộ {n % 3}"
        )
    lines.append("Tổng cộng" + "," * 10)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


EXPORT_A = [
    ("A-1", LOCAL, "UBND xã Phong Vân", "01/03/2021", "05/03/2021", "04/03/2021"),
    ("A-2", LOCAL, "UBND xã Cẩm Lĩnh", "02/03/2021", "06/03/2021", "08/03/2021"),
    ("DUP-1", "Đăng ký khai sinh", "UBND xã Tản Lĩnh", "03/03/2021", "04/03/2021", "04/03/2021"),
    ("A-3", "Đăng ký khai sinh", "huyện Ba Vì", "03/03/2021", "04/03/2021", ""),  # quarantined
]
EXPORT_B = [
    ("B-1", LOCAL, "UBND xã Minh Châu", "01/04/2021", "05/04/2021", "05/04/2021"),
    ("DUP-1", "Đăng ký khai sinh", "UBND xã Tản Lĩnh", "03/03/2021", "04/03/2021", "04/03/2021"),
    ("B-2", LEARNED, "UBND xã Minh Châu", "05/04/2021", "09/04/2021", "08/04/2021"),
    ("B-3", LEARNED, "UBND xã Phong Vân", "06/04/2021", "12/04/2021", "12/04/2021"),
]
EXPORT_B_NEW = [  # B replaced: no local procedure in a third commune, no deadline to learn
    ("B-1", "Đăng ký khai tử", "UBND xã Minh Châu", "01/04/2021", "05/04/2021", "05/04/2021"),
    ("B-4", "Đăng ký kết hôn", "UBND xã Cẩm Lĩnh", "07/04/2021", "08/04/2021", ""),
]
EXPORT_C = [
    ("C-1", LEARNED, "UBND xã Tản Lĩnh", "12/04/2021", "", "14/04/2021"),  # appointment computed
    ("C-2", "Đăng ký khai tử", "UBND xã Phong Vân", "13/04/2021", "14/04/2021", "20/04/2021"),
]


def make_raw(root: Path, b_rows: list[tuple]) -> Path:
    folder = root / "raw" / "dossiers"
    folder.mkdir(parents=True, exist_ok=True)
    write_export(folder / "a.csv", EXPORT_A)
    write_export(folder / "b.csv", b_rows)
    write_export(folder / "c.csv", EXPORT_C)
    return root / "raw"


OUTPUTS = [
    "dossiers.parquet",
    "quarantine.csv",
    "officers.parquet",
    "meetings.parquet",
    "meeting_mentions.parquet",
]


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def test_replacing_one_export_equals_a_cold_clean_of_the_new_set(tmp_path):
    secret = tmp_path / "secret"
    raw = make_raw(tmp_path / "warm", EXPORT_B)
    out = tmp_path / "warm" / "processed"
    first = clean_all(raw, out, secret_path=secret)
    assert (first["exports_reused"], first["exports_reprocessed"]) == (0, 3)
    before = outputs(out)
    again = clean_all(raw, out, secret_path=secret)
    assert (again["exports_reused"], again["exports_reprocessed"]) == (3, 0)
    assert outputs(out) == before

    write_export(raw / "dossiers" / "b.csv", EXPORT_B_NEW)
    warm = clean_all(raw, out, secret_path=secret)
    assert (warm["exports_reused"], warm["exports_reprocessed"]) == (2, 1)

    cold_out = tmp_path / "cold" / "processed"
    cold = clean_all(make_raw(tmp_path / "cold", EXPORT_B_NEW), cold_out, secret_path=secret)
    assert cold["exports_reprocessed"] == 3
    assert outputs(out) == outputs(cold_out)
    assert warm["files"] == cold["files"] and warm["duplicates"] == cold["duplicates"]
    # one entry per current export is kept
    assert len(list((out.parent / ".processed-clean-cache").glob("*.pkl"))) == 3

    # the rules across exports did change the reused exports' rows (the test can fail)
    old = pd.read_parquet(tmp_path / "cold" / "processed" / "dossiers.parquet")
    assert before["dossiers.parquet"] != outputs(out)["dossiers.parquet"]
    assert LOCAL not in set(old["procedure"])  # now seen in two communes only
    assert "DUP-1" in set(old["dossier_id"]) and first["duplicates"] != cold["duplicates"]
    quarantine = (out / "quarantine.csv").read_text(encoding="utf-8-sig")
    assert "C-1" in quarantine and "no known deadline" in quarantine  # nothing left to learn from
    assert "C-1" not in before["quarantine.csv"].decode("utf-8-sig")


def test_another_secret_setting_or_date_window_is_a_miss(tmp_path, monkeypatch):
    raw = make_raw(tmp_path, EXPORT_B)
    out = tmp_path / "processed"
    clean_all(raw, out, secret_path=tmp_path / "secret")
    other = clean_all(raw, out, secret_path=tmp_path / "other_secret", saturday_counts=True)
    assert other["exports_reused"] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["exports_reprocessed"] == 3
    monkeypatch.setenv(PLAUSIBLE_DATES_ENV, "2021-01-01..2021-12-31")  # the date window rule's
    window = clean_all(raw, out, secret_path=tmp_path / "other_secret", saturday_counts=True)
    assert window["exports_reused"] == 0
    again = clean_all(raw, out, secret_path=tmp_path / "other_secret", saturday_counts=True)
    assert again["exports_reused"] == 3
