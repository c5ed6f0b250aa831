"""Running one notebook and stopping a batch: papermill in a fresh kernel, HTML written atomically.

Split from batch.py (issue 14: modules under ~500 lines); batch.py schedules, caches and indexes,
this module runs a notebook (also on Dask workers, distributed.py) and handles Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from contextlib import contextmanager
from pathlib import Path

import jupytext
import nbformat
import papermill

from analysis.outputs import write_atomic
from analysis.publish.html import export_html, make_exporter

KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600
STOP_WAIT_S = 15  # after Ctrl-C, how long running builds get to notice their kernel is gone


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a batch: scheduling stopped, kernels ended."""


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
        body = export_html(executed, self.exporter(), title)
        write_atomic(body, html_path, temp_dir=notebook_path.parent)


@contextmanager
def stop_on_signals():
    """While the batch runs, SIGINT and SIGTERM raise BatchInterrupted in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise BatchInterrupted(signal.Signals(signum).name)

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_batch(
    pool: ThreadPoolExecutor, futures: list, kernel_mode: str, stopping: threading.Event
) -> None:
    """Stop now: no new notebook starts, every running kernel is killed, builds end as failed."""
    stopping.set()  # builds that fail from now on keep the page of the previous run
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut this short
            signal.signal(signum, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)  # dying kernels are expected now: no log lines about them
    for future in futures:
        future.cancel()
    pool.shutdown(wait=False, cancel_futures=True)
    if kernel_mode == "fork":
        from analysis.publish.kernels import ZYGOTE

        ZYGOTE.kill()  # the kernels die with it (parent-death signal)
    wait_futures(futures, timeout=STOP_WAIT_S)
