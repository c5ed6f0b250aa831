"""Output sets that change as a whole: a lock per folder, leftovers cleared, checksums checked.

A step's outputs are one *generation*: the files it wrote in one run plus a manifest naming a
generation id and the sha256 of each file. How a step publishes (clean, analyse, briefs):

1. it takes an exclusive lock on the folder (`fcntl.flock` on `<folder>/.lock`); a
   second writer waits up to `ANALYSIS_LOCK_TIMEOUT` seconds (default 600) and then stops with
   exit status 2 and one line naming the folder;
2. it clears what a killed run left: staging folders `.<folder>-staging-*` beside the folder,
   `*.tmp` files inside it (nobody else can be writing them: the lock is held);
3. it writes every file into a staging folder on the same file system and checksums each one;
4. it moves each file into place with `os.replace` (atomic per file) and the manifest last.

Readers take a shared lock on the folder for as long as they read (analyse, briefs), so a reader
never sees step 4 half done, and check the sha256 of each file they read against the manifest
(`verify_generation`). A set mixed any other way — a run killed during step 4, a file copied in
by hand, analysis tables made from an earlier clean — is refused with exit status 2 and one line
saying which file disagrees and which step to rerun. The next run of the writing step replaces
the whole set. A folder without a manifest (made by hand, e.g. in tests) is not checked.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

from analysis.errors import UserError
from analysis.provenance import file_sha256

DEFAULT_LOCK_TIMEOUT_S = 600.0


def lock_timeout() -> float:
    """Seconds a run waits for a folder another run holds: $ANALYSIS_LOCK_TIMEOUT, else 600."""
    setting = os.environ.get("ANALYSIS_LOCK_TIMEOUT", "").strip()
    try:
        return max(0.0, float(setting)) if setting else DEFAULT_LOCK_TIMEOUT_S
    except ValueError:
        raise UserError(f"ANALYSIS_LOCK_TIMEOUT={setting!r}: give a number of seconds") from None


def lock_path(folder: Path) -> Path:
    """The lock file of a folder: an empty `.lock` inside it (git-ignored with the folder)."""
    return Path(folder) / ".lock"


@contextmanager
def folder_lock(folder: str | Path, shared: bool = False, timeout: float | None = None):
    """Hold a lock on `folder` (exclusive to write, shared to read) for the `with` block.

    Waits up to `timeout` seconds (default: lock_timeout()) for another run, then raises
    UserError (exit 2). The lock is released when the process dies, even by kill -9.
    """
    folder = Path(folder)
    path = lock_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    timeout = lock_timeout() if timeout is None else timeout
    handle = open(path, "a+b")  # noqa: SIM115 - closed below, after the lock is released
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise UserError(
                        f"{folder}: in use by another run (waited {timeout:g} s); "
                        "try again when it ends, or set ANALYSIS_LOCK_TIMEOUT to wait longer"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()  # closing releases the lock


def clear_leftovers(folder: str | Path, keep: Path | None = None) -> list[Path]:
    """Remove what killed runs left: `.<folder>-staging-*` beside it, `*.tmp` inside it.

    Call it only under the folder's exclusive lock (`keep`: this run's own staging folder).
    Returns what was removed.
    """
    folder = Path(folder)
    removed = []
    if folder.parent.is_dir():
        for path in folder.parent.glob(f".{folder.name}-staging-*"):
            if keep is not None and path == Path(keep):
                continue
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(True)
            removed.append(path)
    if folder.is_dir():
        for path in folder.rglob("*.tmp"):
            with suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def new_generation() -> str:
    """An id for one run's output set: UTC time (sortable) and a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def checksum_files(folder: str | Path, names) -> dict[str, str]:
    """sha256 of each named file of a folder."""
    folder = Path(folder)
    return {name: file_sha256(folder / name) for name in names}


def verify_files(folder: str | Path, expected: dict[str, str], manifest_name: str, rerun: str):
    """Raise UserError unless each file's sha256 equals the manifest's (missing files too)."""
    folder = Path(folder)
    for name, sha256 in expected.items():
        path = folder / name
        if not path.is_file():
            raise UserError(
                f"{path}: listed in {manifest_name} but missing (incomplete output set); "
                f"rerun `python -m analysis {rerun}`"
            )
        if file_sha256(path) != sha256:
            raise UserError(
                f"{path}: does not match {manifest_name} (a mixed output set: an interrupted or "
                f"concurrent run, or a file changed by hand); rerun `python -m analysis {rerun}`"
            )


