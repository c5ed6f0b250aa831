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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import UserError
from analysis.provenance import file_sha256

COUNT_FIELDS = ("rows_clean", "rows_quarantined", "rows_duplicate", "rows_skipped")


@dataclass(frozen=True)
class Key:
    """One key of a manifest, as docs/data_dictionary.md shows it (analysis.ingest.dictionary)."""

    name: str
    type: str
    meaning: str


_OUTPUTS = Key(
    "outputs",
    "object",
    '`{"<file>": {"rows": n, "sha256": "…"}}` for each output file; readers check the checksums '
    "(`analysis/outputs.py`)",
)
_GENERATION = Key(
    "generation",
    "text",
    "id of this run's output set (UTC time and a random suffix); `analysis_manifest.json` "
    "records the one it was made from",
)
_HEAD = (
    Key("synthetic", "bool", "true when the raw folder holds `DEMO_DATA.md` (generated data)"),
    Key(
        "created_at",
        "text (ISO 8601, UTC)",
        "when the run finished (the only time stamp; none inside Parquet)",
    ),
    Key(
        "code_version",
        "text",
        "git commit of the code (`+dirty` if `src/` was modified), else the package version",
    ),
)
# manifest.json (`clean`), in the order written
CLEAN_MANIFEST = (
    *_HEAD,
    Key("saturday_counts", "bool", "whether computed appointments counted Saturdays"),
    Key("files", "list", "one entry per source file (below)"),
    Key(
        "duplicates",
        "object",
        '`{"identical": n, "conflicting": m}`: dossier rows dropped by each duplicate rule',
    ),
    Key(
        "exports_reused",
        "int",
        "dossier exports whose own clean result was kept from an earlier run (same bytes, code, "
        "secret and settings; `.OUT-clean-cache/` beside OUT)",
    ),
    Key(
        "exports_reprocessed",
        "int",
        "dossier exports read and cleaned in this run; rules across exports (learned deadlines, "
        "duplicates, the ≥ 3 communes allow-list) always run on all of them",
    ),
    _OUTPUTS,
    _GENERATION,
)
# meetings_manifest.json (the `meetings` step, analysis.meetings.step), in the order written
MEETINGS_MANIFEST = (
    *_HEAD,
    Key("files", "list", "one entry per register and report (as in manifest.json)"),
    Key("meeting_mentions", "text", "`ok`, `no meeting reports found`, or why mentions are empty"),
    _OUTPUTS,
    _GENERATION,
)
# each entry of `files`, in the order written (file_entry)
FILE_ENTRY = (
    Key("path", "text", "path relative to the raw (or meetings) folder"),
    Key("sha256", "text", "checksum of the raw bytes"),
    Key("kind", "text", "`dossiers` \\| `officers` \\| `meeting_register` \\| `meeting_report`"),
    Key(
        "rows_read",
        "int",
        "rows below the header row (every sheet with a header), blank and total rows included; "
        "for reports, mentions extracted",
    ),
    Key("rows_clean", "int", "rows in the output table"),
    Key(
        "rows_quarantined", "int", "rows in quarantine.csv (meetings_quarantine.csv for registers)"
    ),
    Key("rows_duplicate", "int", "dossier rows dropped as duplicates"),
    Key(
        "rows_skipped",
        "int",
        'blank rows, lone labels, repeated header rows and total rows ("Tổng cộng: N hồ sơ")',
    ),
)


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
    ordered = sorted(names, key=lambda n: n.endswith("manifest.json"))  # stable: manifests last
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
