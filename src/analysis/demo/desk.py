"""The generator's own count of desk officer-days per commune-month, from its roster.

The generator must not borrow the analysis' code for the covariates it plants effects on:
a shared bug would then be invisible, because the analysis would measure exactly what the
generator (wrongly) planted. This module counts the same quantities a different way (one row
per officer per working day, then group by month), and a test checks that both counts agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reference.calendar import working_days


def list_desk_days(
    roster: pd.DataFrame, start: str | pd.Timestamp, end: str | pd.Timestamp, saturday_counts: bool
) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """One row per officer spell and working day on the desk, within the months of start..end."""
    first = pd.Timestamp(start).to_period("M").start_time
    last = pd.Timestamp(end).to_period("M").end_time.normalize()
    days = working_days(saturday_counts=saturday_counts)
    days = days[(days >= first) & (days <= last)]
    spells = roster.dropna(subset=["commune_code", "start_date"])
    pieces = []
    for spell in spells.itertuples(index=False):
        begin = pd.Timestamp(spell.start_date).normalize()
        stop = pd.Timestamp(spell.end_date).normalize() if pd.notna(spell.end_date) else last
        on_desk = days[(days >= begin) & (days <= stop)]
        pieces.append(
            pd.DataFrame(
                {
                    "commune_code": spell.commune_code,
                    "day": on_desk,
                    "concurrent": bool(spell.is_concurrent),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=["commune_code", "day", "concurrent"]), days
    return pd.concat(pieces, ignore_index=True), days


def count_desk_officer_days(
    roster: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    communes: list[str],
    saturday_counts: bool = False,
) -> pd.DataFrame:
    """officer_days, concurrent_share, vacancy_officer_days and rotations per commune-month.

    Definitions (the data contract's): officer-days are working days each officer spent on the
    desk; the concurrent share is the part worked by kiêm nhiệm officers; the vacancy is the
    commune's largest desk ever (most officers on one day) times the month's working days, minus
    the officer-days; rotations are spells ending in the month.
    """
    desk_days, days = list_desk_days(roster, start, end, saturday_counts)
    months = pd.period_range(
        pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"), freq="M"
    )
    grid = pd.MultiIndex.from_product([communes, months], names=["commune_code", "period"])
    desk_days = desk_days.assign(period=pd.to_datetime(desk_days["day"]).dt.to_period("M"))
    monthly = desk_days.groupby(["commune_code", "period"]).agg(
        officer_days=("day", "size"), concurrent_officer_days=("concurrent", "sum")
    )
    monthly = monthly.reindex(grid, fill_value=0).astype("float64").reset_index()
    per_day = desk_days.groupby(["commune_code", "day"]).size()
    largest_desk = per_day.groupby(level="commune_code").max()
    month_days = pd.Series(days.to_period("M")).value_counts()
    monthly["working_days"] = monthly["period"].map(month_days).fillna(0).astype(int)
    planned = monthly["commune_code"].map(largest_desk).fillna(0)
    monthly["vacancy_officer_days"] = (
        planned * monthly["working_days"] - monthly["officer_days"]
    ).clip(lower=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly["concurrent_share"] = np.where(
            monthly["officer_days"] > 0,
            monthly["concurrent_officer_days"] / monthly["officer_days"],
            np.nan,
        )
    ended = roster.dropna(subset=["commune_code", "start_date", "end_date"])
    leaving = ended.groupby(
        [ended["commune_code"], pd.to_datetime(ended["end_date"]).dt.to_period("M")]
    ).size()
    keys = list(zip(monthly["commune_code"], monthly["period"], strict=True))
    monthly["rotations"] = [int(leaving.get(key, 0)) for key in keys]
    monthly["month"] = monthly["period"].dt.start_time
    return monthly.drop(columns="period")
