"""The clean, true dossier table: volumes, channels, realised covariates, lateness, dates, statuses.

Order matters for recoverability: channels are drawn first, the commune-month covariates are then
measured from the drawn rows and the roster by the data contract's definitions (with the generator's own code), and only
then is lateness drawn from the logit model of `params`, and turned into dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.demo import params
from analysis.demo.desk import count_desk_officer_days
from analysis.reference.calendar import add_working_days, vietnam_holidays, working_days

OFFICE_HOURS = np.array([7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 13.5, 14, 14.5, 15, 15.5, 16, 16.5])


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_monthly_volumes(
    rng: np.random.Generator, communes: pd.DataFrame, start: str, end: str
) -> pd.DataFrame:
    """Dossiers received per commune-month: size x seasonality x commune-month noise, Poisson."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
    grid = communes[["commune_code", "volume_per_year"]].merge(
        pd.DataFrame({"month": months}), how="cross"
    )
    month_start = grid["month"].dt.start_time
    month_end = grid["month"].dt.end_time.dt.normalize()
    covered = (month_end.clip(upper=last) - month_start.clip(lower=first)).dt.days + 1
    fraction = covered / grid["month"].dt.days_in_month
    season = grid["month"].dt.month.map(params.SEASONALITY_BY_MONTH)
    noise = np.exp(rng.normal(-0.5 * params.VOLUME_NOISE_SD**2, params.VOLUME_NOISE_SD, len(grid)))
    grid["expected"] = grid["volume_per_year"] / 12 * season * noise * fraction
    grid["received"] = rng.poisson(grid["expected"].to_numpy())
    return grid


def draw_online_probability(
    rng: np.random.Generator, communes: pd.DataFrame, volumes: pd.DataFrame
) -> pd.Series:
    """Probability that an eligible dossier is submitted online, per commune-month (logistic adoption)."""
    traits = volumes[["commune_code", "month"]].merge(communes, on="commune_code", how="left")
    step = (volumes["month"] - volumes["month"].min()).apply(lambda offset: offset.n).to_numpy() + 1
    curve = _expit((step - traits["online_adoption_midpoint_month"].to_numpy()) / 1.5)
    level = (
        traits["online_adoption_start"]
        + (traits["online_adoption_end"] - traits["online_adoption_start"]) * curve
    )
    wobble = rng.normal(0.0, params.ADOPTION_MONTH_NOISE_SD, len(level))
    return pd.Series(_expit(_logit(level.to_numpy()) + wobble), index=volumes.index)


