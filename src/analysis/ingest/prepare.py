"""`clean`, per export: one sheet through its column rules and its per-row quarantine rules.

What `export_cache` keeps between runs is the result of `prepare_export`; the rules across
exports (learned deadlines, duplicates) run later on all of them (analysis.ingest.clean).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest import columns as cols
from analysis.ingest.dates import flag_dates_outside_window, parse_dates
from analysis.ingest.dossiers import (
    apology_of,
    canonical_field,
    end_of_processing,
    map_channels,
    map_online_flags,
    map_statuses,
    online_level_of,
    resolve_units,
)
from analysis.ingest.export_cache import (
    ExportCache,
    PreparedExport,
    SheetResult,
)
from analysis.ingest.headers import RawTable
from analysis.ingest.noise import classify_noise_rows
from analysis.ingest.privacy import pseudonymize_officers
from analysis.ingest.quarantine import build_quarantine_rows
from analysis.ingest.read import read_export
from analysis.ingest.rows import (
    malformed_quarantine_rows,
    relative_name,
    split_malformed_rows,
)
from analysis.ingest.rules import (
    COMPUTED_DUE_BEFORE_RECEIVED,
    DOSSIER_RULES,
    NO_DEADLINE,
    RowContext,
    first_failing,
)
from analysis.ingest.vector import (
    STRING,
    as_arrow_strings,
    clean_text_column,
    filter_rows,
    map_distinct,
    rows_containing,
)
from analysis.privacy import rows_with_personal_data
from analysis.text import normalize_text

# columns holding a few dozen spellings over all rows: read dictionary-encoded from csv
REPEATED_TEXT = frozenset(
    {"procedure", "field", "unit", "channel", "online_flag", "online_level", "status", "officer"}
    | {"apology_letter"}
)
DATE_FIELDS = ("received_at", "due_at", "completed_at", "returned_at")
SKIPPED = "\x00skipped"  # blank, label, repeated-header and total rows: counted, not quarantined
# column rules run side by side (kernels release the GIL); one worker per core, 2 to 4
PREPARE_WORKERS = max(2, min(4, os.cpu_count() or 2))


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
            resolve_units, column("unit"), received.fillna(pd.Timestamp("2021-12-31"))
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
    for table in read_export(
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
