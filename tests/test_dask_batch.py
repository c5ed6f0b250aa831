"""`briefs --scheduler`: a real `dask scheduler` and two `dask worker` processes on loopback build
the same briefs as the local batch (content, not timestamps); failures come back as locally."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from analysis.__main__ import main
from analysis.errors import UserError
from analysis.publish.batch import build_briefs, build_folder, content_digest
from analysis.publish.distributed import check_address, connect, loopback_cluster
from tests.test_publish_fixture import build_processed_fixture

CODES = ["09640", "09625"]
PERIOD = "2021-Q4"


def stable(text: str) -> str:
    """A page without what differs between two runs (generation time, code version)."""
    text = re.sub(r"Phiên bản chương trình: [^<]*", "", text)
    return content_digest(re.sub(r"code_version&quot;: &quot;[^&]*", "", text))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """The publishing tests' small processed folder (tables shaped like the analysis' own)."""
    return build_processed_fixture(tmp_path_factory.mktemp("dask") / "processed")


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """`dask scheduler` and two single-thread `dask worker`s on 127.0.0.1; ended afterwards."""
    with loopback_cluster(2, tmp_path_factory.mktemp("dask-workers")) as address:
        yield address


@pytest.fixture(scope="module")
def both(processed, scheduler, tmp_path_factory):
    """The same units (one of them unknown) and the overview, built locally and on the cluster."""
    local = tmp_path_factory.mktemp("local")
    remote = tmp_path_factory.mktemp("remote")
    communes = [*CODES, "09999"]
    on_here = build_briefs(processed, local, communes=communes, period=PERIOD, workers=2)
    on_cluster = build_briefs(
        processed, remote, communes=communes, period=PERIOD, scheduler=scheduler
    )
    return (on_here, local / PERIOD), (on_cluster, remote / PERIOD)


def test_cluster_briefs_equal_the_local_briefs(both):
    (here, local), (cluster, remote) = both
    assert set(cluster["built"]) == set(here["built"]) == {*CODES, "district"}
    pages = sorted(p.name for p in local.glob("*.html"))
    assert pages == sorted(p.name for p in remote.glob("*.html"))
    assert len(pages) == 4  # two briefs, the overview, the index
    for name in pages:
        mine = (local / name).read_text(encoding="utf-8")
        theirs = (remote / name).read_text(encoding="utf-8")
        assert stable(theirs) == stable(mine), name


def test_a_failing_unit_comes_back_with_its_error_as_locally(both):
    (here, _), (cluster, remote) = both
    assert cluster["ok"] is False
    assert cluster["failed"] == here["failed"]
    assert "09999" in cluster["failed"]["09999"]
    assert "09999" in (remote / "index.html").read_text(encoding="utf-8")


def test_executed_notebooks_are_written_on_the_client(both):
    (_, local), (_, remote) = both
    mine = {p.name for p in (build_folder(local.parent, PERIOD) / "notebooks").glob("*.ipynb")}
    theirs = {p.name for p in (build_folder(remote.parent, PERIOD) / "notebooks").glob("*.ipynb")}
    assert theirs == mine
    assert "09640-xa-phong-van.ipynb" in theirs


def test_a_malformed_scheduler_address_is_a_user_error():
    for address in ("127.0.0.1:8786", "tcp://host", "tcp://host:0", "http://host:80"):
        with pytest.raises(UserError, match="tcp://HOST:PORT"):
            check_address(address)
    assert check_address(" tcp://127.0.0.1:8786 ") == "tcp://127.0.0.1:8786"


def test_an_unreachable_scheduler_is_one_line_before_any_work(capsys, tmp_path):
    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        connect(f"tcp://127.0.0.1:{free_port()}", timeout=1)
    processed = tmp_path / "processed"
    processed.mkdir()
    code = main(
        ["briefs", "--processed", str(processed), "--out", str(tmp_path / "reports")]
        + ["--scheduler", "localhost:8786"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "tcp://HOST:PORT" in err and "Traceback" not in err
    assert not (tmp_path / "reports").exists()
