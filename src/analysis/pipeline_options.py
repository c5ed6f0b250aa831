"""The options of `python -m analysis run` (the steps themselves: analysis.pipeline)."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis import paths

DEFAULT_BOOTSTRAP_REPS = 1999  # analyse's own default (analysis.analyse.cli)


def add_run_options(parser: argparse.ArgumentParser, step_names: tuple[str, ...]) -> None:
    """Options of `python -m analysis run`; `step_names` in pipeline order."""
    parser.add_argument(
        "--raw", type=Path, default=paths.RAW_DIR, help="raw data folder (default: %(default)s)"
    )
    parser.add_argument(
        "--processed",
        type=Path,
        default=paths.PROCESSED_DIR,
        help="processed data folder (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=paths.REPORTS_DIR, help="reports folder (default: %(default)s)"
    )
    parser.add_argument(
        "--until",
        choices=step_names,
        default="briefs",
        help="stop after this step (default: %(default)s)",
    )
    parser.add_argument(
        "--force",
        nargs="*",
        choices=step_names,
        metavar="STEP",
        default=None,
        help="rerun every step even when nothing changed, or only the named steps "
        f"({', '.join(step_names)}); `--force briefs` also rebuilds every brief",
    )
    parser.add_argument(
        "--period",
        default=None,
        help="period of the briefs, e.g. 2021-Q4 (default: the latest complete quarter)",
    )
    parser.add_argument(
        "--communes",
        default="all",
        help="briefs of 'all' units or of comma-separated codes such as 09640,09625",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=20211012,
        help="seed of the synthetic data (default: %(default)s)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume of the synthetic data relative to the default (default: %(default)s)",
    )
    parser.add_argument(
        "--default-late-rate",
        default=None,
        help="analyse: late-rate convention of `late_rate` (default: analyse's)",
    )
    parser.add_argument(
        "--bootstrap-reps",
        type=int,
        default=DEFAULT_BOOTSTRAP_REPS,
        help="analyse: wild cluster bootstrap replications, 0 = skip (default: %(default)s)",
    )
    parser.add_argument(
        "--points-766-3-3-max",
        type=float,
        default=None,
        help="analyse: max points of 766 indicator 3.3 (default: analyse's)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="parallel brief builds (default: %(default)s)"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="briefs: run the notebooks on this Dask scheduler's workers, as `briefs --scheduler`",
    )
