"""Duplicates across and within exports.

Systems re-export the same dossiers (overlapping periods, a file saved twice). Rule:
1. identical re-exports (same dossier_id, unit, procedure, channel, status and the same days of
   intake, appointment, result and return) collapse to the first occurrence (by source_file,
   then source_row); how a date is written (with or without time) does not make a conflict;
2. conflicting duplicates (same dossier_id, different content) keep ONE row: the most advanced
   status (resolved > refused/withdrawn > awaiting_supplement > pending), then the latest export
   (as_of), then the latest completion date, then the last file name and first row. A later
   export of a dossier that moved on is the truth; an earlier snapshot is history.
Both kinds are counted (in the manifest, per file, as rows_duplicate, and in total by kind).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest.vector import arrow_strings, factorize_codes, is_arrow_text, short_text_hashes

STATUS_RANK = {"pending": 0, "awaiting_supplement": 1, "refused": 2, "withdrawn": 2, "resolved": 3}
IDENTITY = ["dossier_id", "commune_code", "procedure", "channel", "status"]
IDENTITY_DAYS = ["received_at", "due_at", "completed_at", "returned_at"]


def ids_seen_twice(ids: pd.Series, codes: np.ndarray | None = None) -> pd.Series:
    """True for every row whose id occurs more than once (factorize + bincount: no object copy).

    `codes` (integer codes of the ids, -1 for missing) skips the factorizing when known."""
    if codes is None:
        codes, _ = factorize_codes(ids)
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=int(codes.max(initial=-1)) + 1)
    seen = np.zeros(len(codes), dtype=bool)
    seen[present] = counts[codes[present]] > 1
    return pd.Series(seen, index=ids.index)


def identical_rows(frame: pd.DataFrame, codes: np.ndarray | None = None) -> np.ndarray:
    """True for each row equal in every content column to an earlier row (see `identity_key`)."""
    dropped = np.zeros(len(frame), dtype=bool)
    shared_id = ids_seen_twice(
        frame["dossier_id"], codes
    ).to_numpy()  # only these can be duplicates
    if shared_id.any():
        key = identity_key(frame[shared_id])
        dropped[shared_id] = key.duplicated(keep="first").to_numpy(dtype=bool)
    return dropped


def identity_key(frame: pd.DataFrame) -> pd.DataFrame:
    """What makes two rows the same dossier state: id, unit, procedure, channel, status and the days
    of intake, appointment, result and return. Presentation (times written or not, columns one
    export lacks such as Mức độ or Thư xin lỗi, spelling of the unit) does not count."""
    key = frame[[c for c in IDENTITY if c in frame]].copy()
    for column in IDENTITY_DAYS:
        if column in frame:
            key[column] = frame[column].dt.normalize()
    return key


def resolve_conflicting_duplicates(
    frame: pd.DataFrame, codes: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per dossier_id by the documented rule; return (kept, superseded)."""
    shared_id = ids_seen_twice(frame["dossier_id"], codes)
    if not shared_id.any():
        return frame, frame.iloc[0:0]
    single, frame = frame[~shared_id], frame[shared_id]
    ranked = frame.assign(
        _rank=frame["status"].astype(object).map(STATUS_RANK).fillna(-1),
        _completed=frame["completed_at"].fillna(pd.Timestamp.min),
    )
    ranked = ranked.sort_values(
        ["dossier_id", "_rank", "as_of", "_completed", "source_file", "source_row"],
        ascending=[True, False, False, False, False, True],
        kind="mergesort",
    )
    superseded = ranked.duplicated(subset=["dossier_id"], keep="first")
    ranked = ranked.drop(columns=["_rank", "_completed"])
    return pd.concat([single, ranked[~superseded]]), ranked[superseded]


def id_hashes(ids: pd.Series) -> np.ndarray | None:
    """A 64-bit hash per id (0 where missing), or None when there is no quick answer (ids not
    Arrow text, or longer than 32 bytes)."""
    if not is_arrow_text(ids):
        return None
    arr = arrow_strings(ids)
    longest = pc.max(pc.binary_length(arr)).as_py() or 0
    width = 8 * max(1, -(-longest // 8))  # whole 64-bit words, the same for every chunk
    if width > 32:
        return None
    parts = []
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        hashes = short_text_hashes(chunk, width)
        if hashes is None:
            return None
        parts.append(hashes)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def may_repeat(ids: pd.Series) -> bool:
    """False when no id occurs twice for sure (all hashes distinct); True when one may."""
    return repeats_among([kept_id_hashes(ids, np.ones(len(ids), dtype=bool))])


def kept_id_hashes(ids: pd.Series, keep: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Hashes of the kept rows' ids (missing ids left out) and how many distinct; None when there
    is no quick answer. Run beside the filtering: the kept rows are known before they are copied."""
    hashes = id_hashes(ids)
    if hashes is None:
        return None
    kept = hashes[keep & ids.notna().to_numpy()]
    return kept, len(pd.unique(kept))


def repeats_among(parts: list[tuple[np.ndarray, int] | None]) -> bool:
    """True when an id may occur twice among the kept rows of all exports (see `kept_id_hashes`)."""
    if any(part is None for part in parts):
        return True
    if len(parts) == 1:
        hashes, distinct = parts[0]
        return distinct < len(hashes)
    hashes = np.concatenate([h for h, _ in parts]) if parts else np.zeros(0, dtype=np.uint64)
    return len(pd.unique(hashes)) < len(hashes)


def deduplicate_dossiers(
    frame: pd.DataFrame, codes: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply both rules; return (clean, identical duplicates, superseded conflicting duplicates).

    `codes`: integer codes of the ids (equal ids, equal codes; -1 for none) when already known.
    """
    if codes is None:
        if not may_repeat(frame["dossier_id"]):
            return frame, frame.iloc[0:0], frame.iloc[0:0]
        codes, _ = factorize_codes(frame["dossier_id"])  # once: kept rows' ids are a subset
    dropped = identical_rows(frame, codes)
    if dropped.any():
        kept, identical, codes = frame[~dropped], frame[dropped], codes[~dropped]
    else:
        kept, identical = frame, frame.iloc[0:0]
    kept, conflicting = resolve_conflicting_duplicates(kept, codes)
    return kept, identical, conflicting
