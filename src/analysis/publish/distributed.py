"""Run the briefs' notebooks on a Dask distributed cluster: `briefs --scheduler tcp://HOST:PORT`.

The batch (batch.py) stays on the client: cache, index, summary, Ctrl-C and failures are handled
there exactly as in a local build. Only the per-unit papermill run moves: `RemoteBuilder` has the
same `build()` as the local Builder, but submits the run to the cluster and writes what comes
back. A task returns the page and the executed notebook as text, and the CLIENT writes both
atomically, so workers need no shared output folder.

What workers do need: the same installed code (this package, same versions) and read access to
the processed folder at the SAME absolute path as the client (the notebook's `processed_dir`
parameter and the kernel's working directory are the client's paths) — on one machine or a
loopback cluster that holds by itself; on a real cluster mount the processed folder at the same
path on every worker (NFS, a shared volume).

Inside each worker the kernel-forking speed-up is kept: a zygote (kernels.py) forks a fresh kernel
per notebook. Linux's parent-death signal, which ends the zygote with its parent, follows the
THREAD that started it, and a Dask task's thread may end; so the zygote is started, and restarted
if it died, by one dedicated thread per worker process (`ZygotePlugin` starts it when the client
registers the plugin; a task that finds none starts it the same way).
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from distributed import WorkerPlugin

from analysis.errors import UserError

CONNECT_TIMEOUT_S = 10
ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})$")
PLUGIN_NAME = "analysis-kernel-zygote"


def check_address(address: str) -> str:
    """'tcp://HOST:PORT' (or tls://) or a UserError that shows the expected form."""
    address = str(address).strip()
    match = ADDRESS.match(address)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise UserError(
            f"--scheduler {address!r} is not a Dask scheduler address: give tcp://HOST:PORT "
            "(e.g. tcp://127.0.0.1:8786)"
        )
    return address


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """A Client of the scheduler with at least one worker, or a one-line UserError."""
    from distributed import Client

    address = check_address(address)
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise UserError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(error).__name__}); start it with `dask scheduler` and check the address"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError):
        client.close()
        raise UserError(
            f"the Dask scheduler at {address} has no worker after {timeout:g} s: "
            f"start some with `dask worker {address}`"
        ) from None
    return client


class ZygoteOwner:
    """One long-lived thread per worker process that starts (and restarts) the kernel zygote."""

    def __init__(self):
        self._requests: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="kernel-zygote", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from analysis.publish.kernels import ZYGOTE

        while True:
            reply = self._requests.get()
            if reply is None:
                ZYGOTE.close()
                return
            try:
                ZYGOTE.start()
                reply.put(None)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting task
                reply.put(error)

    def ensure(self) -> None:
        """Block until the zygote runs, started by the owner thread (never by the caller)."""
        from analysis.publish.kernels import ZYGOTE

        if ZYGOTE.pid is not None:
            return
        reply: queue.Queue = queue.Queue(maxsize=1)
        self._requests.put(reply)
        error = reply.get()
        if error is not None:
            raise error

    def stop(self) -> None:
        """End the zygote and the thread."""
        self._requests.put(None)
        self._thread.join(timeout=10)


_OWNER: ZygoteOwner | None = None
_OWNER_LOCK = threading.Lock()
_BUILDERS: dict[str, object] = {}


def zygote_owner() -> ZygoteOwner:
    """This process's owner thread, created on first use."""
    global _OWNER
    with _OWNER_LOCK:
        if _OWNER is None:
            _OWNER = ZygoteOwner()
        return _OWNER


class ZygotePlugin(WorkerPlugin):
    """Starts the zygote on every worker when registered, so the first brief does not wait."""

    name = PLUGIN_NAME

    def setup(self, worker=None) -> None:
        zygote_owner().ensure()

    def teardown(self, worker=None) -> None:
        global _OWNER
        with _OWNER_LOCK:
            owner, _OWNER = _OWNER, None
        if owner is not None:
            owner.stop()


