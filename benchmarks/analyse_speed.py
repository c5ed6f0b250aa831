"""Time the whole `analyse` step on the default dataset (target: under 60 s on 2 cores).

Uses `--processed` if it holds dossiers.parquet; otherwise generates the default synthetic
dataset (demo-data, scale 1) and cleans it into a temporary folder first (not timed).

    .venv/bin/python benchmarks/analyse_speed.py [--processed data/processed] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.analyse.run import analyse_all
from analysis.paths import PROCESSED_DIR, RAW_DIR


def prepare_default_dataset(folder: Path) -> Path:
    """demo-data at its defaults, then clean: the dataset `make briefs` analyses."""
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    raw, processed = folder / "raw", folder / "processed"
    generate_demo_data(raw, truth_path=raw / "truth.json")
    clean_all(raw, processed, meetings_dirs=[raw / "meetings", RAW_DIR / "meetings"])
    return processed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", default=str(PROCESSED_DIR))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    processed = Path(args.processed)
    with tempfile.TemporaryDirectory() as temp:
        if not (processed / "dossiers.parquet").exists():
            print(
                "no processed data: generating and cleaning the default synthetic dataset (not timed)"
            )
            started = time.perf_counter()
            processed = prepare_default_dataset(Path(temp))
            print(f"  prepared in {time.perf_counter() - started:.1f} s")
        for run in range(args.repeat):
            started = time.perf_counter()
            analyse_all(processed)
            elapsed = time.perf_counter() - started
            manifest = json.loads((processed / "analysis_manifest.json").read_text())
            print(
                f"run {run + 1}: analyse_all {elapsed:.1f} s  (parts: {manifest['timings_seconds']})"
            )
        print(f"target < 60 s on 2 cores: {'met' if elapsed < 60 else 'NOT met'}")
        truth_file = processed.parent / "raw" / "truth.json"
        if truth_file.exists():
            truth = json.loads(truth_file.read_text())["effects"]
            effects = pd.read_csv(processed / "effects.csv")
            effects["truth"] = effects["term"].map(truth)
            effects["covers_truth"] = effects["ci_low"].le(effects["truth"]) & effects["truth"].le(
                effects["ci_high"]
            )
            print(
                effects[
                    ["model", "term", "estimate", "ci_low", "ci_high", "truth", "covers_truth"]
                ].to_string(index=False)
            )


if __name__ == "__main__":
    main()
