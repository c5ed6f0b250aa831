"""Which briefs must be rebuilt: a fingerprint of exactly what each brief reads, plus code.

A brief shows its own rows and some district context (medians, ranks, the funnel of all units
for the period). Its fingerprint hashes those rows, not whole files, so a correction that changes
only one unit's rows (its roster, its meeting mentions) rebuilds only that unit's brief; one that
moves the district context (a funnel point, a median) rebuilds every brief that shows it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.publish import BRIEF_CODE
from analysis.report import tables

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def hash_frame(frame: pd.DataFrame) -> str:
    """Content hash of a frame's rows and column names (order-sensitive)."""
    digest = hashlib.sha256("|".join(map(str, frame.columns)).encode())
    if len(frame):
        digest.update(
            pd.util.hash_pandas_object(frame.astype("object"), index=False).to_numpy().tobytes()
        )
    return digest.hexdigest()


def hash_groups(frame: pd.DataFrame, key: str) -> dict[str, str]:
    """Content hash of each group's rows (one vectorised row hash, then one digest per group)."""
    if frame.empty:
        return {}
    row_hashes = pd.util.hash_pandas_object(frame.astype("object"), index=False).to_numpy()
    keys = frame[key].to_numpy()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
    return {
        str(sorted_keys[a]): hashlib.sha256(row_hashes[order[a:b]].tobytes()).hexdigest()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    }


# Changes to ingest/analyse reach briefs through the data they write, which is fingerprinted.


def hash_code(extra_files: list[Path] = ()) -> str:
    """Hash of the code a brief runs (any change to it rebuilds every brief)."""
    digest = hashlib.sha256()
    files = sorted(
        p
        for part in BRIEF_CODE
        for p in ([PACKAGE_DIR / part] if part.endswith(".py") else (PACKAGE_DIR / part).rglob("*"))
        if p.is_file() and p.suffix in {".py", ".j2", ".css", ".json", ".csv"}
    )
    for path in [*files, *map(Path, extra_files)]:
        digest.update(
            str(
                path.relative_to(PACKAGE_DIR) if path.is_relative_to(PACKAGE_DIR) else path.name
            ).encode()
        )
        digest.update(path.read_bytes())
    return digest.hexdigest()


def brief_fingerprints(
    processed_dir: str | Path, codes: list[str], period: str, code_hash: str
) -> dict[str, str]:
    """One fingerprint per unit: the rows its brief reads, the district context, code and notebook."""
    parts = brief_parts(processed_dir, codes, period, code_hash)
    return {code: combine_parts(parts[code]) for code in codes}


