"""`clean`: raw exports, rosters and meeting files -> validated, pseudonymous Parquet + quarantine.

# Load inputs: every dossier export, roster and meeting file under the raw folder.
# Process data: header mapping, dates, units by period, rules, duplicates, reconciliation.
# Save outputs: staged in a temporary folder, checked, then moved into place with the manifest.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.errors import UserError
from analysis.ingest import columns as cols
from analysis.ingest.contract import (
    DOSSIERS,
    MEETING_MENTIONS,
    MEETINGS,
    OFFICERS,
    validate,
)
from analysis.ingest.dates import PLAUSIBLE_DATES_ENV, flag_dates_outside_window, parse_dates
from analysis.ingest.dossiers import (
    apology_of,
    canonical_field,
    classify_outcome,
    end_of_processing,
    fill_missing_due_dates,
    learn_procedure_deadlines,
    load_procedure_deadlines,
    map_channels,
    map_online_flags,
    map_statuses,
    online_level_of,
    resolve_unit_codes,
    restrict_free_text,
)
from analysis.ingest.duplicates import deduplicate_dossiers, kept_id_hashes, repeats_among
from analysis.ingest.export_cache import (
    ExportCache,
    PreparedExport,
    SheetResult,
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
from analysis.ingest.privacy import load_secret, pseudonymize_officers
from analysis.ingest.quarantine import build_quarantine_rows, write_quarantine
from analysis.ingest.read import (
    SPREADSHEET_SUFFIXES,
    TEXT_SUFFIXES,
    RawTable,
    classify_noise_rows,
    is_noise_text,
    read_table,
)
from analysis.ingest.register import MEETING_COLUMNS, build_meetings
from analysis.ingest.rules import (
    COMPUTED_DUE_BEFORE_RECEIVED,
    DOSSIER_RULES,
    NO_DEADLINE,
    RowContext,
    day_before,
    first_failing,
)
from analysis.ingest.vector import (
    STRING,
    as_arrow_strings,
    as_text_column,
    clean_text_column,
    filter_rows,
    is_categorical,
    map_distinct,
    rows_containing,
)
from analysis.meetings.extract import MENTION_COLUMNS, extract_reports
from analysis.outputs import checksum_files, clear_leftovers, folder_lock, new_generation
from analysis.privacy import rows_with_personal_data, scrub_values
from analysis.provenance import code_version, file_sha256
from analysis.text import normalize_text

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
# columns holding a few dozen spellings over all rows: read dictionary-encoded from csv
REPEATED_TEXT = frozenset(
    {"procedure", "field", "unit", "channel", "online_flag", "online_level", "status", "officer"}
    | {"apology_letter"}
)
TABLE_SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
# roster, register and report columns written as people typed them (analysis.privacy masks them)
FREE_TEXT_COLUMNS = frozenset({"title", "chair_role", "evidence"})
REPORT_SUFFIXES = {".txt", ".docx"}
DATE_FIELDS = ("received_at", "due_at", "completed_at", "returned_at")
SKIPPED = "\x00skipped"
# column rules run side by side (kernels release the GIL); one worker per core, 2 to 4
PREPARE_WORKERS = max(
    2, min(4, os.cpu_count() or 2)
)  # blank, label, repeated-header and total rows: counted, not quarantined


def list_files(folder: Path, suffixes: set[str]) -> list[Path]:
    """Files below a folder with the given suffixes, sorted (hidden files and ~$ lock files ignored)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith((".", "~$"))
    )


def relative_name(path: Path, roots: list[Path]) -> str:
    """Path relative to the first root containing it (what the manifest and source_file show)."""
    for root in roots:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def _text_or_na(values: pd.Series) -> pd.Series:
    """NFC text, blanks as missing (a categorical stays one)."""
    return map_distinct(values, lambda v: normalize_text(v) or None, STRING)


def _status_or_inferred(status: pd.Series, completed: pd.Series, returned: pd.Series) -> pd.Series:
    """The written status, else resolved when a result or return date exists (Arrow, no object pass)."""
    missing = status.isna().to_numpy()
    if not missing.any():
        return status  # written on every row: nothing to infer
    pending = (completed.isna() & returned.isna()).to_numpy()[missing]
    inferred = pa.array(np.where(pending, "pending", "resolved"), type=pa.large_string())
    written = as_arrow_strings(status).cast(pa.large_string())
    merged = pc.replace_with_mask(written, pa.array(missing), inferred)  # only the blanks change
    return pd.Series(pd.arrays.ArrowStringArray(merged), index=status.index, dtype=STRING)


