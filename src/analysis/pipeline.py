"""The whole job (`make briefs`): demo data if `data/raw` holds no exports, clean, analyse, briefs.

Real exports in `data/raw/dossiers/` always win: the synthetic dataset is generated into
`data/raw/demo/` only when there are none, and the briefs then carry a "DỮ LIỆU MÔ PHỎNG"
banner. Each step is the same code as its own command; `--until` stops early.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import time
from pathlib import Path

from analysis import paths
from analysis.arguments import check_raw

STEPS = ("demo-data", "clean", "analyse", "briefs")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis run`."""
    parser.add_argument(
        "--raw", type=Path, default=paths.RAW_DIR, help="raw data folder (default: %(default)s)"
    )
    parser.add_argument(
        "--processed",
        type=Path,
        default=paths.PROCESSED_DIR,
        help="processed data folder (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=paths.REPORTS_DIR, help="reports folder (default: %(default)s)"
    )
    parser.add_argument(
        "--until",
        choices=STEPS,
        default="briefs",
        help="stop after this step (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=20211012,
        help="seed of the synthetic data (default: %(default)s)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="volume of the synthetic data relative to the default (default: %(default)s)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="parallel brief builds (default: %(default)s)"
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild every brief even if its inputs are unchanged"
    )


def find_exports(raw_dir: Path) -> list[Path]:
    """Dossier exports a person put in `raw_dir/dossiers` (the demo folder does not count).

    The formats are `clean`'s own (`analysis.ingest.read.READABLE_SUFFIXES`); a file there in
    any other format is an error, never a reason to fall back to synthetic data."""
    return check_raw(Path(raw_dir), [])


def demo_stamp(seed: int, scale: float) -> dict:
    """What the synthetic data depend on: settings and the generator's source.

    Regenerating identical data would still rewrite the xlsx files (their zip metadata
    changes), new checksums would then rebuild every brief; the stamp avoids that.
    """
    digest = hashlib.sha256()
    for source in sorted((paths.PACKAGE_DIR / "demo").glob("*.py")):
        digest.update(source.read_bytes())
    return {"seed": seed, "scale": scale, "generator_sha256": digest.hexdigest()}


def _step(name: str, message: str) -> float:
    print(f"[{name}] {message}", flush=True)
    return time.perf_counter()


def _done(name: str, started: float) -> None:
    print(f"[{name}] done in {time.perf_counter() - started:.1f} s", flush=True)


def run(args: argparse.Namespace) -> int:
    """Run every step in order; return the exit status of the first failing one."""
    raw_dir, processed_dir = Path(args.raw), Path(args.processed)
    meetings_dirs = [raw_dir / "meetings"]
    exports = check_raw(raw_dir, [raw_dir / "officers", *meetings_dirs])
    if exports:
        print(f"[demo-data] skipped: {len(exports)} real export(s) in {raw_dir / 'dossiers'}")
        clean_raw = raw_dir
    else:
        demo_dir = raw_dir / "demo"
        stamp = demo_stamp(args.seed, args.scale)
        stamp_file = demo_dir / ".demo_stamp.json"
        if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
            print(f"[demo-data] {demo_dir} is up to date (seed {args.seed}, scale {args.scale})")
        else:
            started = _step(
                "demo-data",
                f"no export in {raw_dir / 'dossiers'}: generating synthetic data into {demo_dir}",
            )
            generate = importlib.import_module("analysis.demo.generate")
            generate.generate_demo_data(
                demo_dir, seed=args.seed, truth_path=demo_dir / "truth.json", scale=args.scale
            )
            stamp_file.write_text(json.dumps(stamp))
            _done("demo-data", started)
        clean_raw = demo_dir
        meetings_dirs = [demo_dir / "meetings", raw_dir / "meetings"]
    if args.until == "demo-data":
        return 0

    started = _step("clean", f"{clean_raw} -> {processed_dir}")
    clean = importlib.import_module("analysis.ingest.clean")
    manifest = clean.clean_all(clean_raw, processed_dir, meetings_dirs=meetings_dirs)
    exports = [f for f in manifest.get("files", []) if f.get("kind") == "dossiers"]
    totals = {
        key: sum(f.get(key, 0) for f in exports)
        for key in ("rows_read", "rows_clean", "rows_quarantined", "rows_duplicate", "rows_skipped")
    }
    print(
        f"[clean] {len(exports)} dossier export(s): {totals['rows_read']} rows read = "
        f"{totals['rows_clean']} clean + {totals['rows_quarantined']} quarantined + "
        f"{totals['rows_duplicate']} duplicate + {totals['rows_skipped']} blank/total rows"
    )
    _done("clean", started)
    if args.until == "clean":
        return 0

    started = _step("analyse", f"indicators and models from {processed_dir}")
    analyse = importlib.import_module("analysis.analyse.run")
    analyse.analyse_all(processed_dir)
    _done("analyse", started)
    if args.until == "analyse":
        return 0

    started = _step("briefs", f"papermill + nbconvert -> {args.out}")
    batch = importlib.import_module("analysis.publish.batch")
    summary = batch.build_briefs(
        processed_dir, Path(args.out), workers=args.workers, force=args.force
    )
    _done("briefs", started)
    failed = summary.get("failed", []) if isinstance(summary, dict) else []
    index = summary.get("index") if isinstance(summary, dict) else None
    if isinstance(summary, dict):
        built, cached = summary.get("built", []), summary.get("cached", [])
        print(f"[briefs] {len(built)} built, {len(cached)} unchanged since the last run")
    if index:
        print(f"[briefs] open {index}")
    if failed:
        print(f"[briefs] {len(failed)} unit(s) failed: {', '.join(map(str, failed))}")
        return 1
    return 0
