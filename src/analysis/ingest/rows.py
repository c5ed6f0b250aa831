"""Rosters and registers row by row, and what every raw table shares: files, names, noise.

Used by `clean` (officer rosters) and by the `meetings` step (meeting registers): read, skip
blank and total rows, build, split valid rows from quarantined ones, count for the manifest.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.ingest.noise import classify_noise_rows, is_noise_text
from analysis.ingest.quarantine import build_quarantine_rows
from analysis.ingest.read import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, read_export
from analysis.ingest.vector import STRING
from analysis.privacy import scrub_values

TABLE_SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
# roster, register and report columns written as people typed them (analysis.privacy masks them)
FREE_TEXT_COLUMNS = frozenset({"title", "chair_role", "evidence"})
MALFORMED_REASON = "row has more fields than the header (a delimiter inside an unquoted value?)"


def list_files(folder: Path, suffixes: set[str]) -> list[Path]:
    """Files below a folder with the given suffixes, sorted (hidden files and ~$ lock files ignored)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith((".", "~$"))
    )


def relative_name(path: Path, roots: list[Path]) -> str:
    """Path relative to the first root containing it (what the manifest and source_file show)."""
    for root in roots:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def clean_rows(
    files: list[Path],
    roots: list[Path],
    kind: str,
    synonyms: dict,
    required: tuple,
    build,
    entries: dict,
    columns: list[str],
    **kwargs,
):
    """Rosters or registers: read, skip noise, build, split valid / quarantine, count."""
    valid, quarantine = [], []
    for path in files:
        source = relative_name(path, roots)
        entry = entries[source]
        for table in read_export(path, synonyms, required):
            noise = classify_noise_rows(table.data, list(required), {})
            body = table.data[~noise]
            frame, reasons = build(body, source, **kwargs)
            bad = reasons.notna()
            entry["rows_read"] += table.rows_read
            skipped, broken = split_malformed_rows(table, after_footer=False)
            entry["rows_skipped"] += int(noise.sum()) + skipped
            entry["rows_quarantined"] += int(bad.sum()) + len(broken)
            entry["rows_clean"] += int((~bad).sum())
            quarantine.append(build_quarantine_rows(body, reasons, source))
            if broken:
                quarantine.append(malformed_quarantine_rows(source, broken))
            valid.append(frame[~bad])
    table = pd.concat(valid, ignore_index=True) if valid else pd.DataFrame(columns=columns)
    return table, quarantine


def split_malformed_rows(table, after_footer: bool) -> tuple[int, list[int]]:
    """Csv lines with more fields than the header: (how many are noise, rows to quarantine).

    With `after_footer`, a line below the total/signature row is judged as footer text.
    """
    footer_row = table.footer_row if after_footer else None
    skip = [
        is_noise_text(text, footer_row is not None and n > footer_row)
        for n, text in table.malformed_rows
    ]
    broken = [n for (n, _), s in zip(table.malformed_rows, skip, strict=True) if not s]
    return sum(skip), broken


def malformed_quarantine_rows(source: str, rows: list[int]) -> pd.DataFrame:
    """Quarantine entries for csv lines that could not be split into the header's columns."""
    return pd.DataFrame(
        {
            "source_file": source,
            "source_row": rows,
            "dossier_id": pd.NA,
            "reason": MALFORMED_REASON,
        }
    )


def text_columns_to_arrow(frame: pd.DataFrame) -> pd.DataFrame:
    """Object (text) columns as Arrow-backed strings, so every table reads back with one text dtype."""
    frame = frame.copy()
    for column in frame.columns[frame.dtypes.eq(object)]:
        frame[column] = frame[column].astype(STRING)
    return frame


def scrub_free_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Free-text columns (titles, the chair's role, meeting evidence) with personal data masked."""
    frame = frame.copy(deep=False)
    for column in FREE_TEXT_COLUMNS.intersection(frame.columns):
        frame[column] = scrub_values(frame[column])
    return frame
