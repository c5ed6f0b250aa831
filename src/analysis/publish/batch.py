"""Build every brief of a period: papermill runs, offline HTML, the index and a rebuild cache.

One process runs the batch. Each notebook gets a FRESH kernel forked from a pre-imported zygote
(kernels.py), used for that notebook only, so nothing leaks between units; a thread pool of
`workers` keeps the cores busy; one HTML exporter per thread is reused. A failing unit is recorded
(with its error, in the index) and the others go on.

Folders: `<out>/<period>/` is the folder to share and holds only self-contained HTML pages (the
briefs, the overview, index.html). Executed notebooks (for audit), the rebuild cache and the run
summary, which names this machine's paths, go to the build folder `<out>/.build/<period>/`.

Processes and signals: the batch holds a shared lock on the processed folder (no `clean` or
`analyse` can swap it mid-batch) after checking that its files are one generation, and an
exclusive lock on the period's build folder. Ctrl-C (SIGINT) or SIGTERM stops scheduling at once,
kills the zygote (its kernels die with it, by their parent-death signal), keeps the cache of the
briefs already built and ends with KeyboardInterrupt (one line and exit 130 from the CLI).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis.errors import UserError
from analysis.outputs import clear_leftovers, folder_lock, verify_processed_set, write_atomic
from analysis.paths import NOTEBOOKS_DIR
from analysis.publish import cache as brief_cache
from analysis.publish.html import read_rank_uncertainty, render_index
from analysis.publish.runner import (
    Builder,
    format_error,
    load_notebook,
    stop_batch,
    stop_on_signals,
)
from analysis.reference.lineage import unit_display_name, units_of_period
from analysis.reference.units import units_2021
from analysis.report import tables
from analysis.report.frame import overview_title
from analysis.report.labels import label_period_short
from analysis.report.settings import settings_path
from analysis.text import slugify

BRIEF_NOTEBOOK = "20_commune_brief.py"
OVERVIEW_NOTEBOOK = "10_district_overview.py"
OVERVIEW_KEY = "district"
BUILD_DIRNAME = ".build"  # <out>/.build/<period>/: notebooks, cache, summary (never shared)
# what earlier versions left in the shared folder; removed from it on the next run
LEGACY_SHARED = ("notebooks", ".cache.json", ".cache.tmp", "briefs_summary.json")


@dataclass
class BriefResult:
    """Outcome of one unit's brief (or the overview)."""

    commune_code: str
    commune_name: str
    status: str  # built | cached | failed
    html: str | None = None
    notebook: str | None = None
    error: str | None = None
    seconds: float = 0.0


def brief_filename(code: str, period: str | None = None) -> str:
    """'09640-phong-van' (code first: names repeat across periods, codes do not within one)."""
    try:
        return f"{code}-{slugify(unit_display_name(code, period))}"
    except (KeyError, ValueError):
        return f"{slugify(code) or 'unit'}-unknown"


def unit_title(code: str, period: str) -> str:
    """The HTML <title>: the unit's name and the period."""
    try:
        name = unit_display_name(code, period)
    except (KeyError, ValueError):
        name = code
    return f"Bản tin CCHC {name} — {label_period_short(period)}"


def resolve_communes(communes: str | list[str], period: str | None = None) -> list[str]:
    """'all' -> the units standing on the period's last day (the 31 of 2021 for 2021 periods or
    without a period; the 8 xã of 1/7/2025 for 2025-Q3 on); 'A,B' or a list -> those codes."""
    if isinstance(communes, str):
        if communes.strip().lower() == "all":
            if period is None:
                return units_2021()["code"].tolist()
            return units_of_period(period)["code"].tolist()
        communes = [c for c in communes.split(",") if c.strip()]
    codes = [str(c).strip() for c in communes]
    if not codes:
        raise UserError("--communes is empty: give 'all' or codes like 09640,09625")
    return codes


