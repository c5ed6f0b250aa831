"""The cleaning's fast paths give exactly what the general forms give.

Each fast path (bytes read straight from Arrow's buffers, hashes, Arrow string kernels instead of
Python calls) is checked against the slower, obviously right form on generated inputs that
include the awkward cases: missing values, empty texts, non-ASCII, impossible dates, sliced and
chunked Arrow arrays (the csv reader leaves one chunk per block).
"""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from rapidfuzz import fuzz, process

from analysis.ingest import columns as cols
from analysis.ingest.dates import parse_general_text_dates, parse_text_dates
from analysis.ingest.quarantine import csv_bytes
from analysis.ingest.vector import (
    STRING,
    clean_text_column,
    has_digit,
    has_non_blank,
    map_distinct,
    present,
    rows_containing,
    starts_with_any,
)


def chunked(texts: list[str | None], cuts: tuple[int, ...] = ()) -> pa.ChunkedArray:
    whole = pa.array(texts, type=pa.large_string())
    bounds = [0, *cuts, len(texts)]
    return pa.chunked_array(
        [whole.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    )


def as_series(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(arr), dtype=STRING)


def forms(texts: list[str | None]) -> list[pa.Array | pa.ChunkedArray]:
    """The same texts as a plain, a sliced-inside-a-larger and a chunked Arrow array."""
    n = len(texts)
    padded = pa.array(["pad"] * 3 + texts + ["pad"] * 3, type=pa.large_string()).slice(3, n)
    return [pa.array(texts, type=pa.string()), padded, chunked(texts, (n // 3, 2 * n // 3))]


def date_texts(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    out: list[str | None] = []
    for _ in range(n):
        d, m = rng.randint(0, 32), rng.randint(0, 13)
        y = rng.choice([1949, 1950, 2000, 2020, 2021, 2024, 2100, 2101, 21])
        h, mi, s = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        base = f"{d:02d}/{m:02d}/{y:04d}"
        out.append(
            rng.choice(
                [
                    base,
                    f"{base} {h:02d}:{mi:02d}",
                    f"{base} {h:02d}:{mi:02d}:{s:02d}",
                    f"{d}/{m}/{y} {h}:{mi}",
                    base.replace("/", rng.choice("-.x ")),
                    f"{base}T{h:02d}:{mi:02d}:{s:02d}",
                    "".join(rng.choice("0123456789/: ab") for _ in range(rng.choice([10, 16, 19]))),
                    f"{y:04d}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
                    None,
                    "",
                    f" {base}",
                    "44481.5",
                ]
            )
        )
    return out


class TestFixedWidthDates:
    def test_same_dates_as_the_general_parser(self):
        texts = date_texts(30_000, seed=1)
        expected = parse_general_text_dates(pd.Series(texts, dtype=STRING))
        assert expected.notna().sum() > 5_000  # the sample holds plenty of real dates
        for arr in forms(texts):
            got = parse_text_dates(as_series(arr))
            pd.testing.assert_series_equal(got, expected, check_names=False)

    def test_leap_days_and_month_ends(self):
        texts = ["29/02/2024", "29/02/2021", "31/04/2021", "30/04/2021 23:59:59", "31/12/2100"]
        got = parse_text_dates(pd.Series(texts, dtype=STRING))
        assert got.tolist()[0] == pd.Timestamp("2024-02-29")
        assert pd.isna(got.iloc[1]) and pd.isna(got.iloc[2])
        assert got.iloc[3] == pd.Timestamp("2021-04-30 23:59:59")
        assert got.iloc[4] == pd.Timestamp("2100-12-31")


def fuzzed_texts(n: int, seed: int) -> list[str | None]:
    rng = random.Random(seed)
    alphabet = [
        "a",
        "1",
        "9",
        " ",
        "\t",
        "\v",
        "\x00",
        "\u00a0",
        "ố",
        "\n",
        ",",
        '"',
        "\r",
        "=",
        "+",
        "-",
        "@",
    ]
    return [
        None
        if rng.random() < 0.1
        else "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        for _ in range(n)
    ]


def kernel(arr: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(
        zero_copy_only=False
    )


class TestByteLevelTests:
    @pytest.mark.parametrize("seed", [1, 2])
    def test_same_answers_as_arrow_regular_expressions(self, seed):
        texts = fuzzed_texts(20_000, seed)
        for arr in forms(texts):
            assert (has_digit(arr) == kernel(arr, r"\d")).all()
            assert (rows_containing(arr, b',"\r\n') == kernel(arr, r'[,"\r\n]')).all()
            assert (starts_with_any(arr, b"=+-@\t\r") == kernel(arr, r"^[=+\-@\t\r]")).all()
            spaces = pc.fill_null(pc.ascii_is_space(arr), False)
            reference = pc.or_(
                pc.and_(pc.greater(pc.binary_length(arr), 0), pc.invert(spaces)),
                pc.and_(spaces, pc.match_substring_regex(arr, r"\S")),
            )
            assert (
                has_non_blank(arr) == pc.fill_null(reference, False).to_numpy(zero_copy_only=False)
            ).all()
            series = as_series(
                arr if arr.type == pa.large_string() else arr.cast(pa.large_string())
            )
            assert (present(series) == series.notna().to_numpy()).all()


class TestCsvBytes:
    def test_byte_for_byte_what_the_csv_module_writes(self):
        texts = [t for t in fuzzed_texts(3_000, seed=3) if t is None or "\r" not in t]
        texts += ["", None, 'say "hi"', "a,b", "line\nbreak", "crlf\r\n"]
        other = list(reversed(texts))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["first", "second"])
        writer.writerows(zip(texts, other, strict=True))
        columns = [pa.array(texts, type=pa.string()), pa.array(other, type=pa.string())]
        assert csv_bytes(["first", "second"], columns) == buffer.getvalue().encode("utf-8")

    def test_a_lone_carriage_return_is_quoted_too(self):
        # the csv module quotes only the line terminator's characters; spreadsheet programs
        # also break lines at a bare CR, so such a cell is quoted as well
        assert csv_bytes(["a"], [pa.array(["x\ry"], pa.string())]) == b'a\n"x\ry"\n'

    def test_header_only_when_nothing_is_quarantined(self):
        assert csv_bytes(["a", "b"], [pa.array([], pa.string())] * 2) == b"a,b\n"


class TestCleanTextColumn:
    def test_ids_without_blanks_keep_their_text_and_lose_empty_cells(self):
        out = clean_text_column(as_series(chunked(["A-1", "", None, "B-2"], (2,))))
        assert out.tolist()[0] == "A-1" and out.tolist()[3] == "B-2"
        assert out.isna().tolist() == [False, True, True, False]

    def test_blanks_and_decomposed_letters_take_the_general_path(self):
        out = clean_text_column(pd.Series(["  A  1 ", "Pho\u0300ng", "\t"], dtype=STRING))
        assert out.iloc[0] == "A 1" and out.iloc[1] == "Phòng" and pd.isna(out.iloc[2])


class TestMapDistinct:
    def test_a_rule_that_changes_nothing_returns_the_column_itself(self):
        values = as_series(chunked(["Hộ tịch", "Đất đai", None], (1,)))
        out = map_distinct(values, lambda v: v if v else None, STRING)
        assert out.array._pa_array is values.array._pa_array  # noqa: SLF001 - no copy
        changed = map_distinct(values, lambda v: v.upper() if v else None, STRING)
        assert changed.tolist()[:2] == ["HỘ TỊCH", "ĐẤT ĐAI"] and pd.isna(changed.iloc[2])


def reference_score(header: str, synonyms: dict) -> tuple[str | None, float]:
    """score_header as first written: every synonym tried, fuzzy over the whole list."""
    best: tuple[str | None, float] = (None, 0.0)
    for field, words in synonyms.items():
        for word in words:
            if header == word:
                score = 1000.0 + len(word)
            elif f" {word} " in f" {header} ":
                score = 500.0 + len(word)
            else:
                continue
            if word in cols.WEAK_SYNONYMS:
                score -= 700.0 if score >= 1000 else 300.0
            if score > best[1]:
                best = (field, score)
    if best[0] is None and len(header) >= 5:
        flat = [(w, f) for f, ws in synonyms.items() for w in ws if len(w) >= 5]
        hit = process.extractOne(header, [w for w, _ in flat], scorer=fuzz.ratio)
        if hit and hit[1] >= cols.FUZZY_HEADER_MIN:
            best = (flat[hit[2]][1], hit[1])
    return best


def test_header_scoring_equals_trying_every_synonym():
    rng = random.Random(4)
    tables = [cols.DOSSIER_SYNONYMS, cols.ROSTER_SYNONYMS, cols.REGISTER_SYNONYMS]
    words = sorted({w for t in tables for ws in t.values() for w in ws})
    tokens = sorted({t for w in words for t in w.split()}) + ["x", "2021", "cua"]
    headers = list(words)
    for _ in range(2_000):
        headers.append(" ".join(rng.choice(tokens) for _ in range(rng.randint(1, 5))))
        word = rng.choice(words)
        headers.append(word[:-1] if len(word) > 3 else word)  # a typo: the fuzzy path
        headers.append(f"{rng.choice(tokens)} {word} {rng.choice(tokens)}")
    for table in tables:
        for header in headers:
            assert cols.score_header(header, table) == reference_score(header, table), header


def test_calendar_day_comparison_ignores_time_and_missing_dates():
    from analysis.ingest.rules import day_before

    first = pd.Series(
        pd.to_datetime(["2021-03-01 23:00", "2021-03-02 01:00", None, "2021-03-01 00:00"])
    )
    second = pd.Series(
        pd.to_datetime(["2021-03-02 00:30", "2021-03-02 00:30", "2021-03-02 00:00", None])
    )
    assert day_before(first, second).tolist() == [True, False, False, False]


def test_units_of_one_period_and_of_several_periods_agree():
    from analysis.ingest.dossiers import resolve_units

    units = pd.Series(["Phong Vân", "xã Phú Hồng", "Cổ Đô", None] * 3, dtype=STRING)
    one = pd.Series(pd.to_datetime(["2021-05-01"] * 12))
    mixed = pd.Series(pd.to_datetime(["2021-05-01"] * 4 + ["2025-03-01"] * 4 + [None] * 4))
    single = resolve_units(units, one)
    several = resolve_units(units, mixed)
    assert single["commune_code"].tolist()[:4] == several["commune_code"].tolist()[:4]
    assert several["commune_code"].isna().tolist()[8:] == [True] * 4  # no date, no period


def test_the_cleaning_pool_is_restored_afterwards(monkeypatch):
    from analysis.ingest.memory import cleaning_memory_pool

    before = pa.default_memory_pool().backend_name
    with cleaning_memory_pool():
        inside = pa.default_memory_pool().backend_name
    assert pa.default_memory_pool().backend_name == before
    if "jemalloc" in pa.supported_memory_backends():
        assert inside == "jemalloc"
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    with cleaning_memory_pool():
        assert pa.default_memory_pool().backend_name == before  # the user's choice stands


def test_blank_statuses_are_inferred_from_the_dates_and_written_ones_kept():
    from analysis.ingest.prepare import _status_or_inferred

    status = pd.Series(["refused", None, None, "pending", None], dtype=STRING)
    completed = pd.Series(pd.to_datetime(["2021-03-01", "2021-03-02", None, None, None]))
    returned = pd.Series(pd.to_datetime([None, None, "2021-03-05", None, None]))
    out = _status_or_inferred(status, completed, returned)
    assert out.tolist() == ["refused", "resolved", "resolved", "pending", "pending"]
    assert out.dtype == STRING
    written = pd.Series(["resolved"], dtype=STRING)
    assert _status_or_inferred(written, completed[:1], returned[:1]) is written


def test_categories_renamed_merged_and_blanked_like_mapping_each_row():
    from analysis.ingest.vector import map_categories

    raw = ["Cấp  bản sao", "Cấp bản sao", " ", None, "Pho\u0300ng"]
    values = pd.Series(pd.Categorical(raw))
    out = map_categories(values, lambda v: " ".join(str(v).split()) or None if v else None)
    expected = map_distinct(
        pd.Series(raw, dtype=object),
        lambda v: " ".join(str(v).split()) or None if v else None,
        STRING,
    )
    assert (
        out.astype(object).where(out.notna(), None).tolist()
        == expected.astype(object).where(expected.notna(), None).tolist()
    )
    assert len(out.cat.categories) == 2  # the two spellings of one procedure share a category
    unchanged = pd.Series(pd.Categorical(["a", None, "b"]))
    assert map_categories(unchanged, lambda v: v or None) is unchanged


def test_padded_short_rows_join_the_categorical_columns(tmp_path):
    from analysis.ingest.prepare import REPEATED_TEXT
    from analysis.ingest.read import read_export

    lines = [
        "Mã hồ sơ,Đơn vị tiếp nhận,Kênh nộp,Ngày tiếp nhận,Ngày có kết quả,Trạng thái",
        "A-1,Phong Vân,1,01/03/2021,02/03/2021,Đã trả kết quả",
        "A-2,Cổ Đô,2,01/03/2021",  # trailing cells trimmed by the exporting system
        "A-3,Phong Vân,1,01/03/2021,02/03/2021,Đang xử lý",
    ]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (table,) = read_export(path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED, REPEATED_TEXT)
    data = table.data
    assert data["unit"].dtype == "category" and data["status"].dtype == "category"
    assert data["unit"].tolist() == ["Phong Vân", "Cổ Đô", "Phong Vân"]
    assert data["channel"].tolist() == ["1", "2", "1"]
    assert data["status"].astype(object).where(data["status"].notna(), None).tolist() == [
        "Đã trả kết quả",
        None,
        "Đang xử lý",
    ]
    assert data["source_row"].tolist() == [2, 3, 4]
