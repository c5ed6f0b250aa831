"""`clean`: raw exports and rosters -> validated, pseudonymous Parquet + quarantine.

Meeting registers and reports are the next step's (analysis.meetings.step).

# Load inputs: every dossier export and roster under the raw folder.
# Process data: header mapping, dates, units by period, rules, duplicates, reconciliation.
# Save outputs: staged in a temporary folder, checked, then moved into place with the manifest.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.ingest import columns as cols
from analysis.ingest.contract import (
    DOSSIERS,
    OFFICERS,
    validate,
)
from analysis.ingest.dates import PLAUSIBLE_DATES_ENV
from analysis.ingest.dossiers import (
    classify_outcome,
    fill_missing_due_dates,
    learn_procedure_deadlines,
    load_procedure_deadlines,
    restrict_free_text,
)
from analysis.ingest.duplicates import deduplicate_dossiers, kept_id_hashes, repeats_among
from analysis.ingest.export_cache import (
    ExportCache,
    PreparedExport,
    cache_folder,
    settings_key,
)
from analysis.ingest.manifest import (
    check_reconciliation,
    file_entry,
    now_utc,
    publish_outputs,
    staging_dir,
    write_manifest,
    write_parquet,
)
from analysis.ingest.memory import cleaning_memory_pool
from analysis.ingest.officers import OFFICER_COLUMNS, build_officers
from analysis.ingest.prepare import LATE_REASONS, PREPARE_WORKERS, prepare_exports
from analysis.ingest.privacy import load_secret
from analysis.ingest.quarantine import write_quarantine
from analysis.ingest.rows import (
    TABLE_SUFFIXES,
    clean_rows,
    list_files,
    relative_name,
    scrub_free_text,
    text_columns_to_arrow,
)
from analysis.ingest.rules import (
    day_before,
)
from analysis.ingest.vector import (
    STRING,
    as_text_column,
    filter_rows,
    is_categorical,
)
from analysis.outputs import checksum_files, clear_leftovers, folder_lock, new_generation
from analysis.privacy import scrub_values
from analysis.provenance import code_version, file_sha256
from analysis.reference.units import active_table, using_units

DOSSIER_COLUMNS = DOSSIERS.names  # declared in analysis.ingest.contract
# Parquet layout: nearly unique columns are not dictionary-encoded; texts that nobody filters
# on by range get no min/max statistics (commune_code, dates and numbers keep theirs)
UNIQUE_PER_DOSSIER = {
    "dossier_id",
    "received_at",
    "due_at",
    "completed_at",
    "returned_at",
    "source_row",
}
LONG_TEXTS = {
    "dossier_id",
    "procedure",
    "field",
    "officer_id",
    "source_file",
    "status",
    "outcome",
    "channel",
    "online_level",
}


def clean_dossiers(prepared: list[PreparedExport], saturday_counts: bool, entries: dict[str, dict]):
    """Every export's own result combined -> (clean dossiers, quarantine rows, duplicate counts).

    The rules across exports run here, on all rows, whether an export was read now or kept.
    """
    for p in prepared:
        for counter in ("rows_read", "rows_skipped", "rows_quarantined"):
            entries[p.source][counter] += getattr(p, counter)
    sheets = [(p.source, sheet) for p in prepared for sheet in p.sheets]
    deadlines: dict[str, int] = {}
    # learn only when a row still valid lacks its appointment (only those rows get one computed;
    # blank, total and quarantined rows without one do not count)
    if any((s.rows["due_at"].isna() & s.rows["received_at"].notna()).any() for _, s in sheets):
        with_due = [  # valid rows with an appointment; procedures as text (categories differ)
            s.rows.loc[s.rows["due_at"].notna(), ["procedure", "received_at", "due_at"]]
            for _, s in sheets
        ]
        with_due = [f.assign(procedure=as_text_column(f["procedure"])) for f in with_due if len(f)]
        learned = learn_procedure_deadlines(
            pd.concat(with_due, ignore_index=True)
            if with_due
            else pd.DataFrame(columns=["procedure", "received_at", "due_at"]),
            saturday_counts,
        )
        deadlines = {**load_procedure_deadlines(), **learned}
    quarantine: list[pd.DataFrame] = []
    filterer = ThreadPoolExecutor(max_workers=2)
    valid_frames, hashing = [], []  # per sheet, the kept rows' id hashes: is any id repeated?
    for source, sheet in sheets:
        undated = np.flatnonzero(sheet.rows["due_at"].isna().to_numpy())
        frame = fill_missing_due_dates(sheet.rows, deadlines, saturday_counts)
        missing_due = frame["due_at"].isna().to_numpy()
        # a computed appointment can fall before intake (a written one was checked per export)
        early_due = day_before(frame["due_at"], frame["received_at"]) & ~missing_due
        late = missing_due | early_due
        # Arrow's and numpy's kernels release the GIL: the valid rows are copied and the ids
        # hashed while quarantine rows are built
        # outcomes are row by row, so they are classified before filtering, in the same thread
        valid_frames.append(filterer.submit(_outcome_and_filter, frame, ~late))
        hashing.append(filterer.submit(kept_id_hashes, frame["dossier_id"], ~late))
        quarantine.extend(sheet.quarantine)
        if late.any():  # late rows are undated rows: their quarantine rows were built per export
            rows = sheet.pending.iloc[np.searchsorted(undated, np.flatnonzero(late))]
            reasons = np.where(missing_due[late], LATE_REASONS[0], LATE_REASONS[1])
            rows = rows.reset_index(drop=True).assign(
                reason=scrub_values(pd.Series(reasons, dtype=STRING))
            )
            quarantine.append(rows)
            entries[source]["rows_quarantined"] += int(late.sum())
    filterer.shutdown()
    valid_frames = [future.result() for future in valid_frames]
    if valid_frames:
        # files in path order, rows in file order (one export: no copy)
        one = len(valid_frames) == 1
        if not one:  # categories differ between exports: text again before joining them
            valid_frames = [
                f.assign(**{c: as_text_column(f[c]) for c in f.columns[f.dtypes == "category"]})
                for f in valid_frames
            ]
        valid = valid_frames[0] if one else pd.concat(valid_frames, ignore_index=True)
    else:
        valid = pd.DataFrame(columns=DOSSIER_COLUMNS)
    if repeats_among([future.result() for future in hashing]):
        kept, identical, conflicting = deduplicate_dossiers(valid)
    else:  # every id once: nothing to collapse or resolve
        kept, identical, conflicting = valid, valid.iloc[0:0], valid.iloc[0:0]
    for dropped in (identical, conflicting):
        for source, n in dropped["source_file"].value_counts().items():
            entries[source]["rows_duplicate"] += int(n)
    for source, n in kept["source_file"].value_counts().items():
        entries[source]["rows_clean"] += int(n)
    kept = restrict_free_text(finalize_dossiers(kept))  # no citizen's text goes on
    counts = {"identical": len(identical), "conflicting": len(conflicting)}
    return kept, quarantine, counts


def _outcome_and_filter(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    return filter_rows(classify_outcome(frame), keep)


def finalize_dossiers(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract column order and dtypes; rows in file order (deterministic for the same input)."""
    wanted = {c.name: STRING if c.dtype == "string" else c.dtype for c in DOSSIERS.columns}
    # categoricals become text here, side by side (Arrow's take releases the GIL)
    categorical = [n for n in DOSSIER_COLUMNS if n in frame and is_categorical(frame[n])]
    with ThreadPoolExecutor(max_workers=PREPARE_WORKERS) as pool:
        texts = dict(zip(categorical, pool.map(as_text_column, [frame[n] for n in categorical])))
    columns = {}
    for name in DOSSIER_COLUMNS:
        values = (
            texts.get(name, frame[name]) if name in frame else pd.Series(pd.NA, index=frame.index)
        )
        if name == "due_at_computed":
            values = values.fillna(False)
        if values.dtype != wanted[name]:  # convert only what is not yet right (no needless copies)
            values = values.astype(wanted[name])
        columns[name] = values
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    # rows in (source_file, source_row) order: the concatenation order, restored after dedupe
    if not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
    out.index = pd.RangeIndex(len(out))
    return out


