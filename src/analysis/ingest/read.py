"""Reading spreadsheets and csv exports: find the header under any title block, keep known columns.

Supported: .xlsx/.xlsm/.xls/.ods (calamine, ~10x faster than openpyxl on large sheets) and
.csv/.txt/.tsv in UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258/1252, with
`,` `;` tab or `|` delimiters (sniffed on the header line). Only recognised non-personal
columns are ever loaded; blank rows, label rows, repeated headers and total rows are skipped
and counted.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pandas.api.types import union_categoricals

from analysis.errors import UserError
from analysis.ingest.columns import (
    closest_headers,
    duplicate_columns,
    header_match_count,
    is_personal_header,
    map_columns,
    score_header,
)
from analysis.ingest.dates import extract_period_end
from analysis.ingest.vector import (
    STRING,
    arrow_strings,
    as_arrow_strings,
    by_category,
    dictionary_categorical,
    filled,
    filter_rows,
    has_digit,
    is_categorical,
    present,
)
from analysis.text import fold, normalize_text

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
# the one registry of table formats: `clean` reads these and `run` counts these as real exports
READABLE_SUFFIXES = frozenset(SPREADSHEET_SUFFIXES | TEXT_SUFFIXES)
# files a person may keep beside exports that are not data: provenance sidecars and notes
SIDECAR_NAMES = re.compile(r"(\.source\.json|\.md|^readme(\.\w+)?)$", re.IGNORECASE)
HEAD_BYTES = 200_000  # what is read to find the header and the encoding of a text export
MAX_HEADER_CELL = 1_000  # characters: no export's header cell is longer
HEADER_SCAN_ROWS = 40
MIN_HEADER_MATCHES = 3
DELIMITERS = (",", ";", "\t", "|")
_TOTAL_ROW = re.compile(r"^(tong cong|tong so|tong|cong|total|sum|grand total)\b")
# signature block and place-and-date line under a report (folded): never data, often names
_FOOTER_LABEL = re.compile(
    r"^(nguoi lap( bieu)?|nguoi ky|nguoi kiem tra|nguoi duyet|nguoi tong hop|ke toan"
    r"|thu truong( don vi| co quan)?|(kt|tm|tl|q|ktl) (chu tich|truong|giam doc|ubnd|uy ban)"
    r"|(pho )?chu tich( ubnd)?|(pho )?truong (phong|bo phan|ban)|(pho )?giam doc|lanh dao"
    r"|xac nhan cua|noi nhan|ky ghi ro|ky ten|ky va ghi ro|ky dong dau|ky ho ten|da ky"
    r"|prepared by|approved by|signature|signed)\b"
    r"|^([^\d]{0,40} )?ngay( \d{1,2})? thang( \d{1,2})? nam\b"
)
FOOTER_MAX_CELLS = 6  # a signature row holds a few labels or names, never a whole record
_DICTIONARY = pa.dictionary(pa.int32(), pa.large_string())


@dataclass
class RawTable:
    """One sheet (or csv) as read: canonical columns as raw cells plus where they came from."""

    path: Path
    sheet: str | None
    header_row: int  # 1-based, as a person sees it
    headers: list[str]
    data: pd.DataFrame  # canonical columns + source_row
    rows_read: int
    rows_skipped: int = 0
    title_lines: list[str] = field(default_factory=list)
    malformed_rows: list[tuple[int, str]] = field(
        default_factory=list
    )  # csv lines, wrong field count (in memory only)
    footer_row: int | None = None  # first total or signature row (set when noise is classified)

    @property
    def as_of_title(self) -> pd.Timestamp | None:
        """Period end written in the title block, if any."""
        return extract_period_end(self.title_lines)


def describe(path: Path, sheet: str | None) -> str:
    return f"{path.name}" + (f", sheet '{sheet}'" if sheet else "")


def combine_header_rows(
    top: list[object], below: list[object], synonyms: dict
) -> tuple[list[str], int]:
    """Headers and how many rows they take: one, or two when a merged group cell ("Ngày", "Thời
    gian") sits above sub-columns ("Tiếp nhận", "Hẹn trả") and combining them names more columns."""
    top_text = [normalize_text(c) for c in top]
    below_text = [normalize_text(c) for c in below] + [""] * max(0, len(top) - len(below))
    if sum(bool(t) for t in below_text) < 2 or any(re.search(r"\d", t) for t in below_text):
        return top_text, 1  # a data row (ids, dates, numbers) or nothing below the header
    combined, parent = [], ""
    for above, sub in zip(top_text, below_text[: len(top_text)], strict=True):
        parent = above or parent
        combined.append(f"{parent} {sub}".strip() if sub else above)
    if header_match_count(combined, synonyms) > header_match_count(top_text, synonyms):
        return combined, 2
    return top_text, 1


def find_header_row(rows: list[list[object]], synonyms: dict) -> tuple[int, int]:
    """Index of the row that looks most like a header (most known column names) and its score."""
    best, best_score = -1, 0
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = header_match_count(cells, synonyms)
        if score > best_score:
            best, best_score = index, score
    return best, best_score


def _require(
    mapping: dict[int, str],
    headers: list[object],
    required: tuple[str, ...],
    synonyms: dict,
    where: str,
) -> None:
    """Every required column found; a name "a|b" is satisfied by either column."""
    found = set(mapping.values())
    for name in required:
        choices = name.split("|")
        if not found.intersection(choices):
            near = closest_headers(choices[0], headers, synonyms, set(mapping))
            hint = f"; closest headers found: {', '.join(repr(h) for h in near)}" if near else ""
            wanted = "' or '".join(choices)
            raise UserError(f"{where}: required column '{wanted}' not found in header row{hint}")


def _names(required: tuple[str, ...]) -> str:
    return ", ".join(name.replace("|", " or ") for name in required)


def _sheet_grid(path: Path) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as error:  # calamine raises several types for corrupt files
        raise UserError(
            f"{path.name}: cannot be read as a spreadsheet ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:120] if str(error) else 'damaged file'})"
        ) from None


def read_spreadsheet(path: Path, synonyms: dict, required: tuple[str, ...]) -> list[RawTable]:
    """Every sheet of a workbook that has a recognisable header row; error if none has."""
    sheets = _sheet_grid(path)
    tables: list[RawTable] = []
    missing_errors: list[UserError] = []
    best_miss: tuple[int, str, list[object]] | None = None
    for sheet, grid in sheets.items():
        if grid.empty:
            continue
        head = grid.head(HEADER_SCAN_ROWS).to_numpy(dtype=object).tolist()
        index, score = find_header_row(head, synonyms)
        if score < MIN_HEADER_MATCHES:
            if best_miss is None or score > best_miss[0]:
                best_miss = (score, sheet, head[index] if index >= 0 else [])
            continue
        below = head[index + 1] if index + 1 < len(head) else []
        headers, header_rows = combine_header_rows(head[index], below, synonyms)
        check_duplicate_headers(headers, synonyms, describe(path, sheet), index + 1)
        mapping = map_columns(headers, synonyms)
        try:
            _require(mapping, headers, required, synonyms, describe(path, sheet))
        except UserError as error:  # a summary or notes sheet: fine if another sheet has the data
            missing_errors.append(error)
            continue
        first = index + header_rows
        body = grid.iloc[first:, list(mapping)]
        body.columns = list(mapping.values())
        body = body.reset_index(drop=True)
        body["source_row"] = np.arange(first + 1, first + 1 + len(body), dtype="int64")
        titles = [
            " ".join(normalize_text(c) for c in row if normalize_text(c)) for row in head[:index]
        ]
        tables.append(
            RawTable(
                path, str(sheet), first, headers, body, rows_read=len(body), title_lines=titles
            )
        )
    if not tables and missing_errors:
        raise missing_errors[0]
    if not tables:
        names = ", ".join(repr(str(s)) for s in sheets) or "none"
        if best_miss is None:
            raise UserError(f"{path.name}: the workbook is empty (sheets: {names})")
        near = recognised_headers(best_miss[2], synonyms)[:6]
        long_cell = "".join(
            long_cells_note(grid.head(HEADER_SCAN_ROWS).to_numpy(dtype=object).tolist())
            for grid in sheets.values()
        )[:200]
        raise UserError(
            f"{path.name}: no sheet has a header row with the required columns {_names(required)} "
            f"(sheets: {names}; best candidate in sheet '{best_miss[1]}': {near}){long_cell}"
        )
    return tables


@dataclass
class FolderSurvey:
    """What a raw folder holds: files `clean` reads, files it cannot read, and files it skips."""

    readable: list[Path] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)  # an unknown format: data not read
    skipped: list[Path] = field(default_factory=list)  # hidden, lock (~$) and sidecar files