def draw_received_dates(
    rng: np.random.Generator,
    dossiers: pd.DataFrame,
    saturday_communes: set[str],
    start: str,
    end: str,
) -> pd.Series:
    """Intake timestamps in the dossier's month: office hours on working days, some Saturday
    mornings where the desk opens then, and online submissions at any hour of any day."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    calendar_days = pd.date_range(first, last, freq="D")
    work = working_days(saturday_counts=params.SATURDAY_COUNTS)
    work = work[(work >= first) & (work <= last)]
    open_days = calendar_days[~calendar_days.isin(vietnam_holidays())]
    saturdays = open_days[open_days.weekday == 5]
    n = len(dossiers)
    received = np.empty(n, dtype="datetime64[ns]")
    off_hours = (dossiers["channel"].to_numpy() == "online") & (
        rng.random(n) < params.ONLINE_OFF_HOURS_SHARE
    )
    saturday = (
        dossiers["commune_code"].isin(saturday_communes).to_numpy()
        & ~off_hours
        & (rng.random(n) < params.SATURDAY_INTAKE_SHARE * 5)
    )
    month_codes = dossiers["month"].to_numpy()
    u = rng.random(n)
    for month in pd.unique(month_codes):
        in_month = month_codes == month
        for mask, pool in (
            (in_month & ~off_hours & ~saturday, work),
            (in_month & saturday, saturdays),
            (in_month & off_hours, calendar_days),
        ):
            pool = pool[pool.to_period("M") == month]
            if mask.any() and len(pool) == 0:  # no Saturday in a partial month: use working days
                pool = work[work.to_period("M") == month]
            received[mask] = pool.to_numpy()[(u[mask] * len(pool)).astype(int)]
    hours = OFFICE_HOURS[rng.integers(0, len(OFFICE_HOURS), n)] + rng.integers(0, 30, n) / 60
    hours = np.where(saturday, np.minimum(hours, 11.0), hours)
    hours = np.where(off_hours, rng.integers(0, 24 * 60, n) / 60, hours)
    return pd.Series(
        pd.to_datetime(received) + pd.to_timedelta(np.round(hours * 60), unit="min"),
        index=dossiers.index,
    )


def draw_dossiers(
    rng: np.random.Generator, communes: pd.DataFrame, volumes: pd.DataFrame, start: str, end: str
) -> pd.DataFrame:
    """One row per received dossier with procedure, field, channel, online level and intake time."""
    catalogue = params.procedure_table()
    volumes = volumes.copy()
    volumes["p_online"] = draw_online_probability(rng, communes, volumes)
    repeat = volumes.index.repeat(volumes["received"].to_numpy())
    dossiers = volumes.loc[repeat, ["commune_code", "month", "p_online"]].reset_index(drop=True)
    n = len(dossiers)
    pick = rng.choice(len(catalogue), size=n, p=catalogue["share"].to_numpy())
    for column in ("procedure", "field", "legal_days", "online_level"):
        dossiers[column] = catalogue[column].to_numpy()[pick]
    eligible = dossiers["online_level"].to_numpy() >= 3
    online = eligible & (rng.random(n) < dossiers["p_online"].to_numpy())
    postal = ~online & (rng.random(n) < params.POSTAL_SHARE)
    dossiers["channel"] = np.where(online, "online", np.where(postal, "postal", "in_person"))
    saturday_communes = set(communes["commune_code"][rng.random(len(communes)) < 0.3])
    dossiers["received_at"] = draw_received_dates(rng, dossiers, saturday_communes, start, end)
    return dossiers.drop(columns="p_online")


def compute_commune_month_covariates(
    dossiers: pd.DataFrame, roster: pd.DataFrame, start: str, end: str, communes: list[str]
) -> pd.DataFrame:
    """online_share, dossiers_per_officer_day and concurrent_share per commune-month, by the data
    contract's definitions: received dossiers by month of received_at, officer-days from the roster
    counted by the generator's own code (`demo.desk`, not the analysis': see its docstring)."""
    month = dossiers["received_at"].dt.to_period("M").dt.start_time
    counts = (
        dossiers.assign(month=month, online=dossiers["channel"].eq("online"))
        .groupby(["commune_code", "month"])
        .agg(received=("online", "size"), online=("online", "sum"))
        .reset_index()
    )
    staffing = count_desk_officer_days(
        roster[["commune_code", "officer_id", "is_concurrent", "start_date", "end_date"]],
        start,
        end,
        communes=communes,
        saturday_counts=params.SATURDAY_COUNTS,
    )
    table = staffing.merge(counts, on=["commune_code", "month"], how="left")
    table[["received", "online"]] = table[["received", "online"]].fillna(0).astype(int)
    table["online_share"] = table["online"] / table["received"].where(table["received"] > 0)
    table["dossiers_per_officer_day"] = table["received"] / table["officer_days"].where(
        table["officer_days"] > 0
    )
    return table


def draw_lateness(
    rng: np.random.Generator,
    dossiers: pd.DataFrame,
    covariates: pd.DataFrame,
    communes: pd.DataFrame,
    start: str,
    end: str,
) -> pd.DataFrame:
    """Draw each dossier's late flag from the logit model with the realised covariates."""
    month = dossiers["received_at"].dt.to_period("M").dt.start_time
    keyed = dossiers.assign(month_start=month).merge(
        covariates[["commune_code", "month", *params.EFFECTS]].rename(
            columns={"month": "month_start"}
        ),
        on=["commune_code", "month_start"],
        how="left",
    )
    keyed = keyed.merge(
        communes[["commune_code", "latent_late_propensity"]], on="commune_code", how="left"
    )
    month_effect = keyed["month_start"].dt.strftime("%Y-%m").map(params.month_effects(start, end))
    eta = (
        params.INTERCEPT
        + keyed["latent_late_propensity"]
        + keyed["field"].map(params.FIELD_EFFECTS)
        + month_effect
        + sum(coef * keyed[term] for term, coef in params.EFFECTS.items())
    )
    out = dossiers.copy()
    out["p_late"] = _expit(eta.to_numpy())
    out["drawn_late"] = rng.random(len(out)) < out["p_late"].to_numpy()
    return out


