"""Fresh Jupyter kernels forked from a pre-imported parent ("zygote"), one kernel per notebook.

A kernel that imports pandas, pyarrow and matplotlib spends most of its start-up in imports.
The zygote (multiprocessing's fork server) imports them once; every kernel is a new process
forked from it, so it starts in a fraction of a second and still shares no state with any other
kernel: the zygote never runs notebook code, and each forked kernel runs exactly one notebook.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

# Modules every brief kernel needs; imported once in the zygote. Nothing here runs user code.
PRELOAD = [
    "analysis.publish.kernel_preload",
]
_start_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def zygote_context() -> multiprocessing.context.BaseContext:
    """The fork-server context, with the brief's imports preloaded (started on first use)."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context = context
    return _context


def serve_kernel(argv: list[str], cwd: str | None, env: dict[str, str] | None) -> None:
    """Body of a forked kernel: its own session (signals stay local), then ipykernel's main loop."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the kernel's banner and shutdown notices are not the batch's output
        os.dup2(devnull, fd)
    if env:
        os.environ.clear()
        os.environ.update(env)
    if cwd:
        os.chdir(cwd)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv)
    app.start()


class ForkedProcess:
    """The subset of subprocess.Popen that jupyter_client's LocalProvisioner uses."""

    stdin = stdout = stderr = None

    def __init__(self, process: multiprocessing.process.BaseProcess):
        self._process = process
        self.pid = process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        """Exit code, or None while the kernel runs."""
        return None if self._process.is_alive() else self._process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the kernel to exit."""
        self._process.join(timeout)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        """Signal the kernel process only (it leads its own session)."""
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self._process.terminate()

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self._process.kill()


class ForkProvisioner(LocalProvisioner):
    """Launch the kernel by forking the zygote instead of starting a new interpreter."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        """Fork a kernel that reads the connection file jupyter_client has just written."""
        argv = (
            cmd[cmd.index("ipykernel_launcher") + 1 :] if "ipykernel_launcher" in cmd else cmd[1:]
        )
        cwd = kwargs.get("cwd")
        env = kwargs.get("env")
        with _start_lock:
            process = zygote_context().Process(
                target=serve_kernel,
                args=(argv, str(cwd) if cwd else None, dict(env) if env else None),
                daemon=True,
            )
            process.start()
        self.process = ForkedProcess(process)
        self.pid = process.pid
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
