"""Whether the data bear out what a meeting said."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyse.meeting_check import judge_mention, meeting_window


class TestJudgeMention:
    @pytest.mark.parametrize(
        ("polarity", "worst", "best", "funnel", "expected"),
        [
            ("negative", True, False, "within", True),
            ("negative", False, False, "high", True),
            ("negative", False, False, "within", False),
            ("negative", False, True, "low", False),
            ("positive", False, True, "within", True),
            ("positive", False, False, "low", True),
            ("positive", True, False, "high", False),
        ],
    )
    def test_worst_third_or_funnel_bears_out_the_mention(
        self, polarity, worst, best, funnel, expected
    ):
        assert judge_mention(polarity, worst, best, funnel) is expected

    def test_commune_without_a_value_cannot_be_judged(self):
        assert judge_mention("negative", pd.NA, pd.NA, None) is None


class TestMeetingWindow:
    def test_year_to_date_before_the_meeting_month(self):
        window = meeting_window("2021-10-12", "2021-01-01").iloc[0]
        assert window["period"] == "2021-01..2021-09"
        assert window["period_end"] == pd.Timestamp("2021-09-30")

    def test_window_starts_with_the_data(self):
        window = meeting_window("2021-10-12", "2021-03-15").iloc[0]
        assert window["period_start"] == pd.Timestamp("2021-03-01")

    def test_meeting_in_the_first_month_of_data_has_no_window(self):
        assert meeting_window("2021-01-20", "2021-01-01") is None


class TestCheckMentions:
    def test_meeting_before_the_data_gets_no_verdict_and_says_so(self):
        from analysis.analyse.meeting_check import check_mentions

        day = pd.Timestamp("2021-03-02")
        dossiers = pd.DataFrame(
            {
                "commune_code": ["09640"],
                "field": ["Hộ tịch"],
                "channel": ["in_person"],
                "received_at": [day],
                "due_at": [day],
                "completed_at": [day],
                "status": ["resolved"],
                "outcome": ["on_time"],
                "as_of": [pd.Timestamp("2021-03-31")],
            }
        )
        mentions = pd.DataFrame(
            {
                "meeting_id": ["m"],
                "meeting_date": [pd.Timestamp("2021-02-10")],
                "source_file": ["x.txt"],
                "commune_code": ["09640"],
                "commune_name": ["Phong Vân"],
                "topic": ["late_dossiers"],
                "polarity": ["negative"],
                "evidence": ["…"],
            }
        )
        row = check_mentions(mentions, dossiers, None, ["09640"]).iloc[0]
        assert pd.isna(row["data_agrees"])
        assert row["reason"] == "no data before the meeting to compare with"

    def test_no_mentions_gives_an_empty_table_with_the_columns(self):
        from analysis.analyse.meeting_check import CHECK_COLUMNS, check_mentions

        table = check_mentions(pd.DataFrame(), pd.DataFrame(), None, [])
        assert list(table.columns) == CHECK_COLUMNS and table.empty


class TestVerdictCaveats:
    def test_rule_names_the_rank_threshold_and_the_funnel(self):
        from analysis.analyse.meeting_check import describe_rule

        worst_from, best_to, rule = describe_rule("negative", "late_rate", 31)
        assert (worst_from, best_to) == (21, 11)
        assert rule == "rank >= 21 of 31 (worst third) or above the funnel's 95 % limit"
        assert describe_rule("positive", "online_share", 30)[2] == "rank <= 10 of 30 (best third)"

    def test_chance_rate_is_the_share_of_communes_that_would_agree(self):
        from analysis.analyse.meeting_check import chance_of_agreement

        ranks = pd.DataFrame(
            {
                "indicator": "online_share",
                "commune_code": list("abcdef"),
                "rank": [1, 2, 3, 4, 5, 6],
                "worst_third": [False] * 4 + [True] * 2,
                "best_third": [True] * 2 + [False] * 4,
            }
        )
        assert chance_of_agreement("negative", ranks, "online_share", None) == pytest.approx(1 / 3)

    def test_synthetic_agreement_says_it_is_by_construction(self):
        from analysis.analyse.meeting_check import explain

        row = pd.Series(
            {
                "topic": "late_dossiers",
                "indicator": "late_rate",
                "window": "2021-01..2021-09",
                "data_agrees": True,
                "rank": 30.0,
                "n_ranked": 31,
                "funnel_flag": "high",
                "verdict_rule": "rank >= 21 of 31 (worst third)",
                "chance_agreement": 0.35,
                "agreement_by_construction": True,
            }
        )
        reason = explain(row)
        assert "chance agreement 35%" in reason and "by construction" in reason
        real = row.copy()
        real["agreement_by_construction"] = False
        assert "by construction" not in explain(real)
