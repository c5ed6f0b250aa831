"""Quarantine: rows that cannot be trusted, kept with their reason for a person to fix at source.

Raw values and reasons are kept only after `analysis.privacy.scrub_values` (typed masks such as
`[số điện thoại]`); personal and pseudonymised columns are never copied.

quarantine.csv is opened in spreadsheet programs, so any cell starting with = + - @ (or a tab
or carriage return) is prefixed with an apostrophe: a raw value can never run as a formula
(CSV injection, OWASP).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest.vector import (
    STRING,
    as_arrow_strings,
    filter_rows,
    rows_containing,
    starts_with_any,
    string_layout,
)
from analysis.privacy import scrub_values

QUARANTINE_COLUMNS = ["source_file", "source_row", "dossier_id", "reason"]
RAW_PREFIX = "raw_"
_FORMULA_CHARACTERS = b"=+-@\t\r"  # a cell starting with one of these gets an apostrophe in front
# raw columns never copied to quarantine (personal or pseudonymised elsewhere; a register's
# "Chủ trì" cell often holds the chair's name). Only mapped columns reach here at all: personal
# and unrecognised columns are never loaded (columns.map_columns is a whitelist).
PERSONAL_RAW = {"officer", "name", "chair_role"}


def make_formula_safe(values: pd.Series) -> pd.Series:
    """Prefix ' to text starting with = + - @ so a spreadsheet shows it instead of evaluating it."""
    text = formula_safe_text(as_arrow_strings(values.astype(STRING)).cast(pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(text), index=values.index, dtype=STRING)


def build_quarantine_rows(body: pd.DataFrame, reasons: pd.Series, source_file: str) -> pd.DataFrame:
    """Quarantine rows for the rows with a reason: where, the id if readable, why, raw values minus personal data."""
    bad = reasons.notna()
    rows = filter_rows(body, bad.to_numpy())
    out = pd.DataFrame(index=rows.index)
    out["source_file"] = source_file
    out["source_row"] = rows["source_row"].astype("int64")
    # scrubbed once: the id column and its raw copy come from the same cells
    raw_id = format_raw_values(rows["dossier_id"]) if "dossier_id" in rows else None
    out["dossier_id"] = raw_id.str.strip() if raw_id is not None else pd.NA
    # a reason can quote a raw cell ("unknown unit: <the unit as written>"): scrubbed like the values
    out["reason"] = scrub_values(reasons[bad].astype(STRING))
    for column in rows.columns:
        if column in ("source_row", "row_number") or column in PERSONAL_RAW:
            continue
        out[RAW_PREFIX + column] = (
            raw_id if column == "dossier_id" else format_raw_values(rows[column])
        )
    return out.reset_index(drop=True)


def format_raw_values(values: pd.Series) -> pd.Series:
    """Raw cells as text (dates as ISO, whole numbers without .0), personal-looking parts redacted."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    else:
        text = pd.Series(pd.arrays.ArrowStringArray(as_arrow_strings(values)), index=values.index)
    return scrub_values(text)


def write_quarantine(frames: list[pd.DataFrame], path: Path) -> int:
    """Write every quarantined row (formula-safe, UTF-8 with BOM so Excel shows Vietnamese); rows written."""
    frames = [f for f in frames if len(f)]
    # one text dtype everywhere: pandas warns (FutureWarning) when it joins an all-NA column of
    # one dtype with another dtype
    frames = [f.astype({c: STRING for c in f.columns if c != "source_row"}) for f in frames]
    table = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    raw_columns = sorted(c for c in table.columns if c not in QUARANTINE_COLUMNS)
    table = table[QUARANTINE_COLUMNS + raw_columns]
    table = table.sort_values(["source_file", "source_row"], kind="mergesort").reset_index(
        drop=True
    )
    cells = [
        pc.cast(pa.array(table[c].to_numpy(dtype="int64")), pa.string())
        if c == "source_row"
        else formula_safe_text(as_arrow_strings(table[c]).cast(pa.string()))
        for c in table.columns
    ]
    Path(path).write_bytes(codecs.BOM_UTF8 + csv_bytes(list(table.columns), cells))
    return len(table)


def formula_safe_text(text: pa.Array) -> pa.Array:
    """`make_formula_safe` on an Arrow string array."""
    risky = starts_with_any(text, _FORMULA_CHARACTERS)
    if not risky.any():
        return text
    return pc.if_else(pa.array(risky), pc.binary_join_element_wise("'", text, ""), text)


def csv_bytes(header: list[str], columns: list[pa.Array]) -> bytes:
    """Rows as csv text as Python's csv module writes them with minimal quoting (a cell holding
    , " or a line break is quoted, quotes doubled; missing is empty; a lone carriage return is
    quoted too, which the module does not do), built with Arrow's string kernels instead of one
    Python call per cell."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(header)
    head = text.getvalue().encode("utf-8")
    if not columns or not len(columns[0]):
        return head
    quoted = []
    for values in columns:
        needs = rows_containing(values, b',"\r\n')
        if needs.any():
            doubled = pc.replace_substring(values, '"', '""')
            doubled = pc.binary_join_element_wise('"', doubled, '"', "")
            values = pc.if_else(pa.array(needs), doubled, values)
        quoted.append(pc.fill_null(values, ""))
    lines = pc.binary_join_element_wise(*quoted, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")  # each line followed by its newline
    start, length, data = string_layout(lines)  # the lines' bytes lie end to end
    return head + data[start[0] : start[-1] + length[-1]].tobytes()
