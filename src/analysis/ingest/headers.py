"""The header row of an export: where it is, what its cells name, what is wrong with it.

Shared by the spreadsheet and the csv readers (`ingest.read`, `ingest.text_table`); the error
messages name the file, the row and the column as a person sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.ingest.columns import (
    closest_headers,
    duplicate_columns,
    header_match_count,
    is_personal_header,
    score_header,
)
from analysis.ingest.dates import extract_period_end
from analysis.text import fold, normalize_text

MAX_HEADER_CELL = 1_000  # characters: no export's header cell is longer
HEADER_SCAN_ROWS = 40
MIN_HEADER_MATCHES = 3


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


def require_columns(
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


def required_names(required: tuple[str, ...]) -> str:
    return ", ".join(name.replace("|", " or ") for name in required)


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
