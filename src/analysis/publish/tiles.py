"""Tile-map positions for the units of any period, derived from the 2021 grid (issue 14).

`reference/data/tile_grid.csv` lays out the 31 units of 2021. A unit formed later (xã Phú Hồng,
the 8 xã of 1/7/2025) has no row there: it is placed at the weighted mean position of its 2021
predecessors (split weights for divided units), on a coarser grid when the units are few, and a
clash goes to the nearest free cell. Every derived position is approximate and says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reference.lineage import lineage, period_end, units_of_period
from analysis.reference.units import DATA_DIR

TILE_GRID = DATA_DIR / "tile_grid.csv"
DERIVED_SOURCE = "approximate: weighted mean position of the 2021 predecessors in tile_grid.csv"
COARSE_BELOW = 12  # fewer units than this: half the 2021 grid's resolution, so tiles stay close


def read_tile_grid() -> pd.DataFrame:
    """Tile-map positions of the 31 units (approximate relative positions; the file names its sources)."""
    return pd.read_csv(TILE_GRID, dtype={"code": str})


def is_2021_layout(units: pd.DataFrame, grid: pd.DataFrame) -> bool:
    """True when every unit is on the 2021 grid under its own name (09619 as Tây Đằng, not Quảng Oai)."""
    names = dict(zip(grid["code"], grid["name"]))
    return all(names.get(code) == name for code, name in zip(units["code"], units["name"]))


def nearest_free(cell: tuple[int, int], taken: set[tuple[int, int]]) -> tuple[int, int]:
    """The free cell closest to `cell` (Manhattan distance, then row, then column)."""
    col, row = cell
    for distance in range(0, 50):
        ring = sorted(
            (abs(dr) + abs(dc), row + dr, col + dc)
            for dr in range(-distance, distance + 1)
            for dc in range(-distance, distance + 1)
            if abs(dr) + abs(dc) == distance and row + dr >= 0 and col + dc >= 0
        )
        for _, r, c in ring:
            if (c, r) not in taken:
                return c, r
    raise ValueError("no free tile within reach")


def tile_grid_of_period(period: str | None) -> pd.DataFrame:
    """Positions of the period's units: the 2021 grid as it is, or positions derived for new units."""
    grid = read_tile_grid()
    if period is None:
        return grid
    units = units_of_period(period)
    if is_2021_layout(units, grid):
        return grid
    links = lineage(period_end(period))
    links = links[links["source_version"] == "2021"].merge(
        grid[["code", "col", "row"]], left_on="source_code", right_on="code"
    )
    scale = 0.5 if len(units) < COARSE_BELOW else 1.0
    rows, taken = [], set()
    for unit in units.sort_values("code").itertuples(index=False):
        parts = links[links["unit_code"] == unit.code]
        if parts.empty:
            continue
        weights = parts["weight"].to_numpy(float)
        centre = (
            int(np.floor(np.average(parts["col"], weights=weights) * scale + 0.5)),
            int(np.floor(np.average(parts["row"], weights=weights) * scale + 0.5)),
        )
        col, row = nearest_free(centre, taken)
        taken.add((col, row))
        rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "col": col,
                "row": row,
                "source": DERIVED_SOURCE,
                "verified": "no",
            }
        )
    derived = pd.DataFrame(rows, columns=grid.columns)
    return derived.assign(
        col=derived["col"] - derived["col"].min(), row=derived["row"] - derived["row"].min()
    )
