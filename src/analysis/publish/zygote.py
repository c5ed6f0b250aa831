"""The kernel zygote: a process that imports what brief kernels need once, then forks kernels.

Protocol (JSON lines): the batch writes {"argv": [...], "cwd": ..., "env": {...}} on stdin, the
zygote forks a child that becomes an ipykernel with that argv, and answers {"pid": N}. The zygote
is single-threaded (fork-safe), never runs notebook code, and reaps children automatically.
It exits when its stdin closes (the batch ended).
"""

from __future__ import annotations

import json
import os
import signal
import sys


def preload() -> None:
    """Import the brief kernel's modules and warm matplotlib's font lookup (no user data)."""
    os.environ.setdefault(
        "PYDEVD_DISABLE_FILE_VALIDATION", "1"
    )  # debugpy warns about frozen modules
    import analysis.publish.kernel_preload  # noqa: F401


def become_kernel(argv: list[str], cwd: str | None, env: dict[str, str] | None) -> None:
    """In the forked child: own session, quiet stdio, the request's env and cwd, then ipykernel."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if env:
        os.environ.clear()
        os.environ.update(env)
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    if cwd:
        os.chdir(cwd)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv)
    app.start()


def serve(stdin=None, stdout=None) -> None:
    """Answer fork requests until stdin closes."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel, no zombies
    for line in stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                become_kernel(request["argv"], request.get("cwd"), request.get("env"))
            except BaseException:  # noqa: BLE001 - a child must never return into the zygote loop
                code = 1
            os._exit(code)
        stdout.write(json.dumps({"pid": pid}) + "\n")
        stdout.flush()


if __name__ == "__main__":
    preload()
    sys.stdout.write(json.dumps({"ready": os.getpid()}) + "\n")
    sys.stdout.flush()
    serve()
