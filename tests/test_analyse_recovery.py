"""Parameter recovery: on data drawn from the contract's model, 95 % intervals cover the true effects."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.analyse.models import TERMS, fit_panel_glm, simulate_panel
from analysis.analyse.run import analyse_all
from tests.test_analyse_run import TRUTH, simulate_processed


def covers(effects: pd.DataFrame, truth: dict, model: str = "panel_binomial_glm") -> pd.Series:
    """Per term: does the model's interval contain the true value?"""
    rows = effects[effects["model"] == model].set_index("term")
    return pd.Series(
        {
            term: rows.loc[term, "ci_low"] <= value <= rows.loc[term, "ci_high"]
            for term, value in truth.items()
        }
    )


@pytest.fixture(scope="module")
def fits():
    """Panel fits on 12 datasets drawn from the model."""
    return [fit_panel_glm(simulate_panel(seed, TRUTH), bootstrap_reps=0)[0] for seed in range(12)]


class TestPanelModelRecovery:
    """Commune x month x field counts drawn directly from the model (fast, many seeds)."""

    def test_intervals_cover_the_truth_in_most_datasets(self, fits):
        # with honest 95 % intervals, at most 2 misses in 12 fails with probability < 2 %
        hits = pd.concat([covers(effects, TRUTH) for effects in fits], axis=1)
        assert (hits.sum(axis=1) >= 10).all(), hits.sum(axis=1).to_dict()

    def test_average_estimate_is_close_to_the_truth(self, fits):
        table = pd.concat(fits).query("model == 'panel_binomial_glm'")
        means = table.groupby("term")["estimate"].mean()
        for term, value in TRUTH.items():
            assert means[term] == pytest.approx(value, abs=0.15 * abs(value))

    def test_intervals_are_narrow_enough_to_exclude_no_effect(self, fits):
        # a test that any interval would pass is no test: zero must lie outside in most fits
        excluded = [not covers(effects, dict.fromkeys(TERMS, 0.0)).any() for effects in fits]
        assert sum(excluded) >= 10


class TestEndToEndRecovery:
    """Dossier-level rows in the contract's shape through the whole analyse step."""

    def test_effects_csv_covers_the_truth(self, tmp_path):
        simulate_processed(tmp_path, seed=7)
        analyse_all(tmp_path, bootstrap_reps=199)
        effects = pd.read_csv(tmp_path / "effects.csv")
        assert covers(effects, TRUTH).all()
        assert covers(effects, TRUTH, "panel_binomial_glm_wild_bootstrap").all()


@pytest.mark.slow
class TestDemoPipelineRecovery:
    """The real chain: demo-data -> clean -> analyse, at a reduced scale."""

    def test_effects_cover_the_truth_file(self, tmp_path):
        from analysis.demo.generate import generate_demo_data
        from analysis.ingest.clean import clean_all

        raw, processed = tmp_path / "raw", tmp_path / "processed"
        truth = generate_demo_data(raw, seed=20211012, scale=0.5, truth_path=raw / "truth.json")
        clean_all(raw, processed)
        analyse_all(processed, bootstrap_reps=199)
        effects = pd.read_csv(processed / "effects.csv")
        truth_effects = (
            truth.get("effects") or json.loads((raw / "truth.json").read_text())["effects"]
        )
        assert covers(effects, truth_effects).all(), effects.to_string()


class TestMisspecificationScenarios:
    """The benchmark's broken worlds: each must bias the coefficient it is meant to bias."""

    def test_a_scenario_changes_only_what_it_breaks(self):
        plain = simulate_panel(3, TRUTH)
        trend = simulate_panel(3, TRUTH, scenario="adoption_trend")
        # same dossiers and covariates (the scenario's randomness is drawn apart); lateness differs
        pd.testing.assert_frame_equal(plain.drop(columns="late"), trend.drop(columns="late"))
        assert not plain["late"].equals(trend["late"])

    def test_an_unknown_scenario_is_refused(self):
        with pytest.raises(ValueError, match="scenario"):
            simulate_panel(3, TRUTH, scenario="typo")

    @pytest.mark.parametrize(
        ("scenario", "term", "direction"),
        [
            ("busy_months", "dossiers_per_officer_day", 1),
            ("adoption_trend", "online_share", -1),
            ("reverse_causation", "concurrent_share", 1),
        ],
    )
    def test_each_scenario_pushes_its_coefficient_away_from_the_truth(
        self, scenario, term, direction
    ):
        estimates = [
            fit_panel_glm(
                simulate_panel(seed, TRUTH, scenario=scenario), bootstrap_reps=0, jackknife=False
            )[0]
            .set_index("term")
            .loc[term, "estimate"]
            for seed in range(3)
        ]
        bias = sum(estimates) / len(estimates) - TRUTH[term]
        assert direction * bias > 0.2 * abs(TRUTH[term])
