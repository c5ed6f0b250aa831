"""Vietnamese wording of the overview's statistics: association words, signed points, no -0."""

from __future__ import annotations

import pandas as pd

from analysis.report import statistics_figures as view


def test_a_change_that_rounds_to_zero_has_no_sign():
    assert view.signed_points(-0.02) == "0,0 điểm %"
    assert view.signed_points(1.234) == "+1,2 điểm %"
    assert view.signed_points(-0.84) == "−0,8 điểm %"


def test_effect_lines_name_the_realistic_step_and_use_no_causal_word():
    effects = pd.DataFrame(
        {
            "model": "panel_binomial_glm",
            "term": ["online_share", "dossiers_per_officer_day", "concurrent_share"],
            "step": [0.1, 1.0, 0.155],
            "pp_change": [-0.8, 1.2, 0.9],
            "pp_change_low": [-1.1, 0.9, 0.7],
            "pp_change_high": [-0.4, 1.5, 1.2],
            "mean_late_rate": 0.081,
        }
    )
    text = "\n".join(view.describe_effects(effects))
    assert "1 hồ sơ/ngày" in text and "10 điểm %" in text and "16 điểm %" in text
    assert "ảnh hưởng" not in (text + view.LIMITS_TEXT).lower()
    assert "không phải bằng chứng nhân quả" in view.LIMITS_TEXT


def test_monthly_chart_labels_months_the_vietnamese_way():
    months = pd.DataFrame(
        {
            "period": ["2021-10", "2021-11"],
            "late_rate": [0.1, 0.2],
            "late_rate_low": [0.05, 0.05],
            "late_rate_high": [0.2, 0.5],
            "is_small_n": pd.array([False, True], dtype="boolean"),
        }
    )
    figure = view.plot_monthly_with_intervals(months)
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert labels == ["T10/2021", "T11/2021"]