def is_inside(path: Path, root: Path) -> bool:
    """True when `path`, symlinks followed, lies inside `root` (symlinks followed too)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def survey_folder(
    folder: Path, root: Path | None = None, suffixes: frozenset[str] = READABLE_SUFFIXES
) -> FolderSurvey:
    """Sort every file below `folder` by whether `clean` can read it (one registry of formats).

    A symlink that leads out of `root` (default: `folder`) is refused: raw data is what a
    person put into the raw folder, never a file elsewhere on the machine."""
    survey = FolderSurvey()
    if not folder.is_dir():
        return survey
    root = root or folder
    for directory, subdirs, files in os.walk(folder):
        base = Path(directory)
        survey.skipped += [base / d for d in sorted(subdirs) if d.startswith(".")]
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(files) + [d for d in subdirs if (base / d).is_symlink()]:
            path = base / name
            if path.is_symlink() and not is_inside(path, root):
                raise UserError(
                    f"{path}: a symbolic link leading out of {root}; copy the file into the "
                    "raw folder instead"
                )
            if path.is_dir():
                continue
            if name.startswith((".", "~$")) or SIDECAR_NAMES.search(name):
                survey.skipped.append(path)
            elif path.suffix.lower() in suffixes:
                survey.readable.append(path)
            else:
                survey.unreadable.append(path)
    for found in (survey.readable, survey.unreadable, survey.skipped):
        found.sort()
    return survey


def decode_bytes(
    data: bytes, path: Path, skip_utf8: bool = False, final: bool = True
) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1258.

    Decoding is on whole characters: with `final=False` (a head cut from a longer file) a
    character cut at the end of `data` is left out instead of failing (a UTF-16 head cut after a
    `\\n` byte has an odd length; a UTF-8 head can end inside a letter)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return codecs.getincrementaldecoder("utf-16")().decode(data, final=final), "utf-16"
        except UnicodeDecodeError as error:
            raise UserError(
                f"{path.name}: not valid UTF-16 at byte {error.start:,} (a truncated or damaged file?)"
            ) from None
    for encoding in ("cp1258", "cp1252") if skip_utf8 else ("utf-8-sig", "cp1258", "cp1252"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=final), encoding
        except UnicodeDecodeError:
            continue
    raise UserError(f"{path.name}: cannot decode the file as UTF-8, UTF-16 or Windows-1258")


def column_letter(position: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def short_header(value: object, limit: int = 60) -> str:
    """A header cell as an error message shows it: normalised and cut to `limit` characters."""
    text = normalize_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_duplicate_headers(
    headers: list[object], synonyms: dict, where: str, header_row: int
) -> None:
    """Two columns read as the same canonical column (or with the same header text) are an error:
    taking either one silently can turn result dates into received dates."""
    clashes = duplicate_columns(headers, synonyms)
    if not clashes:
        return
    field_name, first, second = clashes[0]
    raise UserError(
        f"{where}: header row {header_row}: columns {column_letter(first)} "
        f"('{short_header(headers[first])}') and {column_letter(second)} "
        f"('{short_header(headers[second])}') both read as '{field_name}'; rename or delete one"
    )


def long_cells_note(rows: list[list[object]]) -> str:
    """'; row 1, column A holds 200,000 characters …' for the first over-long cell, else ''."""
    for number, cells in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        for position, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_HEADER_CELL:
                return (
                    f"; row {number}, column {column_letter(position)} holds {len(cell):,} "
                    f"characters (no header cell is longer than {MAX_HEADER_CELL:,})"
                )
    return ""


def recognised_headers(cells: list[object], synonyms: dict) -> list[str]:
    """The cells of a row that read as known headers (what an error may show of a row)."""
    shown = []
    for cell in cells:
        folded = fold(cell)
        if not folded or len(folded) > 80:
            continue
        if score_header(folded, synonyms)[0] is not None or is_personal_header(folded):
            shown.append(short_header(cell, 40))
    return shown


def sniff_header(lines: list[str], synonyms: dict) -> tuple[int, str, list[str], int]:
    """Header line index, delimiter and header cells: the (line, delimiter) with most known names."""
    best = (-1, ",", [], 0)
    for index, line in enumerate(lines[:HEADER_SCAN_ROWS]):
        for delimiter in DELIMITERS:
            if delimiter not in line or len(line) > MAX_HEADER_CELL * 100:
                continue
            try:
                cells = next(csv.reader([line], delimiter=delimiter))
            except csv.Error:  # a field over csv's limit: no header line
                continue
            score = header_match_count(cells, synonyms)
            if score > best[3]:
                best = (index, delimiter, cells, score)
    return best


def read_text_table(
    path: Path, synonyms: dict, required: tuple[str, ...], repeated: frozenset[str] = frozenset()
) -> list[RawTable]:
    """A delimited text export read with pyarrow as strings, loading only the known columns.

    Columns named in `repeated` (a few dozen spellings over a million rows: units, procedures,
    statuses) are read dictionary-encoded and handed on as pandas categoricals: each distinct
    text is stored once, and the rules run on the categories."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head or (size <= len(head) and head.isspace()):
        raise UserError(f"{path.name}: the file is empty")
    partial = size > len(head)
    text, encoding = decode_bytes(head, path, final=not partial)
    if partial:  # whole lines only (decoded first: a UTF-16 newline is two bytes)
        cut = text.rfind("\n")
        if cut < 0:
            raise UserError(
                f"{path.name}: line 1 is longer than {HEAD_BYTES:,} bytes: no title or header "
                f"line is this long (no header cell is longer than {MAX_HEADER_CELL:,} characters)"
            )
        text = text[: cut + 1]
    if encoding != "utf-8-sig" and partial:
        text, encoding = decode_bytes(path.read_bytes(), path)
    head_lines = text[:HEAD_BYTES].splitlines()
    index, delimiter, cells, score = sniff_header(head_lines, synonyms)
    if score < MIN_HEADER_MATCHES:
        long_line = next(
            (
                f"; line {n} is {len(line):,} characters long"
                for n, line in enumerate(head_lines[:HEADER_SCAN_ROWS], start=1)
                if len(line) > MAX_HEADER_CELL * 10
            ),
            "",
        )
        raise UserError(
            f"{path.name}: no header row with the required columns {_names(required)} "
            f"in the first {HEADER_SCAN_ROWS} lines{long_line}"
        )
    below = (
        next(csv.reader([head_lines[index + 1]], delimiter=delimiter))
        if index + 1 < len(head_lines)
        else []
    )
    headers, header_rows = combine_header_rows(cells, below, synonyms)
    check_duplicate_headers(headers, synonyms, describe(path, None), index + 1)
    index += header_rows - 1  # data starts after the last header line
    mapping = map_columns(headers, synonyms)
    _require(mapping, headers, required, synonyms, describe(path, None))
    # UTF-8: Arrow reads the file itself (no copy in Python); else the decoded text re-encoded
    payload: str | bytes = str(path) if encoding == "utf-8-sig" else text.encode("utf-8")
    names = [f"c{i}" for i in range(len(headers))]
    keep = [names[i] for i in mapping]
    bad_lines: list[int] = []

    def on_invalid(row) -> str:
        bad_lines.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    def read(use_threads: bool) -> pa.Table:
        bad_lines.clear()
        # a memory map, not a file read: Arrow parses the page cache in place instead of copying
        # the whole file into fresh buffers (new memory is what costs most on a busy machine)
        source = pa.memory_map(payload) if isinstance(payload, str) else io.BytesIO(payload)
        with source:
            return _read_csv(source, use_threads)

    def _read_csv(source, use_threads: bool) -> pa.Table:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                skip_rows=index + 1, column_names=names, use_threads=use_threads, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={  # large strings: pandas' own string type
                    n: _DICTIONARY if mapping[int(n[1:])] in repeated else pa.large_string()
                    for n in keep
                },
                include_columns=keep,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    try:
        try:
            table = read(True)
        except pa.ArrowInvalid as error:
            if "utf8" not in str(error).lower() or encoding != "utf-8-sig":
                raise
            # the head was UTF-8 but a later line is not: a Windows-1258 export after all
            text, encoding = decode_bytes(path.read_bytes(), path, skip_utf8=True)
            payload = text.encode("utf-8")
            table = read(True)
        if bad_lines:
            table = read(False)  # line numbers are only known single-threaded
    except pa.ArrowInvalid as error:
        raise UserError(
            f"{path.name}: cannot parse as '{delimiter}'-delimited text ({arrow_reason(error)})"
        ) from None
    if repeated:
        table = table.unify_dictionaries()  # one dictionary per column, shared by its chunks
    body = arrow_strings_frame(table, [mapping[int(n[1:])] for n in table.column_names])
    header_line = index + 1
    total = len(body) + len(bad_lines)
    lines = np.arange(header_line + 1, header_line + 1 + total, dtype="int64")
    if bad_lines:
        lines = lines[~np.isin(lines, np.asarray([n for n, _ in bad_lines]))]
    body["source_row"] = lines[: len(body)]
    short, long = split_short_rows(bad_lines, delimiter, len(headers))
    if short:
        # exports that trim trailing empty cells: pad the row, it is data like any other
        extra = pd.DataFrame(
            {
                name: pd.Series([cells[i] or None for _, cells in short], dtype=STRING)
                for i, name in mapping.items()
            }
        )
        extra["source_row"] = np.array([n for n, _ in short], dtype="int64")
        for name in body.columns[body.dtypes == "category"]:  # joined as categoricals, not objects
            joined = union_categoricals(
                [body[name].array, pd.Categorical(extra[name].astype(object))]
            )
            body[name] = pd.Series(joined[: len(body)], index=body.index)
            extra[name] = pd.Series(joined[len(body) :], index=extra.index)
        body = pd.concat([body, extra], ignore_index=True).sort_values("source_row", kind="stable")
        body = body.reset_index(drop=True)
    titles = [
        normalize_text(line.replace(delimiter, " "))
        for line in head_lines[: index + 1 - header_rows]
    ]
    return [
        RawTable(
            path,
            None,
            header_line,
            headers,
            body,
            rows_read=total,
            title_lines=[t for t in titles if t],
            malformed_rows=long,
        )
    ]


