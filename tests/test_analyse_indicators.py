"""Indicators on tiny hand-computed frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyse.indicators import (
    DISTRICT,
    compute_indicators,
    divide,
    list_periods,
    points_766_3_3,
    rank_communes,
)

AS_OF = pd.Timestamp("2021-03-31")


def make_dossier(
    commune,
    received,
    due,
    completed=None,
    status="resolved",
    outcome=None,
    channel="in_person",
    field="Hộ tịch",
    letter=None,
    level=None,
):
    """One dossier row in the processed-contract shape."""
    return {
        "dossier_id": f"{commune}-{received}-{status}-{completed}",
        "commune_code": commune,
        "procedure": "Đăng ký khai sinh",
        "field": field,
        "channel": channel,
        "online_level": level,
        "received_at": pd.Timestamp(received),
        "due_at": pd.Timestamp(due),
        "completed_at": pd.Timestamp(completed) if completed else pd.NaT,
        "status": status,
        "outcome": outcome,
        "apology_letter": letter,
        "as_of": AS_OF,
    }


def frame(rows):
    table = pd.DataFrame(rows)
    table["apology_letter"] = table["apology_letter"].astype("boolean")
    table["online_level"] = table["online_level"].astype("string")
    return table


def five_rows():
    """Commune 09640 in January: 1 early, 1 on time, 1 late, 1 pending in time, 1 overdue at month end."""
    return frame(
        [
            make_dossier(
                "09640",
                "2021-01-04",
                "2021-01-08",
                "2021-01-06",
                outcome="early",
                channel="online",
                level="level_3",
            ),
            make_dossier("09640", "2021-01-05", "2021-01-08", "2021-01-08", outcome="on_time"),
            make_dossier(
                "09640", "2021-01-06", "2021-01-11", "2021-01-15", outcome="late", letter=True
            ),
            make_dossier("09640", "2021-01-25", "2021-02-10", "2021-02-05", outcome="early"),
            make_dossier(
                "09640", "2021-01-11", "2021-01-20", "2021-02-03", outcome="late", letter=False
            ),
        ]
    )


def january(dossiers, communes=("09640", "09643"), **kwargs):
    periods = list_periods("2021-01-01", "2021-01-31", AS_OF)
    periods = periods[periods["period_type"] == "month"]
    return compute_indicators(dossiers, None, periods, communes=list(communes), **kwargs).set_index(
        "commune_code"
    )


class TestDivide:
    def test_zero_denominator_gives_null_not_infinity(self):
        result = divide(pd.Series([1, 0]), pd.Series([0, 0]))
        assert result.isna().all()

    def test_ordinary_ratio(self):
        assert divide(pd.Series([1]), pd.Series([4])).iloc[0] == 0.25


class TestThreeConventions:
    def test_counts_in_january(self):
        row = january(five_rows()).loc["09640"]
        assert (row["received"], row["resolved"], row["resolved_late"]) == (5, 3, 1)
        assert (row["pending"], row["pending_in_time"], row["pending_overdue"]) == (2, 1, 1)

    def test_late_rate_resolved_is_late_over_resolved(self):
        assert january(five_rows()).loc["09640", "late_rate_resolved"] == pytest.approx(1 / 3)

    def test_late_rate_766_counts_overdue_pending_as_not_on_time(self):
        row = january(five_rows()).loc["09640"]
        assert row["late_rate_766"] == pytest.approx(1 - 3 / 5)
        assert row["ontime_rate_766_2_1"] == pytest.approx(3 / 5)

    def test_late_rate_with_overdue_adds_overdue_pending(self):
        assert january(five_rows()).loc["09640", "late_rate_with_overdue"] == pytest.approx(2 / 5)

    def test_awaiting_supplement_is_not_late_under_766_only(self):
        rows = five_rows()
        rows.loc[4, ["completed_at", "status", "outcome"]] = [
            pd.NaT,
            "awaiting_supplement",
            "pending_overdue",
        ]
        row = january(rows).loc["09640"]
        assert row["late_rate_766"] == pytest.approx(1 / 5)
        assert row["late_rate_with_overdue"] == pytest.approx(2 / 5)

    def test_default_convention_is_named_in_the_table(self):
        table = january(five_rows(), default_late_rate="late_rate_with_overdue")
        assert (table["late_rate_convention"] == "late_rate_with_overdue").all()
        assert table.loc["09640", "late_rate"] == pytest.approx(2 / 5)

    def test_unknown_convention_is_refused(self):
        with pytest.raises(ValueError):
            january(five_rows(), default_late_rate="late_rate_news")

    def test_shares_and_apology_compliance(self):
        row = january(five_rows()).loc["09640"]
        assert row["early_share"] == pytest.approx(1 / 3)
        assert row["on_time_share"] == pytest.approx(1 / 3)
        assert row["apology_letter_compliance"] == pytest.approx(1.0)
        assert row["online_share"] == pytest.approx(1 / 5)
        assert row["online_share_level_3"] == pytest.approx(1 / 5)


class TestEmptyAndPendingCommunes:
    def test_commune_without_dossiers_has_zero_counts_and_null_rates(self):
        row = january(five_rows()).loc["09643"]
        assert row["received"] == 0 and row["resolved"] == 0 and row["pending"] == 0
        assert np.isnan(row["late_rate_resolved"]) and np.isnan(row["online_share"])
        assert np.isnan(row["late_rate_766"]) and np.isnan(row["points_766_3_3"])

    def test_commune_with_only_pending_dossiers(self):
        rows = frame(
            [
                make_dossier(
                    "09643",
                    "2021-01-04",
                    "2021-01-20",
                    None,
                    status="pending",
                    outcome="pending_overdue",
                ),
                make_dossier(
                    "09643",
                    "2021-01-28",
                    "2021-02-15",
                    None,
                    status="pending",
                    outcome="pending_overdue",
                ),
            ]
        )
        row = january(rows).loc["09643"]
        assert row["resolved"] == 0 and np.isnan(row["late_rate_resolved"])
        assert row["pending"] == 2 and row["pending_overdue"] == 1
        assert row["late_rate_with_overdue"] == pytest.approx(0.5)

    def test_district_row_sums_communes(self):
        rows = pd.concat(
            [
                five_rows(),
                frame(
                    [
                        make_dossier(
                            "09643", "2021-01-04", "2021-01-08", "2021-01-07", outcome="early"
                        )
                    ]
                ),
            ]
        )
        district = january(rows.reset_index(drop=True)).loc[DISTRICT]
        assert district["received"] == 6 and district["resolved"] == 4
        assert district["late_rate_resolved"] == pytest.approx(1 / 4)
        assert district["commune_name"] == "huyện Ba Vì"


class TestPoints766:
    @pytest.mark.parametrize(
        ("rate", "points"), [(0.499, 12 * 0.499 / 0.5), (0.5, 12.0), (0.501, 12.0), (0.0, 0.0)]
    )
    def test_full_points_from_fifty_percent(self, rate, points):
        assert points_766_3_3(pd.Series([rate])).iloc[0] == pytest.approx(points)

    def test_max_is_a_parameter(self):
        assert points_766_3_3(pd.Series([0.25]), max_points=4.0).iloc[0] == pytest.approx(2.0)

    def test_unknown_rate_gives_no_points(self):
        assert np.isnan(points_766_3_3(pd.Series([np.nan])).iloc[0])


class TestStaffing:
    def test_workload_and_concurrent_share_from_the_roster(self):
        officers = pd.DataFrame(
            {
                "officer_id": ["a", "b"],
                "commune_code": ["09640", "09640"],
                "title": ["x", "y"],
                "is_concurrent": [False, True],
                "start_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
                "end_date": pd.to_datetime([None, None]),
            }
        )
        periods = list_periods("2021-01-01", "2021-01-31", AS_OF)
        periods = periods[periods["period_type"] == "month"]
        table = compute_indicators(
            five_rows(), officers, periods, communes=["09640", "09643"]
        ).set_index("commune_code")
        row = table.loc["09640"]
        assert row["concurrent_share"] == pytest.approx(0.5)
        assert row["officer_days"] == 2 * row["working_days"]
        assert row["dossiers_per_officer_day"] == pytest.approx(5 / row["officer_days"])
        assert np.isnan(table.loc["09643", "concurrent_share"])


class TestRanks:
    def test_lower_late_rate_ranks_first_and_thirds(self):
        table = pd.DataFrame(
            {
                "period": "2021",
                "period_type": "year",
                "commune_code": ["a", "b", "c", DISTRICT],
                "commune_name": ["A", "B", "C", "D"],
                "late_rate": [0.1, 0.3, 0.2, 0.2],
            }
        )
        ranks = rank_communes(table, {"late_rate": "lower"}).set_index("commune_code")
        assert list(ranks.loc[["a", "c", "b"], "rank"]) == [1, 2, 3]
        assert bool(ranks.loc["b", "worst_third"]) and not bool(ranks.loc["c", "worst_third"])
        assert bool(ranks.loc["a", "best_third"])
        assert ranks.loc["a", "district_median"] == pytest.approx(0.2)
