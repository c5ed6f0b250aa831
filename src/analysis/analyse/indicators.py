"""Indicators per commune and period, counted the way the official aggregate report counts them.

Received, resolved and pending follow Biểu 06 of Thông tư 01/2020/TT-VPCP: received and resolved
are flows within the period, pending is the stock at the period's end. The three late-rate
conventions of DOMAIN.md are all computed; one of them is the default and its name travels with
every table (`late_rate_convention`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyse.staffing import compute_staffing_by_month
from analysis.reference.units import all_units, units_2021

DISTRICT = "district"
DISTRICT_NAME = "huyện Ba Vì"
LATE_RATE_CONVENTIONS = ("late_rate_resolved", "late_rate_766", "late_rate_with_overdue")
DEFAULT_LATE_RATE = "late_rate_resolved"
# QĐ 766/QĐ-TTg gives the online-services component 12 points; the weight of sub-indicator 3.3
# alone is not in our sources, so the maximum is a parameter (unverified). These are the only
# copies of the policy numbers: `add_rates` writes them into every row (`points_766_3_3_max`,
# `online_target_766`) and the report layer reads them from there.
POINTS_766_3_3_MAX = 12.0
POINTS_766_3_3_FULL_AT = 0.5
ONLINE_LEVELS = ("level_2", "level_3", "level_4", "full_online", "partial_online")
COUNT_COLUMNS = [
    "carried_over",
    "received",
    "received_online",
    "received_in_person",
    "received_postal",
    *[f"received_{level}" for level in ONLINE_LEVELS],
    "received_online_unclassified",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "closed_other",
    "closed_other_late",
    "pending",
    "pending_in_time",
    "pending_overdue",
    "pending_overdue_supplement",
    "late_with_letter",
    "late_letter_known",
]
STAFFING_SUMS = [
    "working_days",
    "officer_days",
    "dedicated_officer_days",
    "concurrent_officer_days",
    "vacancy_officer_days",
    "rotations",
]


def divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Ratio that is null, not infinite, where the denominator is zero (a month with no dossiers)."""
    numerator = pd.Series(numerator, dtype="float64")
    denominator = pd.Series(denominator, dtype="float64").set_axis(numerator.index)
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def commune_names(codes: list[str] | pd.Index) -> pd.Series:
    """Vietnamese names for commune codes (2021 units first), 'huyện Ba Vì' for the district row."""
    units = all_units().sort_values("valid_from").drop_duplicates("code", keep="first")
    names = dict(zip(units["code"], units["name"], strict=False))
    names[DISTRICT] = DISTRICT_NAME
    return pd.Series([names.get(code, code) for code in codes], index=list(codes), dtype="string")


def list_communes(dossiers: pd.DataFrame) -> list[str]:
    """The 31 units of 2021 plus any other code present in the data, so no commune silently drops."""
    codes = set(units_2021()["code"]) | set(dossiers["commune_code"].dropna().astype(str))
    return sorted(codes)