def _at_office_time(rng: np.random.Generator, days: pd.Series) -> pd.Series:
    hours = (
        OFFICE_HOURS[rng.integers(0, len(OFFICE_HOURS), len(days))]
        + rng.integers(0, 30, len(days)) / 60
    )
    return days.dt.normalize() + pd.to_timedelta(np.round(hours * 60), unit="min")


def draw_dates_and_statuses(
    rng: np.random.Generator, dossiers: pd.DataFrame, end: str
) -> pd.DataFrame:
    """Appointment in legal working days; completion on/before it, or after it when drawn late;
    dossiers that would finish after the period are still open at its end."""
    out = dossiers.copy()
    n = len(out)
    as_of = pd.Timestamp(end) + pd.Timedelta(hours=23, minutes=59)
    legal = out["legal_days"].to_numpy()
    late = out["drawn_late"].to_numpy()
    out["due_at"] = add_working_days(out["received_at"], out["legal_days"], params.SATURDAY_COUNTS)
    long = legal >= params.LONG_PROCEDURE_DAYS
    mean_delay = np.where(
        long, params.MEAN_DELAY_WORKING_DAYS["long"], params.MEAN_DELAY_WORKING_DAYS["short"]
    )
    delay = rng.geometric(1 / mean_delay)
    early = rng.random(n) < np.where(legal == 1, 0.6, params.EARLY_SHARE_MULTI_DAY)
    early_steps = np.where(legal == 1, 0, np.floor(rng.random(n) * legal).astype(int))
    steps = np.where(late, legal + delay, np.where(early, early_steps, legal))
    later = add_working_days(
        out["received_at"], pd.Series(steps, index=out.index), params.SATURDAY_COUNTS
    )
    later = _at_office_time(rng, later)
    same_day = out["received_at"] + pd.to_timedelta(rng.integers(30, 300, n), unit="min")
    same_day = same_day.where(
        same_day.dt.normalize() == out["received_at"].dt.normalize(), out["received_at"]
    )
    completed = later.where(steps > 0, same_day)
    # a completion stamped before intake the same day cannot happen; keep order within a day
    completed = completed.where(completed >= out["received_at"], out["received_at"])
    finished = completed <= as_of
    returned_steps = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 4, n))
    returned = add_working_days(
        completed, pd.Series(returned_steps, index=out.index), params.SATURDAY_COUNTS
    )
    returned = returned.where(returned_steps > 0, completed + pd.Timedelta(minutes=20))
    returned = returned.where(returned >= completed, completed)

    status = np.full(n, "Đã trả kết quả", dtype=object)
    kind = rng.random(n)
    refused = finished.to_numpy() & (kind < params.REFUSED_SHARE)
    withdrawn = (
        finished.to_numpy()
        & (kind >= params.REFUSED_SHARE)
        & (kind < params.REFUSED_SHARE + params.WITHDRAWN_SHARE)
    )
    not_returned = finished.to_numpy() & (
        (rng.random(n) < params.NOT_YET_RETURNED_SHARE) | (returned > as_of).to_numpy()
    )
    status[not_returned] = "Đã có kết quả"
    status[refused] = "Từ chối"
    status[withdrawn] = "Rút hồ sơ"
    open_ = ~finished.to_numpy()
    status[open_] = np.where(
        rng.random(open_.sum()) < params.AWAITING_SUPPLEMENT_SHARE, "Chờ bổ sung", "Đang xử lý"
    )
    out["status_vi"] = status
    out["completed_at"] = completed.where(finished)
    out["returned_at"] = returned.where(pd.Series(status == "Đã trả kết quả", index=out.index))
    out["as_of"] = pd.Timestamp(end)
    out["outcome"] = classify_outcomes(out)
    letter_due = out["outcome"].isin(["late", "pending_overdue"]).to_numpy()
    letter = letter_due & (rng.random(n) < params.APOLOGY_LETTER_SHARE)
    out["apology_letter"] = pd.array(np.where(letter_due, letter, False), dtype="boolean")
    out.loc[~letter_due & (rng.random(n) < 0.3), "apology_letter"] = pd.NA
    return out


