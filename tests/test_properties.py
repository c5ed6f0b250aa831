"""Properties that must hold for every input, not just the examples we thought of (hypothesis).

Dates: day first, never month first; impossible days rejected; every written form round-trips.
Units: any spelling of a unit of the reference resolves to it; "huyện Ba Vì" never becomes xã Ba Vì.
Headers: shuffled columns and any title block above them map to the same canonical columns.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.ingest.columns import DOSSIER_SYNONYMS, duplicate_columns, map_columns
from analysis.ingest.dates import (
    EXCEL_EPOCH,
    flag_dates_outside_window,
    parse_dates,
    parse_general_text_dates,
    serials_to_dates,
)
from analysis.ingest.headers import combine_header_rows, find_header_row
from analysis.ingest.text_table import sniff_header
from analysis.reference.units import CommuneResolver, units_2021

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
moments = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 12, 31, 23, 59))


def _text(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


class TestDateParsing:
    @PROPERTY_SETTINGS
    @given(st.lists(moments, min_size=1, max_size=40))
    def test_day_first_text_round_trips_through_both_parsers(self, stamps):
        stamps = [s.replace(second=0, microsecond=0) for s in stamps]
        for fmt in ("%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"):
            texts = _text([s.strftime(fmt) for s in stamps])
            expected = pd.Series(pd.to_datetime(stamps), dtype="datetime64[ns]")
            for parse in (parse_dates, parse_general_text_dates):
                parsed = parse(texts).reset_index(drop=True)
                assert parsed.tolist() == expected.tolist(), (fmt, parse.__name__)

    @PROPERTY_SETTINGS
    @given(st.dates(min_value=datetime(1950, 1, 1).date(), max_value=datetime(2100, 12, 31).date()))
    def test_a_day_that_could_be_a_month_is_still_the_day(self, day):
        parsed = parse_dates(_text([f"{day.day:02d}/{day.month:02d}/{day.year}"])).iloc[0]
        assert (parsed.year, parsed.month, parsed.day) == (day.year, day.month, day.day)

    @PROPERTY_SETTINGS
    @given(
        st.integers(1950, 2100),
        st.integers(1, 12),
        st.integers(1, 12),
    )
    def test_month_first_text_is_never_read_month_first(self, year, month, day_over_12):
        day = 12 + day_over_12  # 13..24: only month-first could read "mm/dd/yyyy"
        if day > calendar.monthrange(year, month)[1]:
            return
        month_first = f"{month:02d}/{day:02d}/{year}"
        assert pd.isna(parse_dates(_text([month_first])).iloc[0])

    @PROPERTY_SETTINGS
    @given(st.integers(1950, 2100), st.integers(1, 12), st.integers(0, 3))
    def test_impossible_days_are_rejected_not_rolled_over(self, year, month, extra):
        day = calendar.monthrange(year, month)[1] + 1 + extra
        if day > 31 + 3:
            return
        texts = [f"{day:02d}/{month:02d}/{year}", f"{day:02d}/{month:02d}/{year} 08:15"]
        texts.append(f"{year}-{month:02d}-{day:02d}")
        assert parse_dates(_text(texts)).isna().all()
        assert parse_general_text_dates(_text(texts)).isna().all()

    @PROPERTY_SETTINGS
    @given(st.integers(20_000, 59_999), st.integers(0, 1439))
    def test_excel_serials_round_trip_to_the_minute(self, day, minute):
        serial = day + minute / 1440
        stamp = EXCEL_EPOCH + pd.Timedelta(days=day, minutes=minute)
        assert serials_to_dates(pd.Series([serial])).iloc[0] == stamp
        assert parse_dates(_text([f"{serial:.8f}"])).iloc[0] == stamp

    @PROPERTY_SETTINGS
    @given(st.lists(moments, min_size=1, max_size=20))
    def test_dates_outside_the_plausible_window_always_get_a_reason(self, stamps):
        values = pd.Series(pd.to_datetime(stamps), dtype="datetime64[ns]")
        window = (pd.Timestamp("2000-01-01"), pd.Timestamp("2035-12-31"))
        reasons = flag_dates_outside_window({"received_at": values}, None, window)
        outside = (values < window[0]) | (values >= window[1] + pd.Timedelta(days=1))
        assert reasons.notna().tolist() == outside.tolist()


UNITS = units_2021()
TONES = "\u0300\u0301\u0303\u0309\u0323"


def move_tone(name: str) -> str:
    """Old-style tone placement ("Thụy" -> "Thuỵ", "Hòa" -> "Hoà") or back: NFC does not unify it."""
    text = unicodedata.normalize("NFD", name)
    pattern = re.compile(rf"([oOuU])([{TONES}])([aAeEyY])|([oOuU])([aAeEyY])([{TONES}])")

    def swap(match: re.Match) -> str:
        if match.group(1):
            return match.group(1) + match.group(3) + match.group(2)
        return match.group(4) + match.group(6) + match.group(5)

    return unicodedata.normalize("NFC", pattern.sub(swap, text))


def strip_marks(name: str) -> str:
    text = unicodedata.normalize("NFD", name)
    return (
        "".join(c for c in text if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
    )


@st.composite
def unit_spellings(draw):
    """A unit of 2021 and one way a real file might write it."""
    row = UNITS.iloc[draw(st.integers(0, len(UNITS) - 1))]
    name = str(row["name"])
    name = draw(st.sampled_from([name, move_tone(name), strip_marks(name)]))
    if row["unit_type"] == "Thị trấn":
        prefix = draw(
            st.sampled_from(["", "thị trấn ", "Thị trấn ", "TT ", "TT. ", "UBND thị trấn "])
        )
    else:
        prefix = draw(st.sampled_from(["", "xã ", "Xã ", "X. ", "UBND xã ", "UBND Xã ", "xa "]))
    suffix = draw(st.sampled_from(["", ", huyện Ba Vì", " - huyện Ba Vì", ", huyện Ba Vì, Hà Nội"]))
    text = prefix + name + suffix
    text = draw(st.sampled_from([text, text.upper(), text.lower()]))
    text = draw(st.sampled_from([text, text.replace(" ", "  "), f" {text} "]))
    form = draw(st.sampled_from(["NFC", "NFD"]))
    return str(row["code"]), unicodedata.normalize(form, text)


@pytest.fixture(scope="module")
def resolver():
    return CommuneResolver("2021-12-31")


class TestUnitResolution:
    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(unit_spellings())
    def test_any_spelling_of_a_unit_resolves_to_it(self, resolver, spelled):
        code, text = spelled
        assert resolver.resolve(text).code == code, text

    @settings(
        max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.sampled_from(
            ["huyện Ba Vì", "Huyện Ba Vì", "HUYỆN BA VÌ", "UBND huyện Ba Vì", "H. Ba Vì"]
        ),
        st.sampled_from(["", ", Hà Nội", ", TP Hà Nội", " - Hà Nội"]),
        st.sampled_from(["NFC", "NFD"]),
    )
    def test_the_district_never_resolves_to_xa_ba_vi(self, resolver, district, tail, form):
        text = unicodedata.normalize(form, district + tail)
        ba_vi = UNITS.loc[UNITS["name"] == "Ba Vì", "code"].item()
        assert resolver.resolve(text).code != ba_vi, text


HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục",
    "Lĩnh vực",
    "Đơn vị tiếp nhận",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
    "Họ tên người nộp",
    "Địa chỉ",
]
TITLES = [
    "ỦY BAN NHÂN DÂN HUYỆN BA VÌ",
    "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
    "DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
    "Từ ngày 01/10/2021 đến ngày 31/12/2021",
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "",
]
EXPECTED = {
    header: field
    for header, field in zip(
        HEADER, (map_columns(HEADER, DOSSIER_SYNONYMS).get(i) for i in range(len(HEADER)))
    )
}


class TestHeaderMapping:
    @PROPERTY_SETTINGS
    @given(st.permutations(HEADER))
    def test_shuffled_columns_map_to_the_same_fields(self, headers):
        mapping = map_columns(headers, DOSSIER_SYNONYMS)
        assert {headers[i]: field for i, field in mapping.items()} == {
            h: f for h, f in EXPECTED.items() if f is not None
        }
        assert duplicate_columns(headers, DOSSIER_SYNONYMS) == []

    @PROPERTY_SETTINGS
    @given(
        st.permutations(HEADER),
        st.lists(st.sampled_from(TITLES), max_size=8),
        st.sampled_from([",", ";", "\t", "|"]),
    )
    def test_any_title_block_above_finds_the_same_header_line(self, headers, titles, sep):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        for title in titles:
            writer.writerow([title] if title else [])
        writer.writerow(headers)
        writer.writerow(["1", "09640-211001-0001", "Khai sinh", "Hộ tịch", "Phong Vân"] + [""] * 8)
        lines = out.getvalue().splitlines()
        index, delimiter, cells, _score = sniff_header(lines, DOSSIER_SYNONYMS)
        assert (index, delimiter) == (len(titles), sep)
        combined, rows = combine_header_rows(cells, [], DOSSIER_SYNONYMS)
        mapping = map_columns(combined, DOSSIER_SYNONYMS)
        assert {headers[i]: f for i, f in mapping.items()} == {
            h: f for h, f in EXPECTED.items() if f is not None
        }
        grid = [[t] for t in titles] + [list(headers)]
        assert find_header_row(grid, DOSSIER_SYNONYMS)[0] == len(titles)