def list_periods(start: str | pd.Timestamp, end: str | pd.Timestamp, as_of=None) -> pd.DataFrame:
    """Months, quarters and years touching [start, end]; `is_complete` when the data covers them."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    as_of = pd.Timestamp(as_of) if as_of is not None else end
    frames = []
    for freq, kind in (("M", "month"), ("Q", "quarter"), ("Y", "year")):
        periods = pd.period_range(start.to_period(freq), end.to_period(freq), freq=freq)
        labels = [str(p) if kind != "quarter" else f"{p.year}-Q{p.quarter}" for p in periods]
        frames.append(
            pd.DataFrame(
                {
                    "period": labels,
                    "period_type": kind,
                    "period_start": periods.start_time.normalize(),
                    "period_end": periods.end_time.normalize(),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["is_complete"] = (table["period_end"] <= as_of.normalize()) & (
        table["period_start"] >= start.to_period("M").start_time
    )
    return table


def find_coverage_end(dossiers: pd.DataFrame) -> pd.Series:
    """Last day the exports of each dossier's commune cover (latest "đến ngày"), per dossier row.

    A dossier's state on a day comes from the latest export covering that day: a completion seen in
    any export wins, and a dossier with no completion is open until the commune's coverage ends.
    Using each row's own export end instead made H1 rows completed in July look open for ever.
    """
    if "as_of" not in dossiers:
        fallback = dossiers[["received_at", "completed_at"]].max().max()
        return pd.Series(pd.Timestamp(fallback).normalize(), index=dossiers.index)
    as_of = dossiers["as_of"].dt.normalize()
    codes = dossiers["commune_code"].astype("string").fillna("")
    return as_of.groupby(codes).transform("max")


def flag_dossier_states(
    dossiers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """One boolean column per count of COUNT_COLUMNS for one period (vectorised over dossiers).

    The period balance of Biểu 06 (Thông tư 01/2020/TT-VPCP) holds row by row:
    carried_over + received = resolved + closed_other + pending. Flows are counted up to the
    period's end or the end of the commune's exports if that comes first; pending is the stock then.
    """
    d = dossiers
    start = pd.Timestamp(start).normalize()
    received_day = d["received_at"].dt.normalize()
    completed_day = d["completed_at"].dt.normalize()
    due_day = d["due_at"].dt.normalize()
    coverage_day = find_coverage_end(d)
    ref_day = coverage_day.where(coverage_day < end, end).fillna(pd.Timestamp(end))
    status = d["status"].astype("string")
    outcome = d["outcome"].astype("string")
    channel = d["channel"].astype("string")
    open_at_start = (received_day < start).fillna(False) & (
        completed_day.isna() | (completed_day >= start)
    ).fillna(False)
    received = ((received_day >= start) & (received_day <= ref_day)).fillna(False)
    completed_in = ((completed_day >= start) & (completed_day <= ref_day)).fillna(False)
    resolved = completed_in & (status == "resolved").fillna(False)
    closed_other = completed_in & ~(status == "resolved").fillna(False)
    pending = (received_day <= ref_day).fillna(False) & (
        completed_day.isna() | (completed_day > ref_day)
    ).fillna(False)
    overdue = pending & (due_day < ref_day).fillna(False)
    # the clock stops while the citizen supplements the file (only knowable for still-open dossiers)
    supplement = overdue & completed_day.isna() & (status == "awaiting_supplement").fillna(False)
    late = resolved & (outcome == "late").fillna(False)
    letter = (
        d["apology_letter"]
        if "apology_letter" in d
        else pd.Series(pd.NA, index=d.index, dtype="boolean")
    )
    letter = letter.astype("boolean")
    level = (
        d["online_level"].astype("string")
        if "online_level" in d
        else pd.Series(pd.NA, index=d.index, dtype="string")
    )
    online = received & (channel == "online").fillna(False)
    flags = {
        "carried_over": open_at_start,
        "received": received,
        "received_online": online,
        "received_in_person": received & (channel == "in_person").fillna(False),
        "received_postal": received & (channel == "postal").fillna(False),
        **{f"received_{lv}": online & (level == lv).fillna(False) for lv in ONLINE_LEVELS},
        "received_online_unclassified": online & level.isna(),
        "resolved": resolved,
        "resolved_early": resolved & (outcome == "early").fillna(False),
        "resolved_on_time": resolved & (outcome == "on_time").fillna(False),
        "resolved_late": late,
        "closed_other": closed_other,
        "closed_other_late": closed_other & (outcome == "late").fillna(False),
        "pending": pending,
        "pending_in_time": pending & ~overdue,
        "pending_overdue": overdue,
        "pending_overdue_supplement": supplement,
        "late_with_letter": late & letter.fillna(False).astype(bool),
        "late_letter_known": late & letter.notna(),
    }
    return pd.DataFrame({k: np.asarray(v, dtype=bool) for k, v in flags.items()}, index=d.index)


def count_dossiers(
    dossiers: pd.DataFrame, periods: pd.DataFrame, communes: list[str]
) -> pd.DataFrame:
    """Counts per commune x period, with explicit zero rows for communes with no dossiers."""
    frames = []
    codes = dossiers["commune_code"].astype(str)
    for row in periods.itertuples(index=False):
        flags = flag_dossier_states(dossiers, row.period_start, row.period_end)
        counts = flags.groupby(codes).sum().reindex(communes, fill_value=0)
        counts.index.name = "commune_code"
        counts = counts.reset_index()
        for column in ("period", "period_type", "period_start", "period_end"):
            counts[column] = getattr(row, column)
        frames.append(counts)
    table = pd.concat(frames, ignore_index=True)
    table[COUNT_COLUMNS] = table[COUNT_COLUMNS].astype("int64")
    return table


def sum_staffing(staffing_monthly: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Officer-days and rotations per commune x period, summed over the months of each period."""
    monthly = staffing_monthly.copy()
    monthly["month"] = pd.to_datetime(monthly["month"])
    frames = []
    for row in periods.itertuples(index=False):
        inside = monthly[
            (monthly["month"] >= row.period_start) & (monthly["month"] <= row.period_end)
        ]
        sums = inside.groupby("commune_code")[STAFFING_SUMS].sum().reset_index()
        sums["period"] = row.period
        sums["period_type"] = row.period_type
        frames.append(sums)
    return pd.concat(frames, ignore_index=True)