def _repeated_text(value: str, n: int, index: pd.Index) -> pd.Series:
    """One text on every row as an Arrow string column (an object column costs a conversion later)."""
    repeated = pa.repeat(pa.scalar(value, pa.string()), n)
    return pd.Series(pd.arrays.ArrowStringArray(repeated), index=index, dtype=STRING)


def prepare_dossier_table(
    table: RawTable, source_file: str, secret: bytes
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """One sheet -> (body, parsed frame, first failing rule per row: None, a reason or SKIPPED)."""
    body = table.data
    mapping = cols.map_columns(table.headers, cols.DOSSIER_SYNONYMS)
    keys = {
        name: table.headers[i]
        for i, name in mapping.items()
        if name in ("dossier_id", "received_at")
    }

    def column(name: str) -> pd.Series:
        return body[name] if name in body else pd.Series(None, index=body.index, dtype="object")

    # the channel column, else an online mark column (marked = online, blank = in person)
    channel_source = "online_flag" if "channel" not in body and "online_flag" in body else "channel"
    to_channel = map_online_flags if channel_source == "online_flag" else map_channels
    # every column's rule is independent of the others, so they run side by side (Arrow's and
    # numpy's kernels release the GIL); only the unit waits for the intake date (units by period)
    with ThreadPoolExecutor(max_workers=PREPARE_WORKERS) as pool:
        parsing = {name: pool.submit(parse_dates, column(name)) for name in DATE_FIELDS}
        noise_task = pool.submit(
            classify_noise_rows,
            body,
            ["dossier_id", "received_at"],
            keys,
            footer_keys=["dossier_id", "received_at"],
        )
        tasks = {
            "dossier_id": pool.submit(clean_text_column, column("dossier_id")),
            "procedure": pool.submit(_text_or_na, column("procedure")),
            "field": pool.submit(map_distinct, column("field"), canonical_field, STRING),
            "channel": pool.submit(to_channel, column(channel_source), STRING),
            "online_level": pool.submit(
                map_distinct, column("online_level"), online_level_of, STRING
            ),
            "status": pool.submit(map_statuses, column("status"), STRING),
            "apology_letter": pool.submit(
                map_distinct, column("apology_letter"), apology_of, "boolean"
            ),
            "officer_id": pool.submit(pseudonymize_officers, column("officer"), secret),
        }
        received = parsing["received_at"].result()
        unit_task = pool.submit(
            resolve_unit_codes, column("unit"), received.fillna(pd.Timestamp("2021-12-31"))
        )
        dates = {name: future.result() for name, future in parsing.items()}
        done = {name: future.result() for name, future in tasks.items()}
        noise = noise_task.result()
        units = unit_task.result()
    table.footer_row = noise.attrs.get("footer_row")
    table.rows_skipped += int(noise.sum())  # kept in place (marked SKIPPED): filtering costs a copy
    if "due_at" not in body and "processing_days" in body:
        # "Thời hạn giải quyết" holds a number of days in some systems and the appointment date in others
        as_dates = parse_dates(body["processing_days"])
        if as_dates.notna().sum() >= 0.5 * body["processing_days"].notna().sum() > 0:
            dates["due_at"] = as_dates
            body = body.rename(columns={"processing_days": "due_at"})
    status = _status_or_inferred(done["status"], dates["completed_at"], dates["returned_at"])
    as_of = table.as_of_title
    if as_of is None:
        latest = [
            d.max() for d in (dates[n] for n in ("received_at", "completed_at", "returned_at"))
        ]
        latest = [d for d in latest if pd.notna(d)]
        as_of = max(latest).normalize() if latest else pd.NaT
    columns = {
        **{name: done[name] for name in ("dossier_id", "procedure", "field", "channel")},
        "online_level": done["online_level"],
        "received_at": dates["received_at"],
        "due_at": dates["due_at"],
        "completed_at": end_of_processing(dates["completed_at"], dates["returned_at"], status),
        "returned_at": dates["returned_at"],
        "status": status,
        "apology_letter": done["apology_letter"],
        "officer_id": done["officer_id"],
        "as_of": pd.Series(as_of, index=body.index, dtype="datetime64[ns]"),
        "source_file": _repeated_text(source_file, len(body), body.index),
        "source_row": body["source_row"].astype("int64"),
    }
    if "processing_days" in body:
        columns["processing_days"] = column("processing_days").astype("string")
    columns["commune_code"] = units["commune_code"]
    columns["unit_resolution"] = units["unit_resolution"]
    frame = pd.DataFrame(columns, index=body.index, copy=False)  # one frame, no column inserts

    ctx = RowContext(
        body=body,
        frame=frame,
        dates=dates,
        unit_reason=units["unit_reason"],
        outside=flag_dates_outside_window(
            {name: dates[name] for name in DATE_FIELDS}, table.as_of_title
        ),
        channel_source=channel_source,
        # only ids holding '@' or a blank can hold personal data
        personal_id=rows_with_personal_data(
            frame["dossier_id"], rows_containing(as_arrow_strings(frame["dossier_id"]), b"@ ")
        ),
    )
    reasons = first_failing(DOSSIER_RULES, ctx, noise.to_numpy(dtype=bool), SKIPPED)
    reasons = pd.Series(reasons, index=body.index)
    return body, frame, reasons


LATE_REASONS = (NO_DEADLINE, COMPUTED_DUE_BEFORE_RECEIVED)  # known once every export is read


def prepare_export(path: Path, source: str, secret: bytes) -> PreparedExport:
    """One export through its own per-row rules (what `export_cache` keeps between runs)."""
    prepared = PreparedExport(source)
    for table in read_table(
        path,
        cols.DOSSIER_SYNONYMS,
        cols.DOSSIER_REQUIRED + (cols.DOSSIER_CHANNEL_REQUIRED,),
        REPEATED_TEXT,
    ):
        body, frame, reasons = prepare_dossier_table(table, source, secret)
        prepared.rows_read += table.rows_read
        prepared.rows_skipped += table.rows_skipped
        bad = reasons.notna() & reasons.ne(SKIPPED)
        quarantine = [build_quarantine_rows(body, reasons.where(bad), source)]
        prepared.rows_quarantined += int(bad.sum())
        open_rows = reasons.isna().to_numpy()
        # only a row without an appointment can fail a rule of the combination (LATE_REASONS):
        # its quarantine row is built now (reason filled in later), so no raw cell is kept
        undated = open_rows & frame["due_at"].isna().to_numpy()
        pending = build_quarantine_rows(
            body, pd.Series(LATE_REASONS[0], index=body.index).where(undated), source
        )
        skipped, broken = split_malformed_rows(table, after_footer=True)
        prepared.rows_skipped += skipped
        if broken:
            quarantine.append(malformed_quarantine_rows(source, broken))
            prepared.rows_quarantined += len(broken)
        prepared.sheets.append(SheetResult(filter_rows(frame, open_rows), quarantine, pending))
    return prepared


def prepare_exports(
    raw_dir: Path, files: list[Path], secret: bytes, entries: dict[str, dict], cache: ExportCache
) -> tuple[list[PreparedExport], list[tuple[Path, PreparedExport]]]:
    """Every export's own result, from the cache when the file is unchanged; (all, to store)."""
    prepared, fresh = [], []
    for path in files:
        source = relative_name(path, [raw_dir])
        kept, sha256 = cache.lookup(path, source)
        if sha256 is not None:
            entries[source]["sha256"] = sha256
        if kept is None:
            kept = prepare_export(path, source, secret)
            fresh.append((path, kept))
        prepared.append(kept)
    return prepared, fresh


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


def clean_rows(
    files: list[Path],
    roots: list[Path],
    kind: str,
    synonyms: dict,
    required: tuple,
    build,
    entries: dict,
    columns: list[str],
    **kwargs,
):
    """Rosters or registers: read, skip noise, build, split valid / quarantine, count."""
    valid, quarantine = [], []
    for path in files:
        source = relative_name(path, roots)
        entry = entries[source]
        for table in read_table(path, synonyms, required):
            noise = classify_noise_rows(table.data, list(required), {})
            body = table.data[~noise]
            frame, reasons = build(body, source, **kwargs)
            bad = reasons.notna()
            entry["rows_read"] += table.rows_read
            skipped, broken = split_malformed_rows(table, after_footer=False)
            entry["rows_skipped"] += int(noise.sum()) + skipped
            entry["rows_quarantined"] += int(bad.sum()) + len(broken)
            entry["rows_clean"] += int((~bad).sum())
            quarantine.append(build_quarantine_rows(body, reasons, source))
            if broken:
                quarantine.append(malformed_quarantine_rows(source, broken))
            valid.append(frame[~bad])
    table = pd.concat(valid, ignore_index=True) if valid else pd.DataFrame(columns=columns)
    return table, quarantine


def split_malformed_rows(table, after_footer: bool) -> tuple[int, list[int]]:
    """Csv lines with more fields than the header: (how many are noise, rows to quarantine).

    With `after_footer`, a line below the total/signature row is judged as footer text.
    """
    footer_row = table.footer_row if after_footer else None
    skip = [
        is_noise_text(text, footer_row is not None and n > footer_row)
        for n, text in table.malformed_rows
    ]
    broken = [n for (n, _), s in zip(table.malformed_rows, skip, strict=True) if not s]
    return sum(skip), broken


def malformed_quarantine_rows(source: str, rows: list[int]) -> pd.DataFrame:
    """Quarantine entries for csv lines that could not be split into the header's columns."""
    return pd.DataFrame(
        {
            "source_file": source,
            "source_row": rows,
            "dossier_id": pd.NA,
            "reason": "row has more fields than the header (a delimiter inside an unquoted value?)",
        }
    )


def extract_mentions(
    report_files: list[Path], roots: list[Path]
) -> tuple[pd.DataFrame | None, pd.DataFrame, str]:
    """Meeting reports -> (report meetings, mentions, status) via analysis.meetings.extract."""
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in MENTION_COLUMNS})
    if not report_files:
        return None, empty, "no meeting reports found"
    parts = []
    for path in report_files:  # one at a time, so a failure names its file
        try:
            parts.append(extract_reports([path]))
        except UserError:
            raise
        except Exception as error:  # noqa: BLE001 - any reader failure becomes one clear line
            raise UserError(
                f"{path.name}: cannot extract the meeting report ({type(error).__name__}: {error})"
            ) from None
    meetings = pd.concat([m for m, _ in parts], ignore_index=True)
    mentions = pd.concat([x for _, x in parts], ignore_index=True)
    names = {}
    for p in report_files:
        names[p.name] = relative_name(p, roots)
        names[p.as_posix()] = relative_name(p, roots)
    for frame in (meetings, mentions):
        if len(frame):
            frame["source_file"] = (
                frame["source_file"]
                .astype(str)
                .map(lambda s: names.get(s, names.get(Path(s).name, s)))
            )
            frame["meeting_date"] = pd.to_datetime(frame["meeting_date"], errors="coerce").astype(
                "datetime64[ns]"
            )
    mentions = mentions.reindex(
        columns=MENTION_COLUMNS + [c for c in mentions.columns if c not in MENTION_COLUMNS]
    )
    return meetings, mentions, "ok"


