"""Indicators, models, risk-adjusted late rates and the meeting check, from the processed tables.

Reads dossiers.parquet, officers.parquet and meeting_mentions.parquet in --processed and writes
the tables of docs/analysis_dictionary.md beside them.
"""

from __future__ import annotations

import argparse

from analysis.analyse.indicators import DEFAULT_LATE_RATE, LATE_RATE_CONVENTIONS, POINTS_766_3_3_MAX
from analysis.paths import PROCESSED_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis analyse`."""
    parser.add_argument(
        "--processed", default=str(PROCESSED_DIR), help="processed folder (default %(default)s)"
    )
    parser.add_argument(
        "--default-late-rate",
        default=DEFAULT_LATE_RATE,
        choices=LATE_RATE_CONVENTIONS,
        help="late-rate convention copied into `late_rate` and used by every chart (default %(default)s)",
    )
    parser.add_argument(
        "--saturday-counts",
        default=None,
        action=argparse.BooleanOptionalAction,
        help="count Saturdays as working days (default: the cleaner's setting in manifest.json, else no)",
    )
    parser.add_argument(
        "--bootstrap-reps",
        type=int,
        default=1999,
        help="wild cluster bootstrap replications (0 = skip)",
    )
    parser.add_argument(
        "--points-766-3-3-max",
        type=float,
        default=POINTS_766_3_3_MAX,
        help="max points of 766 indicator 3.3",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap and the logit subsample"
    )


def run(args: argparse.Namespace) -> int:
    """Run the analysis and list what was written."""
    from analysis.analyse.run import analyse_all

    outputs = analyse_all(
        args.processed,
        default_late_rate=args.default_late_rate,
        saturday_counts=args.saturday_counts,
        bootstrap_reps=args.bootstrap_reps,
        max_points=args.points_766_3_3_max,
        seed=args.seed,
    )
    for name, path in outputs.items():
        print(f"{name}: {path}")
    return 0
