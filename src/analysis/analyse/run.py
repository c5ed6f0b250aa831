"""The `analyse` step: processed tables in, indicator, model, risk and meeting-check tables out.

# Load inputs: dossiers.parquet, officers.parquet, meeting_mentions.parquet (optional)
# Process data: indicators -> ranks -> risk adjustment -> models -> meeting check
# Save outputs: beside the inputs, each written atomically (temp file, then rename)
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import pandas as pd

from analysis.analyse.indicators import (
    DEFAULT_LATE_RATE,
    LATE_RATE_CONVENTIONS,
    POINTS_766_3_3_MAX,
    compute_indicators,
    list_communes,
    list_periods,
    rank_communes,
)
from analysis.analyse.meeting_check import check_mentions
from analysis.analyse.models import (
    add_meaningful_steps,
    build_panel,
    describe_steps,
    fit_dossier_logit,
    fit_panel_glm,
)
from analysis.analyse.reconstruct import (
    MIN_PANEL_UNITS,
    by_regime,
    map_dossiers,
    map_officers,
    model_regime,
    name_units,
    reconstruct_history,
    regime_communes,
    regimes,
)
from analysis.analyse.risk import late_by_field, risk_adjust
from analysis.analyse.sensitivity import add_steps, run_sensitivity
from analysis.analyse.shrinkage import add_late_rate_intervals, rank_with_uncertainty
from analysis.analyse.staffing import compute_staffing_by_month
from analysis.errors import UserError
from analysis.outputs import (
    checksum_files,
    clear_leftovers,
    folder_lock,
    new_generation,
    read_manifest,
    read_processed_table,
    verify_processed_set,
    write_atomic,
)
from analysis.provenance import code_version, file_sha256
from analysis.reference.units import units_on

REQUIRED_DOSSIER_COLUMNS = [
    "commune_code",
    "field",
    "channel",
    "received_at",
    "due_at",
    "completed_at",
    "status",
    "outcome",
]
REQUIRED_OFFICER_COLUMNS = ["officer_id", "commune_code", "is_concurrent", "start_date", "end_date"]
DATE_COLUMNS = ["received_at", "due_at", "completed_at", "returned_at", "as_of"]
CLEAN_INPUTS = ["dossiers.parquet", "officers.parquet", "meeting_mentions.parquet"]


def prepare_dossiers(dossiers: pd.DataFrame) -> pd.DataFrame:
    """Types the analysis relies on: string commune codes, datetimes, nullable booleans."""
    d = dossiers.copy()
    d["commune_code"] = d["commune_code"].astype("string")
    for column in DATE_COLUMNS:
        if column in d:
            d[column] = pd.to_datetime(d[column])
    if "as_of" not in d:
        d["as_of"] = d[["received_at", "completed_at"]].max().max()
    for column in ("apology_letter",):
        if column in d:
            d[column] = d[column].astype("boolean")
    if "online_level" not in d:
        d["online_level"] = pd.NA
    if "procedure" not in d:
        d["procedure"] = d["field"]
    return d[d["received_at"].notna() & d["commune_code"].notna()].reset_index(drop=True)


def one_generation(analyse):
    """Run `analyse` under the processed folder's exclusive lock, on inputs from one `clean`.

    Leftovers of killed runs are cleared first; dossiers, officers and mentions must match the
    checksums in manifest.json (analysis/outputs.py), else one line and exit 2.
    """

    @functools.wraps(analyse)
    def locked(processed_dir, *args, **kwargs):
        folder = Path(processed_dir)
        if not folder.is_dir():
            return analyse(processed_dir, *args, **kwargs)  # it names the missing folder
        with folder_lock(folder):
            clear_leftovers(folder)
            verify_processed_set(folder, clean_files=CLEAN_INPUTS, analysis=False)
            return analyse(processed_dir, *args, **kwargs)

    return locked


@one_generation
def analyse_all(
    processed_dir,
    default_late_rate: str = DEFAULT_LATE_RATE,
    saturday_counts: bool | None = None,
    bootstrap_reps: int = 1999,
    max_points: float = POINTS_766_3_3_MAX,
    dossier_logit_rows: int = 60_000,
    seed: int = 0,
) -> dict:
    """Run every analysis on the processed folder and write its tables there; returns {name: path}."""
    if default_late_rate not in LATE_RATE_CONVENTIONS:
        raise UserError(
            f"--default-late-rate {default_late_rate}: use one of {', '.join(LATE_RATE_CONVENTIONS)}"
        )
    timings, started = {}, time.perf_counter()
    folder = Path(processed_dir)
    # Load inputs
    dossiers_path, officers_path = folder / "dossiers.parquet", folder / "officers.parquet"
    mentions_path = folder / "meeting_mentions.parquet"
    dossiers = prepare_dossiers(
        read_processed_table(folder, dossiers_path.name, REQUIRED_DOSSIER_COLUMNS)
    )
    if dossiers.empty:
        raise UserError(f"{dossiers_path}: no dossiers with a commune and a received date")
    officers = read_processed_table(folder, officers_path.name, REQUIRED_OFFICER_COLUMNS)
    officers = officers.assign(commune_code=officers["commune_code"].astype("string"))
    mentions = pd.read_parquet(mentions_path) if mentions_path.exists() else None
    if saturday_counts is None:
        saturday_counts = read_saturday_setting(folder)
    # Process data
    start, as_of = dossiers["received_at"].min().normalize(), dossiers["as_of"].max().normalize()
    periods = list_periods(start, max(as_of, dossiers["received_at"].max()), as_of)
    communes = list_communes(dossiers)
    months = periods[periods["period_type"] == "month"]
    longer = periods[periods["period_type"] != "month"]
    options = {
        "default_late_rate": default_late_rate,
        "saturday_counts": saturday_counts,
        "max_points": max_points,
    }
    # each period is counted for the units standing on its last day (analyse/reconstruct.py)
    monthly = add_late_rate_intervals(
        by_regime(compute_indicators, dossiers, officers, months, **options)
    )
    by_period = by_regime(compute_indicators, dossiers, officers, longer, **options)
    # the latest units' months and quarters back to the data's start (rebuilt before they stood)
    steps = periods[periods["period_type"].isin(["month", "quarter"])]
    history = add_late_rate_intervals(
        reconstruct_history(compute_indicators, dossiers, officers, steps, **options)
    )
    ranks = rank_communes(by_period)
    timings["indicators"] = time.perf_counter() - started
    risk, curve = risk_by_regime(dossiers, longer)
    fields = late_by_field(dossiers, longer)
    risk = risk.merge(
        longer[["period", "period_type", "is_complete"]], on=["period", "period_type"], how="left"
    )
    ranks_uncertainty = rank_with_uncertainty(risk, seed)
    timings["risk"] = time.perf_counter() - started - sum(timings.values())
    model_units = model_regime(months)
    if model_units is None:
        effects, fit = pd.DataFrame(columns=EFFECT_COLUMNS), {"skipped": NO_MODEL_UNITS}
        panel = None
    else:
        model_dossiers, model_officers, model_communes = units_for_models(
            dossiers, officers, communes, months, *model_units
        )
        staffing = compute_staffing_by_month(
            model_officers,
            model_units[1]["period_start"].min(),
            model_units[1]["period_end"].max(),
            model_communes,
            saturday_counts,
        )
        panel = build_panel(model_dossiers, staffing)
        effects, fit = fit_models(
            model_dossiers, staffing, bootstrap_reps, dossier_logit_rows, seed, panel
        )
        fit["units_from"] = model_units[0].date().isoformat()
        fit["n_units"] = len(units_on(model_units[0].date()))
    timings["models"] = time.perf_counter() - started - sum(timings.values())
    sensitivity = sensitivity_suite(panel, fit)
    timings["sensitivity"] = time.perf_counter() - started - sum(timings.values())
    checks = check_mentions(
        mentions,
        dossiers,
        officers,
        communes,
        default_late_rate,
        saturday_counts,
        synthetic=read_synthetic_flag(folder),
    )
    timings["meeting_check"] = time.perf_counter() - started - sum(timings.values())
    # Save outputs
    outputs = {
        "indicators_monthly": write_atomic(monthly, folder / "indicators_monthly.parquet"),
        "indicators_period": write_atomic(by_period, folder / "indicators_period.parquet"),
        "indicator_ranks": write_atomic(ranks, folder / "indicator_ranks.parquet"),
        "indicators_reconstructed": write_atomic(
            history, folder / "indicators_reconstructed.parquet"
        ),
        "risk_adjusted": write_atomic(risk, folder / "risk_adjusted.parquet"),
        "funnel_curve": write_atomic(curve, folder / "funnel_curve.parquet"),
        "late_by_field": write_atomic(fields, folder / "late_by_field.parquet"),
        "effects_csv": write_atomic(effects, folder / "effects.csv"),
        "effects": write_atomic(effects, folder / "effects.parquet"),
        "sensitivity_csv": write_atomic(sensitivity, folder / "sensitivity.csv"),
        "sensitivity": write_atomic(sensitivity, folder / "sensitivity.parquet"),
        "commune_ranks_uncertainty": write_atomic(
            ranks_uncertainty, folder / "commune_ranks_uncertainty.parquet"
        ),
        "meeting_check": write_atomic(checks, folder / "meeting_check.parquet"),
    }
    fit["late_rate_convention"] = default_late_rate
    outputs["model_fit"] = write_atomic(
        json.dumps(fit, ensure_ascii=False, indent=2), folder / "model_fit.json"
    )
    inputs = [p for p in (dossiers_path, officers_path, mentions_path) if p.exists()]
    timings["total"] = time.perf_counter() - started
    manifest = {
        "created_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "code_version": code_version(),
        "parameters": {
            **options,
            "bootstrap_reps": bootstrap_reps,
            "dossier_logit_rows": dossier_logit_rows,
            "seed": seed,
        },
        "inputs": [{"path": p.name, "sha256": file_sha256(p)} for p in inputs],
        "outputs": {name: Path(path).name for name, path in outputs.items()},
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    # the generation's checksums, written last: briefs refuse tables that do not match them
    manifest["checksums"] = checksum_files(folder, sorted({Path(p).name for p in outputs.values()}))
    manifest["generation"] = new_generation()
    manifest["clean_generation"] = (read_manifest(folder, "manifest.json", "clean") or {}).get(
        "generation"
    )
    outputs["analysis_manifest"] = write_atomic(
        json.dumps(manifest, ensure_ascii=False, indent=2), folder / "analysis_manifest.json"
    )
    return {name: str(path) for name, path in outputs.items()}


def risk_by_regime(
    dossiers: pd.DataFrame, periods: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """risk_adjust per set of units standing at the periods' ends (one call for 2021 data)."""
    parts = []
    for start, group in regimes(periods):
        mapped = map_dossiers(dossiers, start)
        risk, curve = risk_adjust(mapped, group, regime_communes(mapped, start))
        parts.append((name_units(risk, start), curve))
    if len(parts) == 1:
        return parts[0]
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        pd.concat([p[1] for p in parts], ignore_index=True),
    )


