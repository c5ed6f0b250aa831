"""Briefs per minute: the local batch (2 workers) vs a loopback Dask cluster (2 `dask worker`s of
one thread each), on the same units, in one run; extrapolated to the 589 units of the synthetic
province (analysis.province) and to more workers.

    .venv/bin/python benchmarks/briefs_rate.py [--processed DIR] [--units 20] [--repeat 1]

Both sides rebuild (force) the same commune briefs, without the overview, and alternate when
--repeat > 1 (the machine is shared; the best of each is kept). 589 briefs are not built: the
rate measured on --units is EXTRAPOLATED (printed as such). The province's briefs are 19 batches
(one per district's processed folder), each with the same serial part on the client (fingerprints,
index page), which is measured here as a batch of 0 changed units (every brief cached).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVINCE_UNITS = 589
DISTRICTS = 19


def timed_build(processed: Path, out: Path, codes: list[str], period: str, **kwargs) -> float:
    from analysis.publish.batch import build_briefs

    tick = time.perf_counter()
    summary = build_briefs(
        processed, out, communes=codes, period=period, overview=False, force=True, **kwargs
    )
    seconds = time.perf_counter() - tick
    if not summary["ok"]:
        raise SystemExit(f"briefs failed: {summary['failed']}")
    return seconds


def main() -> int:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from batch import prepare_processed  # benchmarks/batch.py: data/processed or a demo dataset

    from analysis.publish.batch import build_briefs
    from analysis.publish.distributed import loopback_cluster
    from analysis.reference.units import units_2021
    from analysis.report.tables import latest_complete_quarter

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", default=None)
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale when building data")
    parser.add_argument("--units", type=int, default=20, help="briefs per measurement (≤ 31)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    processed = Path(args.processed).resolve() if args.processed else prepare_processed(args.scale)
    period = latest_complete_quarter(processed)
    codes = units_2021()["code"].tolist()[: args.units]
    local_s, cluster_s = [], []
    with tempfile.TemporaryDirectory(prefix="briefs-rate-") as scratch:
        scratch = Path(scratch)
        with loopback_cluster(args.workers, scratch / "cluster") as address:
            for _ in range(args.repeat):
                local_s.append(
                    timed_build(processed, scratch / "local", codes, period, workers=args.workers)
                )
                cluster_s.append(
                    timed_build(
                        processed, scratch / "cluster-out", codes, period, scheduler=address
                    )
                )
            tick = time.perf_counter()
            build_briefs(
                processed, scratch / "local", communes=codes, period=period, overview=False
            )
            serial_s = time.perf_counter() - tick  # nothing to build: the client's own part

    n = len(codes)
    best_local, best_cluster = min(local_s), min(cluster_s)
    rate_local, rate_cluster = n / best_local * 60, n / best_cluster * 60
    print(f"processed: {processed} ({period}), {n} briefs, {args.workers} workers each side")
    print(f"local batch:      {best_local:6.1f} s  -> {rate_local:5.1f} briefs/min  {local_s}")
    print(
        f"loopback cluster: {best_cluster:6.1f} s  -> {rate_cluster:5.1f} briefs/min  {cluster_s}"
    )
    print(f"cluster / local time: {best_cluster / best_local:.2f}x")
    print(f"client's serial part per batch (all cached): {serial_s:.1f} s")
    per_brief = best_cluster / n * args.workers  # worker-seconds per brief on the cluster
    serial = serial_s * DISTRICTS
    print(
        f"EXTRAPOLATED to {PROVINCE_UNITS} units ({DISTRICTS} district batches): local "
        f"{PROVINCE_UNITS / rate_local:.0f} min, loopback cluster "
        f"{PROVINCE_UNITS / rate_cluster:.0f} min on this machine"
    )
    for workers in (2, 8, 32, 128):
        minutes = (PROVINCE_UNITS * per_brief / workers + serial) / 60
        print(
            f"  {workers:3d} one-core workers (Amdahl: {per_brief:.1f} s per brief spread, "
            f"{serial:.0f} s serial on the client): {minutes:5.1f} min, "
            f"{PROVINCE_UNITS / minutes:6.0f} briefs/min"
        )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
