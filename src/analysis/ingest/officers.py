"""Officer roster -> officers.parquet: who staffed each commune's one-stop desk, when, and how.

Names become the same keyed-hash ids as in the dossier exports ("Cán bộ xử lý"), so dossiers
can be joined to the roster without any name leaving data/raw.
"""

from __future__ import annotations

import pandas as pd

from analysis.ingest.contract import OFFICERS
from analysis.ingest.dates import parse_dates
from analysis.ingest.dossiers import resolve_units
from analysis.ingest.privacy import pseudonymize_officers
from analysis.text import fold, normalize_text

OFFICER_COLUMNS = OFFICERS.names  # declared in analysis.ingest.contract


def concurrent_of(value: object) -> object:
    """Hình thức bố trí: kiêm nhiệm (concurrent, alongside a main job) -> True; chuyên trách -> False."""
    key = fold(value)
    if not key:
        return pd.NA
    if "kiem" in key or "concurrent" in key or "part time" in key:
        return True
    if "chuyen trach" in key or "chuyen" in key or "dedicated" in key or "full time" in key:
        return False
    return pd.NA


def build_officers(
    body: pd.DataFrame, source_file: str, secret: bytes
) -> tuple[pd.DataFrame, pd.Series]:
    """Clean roster rows and a reason per row (None when valid)."""
    start = (
        parse_dates(body["start_date"])
        if "start_date" in body
        else pd.Series(pd.NaT, index=body.index)
    )
    end = (
        parse_dates(body["end_date"]) if "end_date" in body else pd.Series(pd.NaT, index=body.index)
    )
    units = resolve_units(body["unit"], start.fillna(pd.Timestamp("2021-12-31")))
    arrangement = (
        body["arrangement"] if "arrangement" in body else pd.Series(None, index=body.index)
    )
    frame = pd.DataFrame(
        {
            "officer_id": pseudonymize_officers(body["name"], secret),
            "commune_code": units["commune_code"].astype("string"),
            "title": body["title"].map(normalize_text).replace("", pd.NA).astype("string")
            if "title" in body
            else pd.NA,
            "is_concurrent": arrangement.astype("object").map(concurrent_of).astype("boolean"),
            "start_date": start,
            "end_date": end,
            "source_file": source_file,
            "source_row": body["source_row"].astype("int64"),
        },
        index=body.index,
    )
    reasons = pd.Series(None, index=body.index, dtype="object")

    def flag(mask: pd.Series, reason: object) -> None:
        reasons.loc[mask & reasons.isna()] = (
            reason if isinstance(reason, str) else reason[mask & reasons.isna()]
        )

    flag(frame["officer_id"].isna(), "missing officer name")
    flag(frame["commune_code"].isna(), units["unit_reason"].astype(object).fillna("unknown unit"))
    raw_start = (
        body["start_date"].astype("string").str.strip().fillna("") if "start_date" in body else None
    )
    if raw_start is not None:
        flag(start.isna() & raw_start.ne(""), "unparseable start date")
    raw_end = (
        body["end_date"].astype("string").str.strip().fillna("") if "end_date" in body else None
    )
    if raw_end is not None:
        flag(end.isna() & raw_end.ne(""), "unparseable end date")
    flag(end.notna() & start.notna() & (end < start), "end date before start date")
    flag(frame["is_concurrent"].isna(), "unknown arrangement (neither kiêm nhiệm nor chuyên trách)")
    return frame[OFFICER_COLUMNS], reasons
