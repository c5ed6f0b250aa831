"""Dossier rules: channel, online level, status, units by period, appointments and lateness.

Every mapping is computed once per distinct raw value (exports repeat a few dozen spellings
over a million rows) and applied with `Series.map`.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest.status_words import status_of
from analysis.ingest.vector import STRING, cell_text, factorize, map_distinct
from analysis.privacy import OTHER_FIELD, OTHER_PROCEDURE, restrict_to_catalogue
from analysis.reference.calendar import add_working_days, count_working_days
from analysis.reference.units import (
    UNITS_2021_FROM,
    CommuneResolver,
    active_table,
    load_unit_table,
)
from analysis.text import fold, normalize_text

DEADLINES_PATH = Path(__file__).resolve().parent / "procedure_deadlines.csv"
STATUS_ORDER = {"pending": 0, "awaiting_supplement": 1, "refused": 2, "withdrawn": 2, "resolved": 3}
KNOWN_FIELDS = (
    "Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Người có công",
    "Thi đua - Khen thưởng", "Tư pháp", "Lao động - Thương binh và Xã hội", "Nông nghiệp",
    "Môi trường", "Văn hóa", "Giáo dục và Đào tạo", "Y tế", "Tôn giáo", "Nội vụ", "Tài chính",
)  # fmt: skip


def _map_distinct(values: pd.Series, rule, dtype: object = None) -> pd.Series:
    return map_distinct(values, rule, dtype)


def channel_of(value: object) -> str | None:
    """National code KenhThucHien 1 = trực tiếp, 2 = trực tuyến, 3 = bưu chính công ích (BCCI)."""
    key = fold(value)
    if not key:
        return None
    key = re.sub(r"^0*(\d)( 0+)?$", r"\1", key)
    if key in (
        "1",
        "truc tiep",
        "tt",
        "in person",
        "direct",
        "tai quay",
        "nop truc tiep",
        "offline",
        "walk in",
        "walkin",
    ):
        return "in_person"
    if key in ("2", "online", "truc tuyen", "qua mang", "internet") or key.startswith(
        ("dvc", "cong dvc")
    ):
        return "online"
    if "vneid" in key.split() or "vneid" in key.replace(" ", ""):
        return "online"  # the national identity app (VNeID) submits through the DVC portal
    if key in ("3", "bcci", "buu chinh", "buu dien", "post", "postal"):
        return "postal"
    if "buu chinh" in key or "bcci" in key or "buu dien" in key or "post" in key:
        return "postal"
    if (
        "truc tuyen" in key
        or "online" in key
        or "dich vu cong" in key
        or "qua mang" in key
        or "cong dvc" in key
    ):
        return "online"
    if (
        "truc tiep" in key
        or "tai quay" in key
        or "mot cua" in key
        or "in person" in key
        or "walk in" in key
    ):
        return "in_person"
    return None


_CHECK_MARKS = ("✓", "✔", "☑", "✅", "√", "☒", "⊠")
_FLAG_SET = {"x", "co", "1", "yes", "y", "true", "v", "dung", "online", "truc tuyen"}
_FLAG_UNSET = {"0", "khong", "no", "n", "false", "truc tiep"}


def online_flag_of(value: object) -> str | None:
    """A mark column ("Nộp trực tuyến (x)"): x / X / có / 1 / ✓ -> online, blank or 0 / không ->
    in_person, anything else unknown (None: the row goes to quarantine, never guessed)."""
    text = cell_text(value)
    if text is not None and any(mark in text for mark in _CHECK_MARKS):
        return "online"
    key = fold(text)
    if not key:
        return "in_person"  # an unmarked cell: not submitted online
    if key in _FLAG_SET:
        return "online"
    if key in _FLAG_UNSET:
        return "in_person"
    return None


def map_online_flags(values: pd.Series, dtype: object = None) -> pd.Series:
    """Channel per row from an online mark column (None when the mark is not understood)."""
    return _map_distinct(values, online_flag_of, dtype)


def online_level_of(value: object) -> str | None:
    """DVC mức 2/3/4 (Nghị định 43/2011) or toàn trình / một phần (Nghị định 42/2022); never mapped 1:1."""
    key = fold(value)
    if not key:
        return None
    if "toan trinh" in key or "full" in key:
        return "full_online"
    if "mot phan" in key or "partial" in key:
        return "partial_online"
    digit = re.search(r"\b([234])\b", key)
    if digit and not re.search(r"\d{2,}", key):
        return f"level_{digit.group(1)}"
    return None


def apology_of(value: object) -> object:
    """Thư xin lỗi (phiếu xin lỗi và hẹn lại ngày trả kết quả): yes/no words to a nullable boolean."""
    key = fold(value)
    if not key:
        return pd.NA
    if key in ("co", "x", "yes", "y", "true", "1", "da gui", "da co", "co thu"):
        return True
    if key in ("khong", "no", "n", "false", "0", "chua", "chua gui", "khong co"):
        return False
    return pd.NA


def canonical_field(value: object) -> str | None:
    """Lĩnh vực in NFC with canonical capitalisation ('HỘ TỊCH' -> 'Hộ tịch')."""
    text = normalize_text(value)
    if not text:
        return None
    key = fold(text)
    for known in KNOWN_FIELDS:
        if fold(known) == key:
            return known
    return text[0].upper() + text[1:].lower()


def map_channels(values: pd.Series, dtype: object = None) -> pd.Series:
    """Channel per row (None when the wording is unknown)."""
    return _map_distinct(values, channel_of, dtype)


def map_statuses(values: pd.Series, dtype: object = None) -> pd.Series:
    """Status per row (None when the wording is unknown)."""
    return _map_distinct(values, status_of, dtype)


def resolve_units(units: pd.Series, received_at: pd.Series) -> pd.DataFrame:
    """GSO code per row with the units that existed when the dossier was received; reason when not.

    Units are those of the active unit table (`reference.units.using_units`; Ba Vì's by
    default). Each (period, spelling) pair is resolved once. A unit outside the district, the
    district itself ("huyện Ba Vì") or an ambiguous spelling stays unresolved: never guessed.
    commune_code is Arrow-backed strings and the reasons categorical (no million-object column).
    """
    table = active_table()
    starts = np.asarray(table.period_starts, dtype="datetime64[ns]")
    received = received_at.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(received)
    # rows of each unit period present; usually one period holds every row
    if len(received) and not nat.any():
        first, last = np.searchsorted(starts, [received.min(), received.max()], side="right") - 1
    else:
        first, last = -1, -2
    if first == last:
        groups = [(max(first, 0), np.ones(len(received), dtype=bool))]
    else:
        period = np.clip(np.searchsorted(starts, received, side="right") - 1, 0, None)
        period[nat] = -1  # no date, no period
        groups = [(k, period == k) for k in np.unique(period[period >= 0])]
    # one small table of results for every (period, spelling), spread back with one take
    position = np.full(len(units), -1, dtype=np.int64)
    codes_of: list[object] = []
    reasons_of: list[object] = []
    methods_of: list[object] = []
    for k, mask in groups:
        start = pd.Timestamp(starts[k])
        on = date(2021, 12, 31) if start < pd.Timestamp(UNITS_2021_FROM) else start.date()
        resolver = _resolver(table.folder, on)
        codes, uniques = factorize(units if mask.all() else units[mask])
        results = [resolver.resolve(u) for u in uniques] + [resolver.resolve("")]
        codes = np.where(codes < 0, len(uniques), codes) + len(codes_of)
        position[mask] = codes
        codes_of += [r.code for r in results]
        reasons_of += [r.reason for r in results]
        methods_of += [r.method if r.code is not None else None for r in results]
    codes_of.append(None)  # rows without a period (no date): as before, neither code nor reason
    reasons_of.append(None)
    methods_of.append(None)
    position[position < 0] = len(codes_of) - 1
    dictionary = pa.array([None if c is None else str(c) for c in codes_of], type=pa.string())
    commune_code = pc.take(dictionary, pa.array(position))
    return pd.DataFrame(
        {
            "commune_code": pd.Series(
                pd.arrays.ArrowStringArray(commune_code), index=units.index, dtype=STRING
            ),
            "unit_reason": pd.Series(  # a categorical: a few reasons, a million rows
                pd.Categorical(reasons_of)[position], index=units.index
            ),
            # how the written unit was matched: exact, alias, code, fuzzy or via_crosswalk
            "unit_resolution": pd.Series(pd.Categorical(methods_of)[position], index=units.index),
        }
    )


@functools.lru_cache(maxsize=8)
def _resolver(folder: Path, on: date) -> CommuneResolver:
    """One resolver per unit table and unit period (building one reads the reference tables)."""
    return CommuneResolver(on, load_unit_table(folder))


def load_procedure_deadlines(path: Path = DEADLINES_PATH) -> dict[str, int]:
    """Legal working-day deadlines of common commune procedures, keyed by folded name."""
    table = pd.read_csv(path, dtype={"procedure": str, "working_days": int})
    return dict(zip(table["procedure"].map(fold), table["working_days"], strict=True))


@functools.lru_cache(maxsize=1)
def load_procedure_catalogue(path: Path = DEADLINES_PATH) -> tuple[str, ...]:
    """Procedure names of the reference catalogue (the procedures whose deadlines we know)."""
    return tuple(pd.read_csv(path, dtype={"procedure": str})["procedure"])


def restrict_free_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Procedure and field names limited to the catalogue, so dossiers.parquet never holds a
    citizen's text (Nghị định 13/2023): "Đăng ký khai sinh cho con bà <tên> (CCCD …)" becomes
    "Đăng ký khai sinh". The catalogue is the reference list plus every name seen in at least
    `privacy.CATALOGUE_MIN_COMMUNES` communes; see `analysis.privacy.restrict_to_catalogue`."""
    frame = frame.copy(deep=False)  # two columns replaced: the caller's frame is left as it was
    units = frame["commune_code"]
    frame["procedure"] = restrict_to_catalogue(
        frame["procedure"], units, load_procedure_catalogue(), other=OTHER_PROCEDURE
    )
    frame["field"] = restrict_to_catalogue(frame["field"], units, KNOWN_FIELDS, other=OTHER_FIELD)
    return frame


