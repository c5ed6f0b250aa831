"""How long `demo-data` takes at its defaults (target: under 30 s on 2 cores).

Usage: .venv/bin/python benchmarks/demo_speed.py [--scale X] [--seed N]
Prints seconds, data rows per second and the files written. Writes into a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from analysis.demo import params
from analysis.demo.generate import generate_demo_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=params.DEFAULT_SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        began = time.perf_counter()
        truth = generate_demo_data(out, seed=args.seed, scale=args.scale)
        seconds = time.perf_counter() - began
        rows = truth["planted"]["rows_total"]
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        print(
            f"demo-data scale={args.scale} seed={args.seed}: {seconds:.1f} s, {rows} data rows "
            f"({rows / seconds:,.0f} rows/s), {truth['planted']['valid_dossiers']} valid dossiers, "
            f"{len(truth['planted']['files'])} exports, {size:.1f} MiB written"
        )
        print("target: under 30 s on 2 cores:", "OK" if seconds < 30 else "TOO SLOW")


if __name__ == "__main__":
    main()
