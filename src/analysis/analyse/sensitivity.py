"""Sensitivity suite for the panel model: what the association survives, and what it does not rule out.

With commune fixed effects the panel model compares each commune with itself over time, so
anything that changes over time within a commune and moves with a covariate can bias its
coefficient: busy months bringing harder dossiers, a lateness trend tied to how fast a commune
adopts online services, rotations that follow a bad quarter. No refit can prove the coefficients
causal; these variants show how far they move when the usual suspects are allowed for:

- `main`: the model of effects.csv (CV3 jackknife interval), for reference;
- `commune_trends`: plus a linear time trend per commune (absorbs trends tied to adoption speed);
- `lead_placebo`: plus next month's covariates; a next-month value cannot cause this month's
  lateness, so a clearly non-zero lead coefficient signals confounding or reverse causation;
- `leave_one_commune_out`: the smallest and largest estimate over the 31 refits without one
  commune (a range, not an interval): is the association carried by one commune?
- `workload_spline`: workload as a restricted cubic spline (4 knots); its row reports the average
  slope between the 25th and 75th percentile of workload, comparable with the linear coefficient.

Every variant uses the models' code paths (models.design_matrix, fit_binomial_cluster;
cluster_inference.jackknife_clusters, newton_binomial).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from analysis.analyse.cluster_inference import jackknife_clusters, newton_binomial
from analysis.analyse.models import (
    TERMS,
    design_matrix,
    fit_binomial_cluster,
    t_interval_row,
)

WORKLOAD = "dossiers_per_officer_day"
MIN_COMMUNES = 5  # as the analyse step's minimum for fitting the models at all
SPLINE_KNOTS = (0.05, 0.35, 0.65, 0.95)  # Harrell's default quantiles for 4 knots
VARIANTS = {
    "main": "the model of effects.csv: commune, month and field fixed effects",
    "commune_trends": "plus a linear time trend for each commune",
    "lead_placebo": "plus next month's covariates (placebo: should be about 0)",
    "leave_one_commune_out": "smallest and largest estimate over refits without one commune",
    "workload_spline": "workload as a restricted cubic spline; average slope between its quartiles",
}


def fit_variant(
    panel: pd.DataFrame, exog: pd.DataFrame, terms, variant: str
) -> tuple[list[dict], pd.Series]:
    """Fit one design; CV3 jackknife intervals (t, G-1 df) for `terms`; rows and the full estimate."""
    groups = pd.factorize(panel["commune_code"])[0]
    late, n = panel["late"].to_numpy(float), panel["n"].to_numpy(float)
    fit = fit_binomial_cluster(late, n, exog, groups)
    se = jackknife_clusters(exog, late, n, groups, fit.params, list(terms))
    g = int(groups.max() + 1)
    rows = []
    for term in terms:
        row = t_interval_row(term, float(fit.params[term]), float(se[term]), g - 1, variant)
        row.update(variant=row.pop("model"), interval="95% CV3 jackknife, t(G-1)")
        row.update(n_obs=len(panel), n_clusters=g)
        rows.append(row)
    return rows, fit.params


def add_commune_trends(panel: pd.DataFrame, exog: pd.DataFrame) -> pd.DataFrame:
    """One column per commune (all but the first): months since the panel's start, 0 elsewhere."""
    month = pd.PeriodIndex(panel["month"], freq="M")
    t = (month - month.min()).map(lambda offset: offset.n).to_numpy(dtype="float64")
    t = t - t.mean()
    codes = panel["commune_code"].astype("string")
    extra = {
        f"trend_{code}": np.where(codes == code, t, 0.0) for code in sorted(codes.unique())[1:]
    }
    return pd.concat([exog, pd.DataFrame(extra, index=exog.index)], axis=1)


def add_leads(panel: pd.DataFrame, terms=TERMS) -> pd.DataFrame:
    """Each cell with its commune's covariates of the next calendar month (`lead_*`); cells without one dropped."""
    months = panel[["commune_code", "month", *terms]].drop_duplicates(["commune_code", "month"])
    following = months.assign(
        month=(pd.PeriodIndex(months["month"], freq="M") - 1).strftime("%Y-%m")
    ).rename(columns={term: f"lead_{term}" for term in terms})
    return panel.merge(following, on=["commune_code", "month"], how="inner")