def run_notebook(nb, parameters: dict, cwd: str, title: str) -> dict:
    """On a worker: execute one notebook in a forked kernel, return its page and notebook as text.

    Failures come back as data (the notebook's error line and the partly executed notebook),
    not as an exception: papermill's exceptions do not travel well between processes.
    """
    from analysis.publish.batch import Builder

    zygote_owner().ensure()
    builder = _BUILDERS.get(cwd)
    if builder is None:
        builder = _BUILDERS.setdefault(cwd, Builder(kernel_mode="fork", cwd=Path(cwd)))
    with tempfile.TemporaryDirectory(prefix="brief-") as scratch:
        html_path = Path(scratch) / "page.html"
        notebook_path = Path(scratch) / "notebooks" / "executed.ipynb"
        result: dict = {"html": None, "notebook": None, "ename": None, "evalue": None}
        try:
            builder.build(nb, parameters, html_path, notebook_path, title)
            result["html"] = html_path.read_text(encoding="utf-8")
        except Exception as error:  # reported like a local failure, by the client
            result["ename"] = getattr(error, "ename", None) or type(error).__name__
            result["evalue"] = str(getattr(error, "evalue", None) or error)
        if notebook_path.exists():
            result["notebook"] = notebook_path.read_text(encoding="utf-8")
    return result


class RemoteBuildError(Exception):
    """A notebook that failed on a worker, with the notebook's own exception name and message."""

    def __init__(self, ename: str, evalue: str):
        super().__init__(f"{ename}: {evalue}")
        self.ename = ename
        self.evalue = evalue


class RemoteBuilder:
    """The batch's Builder for a Dask cluster: same build(), the run happens on a worker."""

    def __init__(self, client, cwd: Path):
        self.client = client
        self.cwd = str(cwd)
        self._futures: set = set()
        self._lock = threading.Lock()

    @property
    def slots(self) -> int:
        """Notebooks the cluster runs at once (its worker threads), at least 1."""
        return max(1, sum(self.client.nthreads().values()))

    def build(self, nb, parameters: dict, html_path: Path, notebook_path: Path, title: str):
        """Run on the cluster; keep the executed notebook; write the page atomically here."""
        from analysis.outputs import write_atomic

        future = self.client.submit(
            run_notebook, nb, parameters, self.cwd, title, key=f"brief-{uuid.uuid4().hex}"
        )
        with self._lock:
            self._futures.add(future)
        try:
            result = future.result()
        finally:
            with self._lock:
                self._futures.discard(future)
        notebook_path.parent.mkdir(parents=True, exist_ok=True)
        if result["notebook"] is not None:
            write_atomic(result["notebook"], notebook_path, temp_dir=notebook_path.parent)
        if result["ename"] is not None:
            raise RemoteBuildError(result["ename"], result["evalue"])
        write_atomic(result["html"], html_path, temp_dir=notebook_path.parent)

    def cancel(self) -> None:
        """Ctrl-C: cancel every notebook still queued or running on the cluster."""
        with self._lock:
            futures = list(self._futures)
        if futures:
            with contextlib.suppress(Exception):
                self.client.cancel(futures, force=True)


@contextmanager
def remote_builder(address: str, cwd: Path):
    """A RemoteBuilder on the scheduler at `address`, its zygote plugin on every worker."""
    client = connect(address)
    try:
        client.register_plugin(ZygotePlugin(), name=PLUGIN_NAME)
        yield RemoteBuilder(client, cwd)
    finally:
        client.close()


def _stop_group(process: subprocess.Popen) -> None:
    """End a process started in its own session and everything it started (TERM, then KILL)."""
    for signum, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def loopback_cluster(workers: int, scratch: Path, threads: int = 1, timeout: float = 120):
    """A real `dask scheduler` and `workers` `dask worker` processes on 127.0.0.1, for tests and
    benchmarks; yields the scheduler's address and ends every process (and its kernels) after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    log = (scratch / "cluster.log").open("w")
    common = {"stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True}
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port)]
                + ["--dashboard-address", ":0"],
                **common,
            )
        )
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    [dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "1"]
                    + ["--nthreads", str(threads), "--no-dashboard"]
                    + ["--local-directory", str(scratch)],
                    **common,
                )
            )
        client = connect(address, timeout=timeout)
        try:
            deadline = time.monotonic() + timeout
            while len(client.nthreads()) < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{workers} dask workers did not start: see {log.name}")
                time.sleep(0.2)
        finally:
            client.close()
        yield address
    finally:
        for process in reversed(processes):
            _stop_group(process)
        log.close()