def learn_procedure_deadlines(frame: pd.DataFrame, saturday_counts: bool = False) -> dict[str, int]:
    """Most common working days from intake to appointment, per folded procedure, from rows that have both."""
    known = frame[
        frame["due_at"].notna() & frame["received_at"].notna() & frame["procedure"].notna()
    ]
    if known.empty:
        return {}
    days = count_working_days(known["received_at"], known["due_at"], saturday_counts)
    keys = map_distinct(known["procedure"], fold)
    modes = pd.DataFrame({"key": keys, "days": days}).dropna()
    modes = modes[modes["days"] >= 0]
    if modes.empty:
        return {}
    counts = modes.groupby(["key", "days"]).size().reset_index(name="n")
    counts = counts.sort_values(["key", "n", "days"], ascending=[True, False, True])
    best = counts.drop_duplicates("key")
    return {k: int(d) for k, d in zip(best["key"], best["days"], strict=True)}


def fill_missing_due_dates(
    frame: pd.DataFrame, deadlines: dict[str, int], saturday_counts: bool = False
) -> pd.DataFrame:
    """Compute absent appointments in working days from intake (Vietnam holidays), flagged `due_at_computed`."""
    missing = frame["due_at"].isna() & frame["received_at"].notna()
    if not missing.any():
        frame = frame.copy(deep=False)  # one new column: the caller's frame is left as it was
        frame["due_at_computed"] = False
        return frame
    frame = frame.copy()
    days = map_distinct(
        frame.loc[missing, "procedure"], lambda p: deadlines.get(fold(p)), "float64"
    )
    if "processing_days" in frame:
        explicit = pd.to_numeric(
            frame.loc[missing, "processing_days"].astype("string").str.extract(r"(\d+)")[0],
            errors="coerce",
        )
        days = explicit.where(explicit.notna(), days)
    computable = days.notna()
    index = days[computable].index
    if len(index):
        frame.loc[index, "due_at"] = add_working_days(
            frame.loc[index, "received_at"], days[computable].astype(int), saturday_counts
        ).to_numpy()
    frame["due_at_computed"] = False
    frame.loc[index, "due_at_computed"] = True
    return frame


