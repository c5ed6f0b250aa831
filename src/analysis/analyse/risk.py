"""Risk-adjusted late rates and funnel-plot limits, so that small communes are not named for noise.

Expected late dossiers come from indirect standardisation: each resolved dossier gets the
district's late rate for its field (or procedure), summed per commune. Funnel limits are exact
binomial quantiles around the district rate as a function of n, interpolated as in Spiegelhalter
(2005, "Funnel plots for comparing institutional performance", Stat Med 24:1185), and widened by a
multiplicative overdispersion factor phi estimated from winsorised z-scores over the communes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.analyse.indicators import DISTRICT, commune_names, flag_dossier_states

LEVELS = {"95": 0.95, "998": 0.998}
WINSOR = 0.1
STANDARDISE_BY = "field"


def binomial_limit(n: np.ndarray, p: float, prob: float) -> np.ndarray:
    """Proportion at quantile `prob` of Binomial(n, p), interpolated to a smooth curve (Spiegelhalter 2005)."""
    n = np.asarray(n, dtype="float64")
    r = stats.binom.ppf(prob, n, p)
    below = stats.binom.cdf(r - 1, n, p)
    at = stats.binom.cdf(r, n, p)
    step = np.where(at - below > 0, at - below, 1.0)
    alpha = (at - prob) / step
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (r - alpha) / n, np.nan)


def estimate_overdispersion(z: np.ndarray, winsor: float = WINSOR) -> float:
    """Multiplicative phi: mean of squared z-scores after winsorising the tails; at least 1."""
    z = np.asarray(z, dtype="float64")
    z = z[np.isfinite(z)]
    if len(z) < 3:
        return 1.0
    low, high = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    return max(phi, 1.0)


def funnel_limits(n: np.ndarray, p: float, phi: float = 1.0) -> dict[str, np.ndarray]:
    """Lower and upper limits at 95 % and 99.8 % for each n, widened by sqrt(phi) around p."""
    limits = {}
    for name, level in LEVELS.items():
        for side, prob in (("lower", (1 - level) / 2), ("upper", 1 - (1 - level) / 2)):
            exact = binomial_limit(n, p, prob)
            limits[f"{side}_{name}"] = np.clip(p + (exact - p) * np.sqrt(phi), 0.0, 1.0)
    return limits


def expected_late(resolved: pd.DataFrame, by: str = STANDARDISE_BY) -> pd.DataFrame:
    """Observed and expected late dossiers per commune, the expectation from district rates per stratum."""
    district_rate = resolved.groupby(by, observed=True)["late"].transform("mean")
    frame = resolved.assign(expected=district_rate)
    table = frame.groupby("commune_code").agg(
        resolved=("late", "size"), observed_late=("late", "sum"), expected_late=("expected", "sum")
    )
    return table.reset_index()


def classify_position(rate: pd.Series, lower: pd.Series, upper: pd.Series) -> pd.Series:
    """'high' above the upper limit, 'low' below the lower one, 'within' otherwise; null without data."""
    position = pd.Series("within", index=rate.index, dtype="string")
    position[rate > upper] = "high"
    position[rate < lower] = "low"
    return position.where(rate.notna())


def risk_adjust_period(
    dossiers: pd.DataFrame, start, end, communes: list[str], by: str = STANDARDISE_BY
) -> tuple[pd.DataFrame, dict]:
    """Observed/expected, adjusted rate and funnel flags per commune for the dossiers resolved in one period."""
    flags = flag_dossier_states(dossiers, pd.Timestamp(start), pd.Timestamp(end))
    resolved = dossiers.loc[flags["resolved"], ["commune_code", by]].copy()
    resolved["late"] = flags.loc[flags["resolved"], "resolved_late"].astype("int64")
    table = expected_late(resolved, by).set_index("commune_code").reindex(communes)
    table[["resolved", "observed_late"]] = (
        table[["resolved", "observed_late"]].fillna(0).astype("int64")
    )
    table["expected_late"] = table["expected_late"].fillna(0.0)
    n = table["resolved"].to_numpy(dtype="float64")
    p = float(resolved["late"].mean()) if len(resolved) else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        table["observed_rate"] = np.where(n > 0, table["observed_late"] / n, np.nan)
        table["expected_rate"] = np.where(n > 0, table["expected_late"] / n, np.nan)
        table["oe_ratio"] = np.where(
            table["expected_late"] > 0, table["observed_late"] / table["expected_late"], np.nan
        )
        table["adjusted_rate"] = table["oe_ratio"] * p
        table["z_score"] = np.where(
            n > 0, (table["adjusted_rate"] - p) / np.sqrt(p * (1 - p) / n), np.nan
        )
    phi = (
        estimate_overdispersion(table["z_score"].to_numpy())
        if np.isfinite(p) and 0 < p < 1
        else 1.0
    )
    table["district_rate"] = p
    table["phi"] = phi
    if np.isfinite(p):
        for column, values in funnel_limits(n, p, phi).items():
            table[column] = values
    else:
        for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
            table[column] = np.nan
    for name in LEVELS:
        table[f"outside_{name}"] = classify_position(
            table["adjusted_rate"], table[f"lower_{name}"], table[f"upper_{name}"]
        )
    table["late_rate_convention"] = "late_rate_resolved"
    table["standardised_by"] = by
    table = table.reset_index().rename(columns={"index": "commune_code"})
    return table, {"district_rate": p, "phi": phi, "max_n": int(n.max()) if len(n) else 0}


def risk_adjust(
    dossiers: pd.DataFrame, periods: pd.DataFrame, communes: list[str], by: str = STANDARDISE_BY
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """risk_adjusted and funnel_curve tables for every period given (communes only, no district row)."""
    communes = [c for c in communes if c != DISTRICT]
    tables, curves = [], []
    for row in periods.itertuples(index=False):
        table, info = risk_adjust_period(dossiers, row.period_start, row.period_end, communes, by)
        table.insert(1, "period", row.period)
        table.insert(2, "period_type", row.period_type)
        tables.append(table)
        grid = np.unique(np.round(np.geomspace(1, max(info["max_n"], 2) * 1.1, 200)).astype(int))
        curve = pd.DataFrame({"period": row.period, "period_type": row.period_type, "n": grid})
        if np.isfinite(info["district_rate"]):
            for column, values in funnel_limits(grid, info["district_rate"], info["phi"]).items():
                curve[column] = values
        curve["district_rate"] = info["district_rate"]
        curve["phi"] = info["phi"]
        curves.append(curve)
    risk = pd.concat(tables, ignore_index=True)
    risk.insert(1, "commune_name", commune_names(risk["commune_code"]).to_numpy())
    return risk, pd.concat(curves, ignore_index=True)


def late_by_field(
    dossiers: pd.DataFrame, periods: pd.DataFrame, by: str = STANDARDISE_BY
) -> pd.DataFrame:
    """Per commune x period x field: late among resolved against the district's rate for that field.

    `excess_late` (observed - expected) says which fields drive a commune's lateness beyond its mix.
    """
    frames = []
    for row in periods.itertuples(index=False):
        flags = flag_dossier_states(dossiers, row.period_start, row.period_end)
        resolved = dossiers.loc[flags["resolved"], ["commune_code", by]].copy()
        resolved["late"] = flags.loc[flags["resolved"], "resolved_late"].astype("int64")
        district = resolved.groupby(by, observed=True)["late"].mean().rename("district_late_rate")
        table = resolved.groupby(["commune_code", by], observed=True)["late"].agg(
            resolved="size", observed_late="sum"
        )
        table = table.reset_index().merge(district.reset_index(), on=by, how="left")
        table["expected_late"] = table["resolved"] * table["district_late_rate"]
        table["excess_late"] = table["observed_late"] - table["expected_late"]
        table["late_rate_resolved"] = table["observed_late"] / table["resolved"]
        table.insert(1, "period", row.period)
        table.insert(2, "period_type", row.period_type)
        frames.append(table)
    out = pd.concat(frames, ignore_index=True).rename(
        columns={by: "field"} if by != "field" else {}
    )
    out.insert(1, "commune_name", commune_names(out["commune_code"]).to_numpy())
    out["late_rate_convention"] = "late_rate_resolved"
    return out
