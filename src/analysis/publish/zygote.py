"""The kernel zygote: a process that imports what brief kernels need once, then forks kernels.

Protocol (JSON lines): the batch writes {"argv": [...], "cwd": ..., "env": {...}} on stdin, the
zygote forks a child that becomes an ipykernel with that argv, and answers {"pid": N}. The zygote
is single-threaded (fork-safe), never runs notebook code, and reaps children automatically.
It exits when its stdin closes (the batch ended).

Nothing outlives the batch: the zygote asks Linux to SIGKILL it when the batch process dies
(`prctl(PR_SET_PDEATHSIG)`, set before anything is imported), and every forked kernel asks the
same about the zygote before ipykernel starts. `kill -9` of the batch therefore ends the zygote,
which ends every kernel. The zygote ignores SIGINT: Ctrl-C is the batch's to handle (it kills
the zygote), not a reason for a traceback here.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    """Have Linux send `signum` to this process when its parent dies; exit now if it already has.

    The check after prctl closes the race where the parent died before the call (the process
    would then have been re-parented and never get the signal). No-op where prctl is missing.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the stdin-EOF exit still ends the zygote
        return
    if os.getppid() != parent_pid:
        os._exit(1)


def preload() -> None:
    """Import the brief kernel's modules and warm matplotlib's font lookup (no user data)."""
    os.environ.setdefault(
        "PYDEVD_DISABLE_FILE_VALIDATION", "1"
    )  # debugpy warns about frozen modules
    import analysis.publish.kernel_preload  # noqa: F401


def become_kernel(
    argv: list[str], cwd: str | None, env: dict[str, str] | None, zygote_pid: int | None = None
) -> None:
    """In the forked child: die with the zygote, own session, quiet stdio, env and cwd, ipykernel."""
    die_with_parent(zygote_pid if zygote_pid is not None else os.getppid())
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # ipykernel installs its own interrupt handling
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
    zygote_pid = os.getpid()
    for line in stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                become_kernel(request["argv"], request.get("cwd"), request.get("env"), zygote_pid)
            except BaseException:  # noqa: BLE001 - a child must never return into the zygote loop
                code = 1
            os._exit(code)
        stdout.write(json.dumps({"pid": pid}) + "\n")
        stdout.flush()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(sys.argv) > 1:  # the batch's pid: die with it
        die_with_parent(int(sys.argv[1]))
    preload()
    sys.stdout.write(json.dumps({"ready": os.getpid()}) + "\n")
    sys.stdout.flush()
    serve()
