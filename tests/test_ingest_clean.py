"""The clean step end to end: reconciliation, privacy, held-out wording, bad input, determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.ingest.clean import clean_all
from analysis.ingest.manifest import check_reconciliation
from analysis.meetings.step import extract_meetings

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
ROOT = Path(__file__).resolve().parents[1]

# personal values planted in the raw files below; none may appear under the output folder
PLANTED = {
    "name": "Hoàng Thị Planted",
    "cccd": "001190054321",
    "phone": "0912555777",
    "address": "Số 9 ngõ Planted, thôn Đông",
    "email": "planted.person@example.vn",
    "officer": "Nguyễn Văn Officerplanted",
    "dob": "03/04/1990",
}


def write_export_xlsx(path: Path) -> None:
    """A small export as a real system writes it: title block, STT, personal columns, total row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append(["ỦY BAN NHÂN DÂN HUYỆN BA VÌ"])
    ws.append(["DANH SÁCH HỒ SƠ TIẾP NHẬN"])
    ws.append(["Từ ngày 01/01/2021 đến ngày 31/03/2021"])
    ws.append([])
    ws.append(
        [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục",
            "Lĩnh vực",
            "Đơn vị tiếp nhận",
            "Chủ hồ sơ",
            "Số CCCD/CMND",
            "Số điện thoại",
            "Địa chỉ",
            "Email",
            "Ngày sinh",
            "Kênh thực hiện",
            "Ngày tiếp nhận",
            "Ngày có kết quả",
            "Trạng thái",
            "Cán bộ xử lý",
        ]
    )
    person = [
        PLANTED["name"],
        PLANTED["cccd"],
        PLANTED["phone"],
        PLANTED["address"],
        PLANTED["email"],
        PLANTED["dob"],
    ]
    # no appointment column: it is computed (1 working day for a birth registration)
    ws.append(
        [
            1,
            "09640-210209-0001",
            "Đăng ký khai sinh",
            "HỘ TỊCH",
            "UBND xã Phong Vân",
            *person,
            1,
            dt.datetime(2021, 2, 9, 9, 0),
            dt.datetime(2021, 2, 17, 10, 0),
            "Đã trả kết quả",
            PLANTED["officer"],
        ]
    )
    ws.append(
        [
            2,
            "09640-210209-0002",
            "Đăng ký khai sinh",
            "Hộ tịch",
            "X. Phong Van",
            *person,
            2,
            44236.375,
            44245.5,
            "Đã có kết quả",
            PLANTED["officer"],
        ]
    )
    ws.append(
        [
            3,
            "09640-210301-0003",
            "Đăng ký khai sinh",
            "Hộ tịch",
            "huyện Ba Vì",
            *person,
            3,
            "01/03/2021",
            None,
            "Đang xử lý",
            PLANTED["officer"],
        ]
    )
    ws.append(
        [
            4,
            "09640-210301-0004",
            "@cmd|' /C calc'!A0",
            "Hộ tịch",
            "Phong Vân",
            *person,
            1,
            "05/03/2021",
            "01/03/2021",
            "Đã trả kết quả",
            PLANTED["officer"],
        ]
    )
    ws.append([])
    ws.append(["Tổng cộng: 4 hồ sơ"])
    wb.create_sheet("Ghi chú").append(["Xuất từ hệ thống một cửa"])
    wb.save(path)


