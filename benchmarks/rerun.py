"""Reruns of `python -m analysis run`: cold, no-op, and after one commune's export is replaced.

Usage: .venv/bin/python benchmarks/rerun.py [--scale 1.0] [--workers 2]

The default synthetic dataset is generated once and copied as real exports (one cluster export
split per commune, so that one export covers one commune); then, in one run of this script:
a cold `python -m analysis run` (31 briefs), a no-op rerun (target: ≤ 2 s plus interpreter
start-up, outputs byte-identical), and a rerun after 09619's export is replaced by a corrected
one (target: that brief, the overview and the index only). Each time is the wall time of the
whole command, interpreter start-up included; each is printed with its ratio to the cold run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_pipeline_rerun import SPLIT, split_export  # noqa: E402


def timed(command: list[str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout


def snapshot(*folders: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from analysis.demo.generate import generate_demo_data

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo, raw = tmp / "demo", tmp / "raw"
        generate_demo_data(demo, scale=args.scale, truth_path=demo / "truth.json")
        shutil.copytree(demo / "officers", raw / "officers")
        shutil.copytree(demo / "meetings", raw / "meetings")
        (raw / "dossiers").mkdir()
        for path in (demo / "dossiers").iterdir():
            if path.name != SPLIT:
                shutil.copy(path, raw / "dossiers")
        own = split_export(demo / "dossiers" / SPLIT, raw / "dossiers")["09619"]
        processed, reports = tmp / "processed", tmp / "reports"
        command = [sys.executable, "-m", "analysis", "run", "--raw", str(raw)]
        command += ["--processed", str(processed), "--out", str(reports)]
        command += ["--workers", str(args.workers)]
        startup, _ = timed([sys.executable, "-c", "pass"])

        cold, _ = timed(command)
        before = snapshot(processed, reports)
        noop, noop_out = timed(command)
        identical = snapshot(processed, reports) == before

        text = own.read_text(encoding="utf-8-sig")
        phone = re.search(r";(0\d{9});", text).group(1)
        own.write_text(text.replace(phone, phone[::-1], 1), encoding="utf-8-sig")
        one, one_out = timed(command)
        (summary,) = (reports / ".build").glob("*/briefs_summary.json")
        rebuilt = json.loads(summary.read_text())["built"]
        reused = len(json.loads(summary.read_text())["cached"])

    print(f"rerun benchmark, demo scale {args.scale}, {args.workers} workers (wall time)")
    print(f"interpreter start-up (python -c pass): {startup:.2f} s")
    print(f"cold run:                 {cold:7.2f} s  1.000x")
    print(
        f"no-op rerun:              {noop:7.2f} s  {noop / cold:.3f}x  "
        f"({noop - startup:.2f} s beyond start-up; target <= 2 s: "
        f"{'OK' if noop - startup <= 2 else 'NOT MET'}; outputs byte-identical: {identical})"
    )
    print(
        f"one export replaced:      {one:7.2f} s  {one / cold:.3f}x  "
        f"(rebuilt {', '.join(rebuilt)}; {reused} reused)"
    )
    print("no-op output:", " | ".join(noop_out.strip().splitlines()))
    print(
        "one-export output:", " | ".join(line for line in one_out.splitlines() if "runs:" in line)
    )


if __name__ == "__main__":
    main()
