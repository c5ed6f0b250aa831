"""Run the brief notebooks per commune with papermill and publish offline HTML briefs.

Writes reports/<period>/, the folder to share: one brief per unit (<code>-<slug>.html), the
district overview (tong-quan-huyen.html) and index.html. The executed notebooks (for audit), a
rebuild cache and the run summary go to reports/.build/<period>/. Ctrl-C stops at once (exit 130). A unit whose inputs, notebook and code are unchanged is skipped
unless --force. A failing unit is listed in the index with its error; the command then exits 1.
"""

from __future__ import annotations

import argparse
import sys

from analysis.paths import PROCESSED_DIR, REPORTS_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis briefs`."""
    parser.add_argument(
        "--processed",
        default=str(PROCESSED_DIR),
        help="processed + analysis tables (default: %(default)s)",
    )
    parser.add_argument(
        "--communes",
        default="all",
        help="'all' or comma-separated codes such as 09640,09625 (default: all)",
    )
    parser.add_argument(
        "--period",
        default=None,
        help="e.g. 2021-Q4 or 2021 (default: the latest complete quarter in the data)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="notebooks run at once (default: %(default)s)"
    )
    parser.add_argument(
        "--out", default=str(REPORTS_DIR), help="reports folder (default: %(default)s)"
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild every brief even when nothing changed"
    )
    parser.add_argument("--no-overview", action="store_true", help="skip the district overview")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the notebooks on this Dask scheduler's workers (they must read --processed "
        "at the same path); pages are written here. Default: this machine",
    )


def run(args: argparse.Namespace) -> int:
    """Build the briefs; 0 when every unit succeeded, 1 when any failed."""
    from analysis.publish.batch import build_briefs

    summary = build_briefs(
        args.processed,
        args.out,
        communes=args.communes,
        period=args.period,
        workers=args.workers,
        force=args.force,
        overview=not args.no_overview,
        scheduler=args.scheduler,
    )
    print(
        f"{summary['period']}: {len(summary['built'])} built, {len(summary['cached'])} unchanged, "
        f"{len(summary['failed'])} failed in {summary['seconds']} s -> {summary['index']}"
    )
    for code, reason in summary.get("reasons", {}).items():
        print(f"rebuilt {code}: {reason}")
    for code, error in summary["failed"].items():
        print(f"failed {code}: {error}", file=sys.stderr)
    return 0 if summary["ok"] else 1
