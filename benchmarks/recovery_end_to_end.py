"""End-to-end parameter recovery: demo-data -> clean -> the analyse step's models, over many seeds.

Unlike `recovery_coverage.py` (counts drawn straight from the model), every dataset here goes
through the whole chain: the generator writes dirty exports and a roster, `clean` reads them
back, and the models are fitted by the same function `analyse` calls (`run.fit_models`; the
indicator, funnel and meeting tables are skipped to save time). Prints, per model and term, the
coverage of the 95 % intervals against the truth file, the mean bias and the spread. Usage:

    .venv/bin/python benchmarks/recovery_end_to_end.py [--seeds 20] [--scale 0.25] [--reps 0]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.analyse.run import (
    REQUIRED_DOSSIER_COLUMNS,
    REQUIRED_OFFICER_COLUMNS,
    fit_models,
    prepare_dossiers,
)
from analysis.analyse.staffing import compute_staffing_by_month
from analysis.demo.generate import generate_demo_data
from analysis.ingest.clean import clean_all
from analysis.outputs import read_processed_table


def recover_one(seed: int, scale: float, reps: int, folder: Path) -> pd.DataFrame:
    """One seed through the chain; the effects table with the truth beside each term."""
    raw, processed = folder / f"raw_{seed}", folder / f"processed_{seed}"
    secret = folder / "secret"
    if not secret.exists():
        secret.write_bytes(b"benchmark-secret-not-for-real-data")
    truth = generate_demo_data(raw, seed=seed, scale=scale, truth_path=raw / "truth.json")
    clean_all(raw, processed, secret_path=secret)
    dossiers = prepare_dossiers(
        read_processed_table(processed, "dossiers.parquet", REQUIRED_DOSSIER_COLUMNS)
    )
    officers = read_processed_table(processed, "officers.parquet", REQUIRED_OFFICER_COLUMNS)
    officers = officers.assign(commune_code=officers["commune_code"].astype("string"))
    months = pd.period_range(
        dossiers["received_at"].min().to_period("M"), dossiers["as_of"].max().to_period("M")
    )
    communes = sorted(dossiers["commune_code"].dropna().unique())
    staffing = compute_staffing_by_month(
        officers, months[0].start_time, months[-1].end_time, communes
    )
    effects, _ = fit_models(dossiers, staffing, reps, 60_000, seed)
    effects_truth = truth.get("effects") or json.loads((raw / "truth.json").read_text())["effects"]
    effects["truth"] = effects["term"].map(effects_truth)
    effects["seed"] = seed
    return effects


def add_cr1_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The panel model's CR1 interval (same t critical value) beside its CV3 default."""
    cr1 = table[table["model"] == "panel_binomial_glm"].copy()
    half = (cr1["ci_high"] - cr1["estimate"]) * cr1["std_error_cr1"] / cr1["std_error"]
    cr1["ci_low"], cr1["ci_high"] = cr1["estimate"] - half, cr1["estimate"] + half
    cr1["std_error"] = cr1["std_error_cr1"]
    cr1["model"] = "panel_binomial_glm (CR1 instead of CV3)"
    return pd.concat([table, cr1], ignore_index=True)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage, bias (mean and relative), mean SE and SD of the estimates, per model and term."""
    table = add_cr1_rows(table)
    table["covered"] = (table["ci_low"] <= table["truth"]) & (table["truth"] <= table["ci_high"])
    table["error"] = table["estimate"] - table["truth"]
    summary = table.groupby(["model", "term"]).agg(
        seeds=("seed", "nunique"),
        coverage=("covered", "mean"),
        truth=("truth", "first"),
        mean_estimate=("estimate", "mean"),
        bias=("error", "mean"),
        mean_se=("std_error", "mean"),
        sd_estimate=("estimate", "std"),
    )
    summary["relative_bias"] = summary["bias"] / summary["truth"].abs()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=0.25, help="demo volume (1.0 = ~67,500)")
    parser.add_argument("--reps", type=int, default=0, help="wild-bootstrap reps (0 = skip)")
    parser.add_argument("--out", default=None, help="also write the per-seed table here (csv)")
    args = parser.parse_args()
    started = time.perf_counter()
    frames = []
    with tempfile.TemporaryDirectory(prefix="recovery_e2e_") as folder:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            tick = time.perf_counter()
            frames.append(recover_one(seed, args.scale, args.reps, Path(folder)))
            print(f"seed {seed}: {time.perf_counter() - tick:.1f} s", flush=True)
            for name in ("raw", "processed"):
                for path in sorted(Path(folder).glob(f"{name}_{seed}/**/*"), reverse=True):
                    path.unlink() if path.is_file() else path.rmdir()
    table = pd.concat(frames, ignore_index=True)
    if args.out:
        table.to_csv(args.out, index=False)
    print(
        f"\n{args.seeds} seeds (from {args.first_seed}), demo scale {args.scale}, "
        f"demo-data -> clean -> analyse models, wild bootstrap reps {args.reps}"
    )
    with pd.option_context("display.width", 200):
        print(summarise(table).round(4).to_string())
    print(f"elapsed: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