def link_report_meetings(
    register: pd.DataFrame, reports: pd.DataFrame | None, mentions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A report of a meeting in the register takes the register's meeting_id (same date, one meeting
    that day); reports of meetings missing from the register are added to meetings.parquet."""
    if reports is None or reports.empty:  # source_row nullable as declared (reports have none)
        return register.assign(source_row=register["source_row"].astype("Int64")), mentions
    per_day = register.dropna(subset=["meeting_date"]).groupby("meeting_date")["meeting_id"]
    unique_day = per_day.first()[per_day.size() == 1]
    new_id = reports["meeting_date"].map(unique_day)
    id_map = dict(
        zip(reports["meeting_id"], new_id.where(new_id.notna(), reports["meeting_id"]), strict=True)
    )
    mentions = mentions.copy()
    if len(mentions):
        mentions["meeting_id"] = mentions["meeting_id"].map(id_map).fillna(mentions["meeting_id"])
    extra = reports[new_id.isna()].reindex(columns=MEETING_COLUMNS)
    if register.empty or extra.empty:
        meetings = (extra if register.empty else register).reset_index(drop=True)
    else:
        meetings = pd.concat([register, extra], ignore_index=True)
    meetings["source_row"] = meetings["source_row"].astype("Int64")
    return meetings, mentions


def text_columns_to_arrow(frame: pd.DataFrame) -> pd.DataFrame:
    """Object (text) columns as Arrow-backed strings, so every table reads back with one text dtype."""
    frame = frame.copy()
    for column in frame.columns[frame.dtypes.eq(object)]:
        frame[column] = frame[column].astype(STRING)
    return frame


def scrub_free_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Free-text columns (titles, the chair's role, meeting evidence) with personal data masked."""
    frame = frame.copy(deep=False)
    for column in FREE_TEXT_COLUMNS.intersection(frame.columns):
        frame[column] = scrub_values(frame[column])
    return frame


