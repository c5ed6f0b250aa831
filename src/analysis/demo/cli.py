"""Generate the synthetic Ba Vì dataset: dirty dossier exports (xlsx, csv), the one-stop officer
roster, the CCHC meeting register, DEMO_DATA.md and the truth file the data were drawn from.

Deterministic for a seed. Refuses to write into a non-empty folder that is not a demo folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analysis.arguments import add_units_argument
from analysis.demo import params
from analysis.paths import RAW_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `demo-data`."""
    parser.add_argument(
        "--out", type=Path, default=RAW_DIR / "demo", help="output folder (default data/raw/demo)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=params.DEFAULT_SEED,
        help=f"random seed (default {params.DEFAULT_SEED})",
    )
    parser.add_argument(
        "--start", default=params.DEFAULT_START, help="first intake day, YYYY-MM-DD"
    )
    parser.add_argument(
        "--end", default=params.DEFAULT_END, help="last intake day and export date, YYYY-MM-DD"
    )
    parser.add_argument(
        "--truth", type=Path, default=None, help="truth file (default OUT/truth.json)"
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume multiplier (default 1.0, ~67,500 dossiers a year)",
    )
    add_units_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Generate, then print one line saying what was written."""
    from analysis.demo.generate import generate_demo_data

    began = time.perf_counter()
    truth = generate_demo_data(
        args.out,
        seed=args.seed,
        start=args.start,
        end=args.end,
        truth_path=args.truth,
        scale=args.scale,
        units=args.units,
    )
    planted = truth["planted"]
    print(
        f"demo-data: {planted['valid_dossiers']} dossiers in {len(planted['files'])} exports "
        f"({planted['rows_total']} data rows), {truth['roster']['officers']} officers, seed {truth['seed']}, "
        f"{truth['start']}..{truth['end']} -> {args.out} in {time.perf_counter() - began:.1f} s"
    )
    return 0
