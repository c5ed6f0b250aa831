"""Reading spreadsheets and csv exports: find the header under any title block, keep known columns.

Supported: .xlsx/.xlsm/.xls/.ods (calamine, ~10x faster than openpyxl on large sheets) and
.csv/.txt/.tsv in UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258/1252, with
`,` `;` tab or `|` delimiters (sniffed on the header line). Only recognised non-personal
columns are ever loaded; blank rows, label rows, repeated headers and total rows are skipped
and counted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.ingest.columns import map_columns
from analysis.ingest.headers import (
    HEADER_SCAN_ROWS,
    MIN_HEADER_MATCHES,
    RawTable,
    check_duplicate_headers,
    combine_header_rows,
    describe,
    find_header_row,
    long_cells_note,
    recognised_headers,
    require_columns,
    required_names,
)
from analysis.ingest.text_table import read_text_table
from analysis.text import normalize_text

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
# the one registry of table formats: `clean` reads these and `run` counts these as real exports
READABLE_SUFFIXES = frozenset(SPREADSHEET_SUFFIXES | TEXT_SUFFIXES)
# files a person may keep beside exports that are not data: provenance sidecars and notes
SIDECAR_NAMES = re.compile(r"(\.source\.json|\.md|^readme(\.\w+)?)$", re.IGNORECASE)


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
            require_columns(mapping, headers, required, synonyms, describe(path, sheet))
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
            f"{path.name}: no sheet has a header row with the required columns {required_names(required)} "
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
