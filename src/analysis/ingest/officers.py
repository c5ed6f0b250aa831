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
from analysis.ingest.rules import ROSTER_RULES, TableContext, reasons_of
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
    """Clean roster rows and a reason per row (None when valid; rules.ROSTER_RULES)."""
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
    reasons = reasons_of(ROSTER_RULES, TableContext(body, frame, units["unit_reason"]))
    return frame[OFFICER_COLUMNS], reasons
