"""How online adoption and officer arrangement relate to late dossiers: panel models with honest errors.

The main model is a binomial GLM on commune x received-month x field counts with commune, month
and field fixed effects: it has the same likelihood as a dossier-level logit with those dummies,
so the same coefficients, and is far faster. Errors are clustered by commune; with only 31
clusters the CR1 sandwich is biased downward, so intervals use the leave-one-commune-out
jackknife (CV3) with t on G-1 degrees of freedom, and a wild restricted cluster score bootstrap
(Webb weights, Kline & Santos 2012) is reported beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

from analysis.analyse.cluster_inference import jackknife_clusters, wild_cluster_bootstrap

TERMS = ("online_share", "dossiers_per_officer_day", "concurrent_share")
# Steps inside the data (issue 11.4): +10 points of online share, +1 dossier per officer-day, and
# for the concurrent share the typical within-commune change (its within-commune SD, measured on
# the panel by `describe_steps`). STEPS holds the fixed ones; the concurrent step falls back to 0.1
# only when the panel is not at hand.
STEPS = {"online_share": 0.1, "dossiers_per_officer_day": 1.0, "concurrent_share": 0.1}
STEP_BASIS = {
    "online_share": "+10 points of online share (a typical year's adoption gain)",
    "dossiers_per_officer_day": "+1 dossier per officer-day",
    "concurrent_share": "+1 within-commune SD of the concurrent share (commune-months)",
}
SCENARIOS = ("none", "busy_months", "adoption_trend", "reverse_causation")
KNOWN_OUTCOMES = ("early", "on_time", "late", "pending_overdue")
LATE_OUTCOMES = ("late", "pending_overdue")
FEW_CLUSTERS_CAVEAT = (
    "Standard errors are clustered by commune, but there are only {g} communes: the usual "
    "cluster-robust (CR1) errors are then too small, so the intervals use the leave-one-commune-"
    "out jackknife (CV3) with t on {df} degrees of freedom; CR1 errors and a wild cluster "
    "bootstrap (Webb weights) are reported beside them as robustness checks."
)


def t_interval_row(term: str, estimate: float, se: float, df: int, model: str) -> dict:
    """Estimate with a t interval on G - 1 degrees of freedom (few clusters: t, not normal)."""
    t_crit = stats.t.ppf(0.975, df)
    return {
        "term": term,
        "estimate": estimate,
        "std_error": se,
        "ci_low": estimate - t_crit * se,
        "ci_high": estimate + t_crit * se,
        "p_value": float(2 * stats.t.sf(abs(estimate / se), df)),
        "model": model,
    }


def label_known_outcomes(dossiers: pd.DataFrame) -> pd.DataFrame:
    """Dossiers whose appointment fell before the export's end, with `late` 0/1.

    Only then is every dossier's lateness known whatever its outcome (finished, or still open and
    so overdue). Keeping dossiers due later would keep their early finishers and drop their late
    ones: censoring by outcome. Refused and withdrawn dossiers are not decisions on time.
    """
    due_passed = dossiers["due_at"].dt.normalize() < dossiers["as_of"].dt.normalize()
    keep = (
        due_passed
        & dossiers["outcome"].isin(KNOWN_OUTCOMES)
        & ~dossiers["status"].isin(["refused", "withdrawn"])
    )
    known = dossiers.loc[keep.fillna(False)].copy()
    known["late"] = known["outcome"].isin(LATE_OUTCOMES).astype("int64")
    known["month"] = known["received_at"].dt.to_period("M").dt.start_time
    return known


def measure_covariates(dossiers: pd.DataFrame, staffing_monthly: pd.DataFrame) -> pd.DataFrame:
    """Commune x received-month covariates, measured as the truth file defines them."""
    d = dossiers.assign(
        month=dossiers["received_at"].dt.to_period("M").dt.start_time,
        online=(dossiers["channel"] == "online").astype("int64"),
    )
    monthly = d.groupby(["commune_code", "month"]).agg(
        received=("online", "size"), received_online=("online", "sum")
    )
    monthly = monthly.reset_index()
    staff = staffing_monthly.assign(month=pd.to_datetime(staffing_monthly["month"]))
    monthly = monthly.merge(
        staff[["commune_code", "month", "officer_days", "concurrent_share"]],
        on=["commune_code", "month"],
        how="left",
    )
    monthly["online_share"] = monthly["received_online"] / monthly["received"]
    officer_days = monthly["officer_days"].where(monthly["officer_days"] > 0)
    monthly["dossiers_per_officer_day"] = monthly["received"] / officer_days
    return monthly


def build_panel(
    dossiers: pd.DataFrame, staffing_monthly: pd.DataFrame, by: str = "field"
) -> pd.DataFrame:
    """Cells of commune x received month x field (or procedure): late and known counts plus covariates.

    Cells whose commune-month had no officer on the desk have no workload and are dropped.
    """
    known = label_known_outcomes(dossiers)
    cells = (
        known.groupby(["commune_code", "month", by], observed=True)["late"]
        .agg(late="sum", n="size")
        .reset_index()
    )
    covariates = measure_covariates(dossiers, staffing_monthly)
    panel = cells.merge(
        covariates[["commune_code", "month", *TERMS]], on=["commune_code", "month"], how="left"
    )
    panel = panel.dropna(subset=list(TERMS)).rename(columns={by: "stratum"})
    panel["month"] = panel["month"].dt.strftime("%Y-%m")
    return panel.reset_index(drop=True)


def design_matrix(
    panel: pd.DataFrame, terms=TERMS, fixed=("commune_code", "month", "stratum")
) -> pd.DataFrame:
    """Covariates, an intercept and one dummy per level (first level dropped) of each fixed effect."""
    parts = [pd.Series(1.0, index=panel.index, name="const"), panel[list(terms)].astype("float64")]
    for name in fixed:
        dummies = pd.get_dummies(
            panel[name].astype("string"), prefix=name, drop_first=True, dtype="float64"
        )
        parts.append(dummies)
    return pd.concat(parts, axis=1)


def fit_binomial(late: np.ndarray, n: np.ndarray, exog: pd.DataFrame, offset=None):
    """Binomial GLM (logit link) on grouped counts."""
    endog = np.column_stack([late, n - late]).astype("float64")
    return sm.GLM(endog, exog, family=sm.families.Binomial(), offset=offset).fit()


def fit_panel_glm(
    panel: pd.DataFrame,
    terms=TERMS,
    bootstrap_reps: int = 1999,
    bootstrap_weights: str = "webb",
    seed: int = 0,
    jackknife: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """The panel binomial GLM: CV3 jackknife errors with t(G-1), CR1 beside them, wild bootstrap."""
    panel = panel[panel["n"] > 0].reset_index(drop=True)
    exog = design_matrix(panel, terms)
    groups = pd.factorize(panel["commune_code"])[0]
    n_groups = int(groups.max() + 1)
    late, n = panel["late"].to_numpy(float), panel["n"].to_numpy(float)
    result = robust = fit_binomial_cluster(late, n, exog, groups)
    se_cr1 = robust.bse[list(terms)]
    se_main = (
        jackknife_clusters(exog, late, n, groups, robust.params, terms) if jackknife else se_cr1
    )
    rows = []
    for term in terms:
        row = t_interval_row(
            term,
            float(robust.params[term]),
            float(se_main[term]),
            n_groups - 1,
            "panel_binomial_glm",
        )
        row["std_error_cr1"] = float(se_cr1[term])
        row["se_type"] = "cv3_jackknife" if jackknife else "cr1"
        rows.append(row)
    effects = pd.DataFrame(rows)
    info = {
        "model": "panel_binomial_glm",
        "n_obs": int(len(panel)),
        "n_dossiers": int(n.sum()),
        "n_clusters": n_groups,
        "deviance": float(result.deviance),
        "pearson_chi2_per_df": float(result.pearson_chi2 / result.df_resid)
        if result.df_resid > 0
        else None,
        "mean_late_rate": float(late.sum() / n.sum()),
        "caveat": FEW_CLUSTERS_CAVEAT.format(g=n_groups, df=n_groups - 1),
    }
    if bootstrap_reps:
        boot = wild_cluster_bootstrap(
            panel, exog, result, groups, terms, bootstrap_reps, bootstrap_weights, seed, se_main
        )
        boot["model"] = "panel_binomial_glm_wild_bootstrap"
        effects = pd.concat([effects, boot], ignore_index=True)
        info["bootstrap"] = {"reps": bootstrap_reps, "weights": bootstrap_weights, "seed": seed}
    for column, value in (
        ("n_obs", len(panel)),
        ("n_clusters", n_groups),
        ("n_dossiers", int(n.sum())),
    ):
        effects[column] = value
    return effects, info


def fit_binomial_cluster(late, n, exog: pd.DataFrame, groups: np.ndarray):
    """Binomial GLM with CR1 cluster-robust covariance by commune."""
    endog = np.column_stack([late, n - late]).astype("float64")
    model = sm.GLM(endog, exog, family=sm.families.Binomial())
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups})


def fit_dossier_logit(
    dossiers: pd.DataFrame,
    staffing_monthly: pd.DataFrame,
    terms=TERMS,
    max_rows: int = 60_000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Cross-check: a dossier-level logit with procedure, month and commune dummies (subsampled)."""
    known = label_known_outcomes(dossiers)
    covariates = measure_covariates(dossiers, staffing_monthly)
    data = known.merge(
        covariates[["commune_code", "month", *terms]], on=["commune_code", "month"], how="inner"
    )
    data = data.dropna(subset=list(terms))
    sampled = len(data) > max_rows
    if sampled:
        data = data.sample(n=max_rows, random_state=seed)
    data = data.reset_index(drop=True)
    # rare procedures would be perfectly predicted: pool those under 30 dossiers into their field
    counts = data["procedure"].map(data["procedure"].value_counts())
    data["stratum"] = data["procedure"].where(counts >= 30, "other: " + data["field"].astype(str))
    data["month"] = data["month"].dt.strftime("%Y-%m")
    exog = design_matrix(data, terms)
    groups = pd.factorize(data["commune_code"])[0]
    ones = np.ones(len(data))
    robust = fit_binomial_cluster(data["late"].to_numpy(float), ones, exog, groups)
    n_groups = int(groups.max() + 1)
    rows = []
    for term in terms:
        row = t_interval_row(
            term, float(robust.params[term]), float(robust.bse[term]), n_groups - 1, "dossier_logit"
        )
        row.update(n_obs=len(data), n_clusters=n_groups, n_dossiers=len(data))
        rows.append(row)
    info = {
        "model": "dossier_logit",
        "n_obs": int(len(data)),
        "subsampled": bool(sampled),
        "max_rows": max_rows,
        "n_clusters": n_groups,
        "strata": int(data["stratum"].nunique()),
    }
    return pd.DataFrame(rows), info


