"""Synthetic province (19 districts × 31 units = 589 units, ≈ 10 M dossiers a year): time and peak
memory of generating and cleaning it in partitions (one district per fresh child process).

    .venv/bin/python benchmarks/province.py [--districts 1] [--scale 0.78] [--budget-gib 4]

By default it measures ONE district at a tenth of full size (scale 0.78; full size is 7.8, ≈ 527,000
dossiers a district, ≈ 10 M for 19) and EXTRAPOLATES the time to the full province, linearly in
rows (printed as such); `--districts 19 --scale 7.8` measures the whole province. Peak memory needs no extrapolation: partitions run one after the other in fresh processes,
so the province's peak is the largest partition's (ru_maxrss of each child), and the parent's own
peak while reading one column of the whole dataset is printed beside it. Budget: 4 GiB.
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--districts", type=int, default=1, help="districts measured (of 19)")
    parser.add_argument(
        "--scale", type=float, default=round(FULL_SCALE / 10, 2), help="demo scale per district"
    )
    parser.add_argument("--budget-gib", type=float, default=4.0)
    parser.add_argument("--keep", action="store_true", help="keep benchmarks/out/province")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    started = time.perf_counter()
    report = build_province(OUT / "raw", OUT / "out", districts=args.districts, scale=args.scale)
    wall = time.perf_counter() - started
    tick = time.perf_counter()
    units = read_province(OUT / "out", columns=["commune_code"])["commune_code"].nunique()
    read_s = time.perf_counter() - tick
    parent_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_mib = children.ru_maxrss / 1024
    cpu_s = children.ru_utime + children.ru_stime  # less sensitive to other jobs than wall time
    load = os.getloadavg()

    print(report.to_string(index=False))
    rows = int(report["rows"].sum())
    per_district = wall / args.districts
    peak = max(children_mib, parent_mib)
    print(
        f"\nmeasured: {args.districts} district(s) at scale {args.scale:.2f}, {rows:,} clean "
        f"dossiers, {units} units, {wall:.0f} s wall ({per_district:.0f} s per district: "
        f"generate {report['generate_s'].mean():.0f} s + clean {report['clean_s'].mean():.0f} s "
        f"+ process start); reading commune_code of all: {read_s:.1f} s; CPU of the partitions "
        f"{cpu_s:.0f} s; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    print(
        f"peak resident memory: {children_mib:,.0f} MiB (largest partition), parent "
        f"{parent_mib:,.0f} MiB; budget {args.budget_gib:g} GiB: "
        f"{'met' if peak < args.budget_gib * 1024 else 'NOT met'}"
    )
    if args.districts < DISTRICTS or args.scale < FULL_SCALE:
        full_rows = rows / args.districts / args.scale * FULL_SCALE * DISTRICTS
        print(
            f"EXTRAPOLATED to {DISTRICTS} full-size districts ({DISTRICTS * 31} units, "
            f"{full_rows:,.0f} dossiers): {wall / rows * full_rows / 3600:.1f} h on one core "
            f"(partitions in sequence, linear in rows), {cpu_s / rows * full_rows / 3600:.1f} CPU "
            f"hours; peak memory is that of the largest partition"
            + ("" if args.scale >= FULL_SCALE else ", a full-size one not measured here")
        )
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
