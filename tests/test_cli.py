"""The command line: every step has helpful --help and fails cleanly."""

import subprocess
import sys

import pytest

from analysis.__main__ import COMMANDS


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_explains_its_options(command):
    result = _run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"python -m analysis {command}" in result.stdout
    assert "--" in result.stdout  # at least one option documented


def test_top_level_help_lists_every_command():
    result = _run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_no_command_prints_help_and_exits_2():
    result = _run()
    assert result.returncode == 2
    assert "COMMAND" in result.stdout


def test_a_missing_meeting_report_is_one_line_without_traceback(tmp_path):
    result = _run("meeting-extract", str(tmp_path / "missing.txt"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "missing.txt" in result.stderr


@pytest.mark.parametrize("command", ["clean", "demo-data"])
def test_a_units_folder_without_a_unit_table_is_one_line(tmp_path, command):
    result = _run(command, "--units", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: --units {tmp_path}: no units_2021.csv there (the district's unit table)"
    )
