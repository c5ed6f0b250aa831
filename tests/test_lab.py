"""The analysts' entry point: JupyterLab serves on loopback and the project's kernel imports `analysis`."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "cchc-ba-vi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, token: str, path: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token; the project's kernel spec from sys.prefix or a temp data dir."""
    env = dict(os.environ)
    if not (Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME).exists():
        prefix = tmp_path_factory.mktemp("jupyter")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ipykernel",
                "install",
                "--prefix",
                str(prefix),
                "--name",
                KERNEL_NAME,
                "--display-name",
                "CCHC Ba Vì (analysis)",
            ],
            check=True,
            capture_output=True,
        )
        env["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    runtime = tmp_path_factory.mktemp("runtime")
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    port, token = free_port(), secrets.token_hex(16)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT / 'notebooks'}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = api(base, token, "/api/status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not serve /api/status within 60 s") from None
                time.sleep(0.3)
        yield base, token, status
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_lab_serves_on_loopback(lab):
    base, token, status = lab
    assert "started" in status
    with pytest.raises(urllib.error.HTTPError):
        api(base, "wrong-token", "/api/kernels")


def test_lab_opens_the_percent_py_notebooks_as_notebooks(lab):
    base, token, _ = lab
    model = api(base, token, "/api/contents/20_commune_brief.py?type=notebook&content=1")
    assert model["type"] == "notebook"
    assert any("parameters" in c["metadata"].get("tags", []) for c in model["content"]["cells"])


def test_project_kernel_imports_analysis(lab):
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    base, token, _ = lab
    specs = api(base, token, "/api/kernelspecs")
    assert KERNEL_NAME in specs["kernelspecs"]
    kernel = api(base, token, "/api/kernels", "POST", {"name": KERNEL_NAME})
    code = "import analysis, sys; print('ANALYSIS', analysis.__name__, sys.executable)"

    async def execute() -> list[str]:
        url = base.replace("http", "ws") + f"/api/kernels/{kernel['id']}/channels?token={token}"
        connection = await websocket_connect(url)
        msg_id = uuid.uuid4().hex
        await connection.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "test",
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                    },
                    "channel": "shell",
                }
            )
        )
        texts, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            message = json.loads(await connection.read_message())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                texts.append(message["content"]["text"])
            if message["msg_type"] == "error":
                texts.append("ERROR " + message["content"]["evalue"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        connection.close()
        return texts

    try:
        output = "".join(IOLoop.current().run_sync(execute, timeout=90))
    finally:
        api(base, token, f"/api/kernels/{kernel['id']}", "DELETE")
    assert "ANALYSIS analysis" in output


def test_lab_opens_py_files_as_jupytext_notebooks_by_default(lab):
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if not overrides.exists():
        pytest.skip("overrides.json is installed by `make install`")
    base, token, _ = lab
    settings = api(base, token, "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    # overrides.json changes the schema's defaults; user settings may still change them
    default_viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
    assert default_viewers["python"] == "Jupytext Notebook"