def end_of_processing(completed: pd.Series, returned: pd.Series, status: pd.Series) -> pd.Series:
    """End of processing per DOMAIN.md: result date, else return date (for finished statuses)."""
    done = completed.to_numpy(dtype="datetime64[ns]")
    end = np.where(np.isnat(done), returned.to_numpy(dtype="datetime64[ns]"), done)
    finished = status.isin(["resolved", "refused", "withdrawn"]).to_numpy(dtype=bool)
    end[~finished] = np.datetime64("NaT")
    return pd.Series(end, index=completed.index)


def _days(values: pd.Series) -> np.ndarray:
    """Calendar day numbers (NaT -> a sentinel that compares False with everything via the mask)."""
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def classify_outcome(frame: pd.DataFrame) -> pd.DataFrame:
    """outcome and is_late by calendar day (Thông tư 01/2020/TT-VPCP Biểu 06: early/on time/late/pending).

    Finished: completed day > due day is late, < early, = on time. Unfinished: overdue when the
    export's as_of day is after the due day (đang giải quyết quá hạn), else within time.
    """
    frame = frame.copy(deep=False)  # new columns only: the caller's frame is left as it was
    due, done, as_of = _days(frame["due_at"]), _days(frame["completed_at"]), _days(frame["as_of"])
    finished = frame["completed_at"].notna().to_numpy()
    has_due = frame["due_at"].notna().to_numpy()
    late = finished & (done > due)
    code = np.select(
        [
            late,
            finished & (done < due),
            finished & (done == due),
            ~finished & has_due & (as_of > due),
        ],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int8)
    names = pa.array(["late", "early", "on_time", "pending_overdue", "pending_in_time"])
    outcome = pc.take(names, pa.array(code))  # five words spread with one take, no object column
    frame["outcome"] = pd.Series(
        pd.arrays.ArrowStringArray(outcome), index=frame.index, dtype=STRING
    )
    is_late = pd.arrays.BooleanArray(late, ~finished)
    frame["is_late"] = pd.Series(is_late, index=frame.index)
    return frame
