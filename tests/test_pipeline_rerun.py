"""Incremental reruns of `python -m analysis run` on a small copy of the project (issue #15).

One scenario, in order, on real-format exports (synthetic rows, one export split per commune):
a cold run; a no-op rerun that changes no byte; one commune's export replaced (that brief, the
overview and the index only, equal to a cold build); a changed overview notebook; a changed
report-layer module; a changed briefs parameter. The copy of `src/analysis`, `notebooks` and
`config` is what the subprocesses run (PYTHONPATH, ANALYSIS_ROOT), so editing it is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CODES = "09619,09625"
SPLIT = "xuat_hs_cum01_20210701_20211231.csv"  # covers 09619, 09625, 09628, 09631, 09634


def split_export(path: Path, folder: Path) -> dict[str, Path]:
    """One export per commune from a cluster export (same preamble, header and total line)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if "Số hồ sơ" in line)
    rows: dict[str, list[str]] = {}
    for line in lines[header + 1 :]:
        code = line.split(";")[1][:5]
        if code.isdigit():
            rows.setdefault(code, []).append(line)
    blank = lines[-2]
    written = {}
    for code, own in rows.items():
        target = folder / path.name.replace("cum01_", f"cum01_{code}_")
        total = f";Tổng cộng: {len(own)} hồ sơ{';' * (blank.count(';') - 1)}\r\n"
        target.write_text("".join([*lines[: header + 1], *own, blank, total]), "utf-8-sig")
        written[code] = target
    return written


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    from analysis.demo.generate import generate_demo_data

    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "src" / "analysis", root / "src" / "analysis", ignore=ignore)
    for folder in ("notebooks", "config"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    demo = root / "demo"
    generate_demo_data(demo, scale=0.02, truth_path=demo / "truth.json")
    raw = root / "raw"
    shutil.copytree(demo / "officers", raw / "officers")
    shutil.copytree(demo / "meetings", raw / "meetings")
    (raw / "dossiers").mkdir()
    for path in (demo / "dossiers").iterdir():
        if path.name != SPLIT:
            shutil.copy(path, raw / "dossiers")
    split_export(demo / "dossiers" / SPLIT, raw / "dossiers")
    return root


def env(root: Path) -> dict[str, str]:
    return {**os.environ, "ANALYSIS_ROOT": str(root), "PYTHONPATH": str(root / "src")}


def run(root: Path, name: str = "", *extra: str) -> str:
    args = ["--raw", str(root / "raw"), "--processed", str(root / f"processed{name}")]
    args += ["--out", str(root / f"reports{name}"), "--communes", CODES, "--bootstrap-reps", "0"]
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "run", *args, *extra],
        capture_output=True,
        text=True,
        cwd=root,
        env=env(root),
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def snapshot(*folders: Path) -> dict[str, str]:
    """sha256 of every file below the folders (the lock files hold nothing)."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def built(root: Path, period: str = "2021-Q4") -> list[str]:
    summary = root / "reports" / ".build" / period / "briefs_summary.json"
    return sorted(json.loads(summary.read_text())["built"])


def stable(text: str) -> str:
    """A page without what legitimately differs between two builds: times and code version."""
    for pattern in (
        r"Thời điểm tạo: [^<]*",
        r"làm sạch lúc [^;.<]*",
        r"Phiên bản chương trình: [^<]*",
        r"(code_version|cleaned_with|cleaned_at)&quot;: &quot;[^&]*",
        r"\"(code_version|cleaned_with|cleaned_at)\\?\": \\?\"[^\"\\]*",
    ):
        text = re.sub(pattern, "", text)
    return text


def pages(root: Path, name: str = "") -> dict[str, str]:
    folder = root / f"reports{name}" / "2021-Q4"
    return {p.name: stable(p.read_text(encoding="utf-8")) for p in folder.glob("*.html")}


def test_reruns_do_exactly_the_work_their_changes_need(project):
    root = project
    cold = run(root)
    assert cold.count("runs: no record of an earlier run") == 4, cold  # + meetings, analyse, briefs
    code = {
        step: "\n".join(json.loads(stamp.read_text())["code"])
        for step, stamp in (
            ("clean", root / "processed" / ".steps" / "clean.json"),
            ("meetings", root / "processed" / ".steps" / "meetings.json"),
            ("analyse", root / "processed" / ".steps" / "analyse.json"),
            ("briefs", root / "reports" / ".build" / ".steps" / "briefs.json"),
        )
    }
    for layer in ("analysis/report/", "analysis/publish/"):  # not the code of clean or analyse
        assert layer not in code["clean"] and layer not in code["analyse"]
        assert layer not in code["meetings"]
    assert "analysis/meetings/" not in code["clean"]  # meeting extraction is its own step
    assert "analysis/meetings/step.py" in code["meetings"]
    assert "analysis/report/labels.py" in code["briefs"] and "analysis/ingest/" in code["clean"]
    outputs = [root / "processed", root / "reports"]
    before = snapshot(*outputs)

    # nothing changed: nothing runs, not a byte changes
    noop = run(root)
    assert "nothing to do: every step up to date" in noop, noop
    assert snapshot(*outputs) == before

    # a corrected export of 09619 (a phone number): its brief, the overview and the index
    (own,) = (root / "raw" / "dossiers").glob("xuat_hs_cum01_09619_*.csv")
    text = own.read_text(encoding="utf-8-sig")
    phone = re.search(r";(0\d{9});", text).group(1)
    own.write_text(text.replace(phone, phone[::-1], 1), encoding="utf-8-sig")
    again = run(root)
    assert "[clean] runs: input changed: raw/dossiers/xuat_hs_cum01_09619_" in again, again
    assert "[meetings] up to date" in again, again
    assert built(root) == ["09619", "district"], again
    assert "1 reused; 09619 rebuilt: its source exports changed" in again
    after = snapshot(*outputs)
    changed = sorted(Path(k).name for k in after if after[k] != before.get(k))
    shared = {n for n in changed if n.endswith(".html")}
    # pages show the time to the minute: a rebuilt index or overview may keep its bytes
    own_page = {n for n in shared if n.startswith("09619-")}
    assert own_page and shared <= {"index.html", "tong-quan-huyen.html", *own_page}, shared
    # ... and the pages equal a cold build of the same tables (clean and analyse redo all anyway)
    cold_build = [sys.executable, "-m", "analysis", "briefs", "--processed", "processed"]
    cold_build += ["--out", "reports-cold", "--communes", CODES, "--period", "2021-Q4"]
    subprocess.run(cold_build, cwd=root, env=env(root), check=True, capture_output=True)
    assert pages(root) == pages(root, "-cold")

    # the overview's notebook: the overview only
    notebook = root / "notebooks" / "10_district_overview.py"
    notebook.write_text(notebook.read_text(encoding="utf-8") + "\n# %%\n1\n", encoding="utf-8")
    overview = run(root)
    assert "[clean] up to date" in overview and "[analyse] up to date" in overview
    assert "[briefs] runs: code changed: notebooks/10_district_overview.py" in overview
    assert built(root) == ["district"], overview

    # a module of the report layer: every page, but no clean or analyse
    module = root / "src" / "analysis" / "report" / "labels.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# reworded\n", encoding="utf-8")
    report = run(root)
    assert "[clean] up to date" in report and "[analyse] up to date" in report
    assert "[briefs] runs: code changed: analysis/report/labels.py" in report
    assert built(root) == ["09619", "09625", "district"], report

    # a parameter of the briefs: the briefs step only (an analyse one: see test_steps)
    period = run(root, "", "--period", "2021-Q3", "--communes", "09619")
    assert "[clean] up to date" in period and "[analyse] up to date" in period
    assert "[briefs] runs: parameters changed: " in period
    assert "period None -> '2021-Q3'" in period
