"""Extract what a meeting report said about each commune.

Prints {"meeting": {...}, "mentions": [...]} as JSON, or the mentions as CSV.
Example: python -m analysis meeting-extract data/raw/meetings/2021-10-12_hop_truc_tuyen_cchc_ke_hoach_198.txt
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from pathlib import Path

from analysis.meetings.extract import MENTION_COLUMNS, make_meeting_id, read_meeting_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE and --format."""
    parser.add_argument(
        "file", metavar="FILE", help="meeting report (.txt in any encoding, or .docx)"
    )
    parser.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json (meeting and mentions) or csv (mentions)",
    )


def nfc(value: object) -> object:
    """NFC every string in a nested structure (officials' text is always NFC)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value


def write_mentions_csv(result: dict, source_file: str, out) -> None:
    """Mentions as CSV with the meeting_mentions columns."""
    meeting_date = result["meeting"]["date"]
    meeting_id = make_meeting_id(meeting_date, source_file)
    writer = csv.DictWriter(out, fieldnames=MENTION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for mention in result["mentions"]:
        writer.writerow(
            {
                "meeting_id": meeting_id,
                "meeting_date": meeting_date,
                "source_file": source_file,
                **mention,
            }
        )


def run(args: argparse.Namespace) -> int:
    """Extract one report and print it."""
    path = Path(args.file)
    result = nfc(read_meeting_report(path))
    try:
        if args.format == "csv":
            write_mentions_csv(result, path.name, sys.stdout)
        else:
            json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` closed the pipe: not an error of ours
        sys.stdout = None
    return 0