def _keep(cache: ExportCache, path: Path, result: PreparedExport, digest) -> None:
    """Store one export's result under its checksum (a future while the file is still hashed)."""
    cache.store(path, digest if isinstance(digest, str) else digest.result(), result)


def clean_all(
    raw_dir,
    out_dir,
    meetings_dirs=None,
    secret_path=None,
    saturday_counts: bool = False,
    units=None,
) -> dict:
    """`clean` and then the `meetings` step, as `run --until meetings` does; clean's manifest.

    For callers that want every table from raw files in one call (tests, benchmarks, province);
    the pipeline runs the two steps separately, each with its own stamp. `units`: the folder of
    the district's unit table (`reference.units.UnitTable`); Ba Vì's if None."""
    from analysis.meetings.step import extract_meetings  # the step after this one

    manifest = clean_exports(raw_dir, out_dir, secret_path, saturday_counts, units=units)
    extract_meetings(raw_dir, out_dir, meetings_dirs)
    return manifest


def clean_exports(
    raw_dir, out_dir, secret_path=None, saturday_counts: bool = False, units=None
) -> dict:
    """Clean dossier exports and rosters into out_dir (dossiers, officers, quarantine, manifest).

    `units`: the folder of the district's unit table; Ba Vì's if None."""
    with cleaning_memory_pool(), using_units(units):
        return _clean_exports(raw_dir, out_dir, secret_path, saturday_counts)


