"""A corpus of bad inputs, each run through the real command line as a user would.

Every case builds a tiny bad input, runs `python -m analysis …` in a subprocess and checks: the
exit status, the message, no traceback, nothing half-written in the output folder, no cell
content echoed (planted personal data never appears in a message) and, when the run succeeds,
that the manifest reconciles (every raw row clean, quarantined, duplicate or skipped).

Cases that need their own process run two at a time; inputs that clean can take together
(quarantine cases, encodings, skipped files) share one `clean` run, one case per file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

SECRET_ADDRESS = "Số nhà 17 ngõ 4 thôn Đông Bài"  # planted personal data: never in a message
HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Trạng thái",
]
TITLE = [
    "ỦY BAN NHÂN DÂN HUYỆN BA VÌ",
    "DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT",
    "Từ ngày 01/10/2021 đến ngày 31/12/2021",
]


def dossier_row(
    i: int, received: str = "01/10/2021", due: str = "05/10/2021", done: str = "04/10/2021"
) -> list[str]:
    return [
        str(i),
        f"09640-211001-{i:04d}",
        "Đăng ký khai sinh",
        "UBND xã Phong Vân",
        "Trực tiếp",
        received,
        due,
        done,
        "Đã trả kết quả",
    ]


def export_text(
    rows: list[list[str]], header: list[str] = HEADER, title: list[str] = TITLE, sep: str = ","
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    for line in title:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def good_rows(n: int = 3, start: int = 1) -> list[list[str]]:
    return [dossier_row(i) for i in range(start, start + n)]


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, grid: list[list[object]], sheet: str = "Hồ sơ") -> Path:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.active.title = sheet
    for line in grid:
        book.active.append(line)
    book.save(path)
    return path


def good_export(raw: Path, name: str = "good.csv") -> Path:
    return write(raw / "dossiers" / name, export_text(good_rows()))


# ---------------------------------------------------------------------------------------------
# cases that need their own process: (name, build(tmp) -> argv, exit code, message pattern)


@dataclass
class Case:
    name: str
    build: object  # (tmp: Path) -> list[str] (the command line after `python -m analysis`)
    exit_code: int
    pattern: str
    out: str = "out"  # the output folder (below tmp) that must be absent or whole afterwards
    check: object = None  # optional (tmp, result) -> None
    echoes: tuple[str, ...] = (SECRET_ADDRESS,)  # text that must not appear in any message


def clean_args(tmp: Path, *extra: str) -> list[str]:
    return ["clean", "--raw", str(tmp / "raw"), "--out", str(tmp / "out"), *extra]


def _clean_with(files: dict[str, object]):
    """A clean run over raw/dossiers holding `files` (name -> text, bytes or an xlsx grid)."""

    def build(tmp: Path) -> list[str]:
        for name, content in files.items():
            if isinstance(content, list):
                write_xlsx(tmp / "raw" / "dossiers" / name, content)
            else:
                write(tmp / "raw" / "dossiers" / name, content)
        return clean_args(tmp)

    return build


def _utf16_truncated(tmp: Path) -> list[str]:
    data = export_text(good_rows()).encode("utf-16")
    write(tmp / "raw" / "dossiers" / "cut.csv", data[:-1])
    return clean_args(tmp)


def _truncated_xlsx(tmp: Path) -> list[str]:
    path = write_xlsx(tmp / "seed.xlsx", [*([t] for t in TITLE), HEADER, *good_rows()])
    data = path.read_bytes()
    write(tmp / "raw" / "dossiers" / "cut.xlsx", data[: len(data) // 2])
    return clean_args(tmp)


def _long_header(tmp: Path) -> list[str]:
    header = ["X" * 200_000, *HEADER]
    write(tmp / "raw" / "dossiers" / "long.csv", export_text([], header=header, title=[]))
    return clean_args(tmp)


def _no_header(tmp: Path) -> list[str]:
    lines = [f"{SECRET_ADDRESS},0912345678,xã Phong Vân" for _ in range(5)]
    write(tmp / "raw" / "dossiers" / "notes.csv", "\n".join(lines) + "\n")
    return clean_args(tmp)


def _symlink_out(tmp: Path) -> list[str]:
    outside = write(tmp / "elsewhere" / "secret.csv", f"root:x:0:0:{SECRET_ADDRESS}\n")
    (tmp / "raw" / "dossiers").mkdir(parents=True)
    (tmp / "raw" / "dossiers" / "export.csv").symlink_to(outside)
    return clean_args(tmp)


def _symlink_dir_out(tmp: Path) -> list[str]:
    good_export(tmp / "elsewhere")
    (tmp / "raw" / "dossiers").mkdir(parents=True)
    (tmp / "raw" / "dossiers" / "more").symlink_to(tmp / "elsewhere" / "dossiers")
    return clean_args(tmp)


def _out_inside_raw(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    return ["clean", "--raw", str(tmp / "raw"), "--out", str(tmp / "raw" / "dossiers" / "out")]


def _out_parent_is_a_file(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    write(tmp / "out", "not a folder")
    return ["clean", "--raw", str(tmp / "raw"), "--out", str(tmp / "out" / "processed")]


def _out_unwritable(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    return ["clean", "--raw", str(tmp / "raw"), "--out", "/proc/cchc-processed"]


def _pdf_in_dossiers(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    write(tmp / "raw" / "dossiers" / "bao_cao.pdf", b"%PDF-1.4\n")
    return clean_args(tmp)


def _run_with_only_unreadable(tmp: Path) -> list[str]:
    write(tmp / "raw" / "dossiers" / "hs_quy4.pdf", b"%PDF-1.4\n")
    return [
        "run",
        "--raw",
        str(tmp / "raw"),
        "--processed",
        str(tmp / "out" / "processed"),
        "--out",
        str(tmp / "out" / "reports"),
        "--until",
        "clean",
    ]


def _check_no_demo(tmp: Path, result) -> None:
    assert not (tmp / "raw" / "demo").exists(), "fell back to synthetic data"


def _run_out_inside_raw(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    return [
        "run",
        "--raw",
        str(tmp / "raw"),
        "--processed",
        str(tmp / "raw" / "processed"),
        "--until",
        "clean",
    ]


def _run_reports_inside_raw(tmp: Path) -> list[str]:
    good_export(tmp / "raw")
    return ["run", "--raw", str(tmp / "raw"), "--out", str(tmp / "raw" / "meetings" / "rep")]


def _run_reads_txt_export(tmp: Path) -> list[str]:
    write(tmp / "raw" / "dossiers" / "hs_quy4.txt", export_text(good_rows(4), sep="\t"))
    return [
        "run",
        "--raw",
        str(tmp / "raw"),
        "--processed",
        str(tmp / "out"),
        "--out",
        str(tmp / "reports"),
        "--until",
        "clean",
    ]


def _check_txt_export_used(tmp: Path, result) -> None:
    assert "1 real export" in result.stdout and not (tmp / "raw" / "demo").exists()
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["dossiers/hs_quy4.txt"]
    assert manifest["files"][0]["rows_clean"] == 4


def _processed(tmp: Path, damage: str) -> Path:
    """A processed folder with one whole Parquet table, then damaged as asked."""
    folder = tmp / "processed"
    folder.mkdir(parents=True)
    table = pa.table({"commune_code": ["09640"], "received_at": [pd.Timestamp("2021-10-01")]})
    table = table.append_column("as_of", pa.array([pd.Timestamp("2021-12-31")]))
    pq.write_table(table, folder / "dossiers.parquet")
    (folder / "manifest.json").write_text(json.dumps({"files": []}))
    if damage == "garbage parquet":
        (folder / "indicators_period.parquet").write_bytes(b"PAR1 this is not parquet")
    elif damage == "truncated parquet":
        data = (folder / "dossiers.parquet").read_bytes()
        (folder / "dossiers.parquet").write_bytes(data[: len(data) // 2])
    elif damage == "truncated manifest":
        (folder / "manifest.json").write_text('{"files": [{"path": "dossiers/a.cs')
    return folder


def _briefs(*extra: str, damage: str = "", out: str = "out"):
    def build(tmp: Path) -> list[str]:
        folder = _processed(tmp, damage)
        return ["briefs", "--processed", str(folder), "--out", str(tmp / out), *extra]

    return build


def _analyse(damage: str):
    def build(tmp: Path) -> list[str]:
        return ["analyse", "--processed", str(_processed(tmp, damage)), "--bootstrap-reps", "0"]

    return build


def _check_nothing_outside_out(tmp: Path, result) -> None:
    written = [p for p in tmp.rglob("*") if "2021-10" in p.name]
    assert not written, written


def _meeting(name: str, data: bytes):
    def build(tmp: Path) -> list[str]:
        return ["meeting-extract", str(write(tmp / name, data))]

    return build


def _damaged_docx(tmp: Path) -> list[str]:
    return ["meeting-extract", str(write(tmp / "bien_ban.docx", b"PK\x03\x04 broken zip"))]


def _dup_header_xlsx(tmp: Path) -> list[str]:
    header = [*HEADER[:6], "Ngày tiếp nhận", *HEADER[6:]]
    rows = [[*r[:6], "05/10/2021", *r[6:]] for r in good_rows()]
    write_xlsx(tmp / "raw" / "dossiers" / "dup.xlsx", [*([t] for t in TITLE), header, *rows])
    return clean_args(tmp)


DUP_TEXT = [*HEADER[:6], "Ngày tiếp nhận", *HEADER[6:]]
DUP_SYNONYM = [*HEADER[:6], "Ngày nộp", *HEADER[6:]]
MISSING_RECEIVED = [h for h in HEADER if h != "Ngày tiếp nhận"]

CASES: list[Case] = [
    # encodings and damaged files
    Case("utf16 cut at an odd byte", _utf16_truncated, 2, r"cut\.csv: not valid UTF-16 at byte"),
    Case("empty export", _clean_with({"empty.csv": b""}), 2, r"empty\.csv: the file is empty"),
    Case(
        "whitespace-only export",
        _clean_with({"blank.csv": "\n \n\t\n"}),
        2,
        r"blank\.csv: the file is empty",
    ),
    Case(
        "binary garbage named .csv",
        _clean_with({"rac.csv": bytes(range(256)) * 40}),
        2,
        r"rac\.csv: (cannot decode|no header row)",
    ),
    Case(
        "text named .xlsx",
        _clean_with({"fake.xlsx": f"{SECRET_ADDRESS}\n".encode()}),
        2,
        r"fake\.xlsx: cannot be read as a spreadsheet",
    ),
    Case("xlsx cut in half", _truncated_xlsx, 2, r"cut\.xlsx: cannot be read as a spreadsheet"),
    # headers
    Case("200,000-character header cell", _long_header, 2, r"long\.csv: line 1 is longer than"),
    Case("no header row (an address list)", _no_header, 2, r"notes\.csv: no header row"),
    Case(
        "required column missing",
        _clean_with(
            {"thieu.csv": export_text([r[:5] + r[6:] for r in good_rows()], MISSING_RECEIVED)}
        ),
        2,
        r"thieu\.csv: required column 'received_at' not found",
    ),
    Case(
        "same header text twice",
        _clean_with(
            {
                "dup.csv": export_text(
                    [[*r[:6], "05/10/2021", *r[6:]] for r in good_rows()], DUP_TEXT
                )
            }
        ),
        2,
        r"dup\.csv: header row 4: columns F \('Ngày tiếp nhận'\) and G \('Ngày tiếp nhận'\) "
        r"both read as 'received_at'",
    ),
    Case(
        "two headers for one column",
        _clean_with(
            {
                "dup2.csv": export_text(
                    [[*r[:6], "05/10/2021", *r[6:]] for r in good_rows()], DUP_SYNONYM
                )
            }
        ),
        2,
        r"dup2\.csv: header row 4: columns F .* and G \('Ngày nộp'\) both read as 'received_at'",
    ),
    Case(
        "same header twice in a workbook",
        _dup_header_xlsx,
        2,
        r"dup\.xlsx, sheet 'Hồ sơ': header row 4: columns F .* and G .* both read as 'received_at'",
    ),
    # the raw folder
    Case("a .pdf among the exports", _pdf_in_dossiers, 2, r"cannot read dossiers/bao_cao\.pdf"),
    Case(
        "symlink to a system file",
        _symlink_out,
        2,
        r"export\.csv: a symbolic link leading out of",
        echoes=(SECRET_ADDRESS, "root:x"),
    ),
    Case("symlinked folder leading out", _symlink_dir_out, 2, r"more: a symbolic link leading out"),
    Case(
        "raw folder missing",
        lambda tmp: clean_args(tmp),
        2,
        r"raw folder not found",
    ),
    Case(
        "no export at all",
        lambda tmp: (tmp / "raw" / "dossiers").mkdir(parents=True) or clean_args(tmp),
        2,
        r"no dossier exports",
    ),
    # output folders
    Case("--out inside --raw", _out_inside_raw, 2, r"--out .* is inside the raw folder"),
    Case("--out below a file", _out_parent_is_a_file, 2, r"--out .*out is not a folder"),
    Case("--out where nothing can be written", _out_unwritable, 2, r"cchc-processed"),
    Case(
        "bad --plausible-dates",
        lambda tmp: good_export(tmp / "raw") and clean_args(tmp, "--plausible-dates", "2021"),
        2,
        r"--plausible-dates: '2021' is not like 2000-01-01\.\.2035-12-31",
    ),
    # run: one registry of formats, no silent fallback to synthetic data
    Case(
        "run with only an unreadable export",
        _run_with_only_unreadable,
        2,
        r"cannot read dossiers/hs_quy4\.pdf",
        check=_check_no_demo,
    ),
    Case("run --processed inside --raw", _run_out_inside_raw, 2, r"--processed .* inside the raw"),
    Case("run --out inside --raw", _run_reports_inside_raw, 2, r"--out .* is inside the raw"),
    Case(
        "run reads a tab-separated .txt export",
        _run_reads_txt_export,
        0,
        r"",
        out="",
        check=_check_txt_export_used,
    ),
    # briefs: arguments checked before any kernel starts or index is written
    Case(
        "--period used as a path",
        _briefs("--period", "../../2021-10"),
        2,
        r"--period '\.\./\.\./2021-10' is not a period",
        check=_check_nothing_outside_out,
    ),
    Case("--period quarter 5", _briefs("--period", "2021-Q5"), 2, r"'2021-Q5' is not a period"),
    Case("--period month 13", _briefs("--period", "2021-13"), 2, r"'2021-13' is not a period"),
    Case("--period with a shell word", _briefs("--period", "2021;ls"), 2, r"is not a period"),
    Case(
        "--communes unknown code",
        _briefs("--period", "2021-Q4", "--communes", "09999"),
        2,
        r"--communes: 09999 is not a unit of huyện Ba Vì in 2021-Q4",
    ),
    Case(
        "--communes abolished in the period",
        _briefs("--period", "2026-Q1", "--communes", "09640"),
        2,
        r"09640 is not a unit of huyện Ba Vì in 2026-Q1",
    ),
    Case(
        "--communes not a code",
        _briefs("--communes", "Phong Vân"),
        2,
        r"--communes: 'Phong Vân' not a 5-digit commune code",
    ),
    Case("--communes empty", _briefs("--communes", ","), 2, r"--communes is empty"),
    Case("--workers 0", _briefs("--workers", "0"), 2, r"--workers 0"),
    Case(
        "briefs on a garbage Parquet table",
        _briefs("--period", "2021-Q4", damage="garbage parquet"),
        2,
        r"indicators_period\.parquet is not whole",
    ),
    Case(
        "briefs on a truncated Parquet table",
        _briefs(damage="truncated parquet"),
        2,
        r"dossiers\.parquet is not whole",
    ),
    Case(
        "briefs on a truncated manifest",
        _briefs(damage="truncated manifest"),
        2,
        r"manifest\.json is not valid JSON at line 1",
    ),
    Case(
        "briefs --out is a file",
        lambda tmp: write(tmp / "rep", "x") and _briefs(out="rep/sub")(tmp),
        2,
        r"--out .*rep is not a folder",
        out="rep/sub",
    ),
    Case("analyse on a truncated table", _analyse("truncated parquet"), 2, r"is not whole"),
    Case("analyse on a truncated manifest", _analyse("truncated manifest"), 2, r"not valid JSON"),
    # meeting reports
    Case(
        "odd-length NUL-heavy report",
        _meeting("bien_ban.txt", b"a\x00" * 500 + b"b"),
        2,
        r"bien_ban\.txt: not valid UTF-16-LE text at byte 1,000",
    ),
    Case(
        "UTF-16 report cut at an odd byte",
        _meeting("bb.txt", "Biên bản họp".encode("utf-16")[:-1]),
        2,
        r"bb\.txt: not valid UTF-16",
    ),
    Case("report as .pdf", _meeting("bb.pdf", b"%PDF-1.4"), 2, r"must be \.txt or \.docx"),
    Case("damaged .docx report", _damaged_docx, 2, r"not a readable \.docx"),
]


def _run_case(case: Case, tmp: Path) -> subprocess.CompletedProcess:
    argv = case.build(tmp)
    try:
        return subprocess.run(
            [sys.executable, "-m", "analysis", *argv],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired as error:  # one stuck case fails alone
        return subprocess.CompletedProcess(argv, -9, str(error.stdout or ""), "timed out")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every separate case run once, two processes at a time."""
    folders = {case.name: tmp_path_factory.mktemp("case") for case in CASES}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {c.name: pool.submit(_run_case, c, folders[c.name]) for c in CASES}
        return {name: (folders[name], future.result()) for name, future in futures.items()}


