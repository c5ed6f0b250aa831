"""Commune late rates shrunk toward the district, ranks with intervals, and Wilson intervals.

A ranking 1/31 ... 31/31 of raw late rates treats noise as signal: a commune with 40 resolved
dossiers can move ten places on two dossiers. Here each period's rates get an empirical-Bayes
beta-binomial model (the communes' true late rates drawn from one Beta distribution whose mean
and concentration are fitted by maximum likelihood to the observed counts); each commune's
posterior is Beta(a + late, b + resolved - late). Ranks are drawn from those posteriors
(parametric bootstrap), giving a rank interval and the probability of being in the worst third.
Empirical Bayes treats the fitted Beta as known, so intervals are slightly too narrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.analyse.risk import SMALL_N

RANK_DRAWS = 4000
METHOD = "empirical_bayes_beta_binomial"
# denominator of each late-rate convention (for Wilson intervals on the monthly chart data)
CONVENTION_DENOMINATOR = {
    "late_rate_resolved": ("resolved",),
    "late_rate_766": ("handled",),
    "late_rate_with_overdue": ("resolved", "pending"),
}


def fit_beta_binomial(late: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood mean and concentration (a + b) of the Beta behind binomial counts.

    Without spread beyond chance the concentration runs to infinity (full pooling); it is capped
    at 1e6, which shrinks every commune all the way to the district rate.
    """
    late, n = np.asarray(late, dtype="float64"), np.asarray(n, dtype="float64")
    keep = n > 0
    late, n = late[keep], n[keep]
    pooled = late.sum() / n.sum() if n.sum() > 0 else np.nan
    if len(n) < 3 or not 0 < pooled < 1:
        return float(pooled), 1e6

    def negative_loglik(theta):
        mean, concentration = 1 / (1 + np.exp(-theta[0])), np.exp(theta[1])
        a, b = mean * concentration, (1 - mean) * concentration
        return -stats.betabinom.logpmf(late, n, a, b).sum()

    start = np.array([np.log(pooled / (1 - pooled)), np.log(50.0)])
    fit = optimize.minimize(negative_loglik, start, method="Nelder-Mead", options={"xatol": 1e-6})
    mean = float(1 / (1 + np.exp(-fit.x[0])))
    return mean, float(min(np.exp(fit.x[1]), 1e6))


def rank_draws(draws: np.ndarray) -> np.ndarray:
    """Rank of each commune (column) in each draw (row): 1 = lowest late rate = best."""
    return draws.argsort(axis=1).argsort(axis=1) + 1


def shrink_period(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One period: posterior late rates, 95 % credible intervals, rank intervals, P(worst third)."""
    out = table.copy()
    late = out["observed_late"].to_numpy(dtype="float64")
    n = out["resolved"].to_numpy(dtype="float64")
    mean, concentration = fit_beta_binomial(late, n)
    a, b = mean * concentration, (1 - mean) * concentration
    post_a, post_b = a + late, b + n - late
    out["prior_mean"] = mean
    out["prior_concentration"] = concentration
    out["shrinkage_weight"] = n / (n + concentration)
    out["shrunk_rate"] = post_a / (post_a + post_b)
    out["shrunk_rate_low"] = stats.beta.ppf(0.025, post_a, post_b)
    out["shrunk_rate_high"] = stats.beta.ppf(0.975, post_a, post_b)
    ranked = n > 0
    k = int(ranked.sum())
    for column in ("observed_rank", "rank_median", "rank_low", "rank_high"):
        out[column] = np.nan
    out["prob_worst_third"] = np.nan
    out["prob_best_third"] = np.nan
    out["n_ranked"] = k
    if k:
        draws = rng.beta(post_a[ranked], post_b[ranked], size=(RANK_DRAWS, k))
        ranks = rank_draws(draws)
        third = int(np.ceil(k / 3))
        observed = pd.Series(late[ranked] / n[ranked]).rank(method="min").to_numpy()
        out.loc[ranked, "observed_rank"] = observed
        out.loc[ranked, "rank_median"] = np.median(ranks, axis=0)
        out.loc[ranked, "rank_low"] = np.quantile(ranks, 0.025, axis=0, method="lower")
        out.loc[ranked, "rank_high"] = np.quantile(ranks, 0.975, axis=0, method="higher")
        out.loc[ranked, "prob_worst_third"] = (ranks > k - third).mean(axis=0)
        out.loc[ranked, "prob_best_third"] = (ranks <= third).mean(axis=0)
    out["is_small_n"] = n < SMALL_N
    out["method"] = METHOD
    return out


def rank_with_uncertainty(risk: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """commune_ranks_uncertainty: per commune x period (from risk_adjusted's counts), late among resolved."""
    keep = [
        c
        for c in ("commune_code", "commune_name", "period", "period_type", "is_complete")
        if c in risk
    ]
    rng = np.random.default_rng(seed)
    frames = []
    for _, table in risk.groupby(["period_type", "period"], sort=False):
        base = table[[*keep, "resolved", "observed_late"]].reset_index(drop=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            base["observed_rate"] = np.where(
                base["resolved"] > 0, base["observed_late"] / base["resolved"], np.nan
            )
        frames.append(shrink_period(base, rng))
    out = pd.concat(frames, ignore_index=True)
    out["late_rate_convention"] = "late_rate_resolved"
    for column in ("observed_rank", "rank_median", "rank_low", "rank_high"):
        out[column] = out[column].astype("float64")
    out["is_small_n"] = out["is_small_n"].astype("boolean")
    return out


def wilson_interval(successes, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (null where n = 0): fine for small n and rates near 0."""
    successes = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def add_late_rate_intervals(indicators: pd.DataFrame) -> pd.DataFrame:
    """late_rate_n, Wilson late_rate_low / late_rate_high and is_small_n for charts of late_rate."""
    out = indicators.copy()
    conventions = out["late_rate_convention"].astype("string")
    n = pd.Series(np.nan, index=out.index)
    for convention, columns in CONVENTION_DENOMINATOR.items():
        mask = (conventions == convention).fillna(False).to_numpy()
        n[mask] = out.loc[mask, list(columns)].sum(axis=1).astype("float64")
    late = (out["late_rate"].astype("float64") * n).round()
    out["late_rate_n"] = n.astype("Int64")
    out["late_rate_low"], out["late_rate_high"] = wilson_interval(late, n.to_numpy())
    out["is_small_n"] = (n < SMALL_N).astype("boolean")
    return out
