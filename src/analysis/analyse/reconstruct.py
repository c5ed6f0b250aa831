"""Indicators for the units of each period, and a new unit's series rebuilt from its predecessors.

A period is reported for the units standing on its last day (reference/lineage.py): dossiers
and officer rows follow the crosswalk to those units before counting, so 2025-Q4 has the 8
new xã and 2021-Q4 the 31 units of 2021 (nothing moves then: the tables are as before). The
same mapping onto the latest units, applied to earlier quarters, is the reconstructed series a
new xã's brief shows (`indicators_reconstructed.parquet`, `reconstructed=True`).
Officers are keyed by the unit their code meant on their start date; a divided unit's desk is
shared between its parts by the split weights (officer-days x weight), a merged unit's desks add up.
"""

from __future__ import annotations

import pandas as pd

from analysis.reference.lineage import (
    lineage,
    regime_start,
    successor_codes,
    unit_versions,
)
from analysis.reference.units import UNITS_2021_FROM, units_on

RULE_SELF = "own_rows"
RULE_WHOLE = "sum_of_whole_predecessors"
RULE_SPLIT = "whole_predecessors_plus_split_shares"
# Cluster-robust intervals need tens of units; the 8 xã of 1/7/2025 are too few for the models.
MIN_PANEL_UNITS = 20


def regimes(periods: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """Periods grouped by the set of units standing on their last day, with that set's start."""
    starts = periods["period_end"].map(regime_start)
    return [(start, periods[starts == start]) for start in sorted(starts.unique())]


def map_dossiers(dossiers: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """Dossiers with `commune_code` set to the unit standing on `on` they now belong to."""
    codes = successor_codes(
        dossiers["commune_code"], dossiers["received_at"], dossiers["dossier_id"], on
    )
    if codes.equals(dossiers["commune_code"].astype("string")):
        return dossiers
    return dossiers.assign(commune_code=codes)


def map_officers(officers: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """Officer rows under the units standing on `on`, with a `weight` where a desk was divided."""
    if officers is None or officers.empty:
        return officers
    table = lineage(on)
    start = pd.to_datetime(officers["start_date"]).fillna(pd.Timestamp(UNITS_2021_FROM))
    start = start.clip(lower=pd.Timestamp(UNITS_2021_FROM))
    versions = unit_versions(officers["commune_code"], start)
    keyed = officers.assign(_code=officers["commune_code"].astype("string"), _version=versions)
    links = table.rename(columns={"source_code": "_code", "source_version": "_version"})
    merged = keyed.merge(links[["_code", "_version", "unit_code", "weight"]], how="left")
    if (merged["unit_code"].isna() | (merged["unit_code"] == merged["_code"])).all() and (
        merged["weight"].fillna(1.0) == 1.0
    ).all():
        return officers
    merged["commune_code"] = merged["unit_code"].fillna(merged["_code"]).astype("string")
    merged["weight"] = merged["weight"].fillna(1.0)
    return merged.drop(columns=["_code", "_version", "unit_code"])


def regime_communes(mapped: pd.DataFrame, on: pd.Timestamp) -> list[str]:
    """The units standing on `on` plus any other code left in the data, so none drops silently."""
    codes = set(units_on(on.date())["code"]) | set(mapped["commune_code"].dropna().astype(str))
    return sorted(codes)


def model_regime(months: pd.DataFrame) -> tuple[pd.Timestamp, pd.DataFrame] | None:
    """The units the models are fitted for: the latest set of at least MIN_PANEL_UNITS, with its months.

    Fitting on one set keeps old and new units (09619 was Tây Đằng, then Quảng Oai) out of one
    panel; None when no set is large enough (then no model is fitted, and pages say so).
    """
    for start, group in reversed(regimes(months)):
        if len(units_on(start.date())) >= MIN_PANEL_UNITS:
            return start, group
    return None


def by_regime(compute, dossiers, officers, periods, **options) -> pd.DataFrame:
    """Run `compute(dossiers, officers, periods, communes, **options)` per set of units, stacked."""
    frames = []
    for start, group in regimes(periods):
        mapped = map_dossiers(dossiers, start)
        communes = regime_communes(mapped, start)
        table = compute(mapped, map_officers(officers, start), group, communes, **options)
        frames.append(name_units(table, start))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def name_units(table: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """`commune_name` of the units standing on `on` (09619 is Quảng Oai from 1/7/2025)."""
    if "commune_name" not in table:
        return table
    names = dict(zip(*units_on(on.date())[["code", "name"]].to_numpy().T))
    renamed = table["commune_code"].map(names)
    if renamed.isna().all() or (renamed.dropna() == table["commune_name"][renamed.notna()]).all():
        return table
    return table.assign(commune_name=renamed.fillna(table["commune_name"]).astype("string"))


def reconstruction_rules(on: pd.Timestamp) -> dict[str, str]:
    """Per unit standing on `on`: how its earlier rows are built (own rows, whole sums, split shares)."""
    table = lineage(on)
    rules = {}
    for code, links in table.groupby("unit_code"):
        kinds = set(links["relationship"])
        rules[code] = (
            RULE_SPLIT if "part" in kinds else RULE_WHOLE if "whole" in kinds else RULE_SELF
        )
    return rules


def reconstruct_history(compute, dossiers, officers, periods, **options) -> pd.DataFrame:
    """Every period counted for the latest units; rows before those units stood marked reconstructed."""
    on = regime_start(periods["period_end"].max())
    mapped = map_dossiers(dossiers, on)
    communes = sorted(units_on(on.date())["code"])
    table = compute(mapped, map_officers(officers, on), periods, communes, **options)
    table = name_units(table[table["commune_code"].isin(communes)].reset_index(drop=True), on)
    rules = reconstruction_rules(on)
    table["unit_valid_from"] = on
    table["reconstructed"] = (table["period_start"] < on) & table["commune_code"].map(
        lambda c: rules.get(c, RULE_SELF) != RULE_SELF
    )
    table["reconstruction_rule"] = (
        table["commune_code"].map(rules).where(table["reconstructed"], RULE_SELF)
    )
    return table