def assert_one_clean_line(result: subprocess.CompletedProcess, echoes=()) -> None:
    """No traceback or warning, and no planted cell content in any message."""
    messages = result.stderr + result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "FutureWarning" not in result.stderr, result.stderr[-2000:]
    for text in echoes:
        assert text not in messages


def assert_nothing_half_written(folder: Path) -> None:
    """An output folder after a failure: absent or empty; after success: no leftovers."""
    if not folder.exists() or folder.is_file():
        return
    leftovers = [
        p
        for p in folder.rglob("*")
        if p.name.startswith(".out-staging") or p.suffix == ".tmp" or p.name.endswith(".partial")
    ]
    assert not leftovers, leftovers


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, results):
    tmp, result = results[case.name]
    assert result.returncode == case.exit_code, (result.stdout[-1000:], result.stderr[-2000:])
    assert_one_clean_line(result, case.echoes)
    if case.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, result.stderr
        assert re.search(case.pattern, lines[0]), lines[0]
        if case.out:
            out = tmp / case.out
            assert not out.exists() or out.is_file() or not any(out.iterdir()), list(out.rglob("*"))
    assert_nothing_half_written(tmp / (case.out or "out"))
    if case.check:
        case.check(tmp, result)


# ---------------------------------------------------------------------------------------------
# inputs one `clean` run takes together: (file, what its rows become)