def combine_parts(parts: dict[str, str]) -> str:
    """The fingerprint of a brief from its named parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# what a changed part means, for the run summary ("09640 rebuilt: its dossiers changed")
PART_REASONS = {
    "code": "the code, a notebook or the settings changed",
    "district": "the district context changed (medians, funnel, meetings, other units' online procedures)",
    "sources": "its source exports changed",
    "uncertainty": "its rank interval changed",
    "indicators": "its indicators changed",
    "monthly": "its monthly series changed",
    "ranks": "its ranks changed",
    "meeting_check": "its meeting mentions changed",
    "officers": "its officers changed",
    "dossiers": "its dossiers changed",
}


def changed_reason(old: dict | None, new: dict[str, str]) -> str:
    """Why a brief is rebuilt, from the parts recorded last time and now."""
    if not old:
        return "not built before"
    changed = [PART_REASONS.get(k, k) for k in new if old.get(k) != new[k]]
    return "; ".join(changed) or "its page was missing or forced"


def brief_parts(
    processed_dir: str | Path, codes: list[str], period: str, code_hash: str
) -> dict[str, dict[str, str]]:
    """Per unit, the hash of each thing its brief reads (see PART_REASONS), so a rerun can say
    what changed. A brief lists its own exports (provenance): their checksums are its own part,
    so a replaced export rebuilds only the briefs of the units it covers."""
    end = tables.parse_period(period).end_time
    manifest = tables.read_raw_manifest(processed_dir)
    indicators = tables.read_processed_table(processed_dir, "indicators_period.parquet")
    indicators = indicators[indicators["period"] == period]
    monthly = tables.read_processed_table(processed_dir, "indicators_monthly.parquet")
    monthly = monthly[monthly["period_start"] <= end]
    ranks = tables.read_processed_table(processed_dir, "indicator_ranks.parquet")
    ranks = ranks[ranks["period"] == period]
    risk = tables.select_period(
        tables.read_processed_table(processed_dir, "risk_adjusted.parquet"), period
    )
    curve = tables.select_period(
        tables.read_processed_table(processed_dir, "funnel_curve.parquet"), period
    )
    check = tables.read_processed_table(processed_dir, "meeting_check.parquet")
    officers = tables.read_processed_table(processed_dir, "officers.parquet")
    dossiers = tables.read_processed_table(
        processed_dir, "dossiers.parquet", columns=tables.BRIEF_DOSSIER_COLUMNS
    )
    # every brief also lists procedures taken online elsewhere and marks the meeting dates
    district_channels = tables.read_district_channels(processed_dir)
    meeting_dates = pd.DataFrame({"meeting_date": tables.read_meeting_dates(processed_dir)})
    files = manifest.get("files", [])
    # as report.provenance.select_raw_files: every non-dossier file, plus the unit's own exports
    shared_files = [f for f in files if "dossier" not in str(f.get("kind", "dossier"))]
    shared = hashlib.sha256()
    for part in (
        json.dumps(
            {"synthetic": manifest.get("synthetic"), "files": shared_files},
            sort_keys=True,
            default=str,
        ),
        hash_frame(indicators[indicators["commune_code"] == "district"]),
        hash_frame(monthly[monthly["commune_code"] == "district"]),
        hash_frame(risk),
        hash_frame(curve),
        hash_frame(district_channels),
        hash_frame(meeting_dates),
        period,
    ):
        shared.update(part.encode())
    by_path = {str(f.get("path")): f for f in files}
    sources = {
        str(code): sorted(set(group.dropna()))
        for code, group in dossiers.groupby("commune_code", observed=True)["source_file"]
    }
    uncertainty = tables.read_rank_uncertainty(processed_dir, period)
    per_table = {
        "uncertainty": hash_groups(
            uncertainty if uncertainty is not None else indicators[:0], "commune_code"
        ),
        "indicators": hash_groups(indicators, "commune_code"),
        "monthly": hash_groups(monthly, "commune_code"),
        "ranks": hash_groups(ranks, "commune_code"),
        "meeting_check": hash_groups(check, "commune_code"),
        "officers": hash_groups(officers, "commune_code"),
        "dossiers": hash_groups(dossiers, "commune_code"),
    }
    district = shared.hexdigest()
    result = {}
    for code in codes:
        own = [by_path.get(str(p), {"path": str(p)}) for p in sources.get(code, [])]
        result[code] = {
            "code": code_hash,
            "district": district,
            "sources": hashlib.sha256(
                json.dumps(own, sort_keys=True, default=str).encode()
            ).hexdigest(),
            **{name: table.get(code, "-") for name, table in per_table.items()},
        }
    return result


def overview_fingerprint(processed_dir: str | Path, period: str, code_hash: str) -> str:
    """The district overview reads whole tables: hash the files."""
    from analysis.report.provenance import checksum_files

    sums = checksum_files(processed_dir, tables.OVERVIEW_INPUTS)
    return hashlib.sha256(
        json.dumps([code_hash, period, sums], sort_keys=True).encode()
    ).hexdigest()


def read_cache(path: Path) -> dict:
    """The period's cache ({} when absent or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_cache(path: Path, cache: dict) -> None:
    """Write the cache atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    tmp.replace(path)
