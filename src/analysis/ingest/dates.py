"""Dates as exports write them: date cells, Excel serial numbers, day-first text.

Vietnamese exports write day first (`12/10/2021` is 12 October). Month-first is never tried:
a text that only parses month-first ("10/13/2021") is unparseable, not silently swapped.
Parsing is vectorised with pyarrow's strptime, one pass per known format over what is left.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.ingest.vector import arrow_strings, as_arrow_strings, per_chunk, string_layout

# Day-first and ISO formats only; never %m/%d.
DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%H:%M %d/%m/%Y",
    "%H:%M:%S %d/%m/%Y",
)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serial numbers accepted as dates: 1954-10-10 (27 000) .. 2064-11-18 (60 000)
SERIAL_MIN, SERIAL_MAX = 20000, 60000
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")

FIRST_YEAR, LAST_YEAR = 1950, 2100  # years accepted as dates of ours (every parser)


def _clean_text(values: pa.Array) -> pa.Array:
    """Trim, collapse spaces, drop a trailing 'h'/'giờ' marker and 'ngày' words."""
    values = pc.utf8_trim_whitespace(values)
    values = pc.replace_substring_regex(values, r"\s+", " ")
    values = pc.replace_substring_regex(values, r"(?i)^ng[aà]y\s+", "")
    values = pc.replace_substring_regex(values, r"(\d{1,2})[hg](\d{2})", r"\1:\2")
    values = pc.replace_substring_regex(values, r"(\d{1,2}:\d{2}:\d{2})[.,]\d+", r"\1")  # fractions
    values = pc.replace_substring_regex(
        values, r"\s*[-–,]\s*(\d{1,2}:\d{2})", r" \1"
    )  # '12/10/2021 - 08:15'

    return values


def _reject_rolled_over_days(text: pa.Array, parsed: pa.Array, fmt: str) -> pa.Array:
    """strptime rolls 31/02 over to 3 March: a day-first date written with day 29-31 must keep that day."""
    if fmt.startswith("%Y"):
        if not pc.any(pc.is_valid(parsed)).as_py():
            return parsed
        written = pc.struct_field(
            pc.extract_regex(text, r"^\d{4}[-/]\d{1,2}[-/](?P<day>\d{1,2})"), [0]
        )
        same = pc.equal(pc.cast(written, pa.int64()), pc.cast(pc.day(parsed), pa.int64()))
        return pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, parsed.type))
    if not fmt.startswith("%d"):
        return parsed
    head = pc.utf8_slice_codeunits(text, 0, 2)
    suspect = pc.fill_null(
        pc.and_(pc.is_valid(parsed), pc.is_in(head, pa.array(["29", "30", "31"]))), False
    )
    if not pc.any(suspect).as_py():
        return parsed
    written = pc.cast(pc.if_else(suspect, head, None), pa.int64())
    keep = pc.or_(
        pc.invert(suspect),
        pc.fill_null(pc.equal(written, pc.cast(pc.day(parsed), pa.int64())), False),
    )
    return pc.if_else(keep, parsed, pa.scalar(None, parsed.type))


def _parse_formats(
    text: pa.Array, remaining: pa.Array, result: pa.Array
) -> tuple[pa.Array, pa.Array]:
    for fmt in DATE_FORMATS:
        if not pc.any(remaining).as_py():
            break
        candidates = pc.if_else(remaining, text, None)
        parsed = pc.strptime(candidates, format=fmt, unit="s", error_is_null=True)
        parsed = _reject_rolled_over_days(candidates, parsed, fmt)
        year = pc.year(parsed)  # %Y also accepts '21': year 21 is no date of ours
        plausible = pc.fill_null(
            pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR)), False
        )
        parsed = pc.if_else(plausible, parsed, pa.scalar(None, parsed.type))
        hit = pc.is_valid(parsed)
        result = pc.if_else(hit, parsed, result)
        remaining = pc.and_(remaining, pc.invert(hit))
    return result, remaining


def _parse_padded_day_first(text: pa.Array) -> pa.Array:
    """Fast path for the usual 'dd/mm/yyyy[ hh:mm[:ss]]': pad to one format, parse once."""
    length = pc.utf8_length(text)
    kind = text.type

    def lit(value: str) -> pa.Scalar:
        return pa.scalar(value, type=kind)

    suffix = pc.if_else(
        pc.equal(length, 10),
        lit(" 00:00:00"),
        pc.if_else(pc.equal(length, 16), lit(":00"), lit("")),
    )
    padded = pc.binary_join_element_wise(text, suffix, lit(""))
    fmt = "%d/%m/%Y %H:%M:%S"
    parsed = pc.strptime(padded, format=fmt, unit="s", error_is_null=True)
    parsed = _reject_rolled_over_days(padded, parsed, fmt)
    year = pc.year(parsed)
    plausible = pc.fill_null(
        pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR)), False
    )
    return pc.if_else(plausible, parsed, pa.scalar(None, parsed.type))


# first day (days since 1970) and length of every month of those years, indexed by year*12+month
_MONTH_STARTS = (
    np.arange(
        np.datetime64(f"{FIRST_YEAR}-01"),
        np.datetime64(f"{LAST_YEAR + 1}-02"),
        dtype="datetime64[M]",
    )
    .astype("datetime64[D]")
    .astype(np.int64)
)
_MONTH_DAYS = np.diff(_MONTH_STARTS)
_NAT = np.iinfo(np.int64).min
_WIDTH = 19  # 'dd/mm/yyyy hh:mm:ss'


def _fixed_width_day_first(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """'dd/mm/yyyy', 'dd/mm/yyyy hh:mm' and 'dd/mm/yyyy hh:mm:ss' read from the bytes themselves.

    Nearly every cell of an export has one of these shapes; reading digits at fixed positions
    costs a fraction of strptime and its checks. Returns (nanoseconds since 1970 as int64,
    handled). A cell that is not exactly one of the shapes with a real calendar day, a real time
    and a year in 1950-2100 is left unhandled for the general parser: results never differ.
    """
    start, length, data = string_layout(arr)
    handled = (length == 10) | (length == 16) | (length == 19)
    if arr.null_count:
        handled &= arr.is_valid().to_numpy(zero_copy_only=False)
    # the first 19 bytes of every text side by side, minus '0' (one gather; bytes past a text's
    # end are its neighbour's and only ever read for the longer shapes)
    padded = np.concatenate([data, np.zeros(_WIDTH, dtype=np.uint8)])
    window = np.lib.stride_tricks.sliding_window_view(padded, _WIDTH)[start] - np.uint8(48)

    def two_digits(k: int) -> tuple[np.ndarray, np.ndarray]:
        high, low = window[:, k], window[:, k + 1]  # uint8: a non-digit wraps to >= 10
        return (high * np.uint8(10) + low).astype(np.int32), (high < 10) & (low < 10)

    def separator(k: int, char: str) -> np.ndarray:
        return window[:, k] == np.uint8((ord(char) - 48) % 256)

    day, ok_day = two_digits(0)
    month, ok_month = two_digits(3)
    century, ok_century = two_digits(6)
    year, ok_year = two_digits(8)
    year += century * 100
    handled &= ok_day & ok_month & ok_century & ok_year
    handled &= separator(2, "/") & separator(5, "/")
    seconds = np.zeros(len(start), dtype=np.int32)
    timed = length >= 16
    if (timed & handled).any():
        hour, ok_hour = two_digits(11)
        minute, ok_minute = two_digits(14)
        ok_time = ok_hour & ok_minute & separator(10, " ") & separator(13, ":")
        ok_time &= (hour < 24) & (minute < 60)
        clock = hour * 3600 + minute * 60
        with_seconds = length == 19
        if (with_seconds & handled).any():
            second, ok_second = two_digits(17)
            ok_time &= ~with_seconds | (ok_second & separator(16, ":") & (second < 60))
            clock += np.where(with_seconds, second, 0)
        handled &= ~timed | ok_time
        seconds = np.where(timed, clock, 0)
    handled &= (month >= 1) & (month <= 12) & (year >= FIRST_YEAR) & (year <= LAST_YEAR)
    index = np.where(handled, (year - FIRST_YEAR) * 12 + month - 1, 0)
    handled &= (day >= 1) & (day <= _MONTH_DAYS[index])
    days = _MONTH_STARTS[index] + day - 1
    nanos = np.where(handled, (days * 86400 + seconds) * 1_000_000_000, _NAT)
    return nanos, handled


def parse_text_dates(values: pd.Series) -> pd.Series:
    """Parse day-first / ISO date text and Excel serial numbers written as text; NaT otherwise.

    The usual fixed-width shapes are read straight from the bytes; every other cell goes
    through `parse_general_text_dates` (strptime over the known formats).
    """
    raw = arrow_strings(values)
    nanos, handled = per_chunk(_fixed_width_day_first, raw)
    left = ~handled
    if raw.null_count:
        left &= pc.is_valid(raw).to_numpy(zero_copy_only=False)
    if left.any():
        rest = parse_general_text_dates(values[left])
        nanos[left] = rest.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return pd.Series(nanos.view("datetime64[ns]"), index=values.index)


def parse_general_text_dates(values: pd.Series) -> pd.Series:
    """Parse day-first / ISO date text and Excel serial numbers written as text; NaT otherwise.

    First pass on the trimmed text (what nearly every cell needs); only the cells left over are
    cleaned further ('ngày 12/10/2021', '8h15', doubled spaces) and tried again.
    """
    raw = as_arrow_strings(values)
    result = _parse_padded_day_first(raw)  # clean cells, the usual case: no trimming needed
    left = pc.and_(pc.is_valid(raw), pc.is_null(result))
    if not pc.any(left).as_py():
        return pd.Series(result.to_numpy(zero_copy_only=False), index=values.index).astype(
            "datetime64[ns]"
        )
    text = pc.utf8_trim_whitespace(pc.if_else(left, raw, pa.scalar(None, raw.type)))
    remaining = pc.fill_null(pc.not_equal(text, ""), False)
    result, remaining = _parse_formats(text, remaining, result)
    if pc.any(remaining).as_py():
        cleaned = _clean_text(pc.if_else(remaining, text, None))
        result, remaining = _parse_formats(cleaned, remaining, result)
    out = pd.Series(result.to_numpy(zero_copy_only=False), index=values.index).astype(
        "datetime64[ns]"
    )
    if pc.any(remaining).as_py():
        left = pc.if_else(remaining, text, None)
        serial_text = pc.match_substring_regex(left, _SERIAL.pattern)
        if pc.any(serial_text).as_py():
            numbers = pd.to_numeric(
                pd.Series(left.to_numpy(zero_copy_only=False), index=values.index), errors="coerce"
            )
            out = out.where(out.notna(), serials_to_dates(numbers))
    return out


def serials_to_dates(numbers: pd.Series) -> pd.Series:
    """Excel serial day numbers (1900 system) to timestamps; out-of-range numbers are NaT."""
    numbers = pd.to_numeric(numbers, errors="coerce")
    plausible = numbers.between(SERIAL_MIN, SERIAL_MAX).to_numpy(dtype=bool)
    # round to the second so 44481.3437499999 is 08:15:00; only plausible numbers are converted
    # (integer nanoseconds here: pandas' float path warned of overflow on the NaN rows in threads)
    seconds = np.zeros(len(numbers), dtype="int64")
    seconds[plausible] = np.round(numbers.to_numpy(dtype="float64")[plausible] * 86400).astype(
        "int64"
    )
    stamps = np.datetime64(EXCEL_EPOCH, "ns") + seconds.astype("timedelta64[s]").astype(
        "timedelta64[ns]"
    )
    return pd.Series(stamps, index=numbers.index, dtype="datetime64[ns]").where(plausible)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse a column mixing date cells, serial numbers and day-first text into datetime64[ns]."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return (
            pd.to_datetime(values).dt.tz_localize(None)
            if getattr(values.dt, "tz", None)
            else values.astype("datetime64[ns]")
        )
    if pd.api.types.is_numeric_dtype(values):
        return serials_to_dates(values)
    if isinstance(values.dtype, pd.StringDtype):
        return parse_text_dates(values)
    obj = values.astype("object")
    kinds = obj.map(type)
    is_text = kinds.eq(str)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if is_text.any():
        out = out.where(~is_text, parse_text_dates(obj.where(is_text)))
    is_datetime = kinds.isin([dt.datetime, pd.Timestamp, dt.date, np.datetime64])
    if is_datetime.any():
        out = out.where(~is_datetime, pd.to_datetime(obj.where(is_datetime), errors="coerce"))
    is_number = kinds.isin([int, float, np.float64, np.int64]) & obj.notna()
    if is_number.any():
        out = out.where(~is_number, serials_to_dates(obj.where(is_number)))
    is_time_only = kinds.eq(dt.time)
    if is_time_only.any():
        out = out.where(~is_time_only, pd.NaT)
    return out


# Dates outside this window are quarantined, whatever the export says: a setting, because a
# district's archive may start earlier. `clean --plausible-dates FROM..TO` or the environment.
PLAUSIBLE_DATES_ENV = "ANALYSIS_PLAUSIBLE_DATES"
DEFAULT_PLAUSIBLE_DATES = ("2000-01-01", "2035-12-31")
# an export lists the dossiers received in its window; results may come after it (exported later)
WINDOWED_DATES = ("received_at",)


def parse_plausible_window(text: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """'2000-01-01..2035-12-31' -> (first day, last day); the default when empty. ValueError if bad."""
    if not text:
        first, last = DEFAULT_PLAUSIBLE_DATES
    else:
        match = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*", text)
        if not match:
            raise ValueError(f"{text[:40]!r} is not like 2000-01-01..2035-12-31")
        first, last = match.groups()
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    if end < start:
        raise ValueError(f"{first}..{last}: the window ends before it starts")
    return start, end


def plausible_window() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The plausibility window in force ($ANALYSIS_PLAUSIBLE_DATES, else the default)."""
    return parse_plausible_window(os.environ.get(PLAUSIBLE_DATES_ENV))