def restricted_cubic_spline(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Harrell's restricted cubic spline: the non-linear columns (k - 2), linear beyond the end knots."""
    k = knots
    scale = (k[-1] - k[0]) ** 2
    cols = []
    for j in range(len(k) - 2):
        term = (
            np.maximum(x - k[j], 0) ** 3
            - np.maximum(x - k[-2], 0) ** 3 * (k[-1] - k[j]) / (k[-1] - k[-2])
            + np.maximum(x - k[-1], 0) ** 3 * (k[-2] - k[j]) / (k[-1] - k[-2])
        )
        cols.append(term / scale)
    return np.column_stack(cols)


def add_workload_spline(panel: pd.DataFrame, exog: pd.DataFrame) -> pd.DataFrame:
    """Spline columns for workload, shifted so that workload's own coefficient is the average slope
    between its 25th and 75th percentile (commune-months): comparable with the linear model's."""
    months = panel.drop_duplicates(["commune_code", "month"])[WORKLOAD].to_numpy(float)
    knots = np.quantile(months, SPLINE_KNOTS)
    q25, q75 = np.quantile(months, [0.25, 0.75])
    x = panel[WORKLOAD].to_numpy(float)
    basis = restricted_cubic_spline(x, knots)
    at_quartiles = restricted_cubic_spline(np.array([q25, q75]), knots)
    rise = (at_quartiles[1] - at_quartiles[0]) / (q75 - q25)
    # eta = g*x + sum b_j (r_j - rise_j x)  =>  g = b_x + sum b_j rise_j, the average slope
    shifted = basis - x[:, None] * rise[None, :]
    extra = pd.DataFrame(
        shifted, index=exog.index, columns=[f"workload_rcs{j + 1}" for j in range(basis.shape[1])]
    )
    return pd.concat([exog, extra], axis=1)


def leave_one_commune_out(panel: pd.DataFrame, terms=TERMS) -> list[dict]:
    """Smallest and largest estimate of each term over full refits leaving out one commune."""
    exog = design_matrix(panel, terms)
    groups = pd.factorize(panel["commune_code"])[0]
    codes = pd.factorize(panel["commune_code"])[1]
    late, n = panel["late"].to_numpy(float), panel["n"].to_numpy(float)
    full = fit_binomial_cluster(late, n, exog, groups).params
    x = exog.to_numpy()
    index = [exog.columns.get_loc(t) for t in terms]
    estimates = np.empty((len(codes), len(terms)))
    for g in range(len(codes)):
        keep = groups != g
        b = newton_binomial(x[keep], late[keep], n[keep], 0.0, full.to_numpy())
        estimates[g] = b[index]
    rows = []
    for j, term in enumerate(terms):
        low, high = int(estimates[:, j].argmin()), int(estimates[:, j].argmax())
        rows.append(
            {
                "term": term,
                "estimate": float(full[term]),
                "std_error": np.nan,
                "ci_low": float(estimates[low, j]),
                "ci_high": float(estimates[high, j]),
                "p_value": np.nan,
                "variant": "leave_one_commune_out",
                "interval": "range of estimates over refits without one commune",
                "dropped_at_low": str(codes[low]),
                "dropped_at_high": str(codes[high]),
                "n_obs": len(panel),
                "n_clusters": len(codes),
            }
        )
    return rows


def run_sensitivity(panel: pd.DataFrame, terms=TERMS) -> pd.DataFrame:
    """The sensitivity table: one row per variant x term (lead terms included)."""
    panel = panel[panel["n"] > 0].reset_index(drop=True)
    rows, _ = fit_variant(panel, design_matrix(panel, terms), terms, "main")
    if panel["month"].nunique() > 2:
        trends, _ = fit_variant(
            panel, add_commune_trends(panel, design_matrix(panel, terms)), terms, "commune_trends"
        )
        rows += trends
    led = add_leads(panel, terms)
    if led["commune_code"].nunique() >= MIN_COMMUNES:
        lead_terms = [*terms, *(f"lead_{t}" for t in terms)]
        leads, _ = fit_variant(led, design_matrix(led, lead_terms), lead_terms, "lead_placebo")
        rows += leads
    rows += leave_one_commune_out(panel, terms)
    workload = panel.drop_duplicates(["commune_code", "month"])[WORKLOAD]
    if WORKLOAD in terms and workload.nunique() >= 20:
        spline, _ = fit_variant(
            panel, add_workload_spline(panel, design_matrix(panel, terms)), terms, "workload_spline"
        )
        rows += spline
    table = pd.DataFrame(rows)
    table["base_term"] = table["term"].str.removeprefix("lead_")
    table["description"] = table["variant"].map(VARIANTS)
    main = table[table["variant"] == "main"].set_index("term")["estimate"]
    table["change_from_main"] = table["estimate"] - table["base_term"].map(main)
    table.loc[table["term"].str.startswith("lead_"), "change_from_main"] = np.nan
    return table


def add_steps(table: pd.DataFrame, steps: pd.DataFrame, mean_late_rate: float) -> pd.DataFrame:
    """Percentage-point changes for each row's realistic step (lead terms use their covariate's)."""
    out = table.merge(
        steps[["term", "step", "step_basis"]].rename(columns={"term": "base_term"}),
        on="base_term",
        how="left",
    )
    base = special.logit(np.clip(mean_late_rate, 1e-6, 1 - 1e-6))
    for column, source in (
        ("pp_change", "estimate"),
        ("pp_change_low", "ci_low"),
        ("pp_change_high", "ci_high"),
    ):
        out[column] = (special.expit(base + out[source] * out["step"]) - mean_late_rate) * 100
    out["mean_late_rate"] = mean_late_rate
    return out
