"""`meetings`: the district's meeting registers and reports -> meetings.parquet and mentions.

Its own pipeline step after `clean` (analysis.pipeline.STEPS), with its own command
(`python -m analysis meetings`), stamp and outputs: meetings.parquet, meeting_mentions.parquet,
meetings_quarantine.csv and meetings_manifest.json in the processed folder, published as one
generation like clean's (analysis.outputs). Registers are cleaned row by row as rosters are
(analysis.ingest.rows); reports go through analysis.meetings.extract; a report of a meeting in
the register takes the register's meeting id.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.ingest import columns as cols
from analysis.ingest.contract import MEETING_MENTIONS, MEETINGS, validate
from analysis.ingest.manifest import (
    check_reconciliation,
    file_entry,
    now_utc,
    publish_outputs,
    staging_dir,
    write_manifest,
    write_parquet,
)
from analysis.ingest.quarantine import write_quarantine
from analysis.ingest.register import MEETING_COLUMNS, build_meetings
from analysis.ingest.rows import (
    TABLE_SUFFIXES,
    clean_rows,
    list_files,
    relative_name,
    scrub_free_text,
    text_columns_to_arrow,
)
from analysis.meetings.extract import MENTION_COLUMNS, extract_reports
from analysis.outputs import checksum_files, clear_leftovers, folder_lock, new_generation
from analysis.provenance import code_version

MANIFEST = "meetings_manifest.json"
QUARANTINE = "meetings_quarantine.csv"
OUTPUTS = ("meetings.parquet", "meeting_mentions.parquet", QUARANTINE)
REPORT_SUFFIXES = {".txt", ".docx"}


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


def meeting_files(meetings_dirs: list[Path]) -> tuple[list[Path], list[Path]]:
    """(registers, reports) in the meeting folders."""
    registers = [p for d in meetings_dirs for p in list_files(d, TABLE_SUFFIXES - {".txt"})]
    reports = [p for d in meetings_dirs for p in list_files(d, REPORT_SUFFIXES)]
    return registers, reports


def extract_meetings(raw_dir, out_dir, meetings_dirs=None) -> dict:
    """Registers and reports of the meeting folders (default RAW/meetings) -> out_dir; the manifest."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    meetings_dirs = [Path(d) for d in (meetings_dirs or [raw_dir / "meetings"])]
    register_files, report_files = meeting_files(meetings_dirs)
    roots = [raw_dir, *meetings_dirs, *[d.parent for d in meetings_dirs]]
    entries = {
        relative_name(p, roots): file_entry(p, relative_name(p, roots), "meeting_register")
        for p in register_files
    }
    meetings, quarantine = clean_rows(
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
    meetings = meetings.sort_values(
        ["meeting_date", "source_file", "source_row"], kind="mergesort"
    ).reset_index(drop=True)
    if len(mentions):
        mentions = mentions.sort_values(
            ["meeting_date", "commune_code", "topic", "source_file"],
            kind="mergesort",
            na_position="last",
        ).reset_index(drop=True)
    files = sorted(entries.values(), key=lambda e: (e["kind"], e["path"]))
    check_reconciliation(files)
    meetings, mentions = (scrub_free_text(text_columns_to_arrow(t)) for t in (meetings, mentions))
    manifest = {
        "synthetic": (raw_dir / "DEMO_DATA.md").exists(),
        "created_at": now_utc(),
        "code_version": code_version(),
        "files": files,
        "meeting_mentions": mentions_status,
        "outputs": {},
    }
    with folder_lock(out_dir), staging_dir(out_dir) as staging:
        clear_leftovers(out_dir, keep=staging)
        write_parquet(
            validate(meetings.reindex(columns=MEETING_COLUMNS), MEETINGS),
            staging / "meetings.parquet",
        )
        write_parquet(validate(mentions, MEETING_MENTIONS), staging / "meeting_mentions.parquet")
        n_quarantine = write_quarantine(quarantine, staging / QUARANTINE)
        rows = dict(zip(OUTPUTS, (len(meetings), len(mentions), n_quarantine), strict=True))
        sums = checksum_files(staging, rows)
        manifest["outputs"] = {name: {"rows": n, "sha256": sums[name]} for name, n in rows.items()}
        manifest["generation"] = new_generation()
        write_manifest(manifest, staging / MANIFEST)
        publish_outputs(staging, out_dir, [*OUTPUTS, MANIFEST])
    return manifest


def describe_meetings(manifest: dict) -> str:
    """One line: meetings, mentions, quarantined register rows, and how the reports went."""
    out = manifest.get("outputs", {})
    rows = {name: (out.get(name) or {}).get("rows", 0) for name in OUTPUTS}
    return (
        f"{rows['meetings.parquet']} meetings, {rows['meeting_mentions.parquet']} mentions, "
        f"{rows[QUARANTINE]} register rows quarantined (reports: {manifest.get('meeting_mentions')})"
    )