def arrow_reason(error: Exception) -> str:
    """Arrow's parse error without the offending row's text (it may hold personal data)."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = re.sub(r"(got \d+ columns?)\s*:.*", r"\1", text)
    return re.sub(r":\s*'.*$|\s+in\s+CSV\s+row.*$", "", text)[:160]


def arrow_strings_frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    """Arrow string columns wrapped as pandas Series without a copy (to_pandas is ~10x slower);
    dictionary columns become categoricals (their codes, their categories)."""
    columns = {
        name: (
            pd.Series(dictionary_categorical(table.column(i)), copy=False)
            if pa.types.is_dictionary(table.column(i).type)
            else pd.Series(pd.arrays.ArrowStringArray(table.column(i)), dtype=STRING, copy=False)
        )
        for i, name in enumerate(names)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def split_short_rows(
    bad_lines: list[tuple[int, str]], delimiter: str, width: int
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Rows with fewer fields than the header (padded with blanks) and rows with more (malformed)."""
    short, long = [], []
    for number, text in bad_lines:
        cells = next(csv.reader([text], delimiter=delimiter), [])
        if len(cells) <= width:
            short.append((number, [c.strip() for c in cells] + [""] * (width - len(cells))))
        else:
            long.append((number, text))
    return short, sorted(long)


