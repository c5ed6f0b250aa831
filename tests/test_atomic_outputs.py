"""Output sets change as a whole: locks, leftovers, a kill during publishing, mixed-set refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.outputs import (
    clear_leftovers,
    folder_lock,
    output_checksums,
    read_processed_table,
    record_checksums,
    verify_processed_set,
    write_atomic,
)

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "tests" / "fixtures" / "ingest" / "heldout_export.csv"


def make_raw(folder: Path, variant: int = 0) -> Path:
    """The held-out export; variant 1 changes one procedure, so its outputs differ."""
    (folder / "dossiers").mkdir(parents=True)
    text = EXPORT.read_text(encoding="utf-8")
    if variant:
        text = text.replace("Đăng ký khai tử", "Đăng ký kết hôn")
    (folder / "dossiers" / "export.csv").write_text(text, encoding="utf-8")
    return folder


def clean_cli(raw: Path, out: Path, secret: Path, env: dict | None = None, code: str = ""):
    """`python -m analysis clean` in a subprocess, optionally after running `code` first."""
    script = (
        textwrap.dedent(code) + "\nfrom analysis.__main__ import main\nraise SystemExit(main())"
    )
    args = ["clean", "--raw", str(raw), "--out", str(out), "--secret", str(secret)]
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


def assert_one_generation(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generation"]
    assert set(output_checksums(manifest)) == set(manifest["outputs"])
    verify_processed_set(out)  # raises when a file disagrees


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory) -> Path:
    from analysis.ingest.clean import clean_all

    root = tmp_path_factory.mktemp("atomic")
    clean_all(make_raw(root / "raw"), root / "out", secret_path=root / "secret")
    return root / "out"


class TestFolderLock:
    def test_a_second_writer_gives_up_after_the_timeout(self, tmp_path):
        out = tmp_path / "out"
        with (
            folder_lock(out),
            pytest.raises(UserError, match=r"out: in use by another run \(waited 0.2 s\)"),
            folder_lock(out, timeout=0.2),
        ):
            pass

    def test_readers_share_and_keep_writers_out(self, tmp_path):
        out = tmp_path / "out"
        with (
            folder_lock(out, shared=True),
            folder_lock(out, shared=True),
            pytest.raises(UserError, match="in use"),
            folder_lock(out, timeout=0.1),
        ):
            pass
        with folder_lock(out, timeout=0.1):
            pass  # released when the readers are done

    def test_a_clean_run_waits_no_longer_than_its_setting_and_says_why(self, tmp_path):
        raw, out = make_raw(tmp_path / "raw"), tmp_path / "out"
        with folder_lock(out):
            code, stderr = finish(
                clean_cli(raw, out, tmp_path / "secret", {"ANALYSIS_LOCK_TIMEOUT": "0.5"})
            )
        assert code == 2
        assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
        assert "in use by another run" in stderr and "ANALYSIS_LOCK_TIMEOUT" in stderr
        assert not (out / "manifest.json").exists()


class TestLeftovers:
    def test_staging_folders_and_temp_files_of_killed_runs_are_cleared(self, tmp_path):
        out = tmp_path / "out"
        (tmp_path / ".out-staging-abc").mkdir(parents=True)
        (tmp_path / ".out-staging-abc" / "dossiers.parquet").write_bytes(b"half")
        out.mkdir()
        (out / ".indicators_period.parquet.x1.tmp").write_bytes(b"half")
        (out / "keep.parquet").write_bytes(b"whole")
        (tmp_path / ".other-staging-abc").mkdir()
        clear_leftovers(out)
        assert sorted(p.name for p in tmp_path.iterdir()) == [".other-staging-abc", "out"]
        assert [p.name for p in out.iterdir()] == ["keep.parquet"]

    def test_the_next_clean_clears_them(self, tmp_path):
        raw, out = make_raw(tmp_path / "raw"), tmp_path / "out"
        (tmp_path / ".out-staging-old").mkdir()
        out.mkdir()
        (out / ".manifest.json.old.tmp").write_text("{")
        code, stderr = finish(clean_cli(raw, out, tmp_path / "secret"))
        assert code == 0, stderr
        assert not list(tmp_path.glob(".out-staging-*")) and not list(out.glob("*.tmp"))
        assert_one_generation(out)


class TestConcurrentRuns:
    def test_two_cleans_at_once_leave_one_whole_generation(self, tmp_path):
        out, secret = tmp_path / "out", tmp_path / "secret"
        first = clean_cli(make_raw(tmp_path / "raw0"), out, secret)
        second = clean_cli(make_raw(tmp_path / "raw1", variant=1), out, secret)
        for process in (first, second):
            code, stderr = finish(process)
            assert code == 0, stderr
        assert_one_generation(out)
        assert not list(tmp_path.glob(".out-staging-*"))


class TestKillDuringPublish:
    KILL_AFTER_TWO_FILES = """
        import os
        import analysis.ingest.clean as clean

        def publish_then_die(staging, out_dir, names):
            for name in names[:2]:
                os.replace(staging / name, out_dir / name)
            os._exit(9)  # as if killed -9 between two renames

        clean.publish_outputs = publish_then_die
    """

    def test_a_half_published_set_is_refused_and_the_next_run_repairs_it(self, tmp_path):
        out, secret = tmp_path / "out", tmp_path / "secret"
        code, stderr = finish(clean_cli(make_raw(tmp_path / "raw0"), out, secret))
        assert code == 0, stderr
        raw1 = make_raw(tmp_path / "raw1", variant=1)
        code, _ = finish(clean_cli(raw1, out, secret, code=self.KILL_AFTER_TWO_FILES))
        assert code == 9
        assert list(tmp_path.glob(".out-staging-*"))  # what the killed run left
        with pytest.raises(
            UserError, match=r"does not match manifest.json .*rerun `python -m analysis clean`"
        ):
            verify_processed_set(out)
        analyse = subprocess.run(
            [sys.executable, "-m", "analysis", "analyse", "--processed", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert analyse.returncode == 2
        assert len(analyse.stderr.strip().splitlines()) == 1 and "Traceback" not in analyse.stderr
        assert "mixed output set" in analyse.stderr
        code, stderr = finish(clean_cli(raw1, out, secret))
        assert code == 0, stderr
        assert_one_generation(out)
        assert not list(tmp_path.glob(".out-staging-*"))


class TestMixedSetRefusal:
    def test_a_file_changed_after_clean_is_refused(self, cleaned, tmp_path):
        import shutil

        out = tmp_path / "out"
        shutil.copytree(cleaned, out)
        (out / "officers.parquet").write_bytes((out / "meetings.parquet").read_bytes())
        with pytest.raises(UserError, match=r"officers.parquet: does not match manifest.json"):
            verify_processed_set(out)

    def test_a_missing_file_is_an_incomplete_set(self, cleaned, tmp_path):
        import shutil

        out = tmp_path / "out"
        shutil.copytree(cleaned, out)
        (out / "dossiers.parquet").unlink()
        with pytest.raises(
            UserError, match=r"dossiers.parquet: listed in manifest.json but missing"
        ):
            verify_processed_set(out)

    def test_analysis_tables_from_an_earlier_clean_are_refused(self, cleaned, tmp_path):
        import shutil

        out = tmp_path / "out"
        shutil.copytree(cleaned, out)
        (out / "analysis_manifest.json").write_text(
            json.dumps({"checksums": {}, "clean_generation": "an-earlier-one"})
        )
        with pytest.raises(
            UserError, match=r"made from an earlier `clean`.*rerun `python -m analysis analyse`"
        ):
            verify_processed_set(out)
        verify_processed_set(out, analysis=False)  # the clean outputs alone are whole

    def test_briefs_refuse_a_mixed_set_in_one_line_before_any_kernel(self, cleaned, tmp_path):
        import shutil

        out = tmp_path / "processed"
        shutil.copytree(cleaned, out)
        (out / "quarantine.csv").write_text("changed by hand\n")
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "analysis",
                "briefs",
                "--processed",
                str(out),
                "--out",
                str(tmp_path / "reports"),
                "--period",
                "2021-Q2",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert "quarantine.csv: does not match manifest.json" in result.stderr
        assert not (tmp_path / "reports").exists()

    def test_a_deliberate_edit_can_be_vouched_for(self, cleaned, tmp_path):
        import shutil

        out = tmp_path / "out"
        shutil.copytree(cleaned, out)
        (out / "quarantine.csv").write_text("corrected\n")
        record_checksums(out)
        verify_processed_set(out)


class TestWriteAtomic:
    """One helper writes every file that must never be seen half written (analysis.outputs)."""

    def test_text_csv_and_parquet_land_whole_with_no_temp_left(self, tmp_path):
        import pandas as pd

        frame = pd.DataFrame({"commune_code": ["09619"], "late": [0.25]})
        write_atomic("xin chào\n", tmp_path / "note.txt")
        write_atomic(frame, tmp_path / "t.csv")
        write_atomic(frame, tmp_path / "t.parquet")
        assert (tmp_path / "note.txt").read_text(encoding="utf-8") == "xin chào\n"
        assert read_processed_table(tmp_path, "t.csv").equals(frame)
        assert read_processed_table(tmp_path, "t.parquet", ["late"]).equals(frame)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "t.csv", "t.parquet"]

    def test_temp_file_lives_in_temp_dir_and_mode_is_set_before_the_rename(self, tmp_path):
        scratch, page = tmp_path / "build", tmp_path / "site" / "index.html"
        scratch.mkdir()
        page.parent.mkdir()
        write_atomic("<p>ok</p>", page, temp_dir=scratch, mode=0o600)
        assert page.read_text(encoding="utf-8") == "<p>ok</p>"
        assert page.stat().st_mode & 0o777 == 0o600
        assert list(scratch.iterdir()) == []

    def test_a_failed_rename_leaves_no_temp(self, tmp_path):
        (tmp_path / "taken").mkdir()
        (tmp_path / "taken" / "file").write_text("x")
        with pytest.raises(OSError):
            write_atomic("new", tmp_path / "taken")  # written to a temp, then the rename fails
        assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_read_processed_table_names_the_file_and_the_missing_columns(tmp_path):
    import pandas as pd

    with pytest.raises(UserError, match="officers.parquet is missing"):
        read_processed_table(tmp_path, "officers.parquet")
    pd.DataFrame({"officer_id": ["off_1"]}).to_parquet(tmp_path / "officers.parquet")
    with pytest.raises(UserError, match="missing column.*commune_code"):
        read_processed_table(tmp_path, "officers.parquet", ["officer_id", "commune_code"])
