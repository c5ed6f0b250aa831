"""Commune-level units of any province after 1/7/2025, from the `vietnam-provinces` package.

The Ba Vì tables beside this module are one instance of a unit table; analysts of another
province need theirs. `vietnam-provinces` (PyPI, 2025.x releases) ships the national list of the
two-level system in force since 1/7/2025 (34 provinces, 3,321 xã, phường and đặc khu). Checked
against what we can verify: its codes and names for the 8 new xã of Ba Vì equal
`units_2025.csv`, and its 0.6.0 release (the list of 1/2025) equals `units_2021.csv` for all 28
units that were not merged, with Phú Hồng on 09646 as in our table. It has no history before
7/2025 and no crosswalk, so the old units and the 2025 crosswalk stay our own data files.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

FROM_2025_07 = date(2025, 7, 1)
_TYPE = {"xã": "Xã", "phường": "Phường", "đặc khu": "Đặc khu"}


def national_units() -> pd.DataFrame:
    """Every commune-level unit of the country since 1/7/2025, in the shape of our unit tables."""
    from vietnam_provinces import Province, Ward  # imported here: only this table needs it

    provinces = {int(p.code): p.name for p in Province.iter_all()}
    rows = []
    for ward in Ward.iter_all():
        kind = _TYPE[ward.division_type.value]
        name = ward.name.removeprefix(f"{kind} ") if ward.name.startswith(kind) else ward.name
        rows.append(
            {
                "code": f"{int(ward.code):05d}",
                "name": name,
                "unit_type": kind,
                "province_code": f"{int(ward.province_code):02d}",
                "province_name": provinces[int(ward.province_code)],
                "valid_from": pd.Timestamp(FROM_2025_07),
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["province_code", "code"], ignore_index=True)


def province_units(province_code: str) -> pd.DataFrame:
    """The units of one province (code as written by GSO: '01' is Hà Nội); KeyError if none."""
    units = national_units()
    chosen = units[units["province_code"] == str(province_code).zfill(2)]
    if chosen.empty:
        raise KeyError(f"no province with code {province_code!r} in vietnam-provinces")
    return chosen.reset_index(drop=True)