def _keep(cache: ExportCache, path: Path, result: PreparedExport, digest) -> None:
    """Store one export's result under its checksum (a future while the file is still hashed)."""
    cache.store(path, digest if isinstance(digest, str) else digest.result(), result)


def clean_all(
    raw_dir, out_dir, meetings_dirs=None, secret_path=None, saturday_counts: bool = False
) -> dict:
    """Clean every raw file into out_dir (dossiers, officers, meetings, mentions, quarantine, manifest)."""
    with cleaning_memory_pool():
        return _clean_all(raw_dir, out_dir, meetings_dirs, secret_path, saturday_counts)


def _clean_all(raw_dir, out_dir, meetings_dirs, secret_path, saturday_counts: bool) -> dict:
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise UserError(f"{raw_dir}: raw folder not found")
    meetings_dirs = [Path(d) for d in (meetings_dirs or [raw_dir / "meetings"])]
    dossier_files = list_files(raw_dir / "dossiers", TABLE_SUFFIXES)
    if not dossier_files:
        raise UserError(
            f"{raw_dir}: no dossier exports (.xlsx, .csv) found under {raw_dir / 'dossiers'}"
        )
    officer_files = list_files(raw_dir / "officers", TABLE_SUFFIXES)
    register_files = [p for d in meetings_dirs for p in list_files(d, TABLE_SUFFIXES - {".txt"})]
    report_files = [p for d in meetings_dirs for p in list_files(d, REPORT_SUFFIXES)]
    roots = [raw_dir, *meetings_dirs, *[d.parent for d in meetings_dirs]]
    secret = load_secret(secret_path)

    entries: dict[str, dict] = {}
    for kind, paths in (
        ("dossiers", dossier_files),
        ("officers", officer_files),
        ("meeting_register", register_files),
    ):
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
    meetings, meeting_quarantine = clean_rows(
        register_files,
        roots,
        "meeting_register",
        cols.REGISTER_SYNONYMS,
        cols.REGISTER_REQUIRED,
        build_meetings,
        entries,
        MEETING_COLUMNS,
    )
    report_meetings, mentions, mentions_status = extract_mentions(report_files, roots)
    for path in report_files:
        rel = relative_name(path, roots)
        entry = file_entry(path, rel, "meeting_report")
        n = int((mentions["source_file"] == rel).sum()) if len(mentions) else 0
        entry.update(rows_read=n, rows_clean=n)
        entries[rel] = entry

    meetings, mentions = link_report_meetings(meetings, report_meetings, mentions)
    officers = officers.sort_values(
        ["commune_code", "officer_id", "start_date", "source_file", "source_row"], kind="mergesort"
    ).reset_index(drop=True)
    meetings = meetings.sort_values(
        ["meeting_date", "source_file", "source_row"], kind="mergesort"
    ).reset_index(drop=True)
    mentions = (
        mentions.sort_values(
            ["meeting_date", "commune_code", "topic", "source_file"],
            kind="mergesort",
            na_position="last",
        ).reset_index(drop=True)
        if len(mentions)
        else mentions
    )
    files = sorted(entries.values(), key=lambda e: (e["kind"], e["path"]))
    check_reconciliation(files)

    manifest = {
        "synthetic": (raw_dir / "DEMO_DATA.md").exists(),
        "created_at": now_utc(),
        "code_version": code_version(),
        "saturday_counts": bool(saturday_counts),
        "files": files,
        "duplicates": duplicate_counts,
        "meeting_mentions": mentions_status,
        # dossier exports whose own clean result was kept from an earlier run vs cleaned now
        "exports_reused": len(dossier_files) - len(fresh),
        "exports_reprocessed": len(fresh),
        "outputs": {},
    }
    officers, meetings, mentions = (
        scrub_free_text(text_columns_to_arrow(t)) for t in (officers, meetings, mentions)
    )
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
        for table, name, contract in (
            (officers.reindex(columns=OFFICER_COLUMNS), "officers.parquet", OFFICERS),
            (meetings.reindex(columns=MEETING_COLUMNS), "meetings.parquet", MEETINGS),
            (mentions, "meeting_mentions.parquet", MEETING_MENTIONS),
        ):
            write_parquet(validate(table, contract), staging / name)
        n_quarantine = write_quarantine(
            quarantine + officer_quarantine + meeting_quarantine, staging / "quarantine.csv"
        )
        for entry, digest in hashing:
            entry["sha256"] = digest.result()
        for kept in storing:
            kept.result()
        cache.prune()  # under the folder's lock: entries of replaced exports go
        dossiers_written.result()
        rows = {
            "dossiers.parquet": len(dossiers),
            "officers.parquet": len(officers),
            "meetings.parquet": len(meetings),
            "meeting_mentions.parquet": len(mentions),
            "quarantine.csv": n_quarantine,
        }
        sums = checksum_files(staging, rows)
        manifest["outputs"] = {name: {"rows": n, "sha256": sums[name]} for name, n in rows.items()}
        manifest["generation"] = new_generation()
        write_manifest(manifest, staging / "manifest.json")
        publish_outputs(staging, out_dir, [*manifest["outputs"], "manifest.json"])
    return manifest
