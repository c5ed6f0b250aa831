"""Build every brief of a period: papermill runs, offline HTML, the index and a rebuild cache.

One process runs the batch. Each notebook gets a FRESH kernel forked from a pre-imported zygote
(kernels.py), used for that notebook only, so nothing leaks between units; a thread pool of
`workers` keeps the cores busy; one HTML exporter per thread is reused. A failing unit is recorded
(with its error, in the index) and the others go on.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import papermill
from tqdm import tqdm

from analysis.errors import UserError
from analysis.paths import NOTEBOOKS_DIR
from analysis.publish import cache as brief_cache
from analysis.publish.html import (
    export_html,
    make_exporter,
    read_rank_uncertainty,
    render_index,
)
from analysis.reference.units import display_name, units_2021
from analysis.report import tables
from analysis.text import slugify

BRIEF_NOTEBOOK = "20_commune_brief.py"
OVERVIEW_NOTEBOOK = "10_district_overview.py"
OVERVIEW_KEY = "district"
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600


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


def load_notebook(path: Path) -> nbformat.NotebookNode:
    """A jupytext percent-format .py as a notebook, with stable cell ids (so HTML is reproducible)."""
    nb = jupytext.read(path)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def brief_filename(code: str) -> str:
    """'09640-phong-van' (code first: names repeat across periods, codes do not within one)."""
    try:
        return f"{code}-{slugify(display_name(code))}"
    except (KeyError, ValueError):
        return f"{slugify(code) or 'unit'}-unknown"


def unit_title(code: str, period: str) -> str:
    """The HTML <title>: the unit's name and the period."""
    try:
        name = display_name(code)
    except (KeyError, ValueError):
        name = code
    return f"Bản tin CCHC {name} — {period}"


def format_error(error: BaseException) -> str:
    """One line for the index: the notebook's exception name and message, not a traceback."""
    name = getattr(error, "ename", None) or type(error).__name__
    value = getattr(error, "evalue", None) or str(error)
    return f"{name}: {value}".splitlines()[0][:300]


