"""Batch of all 31 briefs (one process, forked fresh kernels) vs the naive way, and the ratio.

Naive: for each unit, `papermill` CLI (one new Python, one new kernel) then `jupyter nbconvert`
CLI, one unit after another. Batch: `build_briefs(..., force=True)`. Both build the same 31
commune briefs of the same period from the same processed folder (the overview is left out of
both so the comparison is like for like).

    python benchmarks/batch.py [--processed DIR] [--naive-units N] [--workers 2]

Without --processed it uses data/processed when it holds analysis tables, else it builds the
default synthetic dataset (demo -> clean -> analyse) into benchmarks/out/. --naive-units N < 31
times the naive way on N units and extrapolates to 31 (printed as such).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def prepare_processed(scale: float) -> Path:
    """data/processed if analysed, else a synthetic dataset at `scale` under benchmarks/out."""
    default = ROOT / "data" / "processed"
    if (default / "indicator_ranks.parquet").exists():
        return default
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    raw, processed = OUT / "batch_raw", OUT / "batch_processed"
    if not (processed / "indicator_ranks.parquet").exists():
        shutil.rmtree(raw, ignore_errors=True)
        generate_demo_data(raw, scale=scale, truth_path=raw / "truth.json")
        clean_all(
            raw, processed, meetings_dirs=[raw / "meetings", ROOT / "data" / "raw" / "meetings"]
        )
        analyse_all(processed)
    return processed


def run_naive(processed: Path, codes: list[str], period: str, work: Path) -> float:
    """papermill CLI then nbconvert CLI, unit after unit; returns seconds."""
    import nbformat

    from analysis.paths import NOTEBOOKS_DIR
    from analysis.publish.batch import BRIEF_NOTEBOOK, load_notebook

    source = work / "brief.ipynb"
    nbformat.write(load_notebook(NOTEBOOKS_DIR / BRIEF_NOTEBOOK), source)
    bin_dir = Path(sys.executable).parent
    started = time.perf_counter()
    for code in codes:
        executed = work / f"{code}.ipynb"
        subprocess.run(
            [
                str(bin_dir / "papermill"),
                "-k",
                "python3",
                "--no-progress-bar",
                "-r",
                "commune_code",
                code,
                "-r",
                "period",
                period,
                "-r",
                "processed_dir",
                str(processed),
                str(source),
                str(executed),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        subprocess.run(
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processed", default=None)
    parser.add_argument("--period", default=None)
    parser.add_argument("--naive-units", type=int, default=31)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="demo scale when a dataset must be built"
    )
    args = parser.parse_args()

    from analysis.publish.batch import build_briefs
    from analysis.reference.units import units_2021
    from analysis.report.tables import latest_complete_quarter

    OUT.mkdir(parents=True, exist_ok=True)
    processed = Path(args.processed) if args.processed else prepare_processed(args.scale)
    period = args.period or latest_complete_quarter(processed)
    codes = units_2021()["code"].tolist()

    with tempfile.TemporaryDirectory(dir=OUT) as work:
        work = Path(work)
        started = time.perf_counter()
        summary = build_briefs(
            processed,
            work / "batch",
            communes="all",
            period=period,
            workers=args.workers,
            force=True,
            overview=False,
            progress=False,
        )
        batch_s = time.perf_counter() - started
        if not summary["ok"]:
            print(f"batch failures: {summary['failed']}", file=sys.stderr)
            return 1
        naive_codes = codes[: max(1, min(args.naive_units, len(codes)))]
        naive_measured = run_naive(processed, naive_codes, period, work)
    naive_s = naive_measured * len(codes) / len(naive_codes)
    result = {
        "processed": str(processed),
        "period": period,
        "units": len(codes),
        "workers": args.workers,
        "batch_seconds": round(batch_s, 1),
        "naive_seconds": round(naive_s, 1),
        "naive_units_timed": len(naive_codes),
        "naive_extrapolated": len(naive_codes) < len(codes),
        "ratio": round(naive_s / batch_s, 1),
    }
    (OUT / "batch.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    extrapolated = (
        f" (timed on {len(naive_codes)} units, extrapolated)"
        if result["naive_extrapolated"]
        else ""
    )
    print(
        f"batch of {len(codes)} briefs, {args.workers} workers: {batch_s:.1f} s ({batch_s / len(codes):.2f} s per brief)"
    )
    print(
        f"naive papermill CLI + nbconvert CLI: {naive_s:.1f} s{extrapolated} ({naive_s / len(codes):.2f} s per brief)"
    )
    print(f"ratio: {result['ratio']}x faster (target >= 8x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