EFFECT_COLUMNS = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "model"]
MIN_MODEL_COMMUNES = 5
NO_MODEL_UNITS = (
    f"models skipped: no set of units in the data numbers at least {MIN_PANEL_UNITS} "
    "(after 1/7/2025 Ba Vì's area has 8 xã, too few units for the panel models)"
)


def units_for_models(dossiers, officers, communes, months, start, model_months):
    """Dossiers, officers and codes of the units standing from `start`, within their months only.

    With one set of units in the data (2021) nothing changes; otherwise rows outside the set's
    months are left out, so a code reused by a new unit is never pooled with its old unit.
    """
    if len(regimes(months)) == 1:
        return dossiers, officers, communes
    first, last = model_months["period_start"].min(), model_months["period_end"].max()
    day = dossiers["received_at"].dt.normalize()
    inside = dossiers[(day >= first) & (day <= last)]
    mapped = map_dossiers(inside, start)
    return mapped, map_officers(officers, start), regime_communes(mapped, start)


def fit_models(
    dossiers, staffing, bootstrap_reps, dossier_logit_rows, seed, panel=None
) -> tuple[pd.DataFrame, dict]:
    """Panel GLM and dossier logit; with too little data, an empty effects table and the reason."""
    panel = build_panel(dossiers, staffing) if panel is None else panel
    communes = panel.loc[panel["n"] > 0, "commune_code"].nunique() if len(panel) else 0
    if communes < MIN_MODEL_COMMUNES:
        reason = (
            f"models skipped: only {communes} commune(s) have dossiers with a known outcome and a "
            f"staffed desk (at least {MIN_MODEL_COMMUNES} needed); check officers.parquet"
        )
        return pd.DataFrame(columns=EFFECT_COLUMNS), {"skipped": reason}
    effects, panel_info = fit_panel_glm(panel, bootstrap_reps=bootstrap_reps, seed=seed)
    logit, logit_info = fit_dossier_logit(
        dossiers, staffing, max_rows=dossier_logit_rows, seed=seed
    )
    both = pd.concat([effects, logit], ignore_index=True)
    steps = describe_steps(panel[panel["n"] > 0])
    effects = add_meaningful_steps(both, panel_info["mean_late_rate"], steps)
    panel_info["steps"] = steps.to_dict("records")
    return effects, {"panel_binomial_glm": panel_info, "dossier_logit": logit_info}


