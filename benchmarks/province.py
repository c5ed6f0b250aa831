"""Synthetic province (19 districts × 31 units = 589 units, ≈ 10 M dossiers a year): time and peak
memory of generating and cleaning it in partitions (one district per fresh child process).

    .venv/bin/python benchmarks/province.py [--districts 2] [--scale 7.8] [--budget-gib 4]

--districts N < 19 measures N full-size districts and EXTRAPOLATES the time to 19 (printed as
such). Peak memory needs no extrapolation: partitions run one after the other in fresh processes,
so the province's peak is the largest partition's (ru_maxrss of each child), and the parent's own
peak while reading one column of the whole dataset is printed beside it. Budget: 4 GiB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "province"


def main() -> int:
    from analysis.province import DISTRICTS, FULL_SCALE, build_province, read_province

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=2, help="districts measured (of 19)")
    parser.add_argument("--scale", type=float, default=FULL_SCALE, help="demo scale per district")
    parser.add_argument("--budget-gib", type=float, default=4.0)
    parser.add_argument("--keep", action="store_true", help="keep benchmarks/out/province")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    started = time.perf_counter()
    report = build_province(OUT / "raw", OUT / "out", districts=args.districts, scale=args.scale)
    wall = time.perf_counter() - started
    tick = time.perf_counter()
    units = read_province(OUT / "out", columns=["unit_code"])["unit_code"].nunique()
    read_s = time.perf_counter() - tick
    parent_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(report.to_string(index=False))
    rows = int(report["rows"].sum())
    per_district = wall / args.districts
    peak = max(children_mib, parent_mib)
    print(
        f"\nmeasured: {args.districts} district(s) at scale {args.scale:.2f}, {rows:,} clean "
        f"dossiers, {units} units, {wall:.0f} s wall ({per_district:.0f} s per district: "
        f"generate {report['generate_s'].mean():.0f} s + clean {report['clean_s'].mean():.0f} s "
        f"+ process start); reading unit_code of all: {read_s:.1f} s"
    )
    print(
        f"peak resident memory: {children_mib:,.0f} MiB (largest partition), parent "
        f"{parent_mib:,.0f} MiB; budget {args.budget_gib:g} GiB: "
        f"{'met' if peak < args.budget_gib * 1024 else 'NOT met'}"
    )
    if args.districts < DISTRICTS:
        print(
            f"EXTRAPOLATED to {DISTRICTS} districts ({DISTRICTS * 31} units): "
            f"{rows / args.districts * DISTRICTS:,.0f} dossiers, "
            f"{per_district * DISTRICTS / 60:.0f} min on one core (partitions in sequence); "
            f"peak memory unchanged (one partition at a time)"
        )
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
