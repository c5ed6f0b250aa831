"""Kernels die with their batch; Ctrl-C and SIGTERM stop a batch at once, in one line, exit 130.

Each test starts the real `python -m analysis briefs` on a small processed fixture, waits until
the batch is mid-way (kernels running), signals it and then looks in /proc for
anything of its process tree: the zygote and its forked kernels carry the command line
`python -m analysis.publish.zygote <batch pid>`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.publish.batch import build_folder
from analysis.reference.units import units_2021
from tests.test_publish_fixture import build_processed_fixture

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2021-Q4"
CODES = units_2021()["code"].tolist()[:4]  # enough to be mid-batch after the first brief


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    return build_processed_fixture(tmp_path_factory.mktemp("processed") / "processed")


def start_batch(processed: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analysis",
            "briefs",
            "--processed",
            str(processed),
            "--out",
            str(out),
            "--period",
            PERIOD,
            "--communes",
            ",".join(CODES),
            "--workers",
            "2",
            "--no-overview",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def tree_of(batch_pid: int) -> list[int]:
    """Live (non-zombie) zygote and kernel processes started for this batch."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        args = cmdline(int(entry.name))
        if (
            "analysis.publish.zygote" in args
            and args[-1] == str(batch_pid)
            and state(int(entry.name)) not in (None, "Z")
        ):
            found.append(int(entry.name))
    return found


def wait_until_mid_batch(batch: subprocess.Popen, out: Path, timeout: float = 240) -> None:
    """Kernels running: the zygote plus at least one forked kernel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert batch.poll() is None, batch.communicate()
        if len(tree_of(batch.pid)) >= 2:
            return
        time.sleep(0.05)
    batch.kill()
    pytest.fail("the batch never reached the middle")


def wait_for_no_tree(batch_pid: int, timeout: float = 15) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = tree_of(batch_pid)
        if not left:
            return []
        time.sleep(0.1)
    return tree_of(batch_pid)


def test_kill_9_of_the_batch_leaves_no_zygote_or_kernel(processed, tmp_path):
    batch = start_batch(processed, tmp_path / "reports")
    wait_until_mid_batch(batch, tmp_path / "reports")
    assert tree_of(batch.pid)
    batch.send_signal(signal.SIGKILL)
    batch.communicate(timeout=30)
    left = wait_for_no_tree(batch.pid)
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert left == []


@pytest.mark.parametrize(("signum", "rerun"), [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_ctrl_c_or_sigterm_stops_at_once_in_one_line_and_a_rerun_completes(
    processed, tmp_path, signum, rerun
):
    out = tmp_path / "reports"
    batch = start_batch(processed, out)
    wait_until_mid_batch(batch, out)
    signalled = time.monotonic()
    batch.send_signal(signum)
    _, stderr = batch.communicate(timeout=60)
    stopped_in = time.monotonic() - signalled
    built = sorted(p.name for p in (out / PERIOD).glob("*.html"))
    assert batch.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stopped_in < 30
    assert len(built) < len(CODES)  # scheduling stopped: not every brief was built
    left = wait_for_no_tree(batch.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []
    time.sleep(3)  # nothing is still writing briefs after the exit
    assert sorted(p.name for p in (out / PERIOD).glob("*.html")) == built

    if not rerun:
        return
    again = start_batch(processed, out)
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr
    assert f"{len(CODES) - len(built)} built, {len(built)} unchanged" in stdout  # kept the cache
    shared = sorted(p.name for p in (out / PERIOD).iterdir())
    assert all(name.endswith(".html") for name in shared), shared
    assert len(shared) == len(CODES) + 1  # every brief and the index
    assert not list(out.rglob("*.tmp"))
    notebooks = build_folder(out, PERIOD) / "notebooks"
    assert len(list(notebooks.glob("*.ipynb"))) == len(CODES)
    assert wait_for_no_tree(again.pid) == []
