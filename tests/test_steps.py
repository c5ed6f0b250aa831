"""Step stamps: a step is up to date only when inputs, parameters, code and outputs all match."""

import os
from pathlib import Path

from analysis.steps import Hasher, list_files, read_stamp, stale_reason, write_stamp


def _setup(tmp_path: Path):
    inputs = [tmp_path / "raw" / "a.csv", tmp_path / "raw" / "b.csv"]
    for i, path in enumerate(inputs):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"row,{i}\n")
    code = tmp_path / "code" / "step.py"
    code.parent.mkdir(exist_ok=True)
    code.write_text("x = 1\n")
    output = tmp_path / "out" / "table.csv"
    output.parent.mkdir(exist_ok=True)
    output.write_text("result\n")
    stamp = tmp_path / "out" / ".steps" / "s.json"
    write_stamp(stamp, "s", {"p": 1}, Hasher(), inputs, [output], [code], loaded_code=False)
    return inputs, code, output, stamp


def _reason(stamp: Path, inputs, code, params=None):
    record = read_stamp(stamp)
    return stale_reason(record, params or {"p": 1}, inputs, [code], Hasher(record["stat"]))


def test_unchanged_everything_is_up_to_date_without_reading_files(tmp_path):
    inputs, code, _, stamp = _setup(tmp_path)
    record = read_stamp(stamp)
    hasher = Hasher(record["stat"])
    assert stale_reason(record, {"p": 1}, inputs, [code], hasher) is None
    assert hasher.read_bytes == 0  # the stat records vouched for every file


def test_a_missing_stamp_or_another_parameter_reruns(tmp_path):
    inputs, code, _, stamp = _setup(tmp_path)
    assert stale_reason(None, {}, inputs, [code], Hasher()) == "no record of an earlier run"
    assert _reason(stamp, inputs, code, {"p": 2}) == "parameters changed: p 1 -> 2"


def test_an_input_rewritten_with_the_same_size_and_mtime_is_still_seen(tmp_path):
    inputs, code, _, stamp = _setup(tmp_path)
    before = inputs[0].stat()
    inputs[0].write_text("row,9\n")  # same size
    os.utime(inputs[0], ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime set back
    assert _reason(stamp, inputs, code).startswith("input changed: ")
    assert "a.csv" in _reason(stamp, inputs, code)


def test_a_new_or_removed_input_reruns(tmp_path):
    inputs, code, _, stamp = _setup(tmp_path)
    extra = tmp_path / "raw" / "c.csv"
    extra.write_text("new\n")
    assert "new input" in _reason(stamp, [*inputs, extra], code)
    assert "input removed" in _reason(stamp, inputs[:1], code)


def test_changed_code_or_a_touched_output_reruns(tmp_path):
    inputs, code, output, stamp = _setup(tmp_path)
    output.write_text("edited by hand\n")
    assert "output changed" in _reason(stamp, inputs, code)
    output.unlink()
    assert "output missing" in _reason(stamp, inputs, code)
    inputs, code, output, stamp = _setup(tmp_path)
    code.write_text("x = 2\n")
    assert _reason(stamp, inputs, code).startswith("code changed: ")


def test_hidden_lock_and_temp_files_are_no_inputs(tmp_path):
    (tmp_path / ".steps").mkdir()
    (tmp_path / ".steps" / "s.json").write_text("{}")
    for name in (".lock", "~$a.xlsx", "x.tmp", "a.csv"):
        (tmp_path / name).write_text("")
    assert [p.name for p in list_files([tmp_path])] == ["a.csv"]
