"""Vectorised helpers of the cleaning step give what the plain pandas forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

from analysis.ingest.dossiers import classify_outcome, resolve_unit_codes, resolve_units
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


class TestResolveUnitCodes:
    def test_arrow_codes_match_the_object_codes(self):
        units = pd.Series(["UBND xã Phong Vân", "xã Phúc Hòa", None, "huyện Ba Vì"], dtype=STRING)
        received = pd.Series(pd.to_datetime(["2021-03-01"] * 4))
        arrow = resolve_unit_codes(units, received)
        plain = resolve_units(units, received)
        assert arrow["commune_code"].dtype == STRING
        assert (
            arrow["commune_code"].astype(object).where(arrow["commune_code"].notna(), None).tolist()
            == plain["commune_code"].tolist()
        )
        assert arrow["commune_code"].iloc[0] == "09640"
        reasons = arrow["unit_reason"]  # a categorical here, objects with None in resolve_units
        assert reasons.astype(object).where(reasons.notna(), None).tolist() == (
            plain["unit_reason"].tolist()
        )
        assert plain["unit_reason"].iloc[2] == "unit is empty"
        assert "district" in plain["unit_reason"].iloc[3]


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
