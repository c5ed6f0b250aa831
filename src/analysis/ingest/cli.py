"""Clean raw exports and officer rosters into validated Parquet + quarantine.

Reads RAW/dossiers/** and RAW/officers/**; writes dossiers.parquet, officers.parquet,
quarantine.csv and manifest.json into OUT, all at once. Meeting files are the next step's
(`python -m analysis meetings`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from analysis.arguments import add_units_argument
from analysis.paths import PROCESSED_DIR, RAW_DIR


def add_folder_arguments(parser: argparse.ArgumentParser) -> None:
    """--raw and --out, shared with `python -m analysis meetings`."""
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw folder (default: data/raw)")
    parser.add_argument(
        "--out", type=Path, default=PROCESSED_DIR, help="output folder (default: data/processed)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis clean`."""
    add_folder_arguments(parser)
    parser.add_argument(
        "--secret",
        type=Path,
        default=None,
        help="pseudonymisation key file (default: .local/pseudonym_secret)",
    )
    parser.add_argument(
        "--plausible-dates",
        default=None,
        metavar="FROM..TO",
        help="dates outside this window are quarantined (default: $ANALYSIS_PLAUSIBLE_DATES, "
        "else 2000-01-01..2035-12-31)",
    )
    parser.add_argument(
        "--saturday-counts",
        action="store_true",
        help="count Saturdays as working days for computed appointments",
    )
    add_units_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Clean and print one line per output plus the reconciliation totals."""
    from analysis.ingest.clean import clean_exports
    from analysis.ingest.dates import PLAUSIBLE_DATES_ENV
    from analysis.ingest.manifest import describe_rows

    if args.plausible_dates:  # read where the dates are checked, in every worker thread
        os.environ[PLAUSIBLE_DATES_ENV] = args.plausible_dates
    manifest = clean_exports(
        args.raw,
        args.out,
        secret_path=args.secret,
        saturday_counts=args.saturday_counts,
        units=args.units,
    )
    print(f"cleaned into {args.out}: {describe_rows(manifest)}")
    for name, info in manifest["outputs"].items():
        print(f"  {name}: {info['rows']} rows")
    return 0
