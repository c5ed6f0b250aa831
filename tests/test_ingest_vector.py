"""Vectorised helpers of the cleaning step give what the plain pandas forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.ingest.dossiers import classify_outcome, resolve_units
from analysis.ingest.duplicates import deduplicate_dossiers, ids_seen_twice
from analysis.ingest.vector import STRING, factorize_codes, filter_rows


class TestFilterRows:
    def test_same_rows_dtypes_and_index_as_boolean_indexing(self):
        frame = pd.DataFrame(
            {
                "text": pd.Series(["a", None, "c", "d"], dtype=STRING),
                "day": pd.to_datetime(["2021-01-01", None, "2021-01-03", "2021-01-04"]),
                "flag": pd.array([True, None, False, True], dtype="boolean"),
                "row": np.arange(4, dtype="int64"),
                "file": "x.csv",
            },
            index=[10, 11, 12, 13],
        )
        keep = np.array([True, True, False, True])
        assert_frame_equal(filter_rows(frame, keep), frame[keep])

    def test_keeping_every_row_returns_the_frame_itself(self):
        frame = pd.DataFrame({"text": pd.Series(["a"], dtype=STRING)})
        assert filter_rows(frame, np.array([True])) is frame


class TestIdsSeenTwice:
    def test_known_codes_give_the_same_answer_as_factorizing(self):
        ids = pd.Series(["a", "b", "a", None, "c", None], dtype=STRING)
        codes, _ = factorize_codes(ids)
        assert_series_equal(ids_seen_twice(ids, codes), ids_seen_twice(ids))
        assert ids_seen_twice(ids).tolist() == [True, False, True, False, False, False]


class TestResolveUnits:
    def test_arrow_codes_and_categorical_reasons(self):
        units = pd.Series(["UBND xã Phong Vân", "xã Phúc Hòa", None, "huyện Ba Vì"], dtype=STRING)
        received = pd.Series(pd.to_datetime(["2021-03-01"] * 4))
        out = resolve_units(units, received)
        assert out["commune_code"].dtype == STRING
        assert out["commune_code"].iloc[0] == "09640"
        assert out["commune_code"].iloc[1:].isna().all()
        reasons = out["unit_reason"]  # a categorical: a few reasons, a million rows
        assert isinstance(reasons.dtype, pd.CategoricalDtype)
        assert pd.isna(reasons.iloc[0])
        assert "not a unit of huyện Ba Vì" in reasons.iloc[1]
        assert reasons.iloc[2] == "unit is empty"
        assert "district" in reasons.iloc[3]


class TestClassifyOutcomeLeavesInputAlone:
    def test_the_callers_frame_gets_no_new_columns(self):
        frame = pd.DataFrame(
            {
                "due_at": pd.to_datetime(["2021-01-05", "2021-01-05"]),
                "completed_at": pd.to_datetime(["2021-01-06", None]),
                "as_of": pd.to_datetime(["2021-01-10", "2021-01-10"]),
            }
        )
        out = classify_outcome(frame)
        assert list(frame.columns) == ["due_at", "completed_at", "as_of"]
        assert out["outcome"].tolist() == ["late", "pending_overdue"]
        assert out["outcome"].dtype == STRING


class TestDeduplicateCountsUnchanged:
    def test_identical_then_conflicting_with_ids_factorized_once(self):
        day = pd.Timestamp("2021-02-01")
        frame = pd.DataFrame(
            {
                "dossier_id": pd.Series(["a", "a", "a", "b"], dtype=STRING),
                "commune_code": "09640",
                "procedure": ["p", "p", "q", "p"],
                "channel": "online",
                "status": ["resolved", "resolved", "pending", "resolved"],
                "received_at": day,
                "due_at": day,
                "completed_at": [day, day, pd.NaT, day],
                "returned_at": day,
                "as_of": day,
                "source_file": "f.csv",
                "source_row": [1, 2, 3, 4],
            }
        )
        kept, identical, conflicting = deduplicate_dossiers(frame)
        assert identical["source_row"].tolist() == [2]
        assert conflicting["source_row"].tolist() == [3]
        assert sorted(kept["source_row"]) == [1, 4]


def _chunked(texts: list[str | None], cuts: list[int]) -> pd.Series:
    """Arrow-backed text split into chunks at `cuts` (as the csv reader leaves them)."""
    import pyarrow as pa

    whole = pa.array(texts, type=pa.large_string())
    bounds = [0, *cuts, len(texts)]
    chunks = [whole.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)), dtype=STRING)


class TestMayRepeat:
    def test_equal_ids_in_different_chunks_are_seen(self):
        from analysis.ingest.duplicates import may_repeat

        ids = _chunked(["A-1", "B-22", None, "C-333", "B-22", None], [2, 4])
        assert may_repeat(ids)
        assert not may_repeat(_chunked(["A-1", "B-22", None, "C-333", "B-23", None], [2, 4]))

    def test_agrees_with_exact_counting_on_random_ids(self):
        from analysis.ingest.duplicates import may_repeat

        rng = np.random.default_rng(3)
        for trial in range(200):
            n = int(rng.integers(1, 400))
            width = int(rng.integers(1, 33))
            alphabet = list("0123456789-ABC.") if trial % 2 else list("01")
            texts = [
                None
                if rng.random() < 0.05
                else "".join(rng.choice(alphabet, rng.integers(0, width + 1)))
                for _ in range(n)
            ]
            ids = _chunked(texts, sorted(set(rng.integers(0, n, 3).tolist())))
            present = [t for t in texts if t is not None]
            assert may_repeat(ids) == (len(set(present)) < len(present)), texts

    def test_ids_longer_than_the_window_fall_back_to_exact_counting(self):
        from analysis.ingest.duplicates import deduplicate_dossiers, may_repeat

        long = "X" * 40
        assert may_repeat(_chunked([long + "1", long + "2"], []))  # no quick answer
        frame = pd.DataFrame(
            {
                "dossier_id": _chunked([long + "1", long + "2"], [1]),
                "status": pd.Series(["resolved", "resolved"], dtype=STRING),
            }
        )
        kept, identical, conflicting = deduplicate_dossiers(frame)
        assert len(kept) == 2 and identical.empty and conflicting.empty