def _clean_exports(raw_dir, out_dir, secret_path, saturday_counts: bool) -> dict:
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise UserError(f"{raw_dir}: raw folder not found")
    dossier_files = list_files(raw_dir / "dossiers", TABLE_SUFFIXES)
    if not dossier_files:
        raise UserError(
            f"{raw_dir}: no dossier exports (.xlsx, .csv) found under {raw_dir / 'dossiers'}"
        )
    officer_files = list_files(raw_dir / "officers", TABLE_SUFFIXES)
    roots = [raw_dir]
    secret = load_secret(secret_path)

    entries: dict[str, dict] = {}
    for kind, paths in (("dossiers", dossier_files), ("officers", officer_files)):
        for path in paths:
            deferred = "" if kind == "dossiers" else None  # large: hashed while Parquet is written
            entries[relative_name(path, roots)] = file_entry(
                path, relative_name(path, roots), kind, deferred
            )

    cache = ExportCache(
        cache_folder(out_dir),
        settings_key(
            secret,
            saturday_counts=bool(saturday_counts),
            plausible_dates=os.environ.get(PLAUSIBLE_DATES_ENV),  # the date window rule's
            units=active_table().fingerprint(),  # the district's unit table
        ),
    )
    prepared, fresh = prepare_exports(raw_dir, dossier_files, secret, entries, cache)
    dossiers, quarantine, duplicate_counts = clean_dossiers(prepared, saturday_counts, entries)
    officers, officer_quarantine = clean_rows(
        officer_files,
        roots,
        "officers",
        cols.ROSTER_SYNONYMS,
        cols.ROSTER_REQUIRED,
        build_officers,
        entries,
        OFFICER_COLUMNS,
        secret=secret,
    )
    officers = officers.sort_values(
        ["commune_code", "officer_id", "start_date", "source_file", "source_row"], kind="mergesort"
    ).reset_index(drop=True)
    files = sorted(entries.values(), key=lambda e: (e["kind"], e["path"]))
    check_reconciliation(files)

    manifest = {
        "synthetic": (raw_dir / "DEMO_DATA.md").exists(),
        "created_at": now_utc(),
        "code_version": code_version(),
        "saturday_counts": bool(saturday_counts),
        "files": files,
        "duplicates": duplicate_counts,
        # dossier exports whose own clean result was kept from an earlier run vs cleaned now
        "exports_reused": len(dossier_files) - len(fresh),
        "exports_reprocessed": len(fresh),
        "outputs": {},
    }
    officers = scrub_free_text(text_columns_to_arrow(officers))
    # one generation: under the folder's lock, leftovers of killed runs cleared, files staged and
    # checksummed, then moved in with the manifest last (analysis/outputs.py)
    with (
        folder_lock(out_dir),
        staging_dir(out_dir) as staging,
        ThreadPoolExecutor(max_workers=2) as writer,
    ):
        clear_leftovers(out_dir, keep=staging)
        # Arrow's Parquet writer and hashlib release the GIL: dossiers are written while the
        # exports are checksummed and the small tables and the csv are written
        dossiers_written = writer.submit(
            write_parquet,
            validate(dossiers, DOSSIERS),
            staging / "dossiers.parquet",
            dictionary=[c for c in DOSSIER_COLUMNS if c not in UNIQUE_PER_DOSSIER],
            statistics=[c for c in DOSSIER_COLUMNS if c not in LONG_TEXTS],
            compressed=["dossier_id", "source_row"],  # the plain-encoded columns that shrink
        )
        hashing, digests = [], {}
        for path in dossier_files:
            entry = entries[relative_name(path, roots)]
            if not entry["sha256"]:
                digests[entry["path"]] = writer.submit(file_sha256, path)
                hashing.append((entry, digests[entry["path"]]))
        # each export cleaned now is kept for the next run once hashed (pickling overlaps the
        # Parquet writer, which releases the GIL)
        storing = [
            writer.submit(
                _keep,
                cache,
                path,
                result,
                digests.get(result.source, entries[result.source]["sha256"]),
            )
            for path, result in fresh
        ]
        write_parquet(
            validate(officers.reindex(columns=OFFICER_COLUMNS), OFFICERS),
            staging / "officers.parquet",
        )
        n_quarantine = write_quarantine(quarantine + officer_quarantine, staging / "quarantine.csv")
        for entry, digest in hashing:
            entry["sha256"] = digest.result()
        for kept in storing:
            kept.result()
        cache.prune()  # under the folder's lock: entries of replaced exports go
        dossiers_written.result()
        rows = {
            "dossiers.parquet": len(dossiers),
            "officers.parquet": len(officers),
            "quarantine.csv": n_quarantine,
        }
        sums = checksum_files(staging, rows)
        manifest["outputs"] = {name: {"rows": n, "sha256": sums[name]} for name, n in rows.items()}
        manifest["generation"] = new_generation()
        write_manifest(manifest, staging / "manifest.json")
        publish_outputs(staging, out_dir, [*manifest["outputs"], "manifest.json"])
    return manifest