@dataclass
class FileCase:
    name: str
    path: str  # below raw/
    content: object  # text, bytes, or a callable(path) that writes the file
    clean: int  # rows expected in dossiers.parquet
    quarantined: dict[str, int] = field(default_factory=dict)  # reason pattern -> rows
    in_manifest: bool = True
    manifest_path: str | None = None  # where the manifest finds it (a symlink: its target)


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as legacy exports write it: base letters precomposed, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:  # a toned letter: its toneless form, then the tone mark
            decomposed = unicodedata.normalize("NFD", char)
            tones = [c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323"]
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
            out.append((base + "".join(tones)).encode("cp1258"))
    return b"".join(out)


def _utf16_big() -> bytes:
    rows = [dossier_row(i) for i in range(10_001, 14_001)]
    return export_text(rows).encode("utf-16")  # > 200 kB: the head is cut inside it


def _utf8_cut_inside_letter() -> bytes:
    """Over 200 kB of UTF-8 whose first 200,000 bytes end inside a Vietnamese letter."""
    rows = [dossier_row(i) for i in range(20_001, 23_000)]
    for pad in range(64):  # shift the text until byte 199,999 starts or continues a letter
        title = [TITLE[0] + " " * pad, *TITLE[1:]]
        data = export_text(rows, title=title).encode()
        if data[199_999] >= 0xC0 or 0x80 <= data[200_000] < 0xC0:
            return data
    raise AssertionError("no padding puts a letter across byte 200,000")


def _symlink_inside(path: Path) -> None:
    target = write(path.parent.parent / "archive" / "real.csv", export_text(good_rows(2, 501)))
    path.symlink_to(target)


def _xlsx(rows):
    def writer(path: Path) -> None:
        write_xlsx(path, [*([t] for t in TITLE), HEADER, *rows])

    return writer


FILE_CASES: list[FileCase] = [
    FileCase("UTF-16 export over 200 kB", "dossiers/u16.csv", _utf16_big(), 4000),
    FileCase(
        "UTF-8 head ending inside a letter",
        "dossiers/u8.csv",
        _utf8_cut_inside_letter,
        0,  # counted below: as many rows as it holds
    ),
    FileCase(
        "Windows-1258 export",
        "dossiers/cp1258.csv",
        to_cp1258(export_text(good_rows(2, 601))),
        2,
    ),
    FileCase(
        "tab-separated .tsv export",
        "dossiers/hs.tsv",
        export_text(good_rows(2, 701), sep="\t"),
        2,
    ),
    FileCase(
        "years 1951 and 2099",
        "dossiers/years.csv",
        export_text(
            [
                dossier_row(801, received="05/10/1951"),
                dossier_row(802, received="05/10/2021", done="06/10/2099"),
                dossier_row(803),
            ]
        ),
        1,
        {r"received date outside the plausible window": 1, r"completed date outside": 1},
    ),
    FileCase(
        "received after the export's own end",
        "dossiers/after_end.csv",
        export_text([dossier_row(901, received="03/01/2022", due="07/01/2022", done="05/01/2022")]),
        0,
        {r"received date after the export's end date 31/12/2021": 1},
    ),
    FileCase(
        "received before 'Từ ngày' is carried over, kept",
        "dossiers/carried.csv",
        export_text([dossier_row(951, received="28/09/2021")]),
        1,
    ),
    FileCase(
        "31 February",
        "dossiers/feb31.csv",
        export_text([dossier_row(1001, received="31/02/2021")]),
        0,
        {r"unparseable received date": 1},
    ),
    FileCase(
        "month-first date",
        "dossiers/mdy.csv",
        export_text([dossier_row(1101, received="10/13/2021")]),
        0,
        {r"unparseable received date": 1},
    ),
    FileCase(
        "an address in an unknown column",
        "dossiers/extra.csv",
        export_text(
            [[*dossier_row(1201), SECRET_ADDRESS]], header=[*HEADER, "Ghi chú khác của cán bộ"]
        ),
        1,
    ),
    FileCase(
        "row with more fields than the header",
        "dossiers/long_row.csv",
        export_text([dossier_row(1301), [*dossier_row(1302), SECRET_ADDRESS, "x"]]),
        1,
        {r"more fields than the header": 1},
    ),
    FileCase("header cell of 5,000 characters", "dossiers/wide.csv", None, 2),
    FileCase("workbook export", "dossiers/book.xlsx", _xlsx(good_rows(2, 1501)), 2),
    FileCase(
        "hidden file", "dossiers/.an.csv", export_text(good_rows(2, 1601)), 0, in_manifest=False
    ),
    FileCase("Excel lock file", "dossiers/~$book.xlsx", b"lock", 0, in_manifest=False),
    FileCase(
        "provenance sidecar",
        "dossiers/book.xlsx.source.json",
        json.dumps({"origin": "một cửa"}),
        0,
        in_manifest=False,
    ),
    FileCase(
        "symlink inside the raw folder",
        "dossiers/linked.csv",
        _symlink_inside,
        2,
        manifest_path="archive/real.csv",
    ),
]


def _wide_header() -> str:
    return export_text(good_rows(2, 1401), header=[*HEADER, "Y" * 5_000])


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    """One clean run over every FILE_CASES input."""
    tmp = tmp_path_factory.mktemp("together")
    raw = tmp / "raw"
    for case in FILE_CASES:
        path = raw / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        content = _wide_header() if case.content is None else case.content
        if callable(content) and not isinstance(content, bytes | str):
            produced = content() if content.__code__.co_argcount == 0 else content(path)
            if produced is not None:
                write(path, produced)
        else:
            write(path, content)
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "clean", "--raw", str(raw), "--out", str(tmp / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    dossiers = pd.read_parquet(tmp / "out" / "dossiers.parquet")
    quarantine = pd.read_csv(tmp / "out" / "quarantine.csv", dtype=str)
    return result, manifest, dossiers, quarantine, tmp


def test_the_shared_run_is_clean_and_reconciles(cleaned):
    result, manifest, dossiers, quarantine, tmp = cleaned
    assert_one_clean_line(result, (SECRET_ADDRESS,))
    assert_nothing_half_written(tmp / "out")
    assert "skipped 2 hidden or lock file(s)" in result.stderr
    for entry in manifest["files"]:
        parts = ("rows_clean", "rows_quarantined", "rows_duplicate", "rows_skipped")
        assert entry["rows_read"] == sum(entry[k] for k in parts), entry
    exports = [f for f in manifest["files"] if f["kind"] == "dossiers"]
    assert sum(f["rows_clean"] for f in exports) == len(dossiers)
    assert sum(f["rows_quarantined"] for f in exports) == len(quarantine)
    assert dossiers["received_at"].dt.year.between(2021, 2021).all()


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_file_in_a_shared_clean_run(case: FileCase, cleaned):
    _result, manifest, dossiers, quarantine, tmp = cleaned
    entries = {f["path"]: f for f in manifest["files"]}
    if not case.in_manifest:
        assert case.path not in entries
        return
    path = case.manifest_path or case.path
    entry = entries[path]
    kept = dossiers[dossiers["source_file"] == path]
    if case.name == "UTF-8 head ending inside a letter":
        assert len(kept) == entry["rows_read"] > 1000 and entry["rows_quarantined"] == 0
        return
    assert len(kept) == case.clean == entry["rows_clean"]
    mine = quarantine[quarantine["source_file"] == path]
    assert len(mine) == sum(case.quarantined.values()) == entry["rows_quarantined"]
    for pattern, n in case.quarantined.items():
        assert mine["reason"].str.contains(pattern).sum() == n, mine["reason"].tolist()
