"""Funnel limits and indirect standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.analyse.risk import (
    binomial_limit,
    classify_position,
    estimate_overdispersion,
    expected_late,
    funnel_limits,
)


class TestBinomialLimit:
    @pytest.mark.parametrize("n", [5, 37, 400, 2500])
    @pytest.mark.parametrize("prob", [0.001, 0.025, 0.975, 0.999])
    def test_limit_lies_between_the_neighbouring_exact_quantiles(self, n, prob):
        p = 0.2
        r = stats.binom.ppf(prob, n, p)
        limit = binomial_limit(np.array([n]), p, prob)[0]
        assert (r - 1) / n <= limit <= r / n

    def test_limit_equals_exact_quantile_when_the_cdf_hits_the_probability(self):
        n, p = 10, 0.5
        prob = stats.binom.cdf(6, n, p)
        assert binomial_limit(np.array([n]), p, prob)[0] == pytest.approx(6 / n)

    def test_upper_limits_narrow_as_n_grows(self):
        upper = binomial_limit(np.array([20, 200, 2000]), 0.15, 0.975)
        assert upper[0] > upper[1] > upper[2] > 0.15

    def test_zero_n_has_no_limit(self):
        assert np.isnan(binomial_limit(np.array([0]), 0.2, 0.975)[0])


class TestOverdispersion:
    def test_phi_is_never_below_one(self):
        assert estimate_overdispersion(np.array([0.1, -0.2, 0.3, 0.0])) == 1.0

    def test_phi_is_mean_squared_winsorised_z(self):
        z = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 30.0])
        low, high = np.quantile(z, [0.1, 0.9])
        assert estimate_overdispersion(z) == pytest.approx(np.mean(np.clip(z, low, high) ** 2))

    def test_limits_widen_by_square_root_of_phi(self):
        plain = funnel_limits(np.array([100]), 0.2, 1.0)
        wide = funnel_limits(np.array([100]), 0.2, 4.0)
        assert wide["upper_95"][0] - 0.2 == pytest.approx(2 * (plain["upper_95"][0] - 0.2))
        assert wide["lower_998"][0] <= plain["lower_998"][0]


class TestExpectedLate:
    def test_expected_uses_district_rate_of_each_field(self):
        resolved = pd.DataFrame(
            {
                "commune_code": ["a", "a", "b", "b", "b", "b"],
                "field": ["Đất đai", "Đất đai", "Đất đai", "Hộ tịch", "Hộ tịch", "Hộ tịch"],
                "late": [1, 1, 0, 0, 0, 1],
            }
        )
        table = expected_late(resolved).set_index("commune_code")
        # district rates: Đất đai 2/3, Hộ tịch 1/3
        assert table.loc["a", "expected_late"] == pytest.approx(4 / 3)
        assert table.loc["b", "expected_late"] == pytest.approx(2 / 3 + 1.0)
        assert table.loc["a", "observed_late"] == 2


class TestClassifyPosition:
    def test_high_low_within_and_missing(self):
        rate = pd.Series([0.5, 0.05, 0.2, np.nan])
        result = classify_position(rate, pd.Series([0.1] * 4), pd.Series([0.3] * 4))
        assert list(result[:3]) == ["high", "low", "within"]
        assert pd.isna(result.iloc[3])


class TestLateByField:
    def test_excess_late_is_observed_minus_district_field_rate(self):
        from analysis.analyse.risk import late_by_field

        day = pd.Timestamp("2021-01-04")
        rows = pd.DataFrame(
            {
                "commune_code": ["09640", "09640", "09643", "09643"],
                "field": ["Đất đai", "Đất đai", "Đất đai", "Hộ tịch"],
                "channel": "in_person",
                "received_at": day,
                "due_at": day + pd.Timedelta(days=5),
                "completed_at": day + pd.Timedelta(days=2),
                "status": "resolved",
                "outcome": ["late", "late", "early", "early"],
                "as_of": pd.Timestamp("2021-03-31"),
            }
        )
        periods = pd.DataFrame(
            {
                "period": ["2021-Q1"],
                "period_type": ["quarter"],
                "period_start": [pd.Timestamp("2021-01-01")],
                "period_end": [pd.Timestamp("2021-03-31")],
            }
        )
        table = late_by_field(rows, periods).set_index(["commune_code", "field"])
        # Đất đai district rate 2/3: Phong Vân 2 observed vs 4/3 expected
        assert table.loc[("09640", "Đất đai"), "excess_late"] == pytest.approx(2 - 4 / 3)
        assert table.loc[("09643", "Hộ tịch"), "late_rate_resolved"] == 0.0


class TestAdditiveOverdispersion:
    """Spiegelhalter's additive random-effects widening beside the multiplicative one."""

    def test_tau2_is_zero_without_spread_beyond_chance(self):
        from analysis.analyse.risk import estimate_tau2

        n = np.full(31, 400.0)
        z = np.linspace(-1.0, 1.0, 31)  # mean z^2 well below 1
        assert estimate_tau2(z, n, 0.1) == 0.0

    def test_tau2_follows_dersimonian_laird(self):
        from analysis.analyse.risk import estimate_tau2, winsorised_z

        rng = np.random.default_rng(0)
        n = rng.integers(100, 1500, 31).astype(float)
        z = rng.normal(0, 3, 31)
        p = 0.08
        w = n / (p * (1 - p))
        phi = np.mean(winsorised_z(z) ** 2)
        expected = (31 * phi - 30) / (w.sum() - (w**2).sum() / w.sum())
        assert estimate_tau2(z, n, p) == pytest.approx(expected)

    def test_recovers_the_between_commune_variance_of_simulated_rates(self):
        from analysis.analyse.risk import estimate_tau2

        rng = np.random.default_rng(1)
        p, tau = 0.1, 0.03
        n = rng.integers(200, 2000, 3000).astype(float)
        rates = rng.binomial(n.astype(int), np.clip(p + rng.normal(0, tau, 3000), 0, 1)) / n
        z = (rates - p) / np.sqrt(p * (1 - p) / n)
        assert estimate_tau2(z, n, p, winsor=0.0) == pytest.approx(tau**2, rel=0.15)

    def test_additive_limits_stay_wide_for_large_communes(self):
        from analysis.analyse.risk import additive_funnel_limits

        limits = additive_funnel_limits(np.array([100, 1e6]), 0.1, 0.0004)
        half_width_large = limits["upper_95"][1] - 0.1
        assert half_width_large == pytest.approx(1.959964 * 0.02, rel=1e-3)
        assert limits["upper_95"][0] > limits["upper_95"][1]

    def test_both_methods_are_written_and_the_default_fills_the_plain_columns(self):
        from analysis.analyse.risk import OVERDISPERSION, both_funnel_limits

        limits = both_funnel_limits(np.array([500]), 0.1, 4.0, 0.0004)
        for method in ("multiplicative", "additive"):
            assert f"upper_95_{method}" in limits and f"lower_998_{method}" in limits
        assert limits["upper_95"][0] == limits[f"upper_95_{OVERDISPERSION}"][0]
