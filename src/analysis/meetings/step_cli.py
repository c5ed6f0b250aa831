"""Clean the district's meeting registers and extract what its meeting reports said per commune.

Reads the meeting folders (registers .csv/.xlsx, reports .txt/.docx; default RAW/meetings);
writes meetings.parquet, meeting_mentions.parquet, meetings_quarantine.csv and
meetings_manifest.json into OUT, all at once. Runs after `clean`, before `analyse`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.ingest.cli import add_folder_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis meetings`."""
    add_folder_arguments(parser)
    parser.add_argument(
        "--meetings",
        type=Path,
        nargs="+",
        default=None,
        help="meeting folders (default: RAW/meetings)",
    )


def run(args: argparse.Namespace) -> int:
    """Extract and print one line of counts per output."""
    from analysis.meetings.step import describe_meetings, extract_meetings

    manifest = extract_meetings(args.raw, args.out, meetings_dirs=args.meetings)
    print(f"meetings into {args.out}: {describe_meetings(manifest)}")
    if manifest.get("meeting_mentions") not in ("ok", "no meeting reports found"):
        print(f"  note: {manifest['meeting_mentions']}", file=sys.stderr)
    return 0
