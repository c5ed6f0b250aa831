"""Which unit a synthetic dossier is written under: the one standing on its received date.

The generator simulates the 31 units of 2021 (their desks, officers and citizens keep existing),
but an export written after a merger names the unit of that day: a dossier of old Phong Vân
received in 08/2025 is listed under "UBND xã Cổ Đô". Rows of a unit divided between two new
xã (Tây Đằng, Chu Minh, Cẩm Lĩnh, Thụy An, Minh Quang) are spread over the parts evenly by
dossier number: a generator assumption, since no public source says how the villages were
divided. Before 1/1/2025 every row keeps its 2021 unit, so 2021 datasets are unchanged.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from analysis.reference.units import crosswalk, successors_on, units_2021, units_on


def unit_regimes() -> pd.DataFrame:
    """One line per (2021 unit, date from which it is written as) new unit and part index."""
    dates = sorted(crosswalk()["effective_date"].unique())
    lines = []
    for code, name in zip(units_2021()["code"], units_2021()["name"]):
        for day in dates:
            standing = units_on(day).set_index("code")
            after = successors_on(code, name, day).sort_values("new_name").reset_index(drop=True)
            for part, row in after.iterrows():
                lines.append(
                    {
                        "commune_code": code,
                        "from_date": pd.Timestamp(day),
                        "part": part,
                        "parts": len(after),
                        "unit_code": row["new_code"],
                        "unit_name": row["new_name"],
                        "unit_type": standing.loc[row["new_code"], "unit_type"],
                    }
                )
    return pd.DataFrame(lines)


def write_units_on_received_dates(dossiers: pd.DataFrame) -> pd.DataFrame:
    """Set `unit_code`, `commune_name` and `unit_type` to the unit standing on `received_at`."""
    out = dossiers.copy()
    out["unit_code"] = out["commune_code"]
    regimes = unit_regimes()
    if regimes.empty:
        return out
    received = out["received_at"]
    # by dossier number, stable across runs and independent of every random stream
    spread = np.fromiter(
        (zlib.crc32(str(i).encode()) for i in out["dossier_id"]), dtype=np.int64, count=len(out)
    )
    for from_date, regime in regimes.groupby("from_date", sort=True):
        on_or_after = (received >= from_date).to_numpy()
        for code, parts in regime.groupby("commune_code"):
            rows = on_or_after & (out["commune_code"] == code).to_numpy()
            if not rows.any():
                continue
            part = spread[rows] % len(parts)
            chosen = parts.sort_values("part").iloc[part]
            index = out.index[rows]
            out.loc[index, "unit_code"] = chosen["unit_code"].to_numpy()
            out.loc[index, "commune_name"] = chosen["unit_name"].to_numpy()
            out.loc[index, "unit_type"] = chosen["unit_type"].to_numpy()
    return out
