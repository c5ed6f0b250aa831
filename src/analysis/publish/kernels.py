"""Fresh Jupyter kernels forked from a pre-imported parent ("zygote"), one kernel per notebook.

A kernel that imports pandas, pyarrow and matplotlib spends most of its start-up in imports.
The zygote (zygote.py) imports them once; every kernel is a new process
forked from it, so it starts in a fraction of a second and still shares no state with any other
kernel: the zygote never runs notebook code, and each forked kernel runs exactly one notebook.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner


class Zygote:
    """Client of the zygote process (zygote.py): start it once, ask it to fork kernels.

    Start it from the thread that lives as long as the batch (the main thread): Linux's
    parent-death signal, which ends the zygote when the batch dies, follows the thread that
    started it. `kill()` ends the zygote and, through their own parent-death signal, every
    kernel it forked; until `start()` is called again no kernel can be forked.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._stopped = False
        self._atexit = False

    def start(self) -> None:
        """Start the zygote now (in the calling thread) and allow forking again after kill()."""
        with self._lock:
            self._stopped = False
            self._ensure_started()

    def _ensure_started(self) -> subprocess.Popen:
        if self._stopped:
            raise RuntimeError("the batch is stopping: no new kernel")
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "analysis.publish.zygote", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
                start_new_session=True,  # Ctrl-C at the terminal reaches the batch, not the zygote
            )
            ready = self._process.stdout.readline()
            if not ready:
                raise RuntimeError(
                    "the kernel zygote did not start (python -m analysis.publish.zygote)"
                )
            if not self._atexit:
                atexit.register(self.close)
                self._atexit = True
        return self._process

    @property
    def pid(self) -> int | None:
        """The zygote's pid while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def fork(self, argv: list[str], cwd: str | None, env: dict[str, str] | None) -> int:
        """Fork one fresh kernel; returns its pid."""
        with self._lock:
            process = self._ensure_started()
            try:
                process.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n")
                process.stdin.flush()
                answer = process.stdout.readline()
            except (BrokenPipeError, ValueError, OSError):
                answer = ""
        if not answer:
            raise RuntimeError("the kernel zygote exited")
        return int(json.loads(answer)["pid"])

    def kill(self) -> None:
        """End the zygote at once (SIGKILL); its kernels die with it. No kernel is forked after."""
        self._stopped = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def close(self) -> None:
        """Stop the zygote (running kernels are separate sessions and shut down on their own)."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


ZYGOTE = Zygote()


class ForkedProcess:
    """The subset of subprocess.Popen that jupyter_client's LocalProvisioner uses, for a forked pid."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Exit code (0 when unknown: the zygote reaps it), or None while the kernel runs."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the kernel to exit (polling: it is not our child)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel process only (it leads its own session)."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """Launch the kernel by forking the zygote instead of starting a new interpreter."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        """Fork a kernel that reads the connection file jupyter_client has just written."""
        argv = (
            cmd[cmd.index("ipykernel_launcher") + 1 :] if "ipykernel_launcher" in cmd else cmd[1:]
        )
        cwd = kwargs.get("cwd")
        env = kwargs.get("env")
        pid = ZYGOTE.fork(argv, str(cwd) if cwd else None, dict(env) if env else None)
        self.process = ForkedProcess(pid)
        self.pid = pid
        self.pgid = None  # never killpg: before setsid the group would be the zygote's
        self.cwd = cwd
        return self.connection_info


class ForkKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels come from the zygote (for nbclient/papermill)."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)
