"""The whole job behind `make briefs`: demo data only when there are no real exports."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from analysis.pipeline import find_exports

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_REPORTS = Path(__file__).resolve().parents[1] / "data" / "raw" / "meetings"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "run", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


class TestFindExports:
    def test_spreadsheets_and_csv_in_dossiers_count(self, tmp_path):
        (tmp_path / "dossiers" / "2021").mkdir(parents=True)
        (tmp_path / "dossiers" / "2021" / "q1.xlsx").write_bytes(b"")
        (tmp_path / "dossiers" / "q2.CSV").write_text("")
        (tmp_path / "dossiers" / "~$q1.xlsx").write_bytes(b"")  # Excel's lock file
        (tmp_path / "dossiers" / "notes.txt").write_text("")  # clean reads .txt exports too
        (tmp_path / "dossiers" / "q3.ods").write_bytes(b"")
        names = [p.name for p in find_exports(tmp_path)]
        assert names == ["q1.xlsx", "notes.txt", "q2.CSV", "q3.ods"]

    def test_the_demo_folder_is_not_a_real_export(self, tmp_path):
        (tmp_path / "demo" / "dossiers").mkdir(parents=True)
        (tmp_path / "demo" / "dossiers" / "x.csv").write_text("")
        assert find_exports(tmp_path) == []


def test_without_exports_the_synthetic_data_is_generated_and_cleaned(tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(SEED_REPORTS, raw / "meetings")
    args = ["--raw", str(raw), "--processed", str(processed), "--scale", "0.03"]
    result = _run(*args, "--until", "meetings")
    assert result.returncode == 0, result.stderr
    assert "generating synthetic data" in result.stdout
    assert "[meetings] runs" in result.stdout and "[analyse]" not in result.stdout
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert {f["kind"] for f in manifest["files"]} == {"dossiers", "officers"}  # no meeting file
    meetings = json.loads((processed / "meetings_manifest.json").read_text())
    assert meetings["synthetic"] is True
    assert {f["kind"] for f in meetings["files"]} == {"meeting_register", "meeting_report"}
    mentions = pd.read_parquet(processed / "meeting_mentions.parquet")
    assert len(mentions) == 17  # the real seed report is cleaned beside the synthetic register
    assert (raw / "demo" / "truth.json").exists()
    # a meeting report removed: the meetings step reruns on its own, clean is reused
    next(iter((raw / "meetings").glob("*.txt"))).unlink()
    result = _run(*args, "--until", "meetings")
    assert result.returncode == 0, result.stderr
    assert "[clean] up to date" in result.stdout
    assert "[meetings] runs: input removed" in result.stdout
    assert len(pd.read_parquet(processed / "meeting_mentions.parquet")) < 17


def test_real_exports_win_over_the_synthetic_data(tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    (raw / "dossiers").mkdir(parents=True)
    shutil.copy(FIXTURES / "ingest" / "heldout_export.csv", raw / "dossiers")
    result = _run("--raw", str(raw), "--processed", str(processed), "--until", "clean")
    assert result.returncode == 0, result.stderr
    assert "skipped: 1 real export" in result.stdout
    assert not (raw / "demo").exists()
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["synthetic"] is False
    assert len(pd.read_parquet(processed / "dossiers.parquet")) > 0


def test_a_rerun_keeps_up_to_date_synthetic_data(tmp_path):
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    args = [
        "--raw",
        str(raw),
        "--processed",
        str(processed),
        "--scale",
        "0.02",
        "--until",
        "demo-data",
    ]
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    truth = raw / "demo" / "truth.json"
    written = truth.stat().st_mtime_ns
    second = _run(*args)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert truth.stat().st_mtime_ns == written
    third = _run(*args[:-2], "--seed", "7", "--until", "demo-data")
    assert "generating synthetic data" in third.stdout  # another seed regenerates


def test_demo_data_stamped_before_step_stamps_is_kept(tmp_path):
    from analysis.pipeline import demo_stamp

    demo = tmp_path / "raw" / "demo"
    (demo / "dossiers").mkdir(parents=True)
    (demo / "dossiers" / "x.csv").write_text("kept")
    (demo / ".demo_stamp.json").write_text(json.dumps(demo_stamp(5, 0.1)))
    args = ["--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "processed")]
    result = _run(*args, "--seed", "5", "--scale", "0.1", "--until", "demo-data")
    assert result.returncode == 0, result.stderr
    assert "[demo-data] up to date" in result.stdout
    assert (demo / "dossiers" / "x.csv").read_text() == "kept"


def test_the_briefs_summary_names_each_reason_once():
    from analysis.pipeline import describe_rebuilt

    codes = [f"096{n}" for n in range(19, 50, 3)]  # 11 units
    reasons = dict.fromkeys(codes, "not built before") | {"district": "its inputs or code changed"}
    line = describe_rebuilt([*codes, "district"], [], reasons)
    assert line == (
        "0 reused; 11 rebuilt (not built before): 09619, 09622, 09625, 09628, 09631, …; "
        "overview rebuilt: its inputs or code changed"
    )
    line = describe_rebuilt(["09619"], ["09625"], {"09619": "its source exports changed"})
    assert line == "1 reused; 09619 rebuilt: its source exports changed"
