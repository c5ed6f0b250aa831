"""Rows that are no data: blank, lone labels, repeated headers, totals and signature footers.

They are counted as skipped, not quarantined (`classify_noise_rows` on a read table,
`is_noise_text` on a raw csv line).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analysis.ingest.vector import (
    STRING,
    arrow_strings,
    as_arrow_strings,
    by_category,
    filled,
    filter_rows,
    has_digit,
    is_categorical,
    present,
)
from analysis.text import fold, normalize_text

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
