"""Shrunk late rates, rank intervals and Wilson intervals: ranks that admit their noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyse.shrinkage import (
    add_late_rate_intervals,
    fit_beta_binomial,
    rank_draws,
    rank_with_uncertainty,
    wilson_interval,
)


def risk_table(late, resolved, period="2021-Q4") -> pd.DataFrame:
    """The columns of risk_adjusted that the shrinkage reads."""
    codes = [f"{i:05d}" for i in range(len(late))]
    return pd.DataFrame(
        {
            "commune_code": codes,
            "commune_name": codes,
            "period": period,
            "period_type": "quarter",
            "resolved": resolved,
            "observed_late": late,
        }
    )


class TestFitBetaBinomial:
    def test_recovers_mean_and_concentration_of_simulated_communes(self):
        rng = np.random.default_rng(1)
        true_rates = rng.beta(0.1 * 40, 0.9 * 40, size=400)
        n = np.full(400, 500)
        mean, concentration = fit_beta_binomial(rng.binomial(n, true_rates), n)
        assert mean == pytest.approx(0.1, abs=0.01)
        assert concentration == pytest.approx(40, rel=0.3)

    def test_no_spread_beyond_chance_pools_everything(self):
        rng = np.random.default_rng(2)
        n = np.full(31, 400)
        _, concentration = fit_beta_binomial(rng.binomial(n, 0.1), n)
        assert concentration > 1000


class TestRankWithUncertainty:
    def test_small_commune_is_pulled_further_toward_the_district(self):
        late = [2, 50] + [40] * 29
        resolved = [10, 500] + [500] * 29  # both observe 20 %, the district is ~8 %
        table = rank_with_uncertainty(risk_table(late, resolved)).set_index("commune_code")
        small, large = table.loc["00000"], table.loc["00001"]
        assert small["shrunk_rate"] < large["shrunk_rate"] < 0.2
        assert bool(small["is_small_n"]) and not bool(large["is_small_n"])

    def test_rank_interval_contains_the_median_and_is_wide_for_close_rates(self):
        rng = np.random.default_rng(3)
        resolved = np.full(31, 300)
        late = rng.binomial(resolved, 0.08)
        table = rank_with_uncertainty(risk_table(late, resolved))
        assert (table["rank_low"] <= table["rank_median"]).all()
        assert (table["rank_median"] <= table["rank_high"]).all()
        # communes that differ only by chance: ranks are mostly noise
        assert (table["rank_high"] - table["rank_low"]).median() >= 10

    def test_a_clearly_worst_commune_is_almost_surely_in_the_worst_third(self):
        late = [150] + [20] * 30
        resolved = [500] * 31
        table = rank_with_uncertainty(risk_table(late, resolved)).set_index("commune_code")
        assert table.loc["00000", "prob_worst_third"] > 0.95
        assert table.loc["00000", "rank_low"] == 31 or table.loc["00000", "rank_median"] == 31

    def test_probabilities_of_worst_third_add_up_to_its_size(self):
        rng = np.random.default_rng(4)
        resolved = rng.integers(50, 800, 31)
        table = rank_with_uncertainty(risk_table(rng.binomial(resolved, 0.1), resolved))
        assert table["prob_worst_third"].sum() == pytest.approx(11, abs=1e-9)

    def test_commune_without_resolved_dossiers_has_no_rank(self):
        table = rank_with_uncertainty(risk_table([0, 5, 8, 9], [0, 50, 60, 70]))
        empty = table.set_index("commune_code").loc["00000"]
        assert np.isnan(empty["rank_median"]) and np.isnan(empty["prob_worst_third"])
        assert table["n_ranked"].iloc[0] == 3


def test_rank_draws_rank_one_is_the_lowest_rate():
    assert rank_draws(np.array([[0.3, 0.1, 0.2]])).tolist() == [[3, 1, 2]]


class TestWilson:
    def test_matches_the_textbook_example(self):
        # 1 of 10: Wilson 95 % interval 0.0179 - 0.4042 (Newcombe 1998, table I)
        low, high = wilson_interval(np.array([1]), np.array([10]))
        assert low[0] == pytest.approx(0.0179, abs=5e-4)
        assert high[0] == pytest.approx(0.4042, abs=5e-4)

    def test_zero_of_n_has_a_positive_upper_limit_and_no_n_no_interval(self):
        low, high = wilson_interval(np.array([0, 0]), np.array([15, 0]))
        assert low[0] == 0 and high[0] > 0.1
        assert np.isnan(low[1]) and np.isnan(high[1])

    def test_monthly_rows_get_intervals_on_the_convention_denominator(self):
        monthly = pd.DataFrame(
            {
                "late_rate_convention": ["late_rate_resolved", "late_rate_with_overdue"],
                "late_rate": [0.1, 0.25],
                "resolved": [10, 30],
                "pending": [0, 10],
                "handled": [12, 45],
            }
        )
        out = add_late_rate_intervals(monthly)
        assert out["late_rate_n"].tolist() == [10, 40]
        assert out["is_small_n"].tolist() == [True, False]
        assert (out["late_rate_low"] < out["late_rate"]).all()
        assert (out["late_rate"] < out["late_rate_high"]).all()