def write_roster(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CÁN BỘ BỘ PHẬN MỘT CỬA"])
    ws.append(
        [
            "STT",
            "Họ và tên",
            "Đơn vị",
            "Chức danh",
            "Hình thức bố trí",
            "Ngày bắt đầu",
            "Ngày kết thúc",
            "Số điện thoại",
        ]
    )
    ws.append(
        [
            1,
            PLANTED["officer"],
            "Xã Phong Vân",
            "Công chức Tư pháp - Hộ tịch",
            "Kiêm nhiệm",
            "01/06/2019",
            None,
            PLANTED["phone"],
        ]
    )
    wb.save(path)


def make_raw(root: Path) -> Path:
    raw = root / "raw"
    (raw / "dossiers").mkdir(parents=True)
    (raw / "officers").mkdir()
    (raw / "meetings").mkdir()
    write_export_xlsx(raw / "dossiers" / "export_q1.xlsx")
    shutil.copy(FIXTURES / "heldout_export.csv", raw / "dossiers" / "heldout_export.csv")
    write_roster(raw / "officers" / "roster.xlsx")
    (raw / "meetings" / "meeting_register.csv").write_text(
        "Ngày họp,Tên cuộc họp,Chủ trì,Hình thức,Số điểm cầu,Số ý kiến phát biểu\n"
        f"12/10/2021,Họp CCHC,Đ/c {PLANTED['name']} - Phó Chủ tịch UBND huyện,Trực tuyến,31,17\n",
        encoding="utf-8",
    )
    return raw


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    raw = make_raw(root)
    manifest = clean_all(raw, root / "out", secret_path=root / "secret")
    return root, manifest


def scan_for(folder: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every planted value found in any file under folder (bytes, NFC and lower case)."""
    import unicodedata

    hits = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        text = data.decode("utf-8", errors="ignore").lower()
        if path.suffix == ".parquet":
            for column in pd.read_parquet(path).astype(str).itertuples(index=False):
                text += " ".join(map(str, column)).lower()
        for value in values:
            for form in {
                unicodedata.normalize("NFC", value).lower(),
                unicodedata.normalize("NFD", value).lower(),
            }:
                if form in text:
                    hits.append((path.name, value))
    return hits


class TestCleanAll:
    def test_every_row_is_accounted_for(self, cleaned):
        _, manifest = cleaned
        files = {f["path"]: f for f in manifest["files"]}
        xlsx = files["dossiers/export_q1.xlsx"]
        assert (
            xlsx["rows_read"],
            xlsx["rows_clean"],
            xlsx["rows_quarantined"],
            xlsx["rows_skipped"],
        ) == (6, 2, 2, 2)
        held = files["dossiers/heldout_export.csv"]
        assert (
            held["rows_read"],
            held["rows_clean"],
            held["rows_quarantined"],
            held["rows_skipped"],
        ) == (10, 4, 4, 2)
        check_reconciliation(manifest["files"])

    def test_manifest_checksums_are_those_of_the_raw_files(self, cleaned):
        root, manifest = cleaned
        for entry in manifest["files"]:
            path = root / "raw" / entry["path"]
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), entry["path"]

    def test_heldout_wording_comes_out_with_unit_channel_and_lateness(self, cleaned):
        root, _ = cleaned
        d = pd.read_parquet(root / "out" / "dossiers.parquet").set_index("dossier_id")
        got = d.loc[
            ["HS-0001", "HS-0002", "HS-0003", "HS-0004"], ["commune_code", "channel", "outcome"]
        ]
        assert got.values.tolist() == [
            ["09673", "in_person", "on_time"],
            ["09694", "online", "late"],
            ["09619", "postal", "pending_overdue"],
            ["09706", "online", "pending_in_time"],
        ]
        assert d.loc["HS-0003", "as_of"] == pd.Timestamp("2021-06-30")

    def test_bad_heldout_rows_are_quarantined_with_reasons(self, cleaned):
        root, _ = cleaned
        q = pd.read_csv(root / "out" / "quarantine.csv", dtype=str).set_index("dossier_id")
        assert "district" in q.loc["HS-0005", "reason"]
        assert "not a unit" in q.loc["HS-0006", "reason"]
        assert q.loc["HS-0007", "reason"] == "completed before received"
        assert (
            q.loc["HS-0008", "reason"] == "unparseable received date"
        )  # 04/13/2021 is never read month-first

    def test_missing_appointment_is_computed_over_tet(self, cleaned):
        root, _ = cleaned
        d = pd.read_parquet(root / "out" / "dossiers.parquet").set_index("dossier_id")
        row = d.loc["09640-210209-0001"]
        assert row["due_at"] == pd.Timestamp("2021-02-17 09:00") and bool(row["due_at_computed"])
        assert row["outcome"] == "on_time" and row["field"] == "Hộ tịch" and row["source_row"] == 6

    def test_quarantine_cells_cannot_run_as_formulas(self, cleaned):
        root, _ = cleaned
        text = (root / "out" / "quarantine.csv").read_text(encoding="utf-8-sig")
        assert "'@cmd|" in text and ",@cmd|" not in text and "<NA>" not in text

    def test_no_planted_personal_value_reaches_any_output_file(self, cleaned):
        root, _ = cleaned
        heldout = ["Phạm Văn Heldout", "0977000111", "heldout.person@example.com", "Đỗ Văn Officer"]
        assert scan_for(root / "out", [*PLANTED.values(), *heldout]) == []

    def test_officer_ids_join_roster_and_dossiers(self, cleaned):
        root, _ = cleaned
        officers = pd.read_parquet(root / "out" / "officers.parquet")
        d = pd.read_parquet(root / "out" / "dossiers.parquet")
        assert officers["officer_id"].iloc[0] in set(d["officer_id"])
        assert officers[["commune_code", "is_concurrent"]].values.tolist() == [["09640", True]]

    def test_meeting_register_keeps_the_chair_role_not_the_name(self, cleaned):
        root, _ = cleaned
        meetings = pd.read_parquet(root / "out" / "meetings.parquet")
        assert meetings[["chair_role", "format", "connection_points"]].values.tolist() == [
            ["Phó Chủ tịch UBND huyện", "online", 31]
        ]

    def test_rerun_gives_identical_parquet_content(self, cleaned, tmp_path):
        root, _ = cleaned
        clean_all(root / "raw", tmp_path / "again", secret_path=root / "secret")
        for name in (
            "dossiers.parquet",
            "officers.parquet",
            "meetings.parquet",
            "meeting_mentions.parquet",
            "quarantine.csv",
        ):
            first = hashlib.sha256((root / "out" / name).read_bytes()).hexdigest()
            assert hashlib.sha256((tmp_path / "again" / name).read_bytes()).hexdigest() == first, (
                name
            )


class TestReconciliation:
    def test_rows_that_do_not_add_up_fail_loudly(self):
        entry = {
            "path": "a.csv",
            "rows_read": 10,
            "rows_clean": 5,
            "rows_quarantined": 2,
            "rows_duplicate": 1,
            "rows_skipped": 1,
        }
        with pytest.raises(UserError, match="reconciliation failed"):
            check_reconciliation([entry])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "clean", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


class TestBadInput:
    def _raw_with(
        self, tmp_path: Path, name: str, content: bytes | None = None, xlsx_rows: list | None = None
    ) -> Path:
        raw = tmp_path / "raw"
        (raw / "dossiers").mkdir(parents=True)
        path = raw / "dossiers" / name
        if xlsx_rows is not None:
            wb = openpyxl.Workbook()
            wb.active.title = "Sheet1"
            for row in xlsx_rows:
                wb.active.append(row)
            wb.save(path)
        else:
            path.write_bytes(content or b"")
        return raw

    @pytest.mark.parametrize(
        ("name", "content", "expected"),
        [
            ("empty.csv", b"", "empty.csv: the file is empty"),
            ("nohead.csv", b"a,b,c\n1,2,3\n", "nohead.csv: no header row"),
            (
                "missing.csv",
                "Mã hồ sơ,Đơn vị tiếp nhận,Hình thức nộp,Ngày tiếp\nA,Phong Vân,1,01/02/2021\n".encode(),
                "required column 'received_at'",
            ),
            ("broken.xlsx", b"PK\x03\x04 not really a workbook", "broken.xlsx: cannot be read"),
        ],
    )
    def test_bad_files_give_one_line_exit_2_and_no_output(self, tmp_path, name, content, expected):
        raw = self._raw_with(tmp_path, name, content)
        out = tmp_path / "out"
        result = run_cli("--raw", str(raw), "--out", str(out), "--secret", str(tmp_path / "secret"))
        assert result.returncode == 2
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()

    def test_missing_column_names_the_closest_headers_found(self, tmp_path):
        raw = self._raw_with(
            tmp_path,
            "missing.csv",
            "Mã hồ sơ,Đơn vị tiếp nhận,Hình thức nộp,Ngày tiếp\nA,Phong Vân,1,01/02/2021\n".encode(),
        )
        with pytest.raises(UserError, match=r"closest headers found: 'Ngày tiếp'"):
            clean_all(raw, tmp_path / "out", secret_path=tmp_path / "secret")

    def test_wrong_sheet_is_named(self, tmp_path):
        raw = self._raw_with(tmp_path, "wrong.xlsx", xlsx_rows=[["Ghi chú"], ["Không có dữ liệu"]])
        with pytest.raises(
            UserError, match=r"wrong.xlsx: no sheet has a header row .*sheets: 'Sheet1'"
        ):
            clean_all(raw, tmp_path / "out", secret_path=tmp_path / "secret")

    def test_an_unreadable_meeting_report_is_named(self, tmp_path):
        pytest.importorskip("analysis.meetings.extract")
        raw = self._raw_with(
            tmp_path, "heldout.csv", (FIXTURES / "heldout_export.csv").read_bytes()
        )
        (raw / "meetings").mkdir()
        (raw / "meetings" / "bao_cao.docx").write_bytes(b"PK\x03\x04 not a document")
        with pytest.raises(UserError, match="bao_cao.docx"):  # the meetings step's
            extract_meetings(raw, tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_a_failed_run_leaves_previous_outputs_untouched(self, tmp_path, cleaned):
        root, _ = cleaned
        out = tmp_path / "out"
        shutil.copytree(root / "out", out)
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        raw = self._raw_with(tmp_path, "empty.csv", b"")
        with pytest.raises(UserError):
            clean_all(raw, out, secret_path=tmp_path / "secret")
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


class TestDemoData:
    def test_demo_export_reconciles_with_the_planted_counts(self, tmp_path):
        generate = pytest.importorskip("analysis.demo.generate")
        raw = tmp_path / "demo"
        truth = generate.generate_demo_data(raw, scale=0.05, truth_path=raw / "truth.json")
        planted = truth["planted"]
        manifest = clean_all(
            raw, tmp_path / "out", secret_path=tmp_path / "secret", meetings_dirs=[raw / "meetings"]
        )
        assert manifest["synthetic"] is True
        dossier_files = [f for f in manifest["files"] if f["kind"] == "dossiers"]
        for entry in dossier_files:
            expected = planted["files"][entry["path"]]
            assert entry["rows_clean"] == expected["valid_rows"], entry["path"]
            assert (
                entry["rows_duplicate"]
                == expected["duplicate_reexports"] + expected["conflicting_duplicates"]
            ), entry["path"]
            assert entry["rows_skipped"] == expected["blank_rows"] + expected["total_rows"], entry[
                "path"
            ]
        assert manifest["duplicates"] == {
            "identical": planted["duplicate_reexports"],
            "conflicting": planted["conflicting_duplicates"],
        }
        assert (
            sum(f["rows_quarantined"] for f in dossier_files)
            == sum(planted["impossible_rows"].values()) + planted["unknown_unit"]
        )
        dossiers = pd.read_parquet(tmp_path / "out" / "dossiers.parquet")
        assert len(dossiers) == planted["valid_dossiers"]
        truth_rows = pd.read_csv(raw / "truth_dossiers.csv", dtype=str).set_index("dossier_id")
        joined = dossiers.set_index("dossier_id").join(truth_rows, rsuffix="_truth")
        for column in ("commune_code", "channel", "outcome", "status"):
            assert (joined[column].astype(str) == joined[f"{column}_truth"].astype(str)).all(), (
                column
            )
        personal = [v for v in truth.get("personal_values_sample", []) if len(v) >= 6]
        assert personal and scan_for(tmp_path / "out", personal) == []
        assert (
            json.loads((tmp_path / "out" / "manifest.json").read_text())["files"]
            == manifest["files"]
        )


class TestHeldoutWorkbook:
    def test_merged_two_row_header_numeric_ids_and_mixed_date_cells(self, tmp_path):
        """A workbook shaped differently from the generator: merged group headers, ids stored as
        numbers, unit codes, serial and text dates, a second data sheet and a summary sheet."""
        wb = openpyxl.Workbook()
        summary = wb.active
        summary.title = "Tổng hợp"
        summary.append(["Đơn vị", "Tổng số hồ sơ", "Trực tuyến", "Trễ hạn"])
        sheet = wb.create_sheet("Chi tiết")
        sheet.append(["BÁO CÁO CHI TIẾT", None, None, None, None, None, None])
        sheet.append(
            [
                "Số TT",
                "Số biên nhận",
                "Cơ quan giải quyết",
                "Kênh nộp",
                "Thời gian",
                None,
                None,
                "Tình trạng",
            ]
        )
        sheet.append([None, None, None, None, "Tiếp nhận", "Hạn xử lý", "Hoàn thành", None])
        sheet.merge_cells("E2:G2")
        sheet.append(
            [
                1,
                21000123,
                "09640 - Phong Vân",
                "01",
                44256.375,
                "03/03/2021",
                dt.datetime(2021, 3, 4, 9),
                "Hoàn thành",
            ]
        )
        sheet.append(
            [
                2,
                21000124,
                "Cẩm Lĩnh (09673)",
                "02",
                "01/03/2021 10:00",
                44258,
                None,
                "Đang giải quyết",
            ]
        )
        raw = tmp_path / "raw"
        (raw / "dossiers").mkdir(parents=True)
        wb.save(raw / "dossiers" / "bao_cao.xlsx")
        manifest = clean_all(raw, tmp_path / "out", secret_path=tmp_path / "secret")
        d = pd.read_parquet(tmp_path / "out" / "dossiers.parquet").set_index("dossier_id")
        assert d.loc["21000123", ["commune_code", "channel", "outcome"]].tolist() == [
            "09640",
            "in_person",
            "late",
        ]
        assert d.loc["21000124", ["commune_code", "channel", "status"]].tolist() == [
            "09673",
            "online",
            "pending",
        ]
        assert d.loc["21000123", "source_row"] == 4 and d.loc["21000124", "due_at"] == pd.Timestamp(
            "2021-03-03"
        )
        assert manifest["files"][0]["rows_read"] == 2 and manifest["files"][0]["rows_clean"] == 2
