"""Working days in Vietnam, for appointment dates (ngày hẹn trả).

Appointments count working days from intake, skipping weekends and public holidays. The
`holidays` package's Vietnam calendar supplies holidays, compensatory days off and, where it
knows them, swapped working Saturdays (ngày làm bù). Hà Nội receives dossiers on Saturday
mornings; whether Saturday counts toward a deadline is unknown, so it is a setting
(`saturday_counts`, default False).
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

DEFAULT_YEARS = range(2018, 2028)


@lru_cache(maxsize=8)
def vietnam_holidays(years: tuple[int, ...] = tuple(DEFAULT_YEARS)) -> pd.DatetimeIndex:
    """Public holidays and compensatory days off in Vietnam for the given years."""
    calendar = holidays.country_holidays("VN", years=list(years))
    return pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in calendar)).normalize()


@lru_cache(maxsize=8)
def swapped_working_days(years: tuple[int, ...] = tuple(DEFAULT_YEARS)) -> pd.DatetimeIndex:
    """Weekend days that are worked to make up for a bridge holiday (when the package knows them)."""
    calendar = holidays.country_holidays("VN", years=list(years))
    days = getattr(calendar, "weekend_workdays", set()) or set()
    return pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in days)).normalize()


@lru_cache(maxsize=8)
def working_days(
    start: str = "2018-01-01", end: str = "2027-12-31", saturday_counts: bool = False
) -> pd.DatetimeIndex:
    """Every working day between two dates, sorted."""
    years = tuple(range(pd.Timestamp(start).year, pd.Timestamp(end).year + 1))
    days = pd.date_range(start, end, freq="D")
    weekday_limit = 6 if saturday_counts else 5
    is_work = days.weekday < weekday_limit
    is_work |= days.isin(swapped_working_days(years))
    is_work &= ~days.isin(vietnam_holidays(years))
    return days[is_work]


def _calendar_for(dates: pd.Series, saturday_counts: bool) -> pd.DatetimeIndex:
    valid = dates.dropna()
    start = (
        min(valid.min(), pd.Timestamp("2018-01-01")) if len(valid) else pd.Timestamp("2018-01-01")
    )
    end = max(valid.max(), pd.Timestamp("2027-12-31")) if len(valid) else pd.Timestamp("2027-12-31")
    return working_days(
        start.strftime("%Y-%m-%d"),
        (end + pd.Timedelta(days=400)).strftime("%Y-%m-%d"),
        saturday_counts,
    )


def add_working_days(
    received_at: pd.Series, days: pd.Series | int, saturday_counts: bool = False
) -> pd.Series:
    """Appointment date: `days` working days after the day of intake, keeping intake's time of day.

    Intake day itself does not count (a 1-day procedure received Monday is due Tuesday).
    Vectorised: one searchsorted over the working-day calendar.
    """
    received_at = pd.to_datetime(pd.Series(received_at))
    steps = (
        pd.Series(days, index=received_at.index)
        if np.ndim(days) == 0
        else pd.Series(days).set_axis(received_at.index)
    )
    calendar = _calendar_for(received_at, saturday_counts)
    day = received_at.dt.normalize()
    # position of the first working day strictly after intake
    position = calendar.searchsorted(day.fillna(calendar[0]).to_numpy(), side="right")
    target = position + steps.fillna(0).astype(int).to_numpy() - 1
    target = np.clip(target, 0, len(calendar) - 1)
    due_day = pd.Series(calendar[target], index=received_at.index)
    due = due_day + (received_at - day)
    return due.where(received_at.notna() & steps.notna())


def count_working_days(
    start: pd.Series, end: pd.Series, saturday_counts: bool = False
) -> pd.Series:
    """Working days after `start`'s day up to and including `end`'s day (negative if end is earlier)."""
    start = pd.to_datetime(pd.Series(start))
    end = pd.to_datetime(pd.Series(end)).set_axis(start.index)
    calendar = _calendar_for(pd.concat([start, end]), saturday_counts)
    a = calendar.searchsorted(start.dt.normalize().fillna(calendar[0]).to_numpy(), side="right")
    b = calendar.searchsorted(end.dt.normalize().fillna(calendar[0]).to_numpy(), side="right")
    return pd.Series(b - a, index=start.index).where(start.notna() & end.notna())


def working_days_in_month(month: pd.Period | str, saturday_counts: bool = False) -> int:
    """Number of working days in a calendar month (for officer-day denominators)."""
    period = pd.Period(month, freq="M")
    days = working_days(saturday_counts=saturday_counts)
    return int(((days >= period.start_time) & (days <= period.end_time)).sum())