def add_district_rows(table: pd.DataFrame) -> pd.DataFrame:
    """District totals (commune_code 'district'): counts and officer-days summed over communes."""
    sums = [c for c in COUNT_COLUMNS + STAFFING_SUMS if c != "working_days" and c in table]
    keys = ["period", "period_type", "period_start", "period_end"]
    district = table.groupby(keys, sort=False)[sums].sum().reset_index()
    if "working_days" in table:
        district = district.merge(
            table.groupby(keys, sort=False)["working_days"].max().reset_index(), on=keys
        )
    district["commune_code"] = DISTRICT
    return pd.concat([table, district], ignore_index=True)


def points_766_3_3(online_rate: pd.Series, max_points: float = POINTS_766_3_3_MAX) -> pd.Series:
    """QĐ 766 indicator 3.3: full points at an online rate >= 50 %, otherwise rate x max / 50 %."""
    rate = pd.Series(online_rate, dtype="float64")
    return (np.minimum(rate / POINTS_766_3_3_FULL_AT, 1.0) * max_points).where(rate.notna())


def add_rates(
    table: pd.DataFrame,
    default_late_rate: str = DEFAULT_LATE_RATE,
    max_points: float = POINTS_766_3_3_MAX,
) -> pd.DataFrame:
    """Rates from counts: the three late-rate conventions, shares, staffing ratios and 766 scores."""
    if default_late_rate not in LATE_RATE_CONVENTIONS:
        raise ValueError(
            f"unknown late-rate convention {default_late_rate!r}; use one of {LATE_RATE_CONVENTIONS}"
        )
    t = table.copy()
    t["handled"] = t["resolved"] + t["closed_other"] + t["pending"]
    t["online_share"] = divide(t["received_online"], t["received"])
    # a class share is missing, not 0 %, where it is not recorded: a classification no dossier of
    # the period carries (toàn trình in exports that still write mức độ 3, 4), or a unit with
    # online dossiers whose export has no Mức độ column (their class is unknown)
    keys = [t[c] for c in ("period", "period_type") if c in t] or [pd.Series(0, index=t.index)]
    unclassified = t.get("received_online_unclassified", pd.Series(0, index=t.index))
    for level in ("level_3", "level_4", "full_online", "partial_online"):
        count = t[f"received_{level}"]
        recorded = (count.groupby(keys).transform("sum") > 0) & unclassified.eq(0)
        t[f"online_share_{level}"] = divide(count, t["received"]).where(recorded)
    t["late_rate_resolved"] = divide(t["resolved_late"], t["resolved"])
    late_766 = (
        t["resolved_late"]
        + t["closed_other_late"]
        + t["pending_overdue"]
        - t["pending_overdue_supplement"]
    )
    t["late_rate_766"] = divide(late_766, t["handled"])
    t["late_rate_with_overdue"] = divide(
        t["resolved_late"] + t["pending_overdue"], t["resolved"] + t["pending"]
    )
    t["late_rate"] = t[default_late_rate]
    t["late_rate_convention"] = default_late_rate
    t["early_share"] = divide(t["resolved_early"], t["resolved"])
    t["on_time_share"] = divide(t["resolved_on_time"], t["resolved"])
    t["overdue_share_of_pending"] = divide(t["pending_overdue"], t["pending"])
    t["apology_letter_compliance"] = divide(t["late_with_letter"], t["late_letter_known"])
    if "officer_days" in t:
        t["officers_on_desk"] = divide(t["officer_days"], t["working_days"])
        t["concurrent_share"] = divide(t["concurrent_officer_days"], t["officer_days"])
        t["dossiers_per_officer_day"] = divide(t["received"], t["officer_days"])
    t["ontime_rate_766_2_1"] = 1.0 - t["late_rate_766"]
    t["online_rate_766_3_3"] = t["online_share"]
    t["points_766_3_3"] = points_766_3_3(t["online_rate_766_3_3"], max_points)
    t["points_766_3_3_max"] = float(max_points)
    t["online_target_766"] = POINTS_766_3_3_FULL_AT
    t["on_time_rate"] = divide(t["resolved_early"] + t["resolved_on_time"], t["resolved"])
    t["complaint_rate_assumed"] = 0.0
    t["satisfaction_proxy_766_5_4"] = 1.0 - t["late_rate_766"] - t["complaint_rate_assumed"]
    return t


