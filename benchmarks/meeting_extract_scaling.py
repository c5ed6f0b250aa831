"""Meeting extraction time per MB at growing report sizes (target: linear, ratio ≈ 1).

Builds reports of 0.25, 0.5, 1 and 2 MB by repeating the real seed report's body and the
held-out test reports (names, lists, cues, dates: the work the extractor does on real text),
times `extract_meeting` on each in this process (imports not timed), and prints seconds per MB
and the ratio of the largest size's time per MB to the smallest's. A ratio near 1 is linear;
the quadratic version measured 12 s at 0.5 MB and 95 s at 2 MB (ratio ≈ 2 per doubling).

    .venv/bin/python benchmarks/meeting_extract_scaling.py [--sizes 0.25,0.5,1,2] [--one-line]

--one-line joins everything into a single line (no sentence or line breaks), the worst case
for the per-sentence work.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analysis.meetings.extract import extract_meeting
from analysis.meetings.segment import prepare_text
from analysis.paths import RAW_DIR

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "meetings"


def source_texts() -> tuple[str, list[str]]:
    """(the seed report, bodies of every report available) as NFC text."""
    seed = sorted((RAW_DIR / "meetings").glob("*.txt")) or sorted(FIXTURES.glob("*.txt"))
    head = prepare_text(seed[0].read_text(encoding="utf-8"))
    bodies = [
        prepare_text(p.read_text(encoding="utf-8"))
        for p in [*seed, *sorted(FIXTURES.rglob("*.txt"))]
    ]
    return head, bodies


def build_report(size_mb: float, one_line: bool = False) -> str:
    """A report of about `size_mb` MB (UTF-8): the seed report, then bodies repeated."""
    head, bodies = source_texts()
    parts, size, i = [head], len(head.encode()), 0
    target = int(size_mb * 1_000_000)
    while size < target:
        body = bodies[i % len(bodies)]
        parts.append(body)
        size += len(body.encode()) + 1
        i += 1
    text = "\n".join(parts)
    return " ".join(text.split()) if one_line else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1,2", help="MB, comma-separated")
    parser.add_argument("--one-line", action="store_true", help="no line or sentence breaks")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    extract_meeting(build_report(0.01, args.one_line))  # warm caches (name table, patterns)
    per_mb = {}
    for size in sizes:
        text = build_report(size, args.one_line)
        megabytes = len(text.encode()) / 1_000_000
        started = time.perf_counter()
        result = extract_meeting(text)
        seconds = time.perf_counter() - started
        per_mb[size] = seconds / megabytes
        print(
            f"{megabytes:5.2f} MB: {seconds:7.2f} s, {per_mb[size]:6.2f} s/MB, "
            f"{len(result['mentions'])} mentions"
        )
    ratio = per_mb[sizes[-1]] / per_mb[sizes[0]]
    print(f"time per MB, {sizes[-1]} MB vs {sizes[0]} MB: {ratio:.2f}x (linear ≈ 1)")


if __name__ == "__main__":
    main()