SENSITIVITY_COLUMNS = ["variant", "term", "base_term", "estimate", "ci_low", "ci_high"]


def sensitivity_suite(panel: pd.DataFrame, fit: dict) -> pd.DataFrame:
    """The sensitivity table (docs/methods.md s. 2); empty with its header when the models were skipped."""
    if "skipped" in fit or panel is None:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    info = fit["panel_binomial_glm"]
    steps = pd.DataFrame(info["steps"])
    return add_steps(run_sensitivity(panel), steps, info["mean_late_rate"])


def read_synthetic_flag(folder: Path) -> bool:
    """Whether the cleaner marked the data synthetic (a demo folder): meeting agreement is then by construction."""
    path = folder / "manifest.json"
    if not path.exists():
        return False
    return bool(json.loads(path.read_text(encoding="utf-8")).get("synthetic", False))


def read_saturday_setting(folder: Path) -> bool:
    """The cleaner's Saturday setting from manifest.json, so deadlines and officer-days agree."""
    path = folder / "manifest.json"
    if not path.exists():
        return False
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for holder in (
        manifest,
        manifest.get("parameters", {}) or {},
        manifest.get("settings", {}) or {},
    ):
        if isinstance(holder, dict) and "saturday_counts" in holder:
            return bool(holder["saturday_counts"])
    return False