def describe_steps(panel: pd.DataFrame, terms=TERMS) -> pd.DataFrame:
    """Per term: the step effects are shown for, why, and how much it varies within communes.

    Effects per unit (e.g. a desk worked entirely by concurrent officers, or +10 dossiers per
    officer-day) extrapolate far outside what any commune lived through; the within-commune SD
    (commune-months, each commune's mean removed) says how far the data reach.
    """
    months = panel.drop_duplicates(["commune_code", "month"])
    rows = []
    for term in terms:
        values = months[term].astype("float64")
        within = values - values.groupby(months["commune_code"]).transform("mean")
        sd = float(within.std(ddof=1)) if within.notna().sum() > 1 else np.nan
        spread = values.groupby(months["commune_code"]).agg(lambda v: v.max() - v.min())
        step = STEPS[term]
        basis = STEP_BASIS[term]
        if term == "concurrent_share" and np.isfinite(sd) and sd > 0:
            step = float(np.round(sd, 3))
            basis = f"{STEP_BASIS[term]}: {step:.3f}"
        rows.append(
            {
                "term": term,
                "step": step,
                "step_basis": basis,
                "within_commune_sd": sd,
                "max_within_commune_range": float(spread.max()) if len(spread) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def add_meaningful_steps(
    effects: pd.DataFrame, mean_late_rate: float, steps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Odds ratios and percentage-point changes (with intervals) for realistic steps, at the mean late rate."""
    if steps is None:
        steps = pd.DataFrame(
            {
                "term": list(STEPS),
                "step": list(STEPS.values()),
                "step_basis": [STEP_BASIS[t] for t in STEPS],
            }
        )
    table = effects.drop(
        columns=[c for c in steps.columns if c != "term" and c in effects.columns]
    ).merge(steps, on="term", how="left")
    for column, source in (
        ("odds_ratio", "estimate"),
        ("odds_ratio_low", "ci_low"),
        ("odds_ratio_high", "ci_high"),
    ):
        table[column] = np.exp(table[source] * table["step"])
    base = special.logit(np.clip(mean_late_rate, 1e-6, 1 - 1e-6))
    for column, source in (
        ("pp_change", "estimate"),
        ("pp_change_low", "ci_low"),
        ("pp_change_high", "ci_high"),
    ):
        table[column] = (special.expit(base + table[source] * table["step"]) - mean_late_rate) * 100
    table["mean_late_rate"] = mean_late_rate
    return table


def simulate_panel(
    seed: int,
    effects: dict[str, float] | None = None,
    n_communes: int = 31,
    n_months: int = 12,
    fields: dict[str, float] | None = None,
    dossiers_per_month: tuple[int, int] = (60, 400),
    intercept: float = -2.4,
    latent_sd: float = 0.5,
    scenario: str = "none",
) -> pd.DataFrame:
    """Commune x month x field counts drawn from the contract's data-generating model (for recovery checks).

    `scenario` breaks the model on purpose, to measure the bias a misspecification causes (the
    draws of "none" do not depend on the other scenarios' extra randomness):
    - "busy_months": a commune-month shock raises the volume (so workload) and the lateness at once;
    - "adoption_trend": each commune's lateness drifts over the year in step with how fast it
      adopts online services (a time-varying confounder the month effects cannot absorb);
    - "reverse_causation": a persistent lateness shock, and desks made more concurrent (rotations)
      in the month after a late one.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario {scenario!r}: use one of {', '.join(SCENARIOS)}")
    rng = np.random.default_rng(seed)
    extra = np.random.default_rng([seed, 1])
    effects = effects or {
        "online_share": -1.2,
        "dossiers_per_officer_day": 0.035,
        "concurrent_share": 0.8,
    }
    fields = fields or {
        "Hộ tịch": 0.0,
        "Chứng thực": -1.0,
        "Đất đai": 1.2,
        "Xây dựng": 0.6,
        "Bảo trợ xã hội": -0.3,
    }
    field_names = list(fields)
    field_mix = rng.dirichlet(np.full(len(field_names), 3.0), size=n_communes)
    latent = rng.normal(0, latent_sd, n_communes)
    volume = rng.uniform(*dossiers_per_month, n_communes)
    adoption_start = rng.uniform(0.02, 0.2, n_communes)
    adoption_end = adoption_start + rng.uniform(0.0, 0.4, n_communes)
    desk = rng.integers(1, 4, n_communes)
    month_effect = rng.normal(0, 0.2, n_months)
    month_index = np.arange(n_months)
    busy = extra.normal(0, 0.25, (n_communes, n_months)) if scenario == "busy_months" else 0.0
    shock = np.zeros((n_communes, n_months))
    if scenario == "reverse_causation":  # AR(1) lateness shock, persistent from month to month
        innovations = extra.normal(0, 0.3, (n_communes, n_months))
        for m in range(n_months):
            shock[:, m] = innovations[:, m] + (0.6 * shock[:, m - 1] if m else 0.0)
    # commune x month covariates, with month-to-month wobble so they vary within commune
    received = rng.poisson(
        volume[:, None] * rng.uniform(0.7, 1.3, (n_communes, n_months)) * np.exp(busy)
    )
    online_share = np.clip(
        adoption_start[:, None]
        + (adoption_end - adoption_start)[:, None] * month_index / max(n_months - 1, 1)
        + rng.normal(0, 0.03, (n_communes, n_months)),
        0,
        1,
    )
    officer_days = desk[:, None] * 21.0 * rng.uniform(0.6, 1.0, (n_communes, n_months))
    per_officer_day = received / officer_days
    concurrent_share = np.clip(
        rng.uniform(0, 1, n_communes)[:, None]
        + rng.normal(0, 0.15, (n_communes, n_months))
        + 0.5 * np.pad(shock[:, :-1], ((0, 0), (1, 0))),  # rotations follow last month's lateness
        0,
        1,
    )
    confounder = busy * 1.0 + shock
    if scenario == "adoption_trend":  # lateness falls faster where adoption is faster
        speed = adoption_end - adoption_start
        confounder = -1.0 * speed[:, None] * month_index[None, :] / max(n_months - 1, 1)
    field_effect = np.array([fields[f] for f in field_names])
    # communes x months x fields
    probs = np.broadcast_to(field_mix[:, None, :], (n_communes, n_months, len(field_names)))
    counts = rng.multinomial(received, probs)
    eta = (
        intercept
        + latent[:, None, None]
        + month_effect[None, :, None]
        + field_effect[None, None, :]
        + np.asarray(confounder + np.zeros((n_communes, n_months)))[:, :, None]
        + (
            effects["online_share"] * online_share
            + effects["dossiers_per_officer_day"] * per_officer_day
            + effects["concurrent_share"] * concurrent_share
        )[:, :, None]
    )
    late = rng.binomial(counts, special.expit(eta))
    c, m, f = np.meshgrid(
        np.arange(n_communes), month_index, np.arange(len(field_names)), indexing="ij"
    )
    c, m, f = c.ravel(), m.ravel(), f.ravel()
    return pd.DataFrame(
        {
            "commune_code": np.char.zfill(c.astype(str), 5),
            "month": [f"2021-{i + 1:02d}" for i in m],
            "stratum": np.array(field_names)[f],
            "late": late.ravel(),
            "n": counts.ravel(),
            "online_share": online_share[c, m],
            "dossiers_per_officer_day": per_officer_day[c, m],
            "concurrent_share": concurrent_share[c, m],
        }
    )
