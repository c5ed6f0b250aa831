"""Skip a pipeline step whose inputs, parameters, code and outputs are as its last run left them.

After a step succeeds, `write_stamp` records in a small JSON *stamp* beside its outputs: the
sha256 of each input file, its parameters, the sha256 of its code (the package modules loaded
when it finished, the data files of their packages, plus extra files such as notebooks) and the
sha256 of each output. `stale_reason` compares the present state with the stamp and says why the
step must run ("input changed: dossiers/x.csv"), or returns None: then the step is skipped.

This module imports nothing heavy (no pandas), so a rerun that skips everything stays fast.

Trade-off (documented in README): a file whose size, mtime_ns, ctime_ns and inode all equal the
recorded ones is taken to have the recorded sha256 without being read. Any write to a file
changes its ctime (which, unlike mtime, no tool can set back), so only a write in the same clock
tick as the recorded one with the same size could be missed; `--force` rebuilds in any case.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from analysis.outputs import write_atomic
from analysis.paths import PACKAGE_DIR

STAMP_VERSION = 1
# data files that are part of the code of a package (templates, reference tables, styles)
CODE_DATA_SUFFIXES = {".csv", ".json", ".j2", ".css", ".toml", ".yaml", ".yml", ".js", ".html"}


def is_hidden(path: Path) -> bool:
    """Lock files, temp files and records that are no step's data (`.x`, `~$x`, `*.tmp`)."""
    return path.name.startswith((".", "~$")) or path.suffix == ".tmp"


def list_files(folders, skip_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """Every visible regular file below the folders (hidden files and folders skipped), sorted."""
    found = []
    skip = {Path(d).resolve() for d in skip_dirs}
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and (Path(root) / d).resolve() not in skip
            )
            found += [Path(root) / f for f in files if not is_hidden(Path(f))]
    return sorted(found)


def file_key(path: Path) -> str:
    """The name a file is recorded under: its resolved absolute path."""
    return str(Path(path).resolve())


class Hasher:
    """sha256 of files, trusting a previous record when the file's stat is unchanged."""

    def __init__(self, known: dict | None = None):
        self.known = known or {}  # key -> [size, mtime_ns, ctime_ns, inode, sha256]
        self.records: dict[str, list] = {}
        self.read_bytes = 0

    def sha(self, path: Path) -> str | None:
        """The file's sha256, None when it does not exist."""
        key = file_key(path)
        if key in self.records:
            return self.records[key][4]
        try:
            stat = os.stat(path)
        except OSError:
            return None
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        old = self.known.get(key)
        if old and list(old[:4]) == signature:
            digest = old[4]
        else:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            self.read_bytes += stat.st_size
        self.records[key] = [*signature, digest]
        return digest

    def shas(self, paths) -> dict[str, str | None]:
        return {file_key(p): self.sha(Path(p)) for p in paths}


# the driver: it decides what runs; what a step computes does not depend on its code
DRIVER_MODULES = {
    "analysis.__main__",
    "analysis.pipeline",
    "analysis.pipeline_options",
    "analysis.steps",
    "analysis.arguments",
}


def loaded_code_files() -> list[Path]:
    """Source files of the `analysis` modules loaded in this process, and their packages' data.

    Called after a step ran, this is the code the step used (and a little more: modules of
    earlier steps in the same run). A module imported later by an edited module is caught
    through the edit."""
    files, packages = set(), set()
    for name, module in list(sys.modules.items()):
        if not (name == "analysis" or name.startswith("analysis.")) or name in DRIVER_MODULES:
            continue
        source = getattr(module, "__file__", None)
        if source and source.endswith(".py"):
            files.add(Path(source).resolve())
            if Path(source).resolve().parent != PACKAGE_DIR:
                packages.add(Path(source).resolve().parent)
    for package in packages:
        files.update(p.resolve() for p in list_files([package]) if p.suffix in CODE_DATA_SUFFIXES)
    return sorted(files)


def stamp_path(folder: Path, step: str) -> Path:
    """Where a step's stamp lives: `<folder>/.steps/<step>.json`."""
    return Path(folder) / ".steps" / f"{step}.json"


