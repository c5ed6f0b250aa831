"""Which unit a row belongs to in a given period, across the 2025 mergers (issue 14).

A period is reported for the units standing on its last day (2025-Q3 -> the 8 xã of 1/7/2025;
2021-Q4 -> the 31 units of 2021). A row keeps the unit of its received date (its *version*:
code + the span in which that code meant that unit, since codes were reused: 09619 was TT Tây
Đằng, then xã Quảng Oai); to count it in a later period it follows the crosswalk to the unit
standing then. A unit merged whole passes all its rows on. A divided unit's rows are allotted
to its parts by dossier number in proportion to documented weights
(`data/split_weights_2025.csv`, *unverified*: equal split, no source says how the villages
went), so counts stay whole numbers and a part's expected count is weight x the old count.
"""

from __future__ import annotations

import zlib
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.reference.units import DATA_DIR, all_units, display_name, successors_on, units_on
from analysis.text import fold

ALLOT_BUCKETS = 10_000
LINEAGE_COLUMNS = [
    "source_code",
    "source_name",
    "source_version",
    "unit_code",
    "unit_name",
    "relationship",
    "weight",
]


def period_end(period: str) -> pd.Timestamp:
    """Last day of a period written '2025-Q4', '2025' or '2025-10'."""
    text = str(period).strip().upper()
    if "Q" in text:
        return pd.Period(text.replace("-", ""), freq="Q").end_time.normalize()
    if len(text) == 4:
        return pd.Period(text, freq="Y").end_time.normalize()
    return pd.Period(text, freq="M").end_time.normalize()


def units_of_period(period: str) -> pd.DataFrame:
    """The units a period is reported for: those standing on its last day."""
    return units_on(period_end(period).date())


def unit_display_name(code: str, period: str | None = None) -> str:
    """'xã Quảng Oai' for 09619 in 2025-Q4, 'thị trấn Tây Đằng' in 2021-Q4 (default: 2021 units).

    KeyError when the code meant no unit then nor in 2021.
    """
    if period is not None:
        try:
            return display_name(code, period_end(period).date())
        except KeyError:
            pass
    return display_name(code)


def regime_start(on: date | str | pd.Timestamp) -> pd.Timestamp:
    """First day of the span in which the units standing on `on` all stood (2025-07-01 for 2025-Q4)."""
    return pd.Timestamp(units_on(pd.Timestamp(on).date())["valid_from"].max())


@lru_cache(maxsize=1)
def split_weights() -> pd.DataFrame:
    """Documented weights of the parts of divided units (*unverified*; see the CSV's basis)."""
    table = pd.read_csv(
        DATA_DIR / "split_weights_2025.csv", dtype={"old_code": str, "new_code": str}
    )
    table["weight"] = table["weight"].astype(float)
    return table


def _part_weight(code: str, name: str, new_code: str, parts: int) -> float:
    table = split_weights()
    match = table[
        (table["old_code"] == code)
        & (table["old_name"].map(fold) == fold(name))
        & (table["new_code"] == new_code)
    ]
    return float(match["weight"].iloc[0]) if not match.empty else 1.0 / parts


@lru_cache(maxsize=8)
def _lineage(on: pd.Timestamp) -> pd.DataFrame:
    units = all_units()
    standing = units_on(on.date())
    standing_names = dict(zip(standing["code"], standing["name"]))
    standing_versions = set(zip(standing["code"], standing["period"]))
    rows = []
    for _, unit in units[units["valid_from"] <= on].iterrows():
        code, name, version = unit["code"], unit["name"], unit["period"]
        if (code, version) in standing_versions:
            rows.append((code, name, version, code, name, "self", 1.0))
            continue
        after = successors_on(code, name, on.date())
        after = after[after["new_code"].isin(standing_names)]
        for new_code, new_name, relationship in after.itertuples(index=False):
            weight = 1.0 if len(after) == 1 else _part_weight(code, name, new_code, len(after))
            rows.append((code, name, version, new_code, new_name, relationship, weight))
    return pd.DataFrame(rows, columns=LINEAGE_COLUMNS)


def lineage(on: date | str | pd.Timestamp) -> pd.DataFrame:
    """Every unit version up to `on` and the unit(s) standing on `on` it passed into, with weights.

    relationship: self (the same unit), whole (merged whole), part (divided; weight < 1).
    """
    return _lineage(pd.Timestamp(on).normalize()).copy()


def predecessors(code: str, on: date | str | pd.Timestamp) -> pd.DataFrame:
    """The earlier units that the unit standing on `on` with this code was formed from (not itself)."""
    table = lineage(on)
    return table[(table["unit_code"] == code) & (table["relationship"] != "self")].reset_index(
        drop=True
    )


def unit_versions(codes: pd.Series, days: pd.Series) -> pd.Series:
    """The version ('2021', '2025-01', '2025-07') of the unit each code meant on each day."""
    units = all_units()
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    codes = codes.astype("string")
    days = pd.to_datetime(days).dt.normalize()  # 30/6/2025 15:56 is still a day of the old unit
    for _, unit in units.iterrows():
        inside = (codes == unit["code"]).fillna(False) & (days >= unit["valid_from"]).fillna(False)
        if pd.notna(unit["valid_to"]):
            inside &= (days <= unit["valid_to"]).fillna(False)
        out[inside & out.isna()] = unit["period"]
    return out


def allot(keys: pd.Series) -> np.ndarray:
    """A stable number in [0, 1) per dossier id, the same on every run and machine."""
    return np.fromiter(
        (zlib.crc32(str(k).encode()) % ALLOT_BUCKETS / ALLOT_BUCKETS for k in keys),
        dtype=float,
        count=len(keys),
    )


def successor_codes(
    codes: pd.Series, days: pd.Series, ids: pd.Series, on: date | str | pd.Timestamp
) -> pd.Series:
    """The code of the unit standing on `on` that each row's unit (on its day) became.

    A row of a divided unit goes to one part, chosen by its id against the cumulative weights.
    Rows whose code meant no known unit on their day keep their code.
    """
    table = lineage(on)
    codes = codes.astype("string")
    out = codes.copy()
    versions = unit_versions(codes, days)
    if table["relationship"].eq("self").all():
        return out
    draw = None
    for (code, version), links in table.groupby(["source_code", "source_version"], sort=False):
        if len(links) == 1 and links["unit_code"].iloc[0] == code:
            continue
        rows = ((codes == code) & (versions == version)).fillna(False).to_numpy()
        if not rows.any():
            continue
        if len(links) == 1:
            out[rows] = links["unit_code"].iloc[0]
            continue
        if draw is None:
            draw = allot(ids)
        links = links.sort_values("unit_code")
        edges = np.cumsum(links["weight"].to_numpy())
        edges = edges / edges[-1]
        pick = np.searchsorted(edges, draw[rows], side="right").clip(0, len(links) - 1)
        out[rows] = links["unit_code"].to_numpy()[pick]
    return out


def is_identity(on: date | str | pd.Timestamp, versions: set[str]) -> bool:
    """True when every given unit version still stands on `on` (nothing to map)."""
    table = lineage(on)
    moved = table[(table["relationship"] != "self") & table["source_version"].isin(versions)]
    return moved.empty