def key_figures(processed_dir: Path, codes: list[str], period: str) -> pd.DataFrame:
    """Late rate, its rank, online share and volume per unit, for the index page."""
    try:
        indicators = tables.select_period(
            tables.read_processed_table(processed_dir, "indicators_period.parquet"), period
        )
        ranks = tables.read_processed_table(processed_dir, "indicator_ranks.parquet")
    except UserError:
        return pd.DataFrame({"commune_code": codes})
    late_rank = ranks[(ranks["period"] == period) & (ranks["indicator"] == "late_rate")][
        ["commune_code", "rank", "n_ranked"]
    ]
    columns = ["commune_code", "commune_name", "received", "late_rate", "online_share"]
    columns += [c for c in ["late_rate_convention"] if c in indicators]
    figures = indicators[columns].merge(late_rank, on="commune_code", how="left")
    return pd.DataFrame({"commune_code": codes}).merge(figures, on="commune_code", how="left")


def build_briefs(
    processed_dir: str | Path,
    out_dir: str | Path,
    communes: str | list[str] = "all",
    period: str | None = None,
    workers: int = 2,
    force: bool = False,
    overview: bool = True,
    kernel_mode: str = "fork",
    notebooks_dir: str | Path | None = None,
    progress: bool | None = None,
    scheduler: str | None = None,
) -> dict:
    """Build the period's briefs, the overview and the index; returns a summary (see `ok`).

    `scheduler` ('tcp://HOST:PORT'): run the notebooks on that Dask cluster (distributed.py).
    """
    processed_dir = Path(processed_dir).resolve()
    if not processed_dir.is_dir():
        raise UserError(
            f"{processed_dir} does not exist: run `python -m analysis clean` and `analyse` first"
        )
    cluster = nullcontext()  # without --scheduler, Dask is not even imported
    if scheduler:
        from analysis.publish.distributed import remote_builder

        cluster = remote_builder(scheduler, cwd=processed_dir.parent)
    # one generation of processed tables for the whole batch: checked, then held
    with cluster as remote, folder_lock(processed_dir, shared=True):
        verify_processed_set(processed_dir)
        return _build_briefs(
            processed_dir,
            out_dir,
            communes,
            period,
            workers,
            force,
            overview,
            kernel_mode,
            notebooks_dir,
            progress,
            remote,
        )


def build_folder(out_dir: str | Path, period: str) -> Path:
    """Where a period's executed notebooks, cache and run summary go (beside the shared folder)."""
    return Path(out_dir).resolve() / BUILD_DIRNAME / period


def remove_legacy_artifacts(out: Path) -> None:
    """Remove what older versions left in the shared folder (notebooks, cache, summary, temp files).

    They are build by-products, rebuilt in the build folder; the shared folder keeps pages only.
    """
    import shutil

    for name in LEGACY_SHARED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()
    for path in out.glob("*.tmp"):
        path.unlink(missing_ok=True)


def _build_briefs(
    processed_dir: Path,
    out_dir,
    communes,
    period,
    workers,
    force,
    overview,
    kernel_mode,
    notebooks_dir,
    progress,
    remote=None,
) -> dict:
    started = time.perf_counter()
    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    period = period or tables.latest_complete_quarter(processed_dir)
    tables.parse_period(period)
    codes = resolve_communes(communes, period)
    out = Path(out_dir).resolve() / period
    build = build_folder(out_dir, period)
    with folder_lock(build):
        out.mkdir(parents=True, exist_ok=True)
        clear_leftovers(build)
        remove_legacy_artifacts(out)
        return _build_period(
            processed_dir,
            out,
            build,
            codes,
            period,
            workers,
            force,
            overview,
            kernel_mode,
            notebooks_dir,
            progress,
            started,
            remote,
        )


