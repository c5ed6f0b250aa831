"""Provenance and reconciliation: every raw row is accounted for, and outputs appear all at once.

For each source file: sha256, rows_read = rows_clean + rows_quarantined + rows_duplicate +
rows_skipped, or the run fails loudly. Outputs are written into a temporary folder beside the
output folder, validated, and only then moved into place, so a failed run leaves the previous
outputs untouched and never a half-written set. The lock on the folder, the generation id and
the output checksums that readers verify are in analysis/outputs.py.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import UserError
from analysis.provenance import file_sha256

COUNT_FIELDS = ("rows_clean", "rows_quarantined", "rows_duplicate", "rows_skipped")


def file_entry(path: Path, relative: str, kind: str, sha256: str | None = None) -> dict:
    """A manifest row for one source file, counts at zero (checksum now, or later by the reader)."""
    return {
        "path": relative,
        "sha256": sha256 if sha256 is not None else file_sha256(path),
        "kind": kind,
        "rows_read": 0,
        **dict.fromkeys(COUNT_FIELDS, 0),
    }


def check_reconciliation(files: list[dict]) -> None:
    """Fail loudly unless rows_read equals clean + quarantined + duplicate + skipped for every file."""
    for entry in files:
        accounted = sum(int(entry[k]) for k in COUNT_FIELDS)
        if accounted != int(entry["rows_read"]):
            raise UserError(
                f"{entry['path']}: reconciliation failed: rows_read={entry['rows_read']} but clean+quarantined+"
                f"duplicate+skipped={accounted} ({', '.join(f'{k}={entry[k]}' for k in COUNT_FIELDS)})"
            )


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_parquet(
    frame: pd.DataFrame,
    path: Path,
    dictionary: list[str] | None = None,
    statistics: list[str] | None = None,
    compressed: list[str] | None = None,
) -> None:
    """Parquet without the index; deterministic for the same frame (no timestamps inside).

    `dictionary`, `statistics` and `compressed` limit dictionary encoding, min/max statistics and
    snappy compression to the named columns (default: all). On a million rows, dictionary
    attempts on unique ids and timestamps and min/max over long texts take a third of the
    writing time and help no reader; dictionary pages barely shrink under snappy and random
    nanosecond timestamps by about a tenth.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)  # the index is never written
    pq.write_table(
        table,
        path,
        compression="snappy"
        if compressed is None
        else {c: "snappy" if c in compressed else "none" for c in table.column_names},
        use_dictionary=True if dictionary is None else dictionary,
        write_statistics=True if statistics is None else statistics,
    )


@contextmanager
def staging_dir(out_dir: Path):
    """A temporary folder beside out_dir; removed whatever happens."""
    parent = out_dir.parent
    created_parent = not parent.exists()
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if created_parent and not out_dir.exists():
            with suppress(OSError):
                parent.rmdir()


def publish_outputs(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move the staged files into out_dir (each an atomic rename on the same file system); manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = [n for n in names if n != "manifest.json"] + [
        n for n in names if n == "manifest.json"
    ]
    for name in ordered:
        os.replace(staging / name, out_dir / name)


def write_manifest(manifest: dict, path: Path) -> None:
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )


def describe_rows(manifest: dict) -> str:
    """One line that reconciles the dossier rows and says how many exports were reused.

    Shared by `clean` and `run` so both print the same accounting."""
    exports = [f for f in manifest.get("files", []) if f.get("kind") == "dossiers"]
    totals = {key: sum(f.get(key, 0) for f in exports) for key in ("rows_read", *COUNT_FIELDS)}
    reused = manifest.get("exports_reused", 0)
    return (
        f"{len(exports)} dossier export(s) ({reused} reused from the last run, "
        f"{manifest.get('exports_reprocessed', len(exports))} cleaned now): "
        f"{totals['rows_read']} rows read = {totals['rows_clean']} clean + "
        f"{totals['rows_quarantined']} quarantined + {totals['rows_duplicate']} duplicate + "
        f"{totals['rows_skipped']} blank/total rows"
    )
