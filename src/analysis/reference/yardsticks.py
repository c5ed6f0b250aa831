"""Yardsticks by date: each indicator is shown only for periods in which its legal basis applied.

The bases and their dates are data (`data/yardsticks.csv`, with a `verified` column), not code:
QĐ 766/QĐ-TTg (23/6/2022) did not exist in 2021, whose meetings judged communes by the on-time
rate and the online shares at mức độ 3 and mức độ 4 (Nghị định 43/2011/NĐ-CP).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _read_yardsticks() -> pd.DataFrame:
    table = pd.read_csv(DATA_DIR / "yardsticks.csv", dtype=str, keep_default_na=False)
    for column in ("issued", "valid_from", "valid_to"):
        table[column] = pd.to_datetime(table[column].replace("", None))
    table["verified"] = table["verified"].str.lower().eq("yes")
    return table


def load_yardsticks() -> pd.DataFrame:
    """Every indicator with its legal basis, dates it applied (valid_to empty = still) and `verified`."""
    return _read_yardsticks().copy()


def yardstick_applies(indicator: str, period_start: object) -> bool:
    """True when the indicator's basis was in force on the period's first day.

    Indicators not listed in the table have no dated basis and always apply.
    """
    table = _read_yardsticks()
    rows = table[table["indicator"] == indicator]
    if rows.empty:
        return True
    day = pd.Timestamp(period_start).normalize()
    row = rows.iloc[0]
    starts_ok = pd.isna(row["valid_from"]) or row["valid_from"] <= day
    ends_ok = pd.isna(row["valid_to"]) or day <= row["valid_to"]
    return bool(starts_ok and ends_ok)


def yardstick_label(indicator: str) -> str:
    """The official Vietnamese name of the indicator."""
    rows = _read_yardsticks()
    match = rows.loc[rows["indicator"] == indicator, "label_vi"]
    return str(match.iloc[0]) if not match.empty else indicator


def yardstick_basis(indicator: str) -> str:
    """The legal basis of the indicator as written in the reference table."""
    rows = _read_yardsticks()
    match = rows.loc[rows["indicator"] == indicator, "legal_basis"]
    return str(match.iloc[0]) if not match.empty else ""