def _build_period(
    processed_dir: Path,
    out: Path,
    build: Path,
    codes: list[str],
    period: str,
    workers,
    force,
    overview,
    kernel_mode,
    notebooks_dir: Path,
    progress,
    started: float,
    remote=None,
) -> dict:
    (build / "notebooks").mkdir(parents=True, exist_ok=True)
    brief_nb = load_notebook(notebooks_dir / BRIEF_NOTEBOOK)
    overview_nb = load_notebook(notebooks_dir / OVERVIEW_NOTEBOOK) if overview else None
    # the settings file frames every page (issuing office, date, Nơi nhận): part of the "code"
    settings_file = [settings_path()] if settings_path().is_file() else []
    # each page depends on its own notebook only: editing the overview keeps the briefs
    code_hash = brief_cache.hash_code([notebooks_dir / BRIEF_NOTEBOOK, *settings_file])
    parts = brief_cache.brief_parts(processed_dir, codes, period, code_hash)
    fingerprints = {code: brief_cache.combine_parts(parts[code]) for code in codes}
    if overview:
        fingerprints[OVERVIEW_KEY] = brief_cache.overview_fingerprint(
            processed_dir,
            period,
            brief_cache.hash_code([notebooks_dir / OVERVIEW_NOTEBOOK, *settings_file]),
        )
    cache_path = build / "cache.json"
    cache = brief_cache.read_cache(cache_path)
    reasons = {  # why each brief would be rebuilt, for the run summary
        key: brief_cache.changed_reason((cache.get(key) or {}).get("parts"), parts[key])
        if key in parts
        else "its inputs or code changed"
        for key in fingerprints
    }
    builder = remote or Builder(kernel_mode=kernel_mode, cwd=processed_dir.parent)

    jobs = []  # (key, notebook, parameters, html_path, notebook_path, title)
    for code in codes:
        name = brief_filename(code, period)
        jobs.append(
            (
                code,
                brief_nb,
                {"commune_code": code, "period": period, "processed_dir": str(processed_dir)},
                out / f"{name}.html",
                build / "notebooks" / f"{name}.ipynb",
                unit_title(code, period),
            )
        )
    if overview:
        jobs.append(
            (
                OVERVIEW_KEY,
                overview_nb,
                {"period": period, "processed_dir": str(processed_dir)},
                out / "tong-quan-huyen.html",
                build / "notebooks" / "tong-quan-huyen.ipynb",
                f"{overview_title(period)} — {label_period_short(period)}",
            )
        )

    def run(job) -> BriefResult:
        key, nb, parameters, html_path, notebook_path, title = job
        if stopping.is_set():
            return BriefResult(key, title, "failed", None, None, "interrupted")
        label = title.split(" — ")[0].replace("Bản tin CCHC ", "")
        entry = cache.get(key)
        if (
            not force
            and entry
            and entry.get("fingerprint") == fingerprints[key]
            and html_path.exists()
        ):
            return BriefResult(
                key, label, "cached", html_path.name, f"notebooks/{notebook_path.name}"
            )
        tick = time.perf_counter()
        try:
            builder.build(nb, parameters, html_path, notebook_path, title)
        except Exception as error:  # one unit's failure is reported, the batch goes on
            if not stopping.is_set():  # a kernel killed by Ctrl-C says nothing about the unit
                html_path.unlink(missing_ok=True)
            return BriefResult(
                key,
                label,
                "failed",
                None,
                f"notebooks/{notebook_path.name}",
                format_error(error),
                time.perf_counter() - tick,
            )
        return BriefResult(
            key,
            label,
            "built",
            html_path.name,
            f"notebooks/{notebook_path.name}",
            None,
            time.perf_counter() - tick,
        )

    def remember(results: dict[str, BriefResult]) -> None:
        for key, result in results.items():
            if result.status == "built":
                cache[key] = {"fingerprint": fingerprints[key], "html": result.html}
                if key in parts:
                    cache[key]["parts"] = parts[key]
            elif result.status == "failed":
                cache.pop(key, None)
        brief_cache.write_cache(cache_path, cache)

    results: dict[str, BriefResult] = {}
    stopping = threading.Event()
    with stop_on_signals():
        if kernel_mode == "fork" and remote is None:
            from analysis.publish.kernels import ZYGOTE

            ZYGOTE.start()  # from this thread, which lives as long as the batch
        slots = remote.slots if remote is not None else int(workers)  # a cluster: its threads
        pool = ThreadPoolExecutor(max_workers=max(1, slots))
        futures = [pool.submit(run, job) for job in jobs]
        bar = tqdm(
            total=len(futures),
            desc=f"briefs {period}",
            unit="brief",
            file=sys.stderr,
            disable=(None if progress is None else not progress),
        )
        try:
            for future in as_completed(futures):
                result = future.result()
                results[result.commune_code] = result
                bar.set_postfix_str(f"{result.commune_code} {result.status}")
                bar.update()
        except KeyboardInterrupt:
            if remote is not None:
                remote.cancel()
            stop_batch(pool, futures, kernel_mode, stopping)
            bar.close()
            for future in futures:  # pages finished while stopping are whole: cache them too
                if future.done() and not future.cancelled() and future.exception() is None:
                    result = future.result()
                    results[result.commune_code] = result
            remember({k: r for k, r in results.items() if r.status == "built"})
            raise
        bar.close()
        pool.shutdown()

    remember(results)

    # the index also lists units built by earlier runs of this period (e.g. with --communes)
    for key, entry in cache.items():
        if key not in results and key != OVERVIEW_KEY and (out / str(entry.get("html"))).exists():
            name = unit_title(key, period).split(" — ")[0].replace("Bản tin CCHC ", "")
            results[key] = BriefResult(key, name, "cached", entry["html"], None)
    listed = sorted(k for k in results if k != OVERVIEW_KEY)
    rows = key_figures(processed_dir, listed, period)
    ordered = [results[c] for c in listed]
    status = pd.DataFrame([asdict(r) for r in ordered]).drop(columns="commune_name")
    rows = rows.merge(status, on="commune_code", how="left")
    names = {c: unit_title(c, period).split(" — ")[0].replace("Bản tin CCHC ", "") for c in listed}
    rows["commune_name"] = rows["commune_code"].map(names)
    manifest = tables.read_json(processed_dir, "manifest.json")
    overview_result = asdict(results[OVERVIEW_KEY]) if overview else None
    previous = cache.get(OVERVIEW_KEY)
    if overview_result is None and previous and (out / str(previous.get("html"))).exists():
        overview_result = {"status": "cached", "html": previous["html"]}
    index = out / "index.html"
    conventions = rows["late_rate_convention"].dropna() if "late_rate_convention" in rows else []
    write_atomic(
        render_index(
            period,
            rows,
            overview_result,
            bool(manifest.get("synthetic")),
            str(conventions.iloc[0]) if len(conventions) else None,
            uncertainty=read_rank_uncertainty(processed_dir, period),
        ),
        index,
        temp_dir=build,
    )

    all_results = [results[c] for c in codes] + ([results[OVERVIEW_KEY]] if overview else [])
    failed = [r for r in all_results if r.status == "failed"]
    summary = {
        "ok": not failed,
        "period": period,
        "out_dir": str(out),
        "build_dir": str(build),
        "index": str(index),
        "built": [r.commune_code for r in all_results if r.status == "built"],
        "cached": [r.commune_code for r in all_results if r.status == "cached"],
        "failed": {r.commune_code: r.error for r in failed},
        "reasons": {
            r.commune_code: "forced (--force)" if force else reasons[r.commune_code]
            for r in all_results
            if r.status == "built"
        },
        "results": [asdict(r) for r in all_results],
        "seconds": round(time.perf_counter() - started, 2),
    }
    write_atomic(
        json.dumps(summary, ensure_ascii=False, indent=1),
        build / "briefs_summary.json",
        temp_dir=build,
    )
    return summary


def content_digest(html_text: str) -> str:
    """Hash of a brief with its volatile parts (generation time) removed: equal briefs, equal digests."""
    import re

    stable = re.sub(r"Thời điểm tạo: [^<]*", "", html_text)
    return hashlib.sha256(stable.encode()).hexdigest()