def classify_outcomes(dossiers: pd.DataFrame) -> pd.Series:
    """The contract's outcome: completion vs appointment by calendar day; open ones vs as_of."""
    completed = dossiers["completed_at"].dt.normalize()
    due = dossiers["due_at"].dt.normalize()
    as_of = pd.to_datetime(dossiers["as_of"]).dt.normalize()
    outcome = np.select(
        [completed > due, completed == due, completed < due, as_of > due],
        ["late", "on_time", "early", "pending_overdue"],
        default="pending_in_time",
    )
    return pd.Series(outcome, index=dossiers.index)


def assign_officers(
    rng: np.random.Generator, dossiers: pd.DataFrame, roster: pd.DataFrame
) -> pd.Series:
    """The officer who handled each dossier: someone on the desk on the day of intake, most often
    the one whose title covers the field."""
    officer = pd.Series(pd.NA, index=dossiers.index, dtype=object)
    day = dossiers["received_at"].dt.normalize()
    title = dossiers["field"].map(params.FIELD_TITLE)
    far = pd.Timestamp("2200-01-01")
    for code, spells in roster.groupby("commune_code", sort=True):
        rows = np.flatnonzero(dossiers["commune_code"].to_numpy() == code)
        if len(rows) == 0:
            continue
        d = day.to_numpy()[rows][:, None]
        present = (d >= spells["start_date"].to_numpy()[None, :]) & (
            d <= spells["end_date"].fillna(far).to_numpy()[None, :]
        )
        match = title.to_numpy()[rows][:, None] == spells["title"].to_numpy()[None, :]
        weight = present * np.where(match, params.TITLE_MATCH_WEIGHT, 1.0)
        nobody = weight.sum(axis=1) == 0
        weight[nobody] = 1.0  # cannot happen with the roster's one-vacancy rule; kept total
        cumulative = weight.cumsum(axis=1)
        draw = rng.random(len(rows)) * cumulative[:, -1]
        chosen = (cumulative < draw[:, None]).sum(axis=1)
        officer.iloc[rows] = spells["officer_id"].to_numpy()[chosen]
    return officer


def number_dossiers(dossiers: pd.DataFrame) -> pd.Series:
    """Dossier numbers '{unit code}-{yymmdd}-{serial}', serial counting intakes of the unit's day."""
    ordered = dossiers.sort_values(["commune_code", "received_at"], kind="stable")
    day = ordered["received_at"].dt.strftime("%y%m%d")
    serial = ordered.groupby([ordered["commune_code"], day]).cumcount() + 1
    ids = ordered["commune_code"] + "-" + day + "-" + serial.astype(str).str.zfill(4)
    return ids.reindex(dossiers.index)


def simulate_dossiers(
    rng_for, communes: pd.DataFrame, roster: pd.DataFrame, start: str, end: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The true dossier table and the commune-month covariates it was drawn with.

    `rng_for(name)` returns the random generator of a named stage, so stages stay independent.
    """
    volumes = draw_monthly_volumes(rng_for("volumes"), communes, start, end)
    dossiers = draw_dossiers(rng_for("dossiers"), communes, volumes, start, end)
    codes = communes["commune_code"].tolist()
    covariates = compute_commune_month_covariates(dossiers, roster, start, end, codes)
    dossiers = draw_lateness(rng_for("lateness"), dossiers, covariates, communes, start, end)
    dossiers = draw_dates_and_statuses(rng_for("dates"), dossiers, end)
    dossiers["officer_id"] = assign_officers(rng_for("officers"), dossiers, roster)
    dossiers["dossier_id"] = number_dossiers(dossiers)
    dossiers = dossiers.sort_values(["received_at", "dossier_id"], kind="stable").reset_index(
        drop=True
    )
    return dossiers, covariates