def output_checksums(manifest: dict) -> dict[str, str]:
    """{file: sha256} of a manifest's outputs ({} for a manifest without checksums)."""
    outputs = manifest.get("outputs") or {}
    if isinstance(outputs, dict):
        return {
            name: entry["sha256"]
            for name, entry in outputs.items()
            if isinstance(entry, dict) and entry.get("sha256")
        }
    return {}


def read_manifest(folder: str | Path, name: str, rerun: str) -> dict | None:
    """A manifest of the folder, None when absent; one line (exit 2) when unreadable."""
    path = Path(folder) / name
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UserError(
            f"{path}: unreadable (truncated or not JSON); rerun `python -m analysis {rerun}`"
        ) from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: not a manifest; rerun `python -m analysis {rerun}`")
    return manifest


def verify_processed_set(
    folder: str | Path, clean_files: list[str] | None = None, analysis: bool = True
) -> None:
    """Refuse (exit 2) a processed folder whose files do not come from one generation.

    Checks the clean and meetings outputs (all, or `clean_files`) against manifest.json and
    meetings_manifest.json, and with `analysis`
    the analysis tables against analysis_manifest.json and that the analysis was made from the
    clean generation now in the folder. Call it under a shared (or exclusive) folder lock.
    """
    folder = Path(folder)
    manifest = read_manifest(folder, "manifest.json", "clean")
    for name, step in (("manifest.json", "clean"), ("meetings_manifest.json", "meetings")):
        written = manifest if step == "clean" else read_manifest(folder, name, step)
        if written is not None:
            sums = output_checksums(written)
            if clean_files is not None:
                sums = {n: sha for n, sha in sums.items() if n in clean_files}
            verify_files(folder, sums, name, step)
    if not analysis:
        return
    analysed = read_manifest(folder, "analysis_manifest.json", "analyse")
    if analysed is None:
        return
    verify_files(folder, analysed.get("checksums") or {}, "analysis_manifest.json", "analyse")
    made_from = analysed.get("clean_generation")
    current = (manifest or {}).get("generation")
    if made_from and current and made_from != current:
        raise UserError(
            f"{folder}: the analysis tables were made from an earlier `clean` output "
            f"(generation {made_from}, now {current}); rerun `python -m analysis analyse`"
        )


def record_checksums(folder: str | Path, manifest_name: str = "manifest.json") -> None:
    """Re-record the checksums of a manifest's outputs after a deliberate edit (tests, repairs)."""
    folder = Path(folder)
    path = folder / manifest_name
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest_name == "analysis_manifest.json":
        manifest["checksums"] = checksum_files(folder, manifest.get("checksums") or {})
    else:
        for name, entry in (manifest.get("outputs") or {}).items():
            if isinstance(entry, dict) and entry.get("sha256"):
                entry["sha256"] = file_sha256(folder / name)
    write_atomic(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", path)


def write_atomic(
    content, path: str | Path, *, temp_dir: str | Path | None = None, mode=None
) -> Path:
    """Write text or a frame (Parquet, or CSV by suffix) through a temp file and a rename, so
    readers never see half a file. `temp_dir` (same file system) keeps the temp file out of a
    folder others list; `mode` sets permissions before the file appears (a key: 0o600)."""
    path = Path(path)
    temp = Path(temp_dir or path.parent) / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        if isinstance(content, str):
            temp.write_text(content, encoding="utf-8")
        elif path.suffix == ".csv":
            content.to_csv(temp, index=False, encoding="utf-8")
        else:
            content.to_parquet(temp, index=False)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def read_processed_table(processed_dir: str | Path, name: str, required=(), **kwargs):
    """One table clean or analyse wrote (Parquet, or CSV with codes kept as text); a UserError
    naming the file when it or a `required` column is missing. Pandas is imported here, not at
    the top: `analysis.steps` imports this module and must stay light."""
    import pandas as pd

    path = Path(processed_dir) / name
    if not path.exists():
        raise UserError(f"{path} is missing: run `python -m analysis clean` then `analyse` first")
    if name.endswith(".csv"):
        table = pd.read_csv(path, dtype={"commune_code": str}, **kwargs)
    else:
        table = pd.read_parquet(path, **kwargs)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)} (see docs/data_contract.md)"
        )
    return table