def flag_dates_outside_window(
    dates: dict[str, pd.Series],
    export_end: pd.Timestamp | None,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.Series:
    """Why each row's dates cannot be right (object Series, None when fine).

    A date outside the plausibility window (years like 1951 or 2099: a typo or a placeholder)
    and an intake date after the export's own "đến ngày" cannot be real; kept, they stretch
    every period table over decades. An intake before "Từ ngày" is a dossier carried over from
    an earlier period (Biểu 06, column 6) and is kept; appointments, results and returns may lie
    after the export's end (an export made after its period lists them)."""
    start, end = window or plausible_window()
    index = next(iter(dates.values())).index
    reasons = pd.Series(None, index=index, dtype=object)
    last_ns = (end + pd.Timedelta(days=1)).to_datetime64()
    for name, values in dates.items():
        stamps = values.to_numpy(dtype="datetime64[ns]")
        valid = ~np.isnat(stamps)
        outside = valid & ((stamps < start.to_datetime64()) | (stamps >= last_ns))
        if outside.any():
            label = name.removesuffix("_at")
            reasons[outside & reasons.isna().to_numpy()] = (
                f"{label} date outside the plausible window {start.date()}..{end.date()}"
            )
        if export_end is not None and not pd.isna(export_end) and name in WINDOWED_DATES:
            after = valid & (
                stamps >= (export_end.normalize() + pd.Timedelta(days=1)).to_datetime64()
            )
            if after.any():
                label = name.removesuffix("_at")
                reasons[after & reasons.isna().to_numpy()] = (
                    f"{label} date after the export's end date {export_end:%d/%m/%Y} (đến ngày)"
                )
    return reasons


def extract_period_end(lines: list[str]) -> pd.Timestamp | None:
    """The export's period end from a title line like 'Từ ngày 01/01/2021 đến ngày 31/12/2021'."""
    from analysis.text import fold

    for line in lines:
        folded_dates = re.findall(r"\d{1,2}/\d{1,2}/\d{4}", str(line))
        if "den ngay" in fold(line) and folded_dates:
            parsed = parse_text_dates(pd.Series([folded_dates[-1]]))
            if parsed.notna().iloc[0]:
                return parsed.iloc[0]
    return None