def read_stamp(path: Path) -> dict | None:
    """A stamp, or None when absent, unreadable or from another version of this module."""
    try:
        stamp = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION:
        return None
    return stamp


def _short(key: str) -> str:
    """A recorded path as people read it: relative to the package or the current folder."""
    path = Path(key)
    for base in (PACKAGE_DIR.parent, Path.cwd()):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()


def _names(keys: list[str]) -> str:
    shown = ", ".join(_short(k) for k in keys[:3])
    return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def _compare_files(recorded: dict, present: dict, what: str) -> str | None:
    """Why two {file: sha256} records differ (new, removed, changed files), None when equal."""
    added = sorted(set(present) - set(recorded))
    removed = sorted(set(recorded) - set(present))
    changed = sorted(k for k in set(recorded) & set(present) if recorded[k] != present[k])
    reasons = []
    if changed:
        reasons.append(f"{what} changed: {_names(changed)}")
    if added:
        reasons.append(f"new {what}: {_names(added)}")
    if removed:
        reasons.append(f"{what} removed: {_names(removed)}")
    return "; ".join(reasons) or None


def _compare_params(recorded: dict, present: dict) -> str | None:
    keys = sorted(set(recorded) | set(present))
    changed = [k for k in keys if recorded.get(k) != present.get(k)]
    if not changed:
        return None
    return "parameters changed: " + ", ".join(
        f"{k} {recorded.get(k)!r} -> {present.get(k)!r}" for k in changed
    )


def stale_reason(
    stamp: dict | None, params: dict, inputs: list[Path], extra_code: list[Path], hasher: Hasher
) -> str | None:
    """Why the step must run again, or None when inputs, parameters, code and outputs match."""
    if stamp is None:
        return "no record of an earlier run"
    params = json.loads(json.dumps(params, default=str))
    reason = _compare_params(stamp.get("params", {}), params)
    if reason:
        return reason
    reason = _compare_files(stamp.get("inputs", {}), hasher.shas(inputs), "input")
    if reason:
        return reason
    code = stamp.get("code", {})
    present = hasher.shas([*map(Path, code), *extra_code])
    reason = _compare_files(code, present, "code")
    if reason:
        return reason
    outputs = stamp.get("outputs", {})
    present = hasher.shas(map(Path, outputs))
    missing = sorted(k for k, v in present.items() if v is None)
    if missing:
        return f"output missing: {_names(missing)}"
    return _compare_files(outputs, present, "output")


def write_stamp(
    path: Path,
    step: str,
    params: dict,
    inputs: Hasher,
    input_files: list[Path],
    outputs: list[Path],
    extra_code: list[Path],
    loaded_code: bool = True,
) -> None:
    """Record a successful run (atomically; written last, after every output is in place).

    `inputs` hashed the input files when the step started: a file replaced while the step ran
    then makes the next run redo it. Code and outputs are hashed now, afresh."""
    input_shas = inputs.shas(input_files)
    after = Hasher()
    code = after.shas([*(loaded_code_files() if loaded_code else []), *extra_code])
    output_shas = after.shas(outputs)
    records = {**inputs.records, **after.records}
    stamp = {
        "version": STAMP_VERSION,
        "step": step,
        "params": json.loads(json.dumps(params, default=str)),
        "inputs": input_shas,
        "code": {k: v for k, v in code.items() if v is not None},
        "outputs": {k: v for k, v in output_shas.items() if v is not None},
    }
    keep = set(stamp["inputs"]) | set(stamp["code"]) | set(stamp["outputs"])
    stamp["stat"] = {k: v for k, v in records.items() if k in keep}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(json.dumps(stamp, indent=1, sort_keys=True) + "\n", path)


def refresh_stat(path: Path, stamp: dict, hasher: Hasher) -> None:
    """After a skip that had to read files (their stat changed, not their content), record the
    new stat so the next rerun reads nothing. Content is unchanged, so outputs stay identical."""
    stat = stamp.get("stat", {})
    updated = {k: v for k, v in hasher.records.items() if k in stat and stat[k] != v}
    if updated:
        stamp["stat"] = {**stat, **updated}
        write_atomic(json.dumps(stamp, indent=1, sort_keys=True) + "\n", Path(path))
