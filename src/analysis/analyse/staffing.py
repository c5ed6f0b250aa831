"""Officer arrangement per commune-month, measured from the officer roster.

One definition serves both the analysis and the demo generator, so that the generator's
"true" effects are effects of exactly the covariates the models see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reference.calendar import working_days


def month_range(start: str | pd.Timestamp, end: str | pd.Timestamp) -> pd.PeriodIndex:
    """Calendar months from the month of `start` to the month of `end`."""
    return pd.period_range(
        pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"), freq="M"
    )


def compute_staffing_by_month(
    officers: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    communes: list[str] | None = None,
    saturday_counts: bool = False,
) -> pd.DataFrame:
    """Officer-days on the one-stop desk per commune and month.

    `officers` needs commune_code, officer_id, is_concurrent, start_date, end_date (null = still
    there). Returns one row per commune-month (every commune in `communes`, even with nobody):
    officer_days, dedicated_officer_days, concurrent_officer_days, officers_on_desk (mean
    officers present per working day), concurrent_share (of officer-days; null with nobody),
    vacancy_officer_days (planned desk size x working days - officer_days, at least 0, where the
    planned size is the most officers the commune ever had at once) and rotations (officers
    leaving the desk in the month). An optional `weight` column counts an officer row as that
    fraction (the desk of a divided unit shared between its parts, reference/lineage.py).
    """
    months = month_range(start, end)
    days = working_days(saturday_counts=saturday_counts)
    days = days[(days >= months[0].start_time) & (days <= months[-1].end_time)]
    day_month = days.to_period("M")
    if communes is None:
        communes = sorted(officers["commune_code"].dropna().unique())
    frame = officers.dropna(subset=["commune_code", "start_date"]).copy()
    start_ns = pd.to_datetime(frame["start_date"]).dt.normalize().to_numpy()
    end_ns = (
        pd.to_datetime(frame["end_date"])
        .dt.normalize()
        .fillna(days[-1] if len(days) else pd.NaT)
        .to_numpy()
    )
    day_values = days.to_numpy()
    # present[i, d] = officer i is on the desk on working day d (rosters are small: officers x days)
    present = (day_values[None, :] >= start_ns[:, None]) & (day_values[None, :] <= end_ns[:, None])
    concurrent = frame["is_concurrent"].astype(bool).to_numpy()
    if "weight" in frame:
        present = present * frame["weight"].astype(float).to_numpy()[:, None]
    rows = []
    month_index = {m: i for i, m in enumerate(months)}
    month_of_day = np.array([month_index[m] for m in day_month])
    days_per_month = np.bincount(month_of_day, minlength=len(months))
    codes = frame["commune_code"].to_numpy()
    end_dates = pd.to_datetime(frame["end_date"])
    for code in communes:
        mask = codes == code
        daily = present[mask].sum(axis=0)
        daily_concurrent = present[mask & concurrent].sum(axis=0) if mask.any() else daily * 0
        planned = daily.max() if daily.size else 0
        officer_days = np.bincount(month_of_day, weights=daily, minlength=len(months))
        concurrent_days = np.bincount(month_of_day, weights=daily_concurrent, minlength=len(months))
        leaving = end_dates[mask].dropna().dt.to_period("M")
        if "weight" in frame:
            weights = frame["weight"].astype(float)[mask].loc[leaving.index]
            leaving = weights.groupby(leaving.to_numpy()).sum().round()
        else:
            leaving = leaving.value_counts()
        for i, month in enumerate(months):
            total = float(officer_days[i])
            rows.append(
                {
                    "commune_code": code,
                    "month": month.start_time,
                    "working_days": int(days_per_month[i]),
                    "officer_days": total,
                    "dedicated_officer_days": total - float(concurrent_days[i]),
                    "concurrent_officer_days": float(concurrent_days[i]),
                    "officers_on_desk": total / days_per_month[i] if days_per_month[i] else np.nan,
                    "concurrent_share": float(concurrent_days[i]) / total if total else np.nan,
                    "vacancy_officer_days": max(planned * int(days_per_month[i]) - total, 0.0),
                    "rotations": int(leaving.get(month, 0)),
                }
            )
    return pd.DataFrame(rows)
