"""The sensitivity suite: variants that show how far the panel model's associations move."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyse.models import TERMS, describe_steps, simulate_panel
from analysis.analyse.sensitivity import (
    add_leads,
    add_steps,
    restricted_cubic_spline,
    run_sensitivity,
)

TRUTH = {"online_share": -1.2, "dossiers_per_officer_day": 0.035, "concurrent_share": 0.8}


@pytest.fixture(scope="module")
def suite() -> pd.DataFrame:
    """The suite on one dataset drawn from the model (no misspecification)."""
    panel = simulate_panel(5, TRUTH)
    table = run_sensitivity(panel)
    return add_steps(table, describe_steps(panel), panel["late"].sum() / panel["n"].sum())


class TestSuite:
    def test_every_variant_reports_every_term(self, suite):
        variants = {
            "main",
            "commune_trends",
            "lead_placebo",
            "leave_one_commune_out",
            "workload_spline",
        }
        assert set(suite["variant"]) == variants
        for variant in variants:
            assert set(TERMS) <= set(suite.loc[suite["variant"] == variant, "term"])

    def test_leads_of_a_correct_model_are_about_zero(self, suite):
        leads = suite[suite["term"].str.startswith("lead_")]
        assert len(leads) == 3
        # no lead causes anything here: at most one of three intervals may miss zero by chance
        assert ((leads["ci_low"] <= 0) & (leads["ci_high"] >= 0)).sum() >= 2

    def test_leave_one_out_range_brackets_the_full_estimate(self, suite):
        loo = suite[suite["variant"] == "leave_one_commune_out"]
        assert (loo["ci_low"] <= loo["estimate"]).all() and (
            loo["estimate"] <= loo["ci_high"]
        ).all()
        assert loo["dropped_at_low"].notna().all()

    def test_variants_stay_near_the_truth_when_the_model_is_right(self, suite):
        for variant in ("commune_trends", "workload_spline"):
            rows = suite[suite["variant"] == variant].set_index("term")
            for term, value in TRUTH.items():
                assert rows.loc[term, "ci_low"] <= value <= rows.loc[term, "ci_high"], (
                    variant,
                    term,
                )

    def test_rows_carry_steps_and_percentage_points(self, suite):
        assert suite["step"].notna().all() and suite["pp_change"].notna().all()


class TestTrendsCatchAnAdoptionConfounder:
    def test_commune_trends_move_the_online_estimate_back_toward_the_truth(self):
        panel = simulate_panel(6, TRUTH, scenario="adoption_trend")
        table = run_sensitivity(panel).set_index(["variant", "term"])["estimate"]
        main = table[("main", "online_share")]
        trends = table[("commune_trends", "online_share")]
        assert abs(trends - TRUTH["online_share"]) < abs(main - TRUTH["online_share"])


class TestHelpers:
    def test_lead_is_the_next_calendar_month_of_the_same_commune(self):
        panel = pd.DataFrame(
            {
                "commune_code": ["a", "a", "a", "b"],
                "month": ["2021-01", "2021-02", "2021-04", "2021-01"],
                "x": [1.0, 2.0, 4.0, 9.0],
            }
        )
        led = add_leads(panel, ("x",))
        assert led[["month", "lead_x"]].values.tolist() == [["2021-01", 2.0]]

    def test_spline_is_linear_beyond_the_last_knot(self):
        knots = np.array([0.0, 1.0, 2.0, 3.0])
        x = np.array([4.0, 5.0, 6.0])
        values = restricted_cubic_spline(x, knots)
        assert np.allclose(np.diff(values, n=2, axis=0), 0.0, atol=1e-9)
