"""Risk-adjusted late rates and funnel-plot limits, so that small communes are not named for noise.

Expected late dossiers come from indirect standardisation: each resolved dossier gets the
district's late rate for its field (or procedure), summed per commune. Funnel limits are exact
binomial quantiles around the district rate as a function of n, interpolated as in Spiegelhalter
(2005, "Funnel plots for comparing institutional performance", Stat Med 24:1185). Communes differ
more than chance allows, and Spiegelhalter gives two ways to widen the limits for it, both computed:
a multiplicative factor phi (limits widened by sqrt(phi)) and an additive between-commune variance
tau^2 (DerSimonian-Laird on the winsorised z-scores; limits p +- z sqrt(p(1-p)/n + tau^2)). The
additive one is the default (`OVERDISPERSION`): see docs/methods.md section 3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.analyse.indicators import DISTRICT, commune_names, flag_dossier_states

LEVELS = {"95": 0.95, "998": 0.998}
WINSOR = 0.1
STANDARDISE_BY = "field"
# Which widening the plain columns (lower_95, outside_95, ...) use; both are written beside them.
OVERDISPERSION = "additive"
OVERDISPERSION_METHODS = ("multiplicative", "additive")
# Rates on fewer resolved dossiers than this are flagged as unreliable (`is_small_n`).
SMALL_N = 20


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


def winsorised_z(z: np.ndarray, winsor: float = WINSOR) -> np.ndarray:
    """Finite z-scores with the most extreme `winsor` share at each end pulled in."""
    z = np.asarray(z, dtype="float64")
    z = z[np.isfinite(z)]
    if len(z) == 0:
        return z
    low, high = np.quantile(z, [winsor, 1 - winsor])
    return np.clip(z, low, high)


def estimate_tau2(z: np.ndarray, n: np.ndarray, p: float, winsor: float = WINSOR) -> float:
    """Additive between-commune variance tau^2: DerSimonian-Laird on winsorised z (Spiegelhalter 2005, s. 4.2).

    With within-commune variances s_i^2 = p(1-p)/n_i and weights w_i = 1/s_i^2,
    tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), and 0 when I phi <= I - 1.
    """
    z, n = np.asarray(z, dtype="float64"), np.asarray(n, dtype="float64")
    keep = np.isfinite(z) & (n > 0)
    z, n = z[keep], n[keep]
    if len(z) < 3 or not 0 < p < 1:
        return 0.0
    phi = float(np.mean(winsorised_z(z, winsor) ** 2))
    w = n / (p * (1 - p))
    excess = len(z) * phi - (len(z) - 1)
    if excess <= 0:
        return 0.0
    return float(excess / (w.sum() - (w**2).sum() / w.sum()))


def additive_funnel_limits(n: np.ndarray, p: float, tau2: float) -> dict[str, np.ndarray]:
    """Limits p +- z sqrt(p(1-p)/n + tau^2) at 95 % and 99.8 % (normal, as Spiegelhalter's additive form)."""
    n = np.asarray(n, dtype="float64")
    limits = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(n > 0, np.sqrt(p * (1 - p) / n + tau2), np.nan)
    for name, level in LEVELS.items():
        z = stats.norm.ppf(1 - (1 - level) / 2)
        limits[f"lower_{name}"] = np.clip(p - z * sd, 0.0, 1.0)
        limits[f"upper_{name}"] = np.clip(p + z * sd, 0.0, 1.0)
    return limits


def both_funnel_limits(
    n: np.ndarray, p: float, phi: float, tau2: float, default: str = OVERDISPERSION
) -> dict[str, np.ndarray]:
    """Multiplicative and additive limits (suffixed) and the default's under the plain names."""
    by_method = {
        "multiplicative": funnel_limits(n, p, phi),
        "additive": additive_funnel_limits(n, p, tau2),
    }
    out = {}
    for method, limits in by_method.items():
        out.update({f"{column}_{method}": values for column, values in limits.items()})
    out.update(by_method[default])
    return out


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
    usable = np.isfinite(p) and 0 < p < 1
    phi = estimate_overdispersion(table["z_score"].to_numpy()) if usable else 1.0
    tau2 = estimate_tau2(table["z_score"].to_numpy(), n, p) if usable else 0.0
    table["district_rate"] = p
    table["phi"] = phi
    table["tau2"] = tau2
    table["overdispersion_method"] = OVERDISPERSION
    table["is_small_n"] = n < SMALL_N
    limits = both_funnel_limits(n, p, phi, tau2) if np.isfinite(p) else {}
    for suffix in ("", *(f"_{m}" for m in OVERDISPERSION_METHODS)):
        for name in LEVELS:
            for side in ("lower", "upper"):
                column = f"{side}_{name}{suffix}"
                table[column] = limits.get(column, np.nan)
            table[f"outside_{name}{suffix}"] = classify_position(
                table["adjusted_rate"],
                table[f"lower_{name}{suffix}"],
                table[f"upper_{name}{suffix}"],
            )
    with np.errstate(invalid="ignore", divide="ignore"):
        table["z_score_additive"] = np.where(
            n > 0, (table["adjusted_rate"] - p) / np.sqrt(p * (1 - p) / n + tau2), np.nan
        )
    table["flags_differ_95"] = (
        (table["outside_95_multiplicative"] != table["outside_95_additive"])
        .astype("boolean")
        .where(table["adjusted_rate"].notna())
    )
    table["late_rate_convention"] = "late_rate_resolved"
    table["standardised_by"] = by
    table = table.reset_index().rename(columns={"index": "commune_code"})
    info = {"district_rate": p, "phi": phi, "tau2": tau2, "max_n": int(n.max()) if len(n) else 0}
    return table, info


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
            limits = both_funnel_limits(grid, info["district_rate"], info["phi"], info["tau2"])
            for column, values in limits.items():
                curve[column] = values
        curve["district_rate"] = info["district_rate"]
        curve["phi"] = info["phi"]
        curve["tau2"] = info["tau2"]
        curve["overdispersion_method"] = OVERDISPERSION
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