class Builder:
    """Runs notebooks in fresh kernels and exports them; one exporter per worker thread."""

    def __init__(self, kernel_mode: str = "fork", cwd: Path | None = None):
        self.kernel_mode = kernel_mode
        self.cwd = str(cwd or Path.cwd())
        self._local = threading.local()

    def exporter(self):
        if not hasattr(self._local, "exporter"):
            self._local.exporter = make_exporter()
        return self._local.exporter

    def engine_kwargs(self) -> dict:
        if self.kernel_mode == "fork":
            from analysis.publish.kernels import ForkKernelManager

            return {"kernel_manager_class": ForkKernelManager}
        return {}

    def build(
        self,
        nb: nbformat.NotebookNode,
        parameters: dict,
        html_path: Path,
        notebook_path: Path,
        title: str,
    ) -> None:
        """Execute with papermill (fresh kernel), keep the executed notebook, write the HTML atomically."""
        notebook_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            executed = papermill.execute_notebook(
                nb,
                str(notebook_path),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                request_save_on_cell_execute=False,
                cwd=self.cwd,
                execution_timeout=CELL_TIMEOUT_S,
                **self.engine_kwargs(),
            )
        finally:
            pass
        body = export_html(executed, self.exporter(), title)
        tmp = html_path.with_suffix(".html.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(html_path)


def resolve_communes(communes: str | list[str]) -> list[str]:
    """'all' -> the 31 units of 2021; 'A,B' or a list -> those codes, kept as strings."""
    if isinstance(communes, str):
        if communes.strip().lower() == "all":
            return units_2021()["code"].tolist()
        communes = [c for c in communes.split(",") if c.strip()]
    codes = [str(c).strip() for c in communes]
    if not codes:
        raise UserError("--communes is empty: give 'all' or codes like 09640,09625")
    return codes


def key_figures(processed_dir: Path, codes: list[str], period: str) -> pd.DataFrame:
    """Late rate, its rank, online share and volume per unit, for the index page."""
    try:
        indicators = tables.select_period(
            tables.read_table(processed_dir, "indicators_period.parquet"), period
        )
        ranks = tables.read_table(processed_dir, "indicator_ranks.parquet")
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
) -> dict:
    """Build the period's briefs, the overview and the index; returns a summary (see `ok`)."""
    started = time.perf_counter()
    processed_dir = Path(processed_dir).resolve()
    notebooks_dir = Path(notebooks_dir or NOTEBOOKS_DIR)
    if not processed_dir.is_dir():
        raise UserError(
            f"{processed_dir} does not exist: run `python -m analysis clean` and `analyse` first"
        )
    period = period or tables.latest_complete_quarter(processed_dir)
    tables.parse_period(period)
    codes = resolve_communes(communes)
    out = Path(out_dir).resolve() / period
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    brief_nb = load_notebook(notebooks_dir / BRIEF_NOTEBOOK)
    overview_nb = load_notebook(notebooks_dir / OVERVIEW_NOTEBOOK) if overview else None
    code_hash = brief_cache.hash_code(
        [notebooks_dir / BRIEF_NOTEBOOK, notebooks_dir / OVERVIEW_NOTEBOOK]
    )
    fingerprints = brief_cache.brief_fingerprints(processed_dir, codes, period, code_hash)
    if overview:
        fingerprints[OVERVIEW_KEY] = brief_cache.overview_fingerprint(
            processed_dir, period, code_hash
        )
    cache_path = out / ".cache.json"
    cache = brief_cache.read_cache(cache_path)
    builder = Builder(kernel_mode=kernel_mode, cwd=processed_dir.parent)

    jobs = []  # (key, notebook, parameters, html_path, notebook_path, title)
    for code in codes:
        name = brief_filename(code)
        jobs.append(
            (
                code,
                brief_nb,
                {"commune_code": code, "period": period, "processed_dir": str(processed_dir)},
                out / f"{name}.html",
                out / "notebooks" / f"{name}.ipynb",
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
                out / "notebooks" / "tong-quan-huyen.ipynb",
                f"Tổng quan CCHC huyện Ba Vì — {period}",
            )
        )

    def run(job) -> BriefResult:
        key, nb, parameters, html_path, notebook_path, title = job
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

    results: dict[str, BriefResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        bar = tqdm(
            total=len(futures),
            desc=f"briefs {period}",
            unit="brief",
            file=sys.stderr,
            disable=(None if progress is None else not progress),
        )
        for future in as_completed(futures):
            result = future.result()
            results[result.commune_code] = result
            bar.set_postfix_str(f"{result.commune_code} {result.status}")
            bar.update()
        bar.close()

    for key, result in results.items():
        if result.status == "built":
            cache[key] = {"fingerprint": fingerprints[key], "html": result.html}
        elif result.status == "failed":
            cache.pop(key, None)
    brief_cache.write_cache(cache_path, cache)

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
    index.write_text(
        render_index(
            period,
            rows,
            overview_result,
            bool(manifest.get("synthetic")),
            str(conventions.iloc[0]) if len(conventions) else None,
            uncertainty=read_rank_uncertainty(processed_dir, period),
        ),
        encoding="utf-8",
    )

    all_results = [results[c] for c in codes] + ([results[OVERVIEW_KEY]] if overview else [])
    failed = [r for r in all_results if r.status == "failed"]
    summary = {
        "ok": not failed,
        "period": period,
        "out_dir": str(out),
        "index": str(index),
        "built": [r.commune_code for r in all_results if r.status == "built"],
        "cached": [r.commune_code for r in all_results if r.status == "cached"],
        "failed": {r.commune_code: r.error for r in failed},
        "results": [asdict(r) for r in all_results],
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / "briefs_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return summary


def content_digest(html_text: str) -> str:
    """Hash of a brief with its volatile parts (generation time) removed: equal briefs, equal digests."""
    import re

    stable = re.sub(r"Thời điểm tạo: [^<]*", "", html_text)
    return hashlib.sha256(stable.encode()).hexdigest()