def compute_indicators(
    dossiers: pd.DataFrame,
    officers: pd.DataFrame | None,
    periods: pd.DataFrame,
    communes: list[str] | None = None,
    default_late_rate: str = DEFAULT_LATE_RATE,
    saturday_counts: bool = False,
    max_points: float = POINTS_766_3_3_MAX,
) -> pd.DataFrame:
    """Indicators per commune x period plus district rows, for month-aligned periods."""
    communes = communes if communes is not None else list_communes(dossiers)
    table = count_dossiers(dossiers, periods, communes)
    if officers is not None:
        staffing = compute_staffing_by_month(
            officers,
            periods["period_start"].min(),
            periods["period_end"].max(),
            communes,
            saturday_counts,
        )
        staff = sum_staffing(staffing, periods)
        table = table.merge(staff, on=["commune_code", "period", "period_type"], how="left")
        table[STAFFING_SUMS] = table[STAFFING_SUMS].fillna(0)
        table["rotations"] = table["rotations"].astype("int64")
        table["working_days"] = table["working_days"].astype("int64")
    table = add_district_rows(table)
    table = add_rates(table, default_late_rate, max_points)
    table.insert(1, "commune_name", commune_names(table["commune_code"]).to_numpy())
    if "is_complete" in periods:
        table = table.merge(
            periods[["period", "period_type", "is_complete"]],
            on=["period", "period_type"],
            how="left",
        )
    return table


RANKED = {
    # indicator: which direction is good
    "late_rate": "lower",
    "late_rate_resolved": "lower",
    "late_rate_766": "lower",
    "late_rate_with_overdue": "lower",
    "online_share": "higher",
    "ontime_rate_766_2_1": "higher",
    "dossiers_per_officer_day": "lower",
    "concurrent_share": "lower",
    "apology_letter_compliance": "higher",
    "received": "higher",
}


def rank_communes(
    indicators: pd.DataFrame, indicators_to_rank: dict[str, str] | None = None
) -> pd.DataFrame:
    """Long table of rank (1 = best), district median and worst/best third per period and indicator."""
    ranked = indicators_to_rank or RANKED
    keys = ["period", "period_type"]
    communes = indicators[indicators["commune_code"] != DISTRICT]
    district = indicators[indicators["commune_code"] == DISTRICT].set_index(keys)
    frames = []
    for name, better in ranked.items():
        if name not in indicators:
            continue
        part = communes[[*keys, "commune_code", "commune_name", name]].rename(
            columns={name: "value"}
        )
        part["value"] = part["value"].astype("float64")
        part["indicator"] = name
        part["better"] = better
        grouped = part.groupby(keys)["value"]
        part["rank"] = grouped.rank(method="min", ascending=(better == "lower"))
        part["n_ranked"] = grouped.transform("count").astype("int64")
        part["district_median"] = grouped.transform("median")
        part["district_value"] = (
            part.set_index(keys).index.map(district[name].astype("float64")).to_numpy()
        )
        third = np.ceil(part["n_ranked"] / 3)
        part["worst_third"] = (
            (part["rank"] > part["n_ranked"] - third).astype("boolean").where(part["rank"].notna())
        )
        part["best_third"] = (part["rank"] <= third).astype("boolean").where(part["rank"].notna())
        frames.append(part)
    columns = [
        *keys,
        "commune_code",
        "commune_name",
        "indicator",
        "value",
        "better",
        "rank",
        "n_ranked",
        "district_median",
        "district_value",
        "worst_third",
        "best_third",
    ]
    return pd.concat(frames, ignore_index=True)[columns]