def read_export(
    path: Path, synonyms: dict, required: tuple[str, ...], repeated: frozenset[str] = frozenset()
) -> list[RawTable]:
    """Read one raw file of any supported kind; UserError names the file and what is wrong.

    `repeated`: canonical columns to read dictionary-encoded from csv (see `read_text_table`)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise UserError(f"{path.name}: the file is empty")
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(path, synonyms, required)
    if suffix in TEXT_SUFFIXES:
        return read_text_table(path, synonyms, required, repeated)
    raise UserError(f"{path.name}: unsupported file type '{suffix}' (use .xlsx or .csv)")


def classify_noise_rows(
    body: pd.DataFrame,
    key_columns: list[str],
    header_values: dict[str, str],
    footer_keys: list[str] | None = None,
) -> pd.Series:
    """True for rows to skip: blank, a lone label, a total row ('Tổng cộng: N hồ sơ'), a repeated
    header, or a footer row (signature block, place-and-date line).

    Footer rows are rows whose first text is a signature label ("Người lập biểu", "KT. CHỦ TỊCH",
    "(Ký, ghi rõ họ tên)", "Ba Vì, ngày 31 tháng 12 năm 2021") and, with `footer_keys`, rows
    below the first total or signature row whose keys hold no digit at all (a signer's name in
    the id column is no dossier number; a date always has digits). The start of that footer
    (its source_row, or None) is left in `noise.attrs["footer_row"]`.
    Other rows with two or more filled fields but no key are NOT noise: they go to quarantine.
    """
    cells = body.drop(columns=["source_row"], errors="ignore")
    # cheap bound first: a row with more than 3 non-null cells is noise only if its keys are blank
    counts = np.zeros(len(cells), dtype=np.int64)
    for column in cells:  # column by column, in place: a frame-wide notna().sum(axis=1) is slower
        counts += present(cells[column])
    n_notna = pd.Series(counts, index=body.index)
    keys = [k for k in key_columns if k in cells]
    keys_blank = pd.Series(True, index=body.index)
    for key in keys:
        keys_blank &= ~filled(cells[key])
    check = n_notna.le(3) | keys_blank
    n_filled = n_notna.copy()
    if check.any():
        subset = filter_rows(cells, check.to_numpy())
        sums = pd.DataFrame({c: filled(subset[c]) for c in subset}, index=subset.index).sum(axis=1)
        filled_counts = counts.copy()  # positional: no index alignment over every row
        filled_counts[check.to_numpy()] = sums.to_numpy()
        n_filled = pd.Series(filled_counts, index=body.index)
    noise = n_filled.eq(0) | (n_filled.le(1) & keys_blank)
    few = n_filled.between(1, 3)  # lone labels are noise already; a total row is told apart
    footer = np.zeros(len(cells), dtype=bool)  # total and signature rows: where a footer starts
    if few.any():
        # rows with 1-3 filled cells are rare (totals, labels)
        total = _first_texts(filter_rows(cells, few.to_numpy())).map(_fold_head)
        total = total.str.match(_TOTAL_ROW.pattern).fillna(False).to_numpy(dtype=bool)
        noise.loc[few] = noise[few].to_numpy() | total
        footer[few.to_numpy()] = total
    digits: dict[str, np.ndarray] = {}  # has_digit per key column, computed once

    def with_digit(column: str) -> np.ndarray:
        if column not in digits:
            digits[column] = _has_digit(cells[column])
        return digits[column]

    id_key = keys[0] if keys else None
    no_id = ~with_digit(id_key) if id_key else np.ones(len(cells), dtype=bool)
    sparse = (n_filled.between(1, FOOTER_MAX_CELLS).to_numpy() & no_id) & ~noise.to_numpy()
    if sparse.any():
        # rows without a dossier number and few cells are rare: their first text, column by column
        folded = _first_texts(filter_rows(cells, sparse)).map(_fold_head)
        label = folded.str.match(_FOOTER_LABEL.pattern).fillna(False).to_numpy(dtype=bool)
        rows = np.flatnonzero(sparse)[label]
        noise.iloc[rows] = True
        footer[rows] = True
    footer_row = None
    if footer.any():
        start = int(np.argmax(footer))
        if "source_row" in body:
            footer_row = int(body["source_row"].iloc[start])
        if footer_keys:
            below = np.arange(len(cells)) > start
            no_key = below.copy()
            for key in footer_keys:
                if key in cells:
                    no_key &= ~with_digit(key)
            noise |= no_key
    for column, header in header_values.items():
        wanted = normalize_text(header).lower()
        if column in cells and wanted:
            values = cells[column]
            # a header without digits never equals a cell with one: only those cells are compared
            rows = values.notna().to_numpy()
            if not re.search(r"\d", wanted):
                rows &= ~with_digit(column)
            if rows.any():
                text = pc.utf8_lower(pc.utf8_trim_whitespace(as_arrow_strings(values[rows])))
                repeated = pc.fill_null(pc.equal(text, wanted), False)
                hit = np.zeros(len(cells), dtype=bool)
                hit[rows] = repeated.to_numpy(zero_copy_only=False)
                noise |= hit
    noise = noise.astype(bool)
    noise.attrs["footer_row"] = footer_row
    return noise


def is_noise_text(text: str, in_footer: bool = False) -> bool:
    """True for a raw csv line that is blank (only delimiters), a total row or a footer row: a
    signature label or place-and-date line, or (below the footer's start) a line without digits."""
    folded = fold(text[:80])
    return (
        not folded
        or bool(_TOTAL_ROW.match(folded))
        or bool(_FOOTER_LABEL.match(folded))
        or (in_footer and not re.search(r"\d", text))
    )


def _has_digit(values: pd.Series) -> np.ndarray:
    """True where a cell holds a digit (date cells and numbers always do)."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.notna().to_numpy()
    if is_categorical(values):
        return by_category(values, has_digit)
    return has_digit(arrow_strings(values))


def _first_texts(cells: pd.DataFrame) -> pd.Series:
    """The first filled cell of each row as text, column by column (no per-row Python loop)."""
    first = pd.Series(pd.NA, index=cells.index, dtype=STRING)
    for column in cells:
        values = cells[column]
        take = (first.isna() & filled(values)).to_numpy()
        if take.any():
            first[take] = pd.array(as_arrow_strings(values[take]), dtype=STRING)
    return first.fillna("")


def _fold_head(value: str) -> str:
    return fold(str(value)[:40])
