"""Cluster-robust inference for the panel models: jackknife (CV3) errors and the wild cluster bootstrap.

Split from models.py (issue 14: modules under ~500 lines). With few communes as clusters the CR1
sandwich is too small; these are the two remedies the models report (see models.py's docstring).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def cluster_scores(
    late, n, exog: np.ndarray, mu: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster score sums (G x p) and the Hessian X'WX of a binomial logit at fitted means mu."""
    residual = late - n * mu
    scores = exog * residual[:, None]
    n_groups = groups.max() + 1
    summed = np.zeros((n_groups, exog.shape[1]))
    np.add.at(summed, groups, scores)
    hessian = exog.T @ (exog * (n * mu * (1 - mu))[:, None])
    return summed, hessian


def draw_weights(
    rng: np.random.Generator, reps: int, n_groups: int, kind: str = "webb"
) -> np.ndarray:
    """Wild-bootstrap weights per replicate and cluster: Webb's six points or Rademacher signs."""
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(reps, n_groups))
    return rng.choice(WEBB_WEIGHTS, size=(reps, n_groups))


def bootstrap_t(influence: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Bootstrap t statistics of a sum of cluster influences, each perturbed by its weight."""
    perturbed = weights * influence[None, :]
    return perturbed.sum(axis=1) / np.sqrt((perturbed**2).sum(axis=1))


def newton_binomial(
    x: np.ndarray, late, n, offset, start: np.ndarray, max_steps: int = 25, tol: float = 1e-8
) -> np.ndarray:
    """Binomial-logit maximum likelihood by Newton steps from a nearby start (pseudo-inverse Hessian)."""
    b = start.copy()
    for _ in range(max_steps):
        mu = special.expit(offset + x @ b)
        score = x.T @ (late - n * mu)
        hessian = x.T @ (x * (n * mu * (1 - mu))[:, None])
        step = np.linalg.pinv(hessian, hermitian=True) @ score
        b = b + step
        if np.max(np.abs(step)) < tol:
            break
    return b


def score_test_pvalue(
    late,
    n,
    exog: pd.DataFrame,
    groups: np.ndarray,
    term: str,
    value: float,
    weights: np.ndarray,
    start: np.ndarray,
) -> float:
    """Wild restricted score-bootstrap p-value of H0: coefficient of `term` = value (Kline & Santos 2012)."""
    x = exog.to_numpy()
    k = exog.columns.get_loc(term)
    others = np.delete(np.arange(x.shape[1]), k)
    offset = value * x[:, k]
    b = newton_binomial(x[:, others], late, n, offset, start)
    mu = special.expit(offset + x[:, others] @ b)
    scores, hessian = cluster_scores(late, n, x, mu, groups)
    influence = scores @ np.linalg.pinv(hessian, hermitian=True)[:, k]
    observed = influence.sum() / np.sqrt((influence**2).sum())
    exceed = (np.abs(bootstrap_t(influence, weights)) >= abs(observed)).sum()
    # (exceedances + 1) / (reps + 1): a bootstrap p-value is never exactly 0
    return float((exceed + 1) / (len(weights) + 1))


def invert_score_test(
    pvalue, estimate: float, scale: float, level: float = 0.05, tol: float = 0.02
) -> tuple[float, float]:
    """Interval of values not rejected at `level`: bisection on each side of the estimate."""
    bounds = []
    for side in (-1.0, 1.0):
        inner, outer = estimate, estimate + side * 3 * scale
        for _ in range(4):  # widen until rejected
            if pvalue(outer) < level:
                break
            inner, outer = outer, outer + side * 3 * scale
        while abs(outer - inner) > tol * scale:
            middle = (inner + outer) / 2
            inner, outer = (inner, middle) if pvalue(middle) < level else (middle, outer)
        bounds.append((inner + outer) / 2)
    return bounds[0], bounds[1]


def wild_cluster_bootstrap(
    panel: pd.DataFrame,
    exog: pd.DataFrame,
    result,
    groups: np.ndarray,
    terms,
    reps: int = 1999,
    kind: str = "webb",
    seed: int = 0,
    scales: pd.Series | None = None,
) -> pd.DataFrame:
    """Wild restricted cluster score bootstrap (WCR): p-value for H0: 0 and the interval inverting it."""
    rng = np.random.default_rng(seed)
    late, n = panel["late"].to_numpy(float), panel["n"].to_numpy(float)
    weights = draw_weights(rng, reps, groups.max() + 1, kind)
    rows = []
    for term in terms:
        estimate = float(result.params[term])
        start = result.params.drop(term).to_numpy()

        def pvalue(value, term=term, start=start):
            return score_test_pvalue(late, n, exog, groups, term, value, weights, start)

        scale = float(scales[term]) if scales is not None else float(result.bse[term])
        low, high = invert_score_test(pvalue, estimate, scale)
        rows.append(
            {
                "term": term,
                "estimate": estimate,
                "std_error": (high - low) / (2 * stats.norm.ppf(0.975)),
                "ci_low": low,
                "ci_high": high,
                "p_value": pvalue(0.0),
            }
        )
    return pd.DataFrame(rows)


def jackknife_clusters(
    exog: pd.DataFrame,
    late: np.ndarray,
    n: np.ndarray,
    groups: np.ndarray,
    estimate: pd.Series,
    terms,
    steps: int = 3,
) -> pd.Series:
    """CV3 standard errors: the model refitted leaving out one commune at a time.

    With few clusters the CR1 sandwich is too small when a few communes carry most of a
    covariate's variation; the leave-one-cluster-out jackknife (MacKinnon, Nielsen & Webb 2023,
    "Cluster-robust inference: a guide to empirical practice") is the recommended default then.
    Each refit is a few Newton steps from the full estimate; a pseudo-inverse copes with the
    dropped commune's all-zero dummy (the covariates' coefficients stay identified).
    """
    x = exog.to_numpy()
    beta = estimate.reindex(exog.columns).to_numpy()
    index = [exog.columns.get_loc(term) for term in terms]
    n_groups = int(groups.max() + 1)
    deviations = np.empty((n_groups, len(index)))
    for g in range(n_groups):
        keep = groups != g
        xr, yr, nr = x[keep], late[keep], n[keep]
        b = beta.copy()
        for _ in range(steps):
            mu = special.expit(xr @ b)
            score = xr.T @ (yr - nr * mu)
            hessian = xr.T @ (xr * (nr * mu * (1 - mu))[:, None])
            b = b + np.linalg.pinv(hessian, hermitian=True) @ score
        deviations[g] = b[index] - beta[index]
    return pd.Series(
        np.sqrt((n_groups - 1) / n_groups * (deviations**2).sum(axis=0)), index=list(terms)
    )
