"""Specifications of the report layer: Vietnamese formatting, suppression, rules, tables, cache, index."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.publish.cache import hash_groups
from analysis.publish.html import render_index
from analysis.report import figures, narrative, tables
from analysis.report.labels import label_columns, label_convention


class TestFormatting:
    def test_percent_uses_a_decimal_comma_and_a_space_before_the_sign(self):
        assert narrative.format_percent(0.125) == "12,5 %"

    def test_thousands_are_grouped_with_dots(self):
        assert narrative.format_number(1234567) == "1.234.567"
        assert narrative.format_number(1234.5, 1) == "1.234,5"

    def test_missing_rate_says_so_in_vietnamese(self):
        assert narrative.format_percent(np.nan) == "không có số liệu"

    @pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "< 5"), (4, "< 5"), (5, "5")])
    def test_counts_of_one_to_four_are_suppressed(self, count, shown):
        assert narrative.format_count(count) == shown


class TestSuppressSmallCells:
    def test_small_counts_and_their_rates_are_hidden(self):
        frame = pd.DataFrame(
            {"field": ["Hộ tịch", "Đất đai"], "late": [2, 10], "late_share": [0.5, 0.2]}
        )
        shown = narrative.suppress_small_cells(frame, ["late"], ["late_share"])
        assert shown["late"].tolist() == ["< 5", "10"]
        assert shown["late_share"].tolist() == ["—", "20,0 %"]


class TestEscapeMarkdown:
    def test_script_tags_become_text(self):
        escaped = narrative.escape_markdown("<script>alert(1)</script>")
        assert "<script>" not in escaped and "&lt;script&gt;" in escaped

    def test_markdown_emphasis_is_neutralised(self):
        assert narrative.escape_markdown("*a*") == r"\*a\*"

    def test_output_is_nfc(self):
        decomposed = unicodedata.normalize("NFD", "Phong Vân")
        assert unicodedata.is_normalized("NFC", narrative.escape_markdown(decomposed))


class TestRecommendActions:
    @staticmethod
    def row(**values) -> pd.Series:
        base = {
            "late_rate": 0.05,
            "outside_95": "within",
            "late_worst_third": False,
            "pending_overdue": 0,
            "apology_letter_compliance": 1.0,
            "concurrent_share": 0.0,
            "dossiers_per_officer_day": 1.0,
            "median_dossiers_per_officer_day": 2.0,
            "online_share": 0.6,
            "points_766_3_3": 12.0,
            "rotations": 0,
            "vacancy_officer_days": 0.0,
        }
        return pd.Series(base | values)

    def test_a_unit_with_no_problem_gets_three_maintenance_items(self):
        items = narrative.recommend_actions(self.row())
        assert len(items) == 3 and items[0].startswith("Duy trì")

    def test_late_rate_above_the_funnel_names_the_procedures(self):
        items = narrative.recommend_actions(
            self.row(outside_95="high", late_rate=0.3), ["Đăng ký khai sinh"]
        )
        assert items[0].startswith("Rà soát") and "Đăng ký khai sinh" in items[0]

    def test_online_share_below_half_counts_the_lost_766_points(self):
        items = narrative.recommend_actions(self.row(online_share=0.25, points_766_3_3=6.0))
        assert any("mất 6,0 điểm chỉ tiêu 3.3" in i for i in items)

    def test_online_share_at_half_is_not_flagged(self):
        items = narrative.recommend_actions(self.row(online_share=0.5))
        assert not any("trực tuyến" in i and "mất" in i for i in items)

    def test_concurrent_and_busy_desk_asks_for_a_dedicated_officer(self):
        items = narrative.recommend_actions(
            self.row(concurrent_share=0.8, dossiers_per_officer_day=3.0)
        )
        assert any(i.startswith("Bố trí ít nhất một công chức chuyên trách") for i in items)

    def test_concurrent_but_quiet_desk_is_not_flagged(self):
        items = narrative.recommend_actions(
            self.row(concurrent_share=0.8, dossiers_per_officer_day=1.0)
        )
        assert not any("chuyên trách" in i for i in items)

    def test_apology_letters_below_full_compliance_cite_the_decree(self):
        items = narrative.recommend_actions(self.row(apology_letter_compliance=0.5))
        assert any("Nghị định 61/2018/NĐ-CP" in i for i in items)

    def test_at_most_five_items(self):
        items = narrative.recommend_actions(
            self.row(
                outside_95="high",
                pending_overdue=7,
                apology_letter_compliance=0.2,
                concurrent_share=1.0,
                dossiers_per_officer_day=9.0,
                online_share=0.1,
                points_766_3_3=2.4,
                rotations=2,
            )
        )
        assert len(items) == 5


class TestDescribe:
    def test_rank_names_the_good_direction(self):
        assert narrative.describe_rank(3, 31, "lower") == "xếp thứ 3/31 (thứ 1 = thấp nhất)"

    def test_trend_compares_the_last_three_months_with_the_three_before(self):
        months = pd.DataFrame(
            {
                "period": [f"2021-{m:02d}" for m in range(7, 13)],
                "late_rate": [0.1] * 3 + [0.2] * 3,
                "resolved": [10] * 6,
            }
        )
        assert "tăng 10,0 điểm %" in narrative.describe_trend(months)

    def test_meeting_sentence_says_whether_the_data_agrees(self):
        check = pd.DataFrame(
            {
                "meeting_date": [pd.Timestamp("2021-10-12")],
                "topic": ["late_dossiers"],
                "polarity": ["negative"],
                "evidence": ["Phong Vân trễ hẹn"],
                "data_agrees": pd.array([True], dtype="boolean"),
            }
        )
        (sentence,) = narrative.describe_meetings(check)
        assert "12/10/2021" in sentence and "phê bình" in sentence and "số liệu khớp" in sentence


class TestTables:
    def test_quarter_period_parses(self):
        assert tables.parse_period("2021-Q4") == pd.Period("2021Q4", freq="Q")

    def test_bad_period_is_a_user_error(self):
        with pytest.raises(UserError):
            tables.parse_period("Q4 of 2021")

    def test_latest_complete_quarter_skips_a_partial_one(self, tmp_path):
        pd.DataFrame(
            {"as_of": [pd.Timestamp("2021-11-30")], "received_at": [pd.Timestamp("2021-11-02")]}
        ).to_parquet(tmp_path / "dossiers.parquet")
        assert tables.latest_complete_quarter(tmp_path) == "2021-Q3"

    def test_latest_complete_quarter_keeps_a_full_one(self, tmp_path):
        pd.DataFrame(
            {"as_of": [pd.Timestamp("2021-12-31")], "received_at": [pd.Timestamp("2021-12-02")]}
        ).to_parquet(tmp_path / "dossiers.parquet")
        assert tables.latest_complete_quarter(tmp_path) == "2021-Q4"

    def test_late_drivers_count_resolved_dossiers_of_the_period_only(self):
        dossiers = pd.DataFrame(
            {
                "field": ["Đất đai", "Đất đai", "Hộ tịch", "Hộ tịch"],
                "procedure": ["A", "A", "B", "B"],
                "status": ["resolved", "resolved", "resolved", "pending"],
                "is_late": [True, False, True, None],
                "completed_at": pd.to_datetime(["2021-10-05", "2021-11-01", "2021-06-01", None]),
            }
        )
        fields, procedures = tables.summarise_late_drivers(dossiers, "2021-Q4")
        assert fields.to_dict("records") == [
            {"field": "Đất đai", "resolved": 2, "late": 1, "late_share": 0.5, "share_of_late": 1.0}
        ]
        assert procedures["procedure"].tolist() == ["A"]

    def test_unknown_commune_is_a_user_error_naming_the_code(self):
        indicators = pd.DataFrame({"commune_code": ["09640"], "period": ["2021-Q4"]})
        with pytest.raises(UserError, match="99999"):
            tables.require_commune(indicators, "99999", "2021-Q4")


class TestLabels:
    def test_columns_get_vietnamese_labels_and_unknown_ones_stay(self):
        frame = label_columns(pd.DataFrame(columns=["late_rate", "something_new"]))
        assert frame.columns.tolist() == ["Tỷ lệ trễ hạn", "something_new"]

    def test_each_convention_has_a_plain_formula(self):
        assert "đã giải quyết" in label_convention("late_rate_resolved")


class TestFigures:
    def test_chart_text_keeps_vietnamese_diacritics_and_renders_to_png(self):
        frame = pd.DataFrame(
            {
                "commune_code": ["09640", "09625"],
                "commune_name": ["Phong Vân", "Phú Cường"],
                "late_rate": [0.1, 0.2],
            }
        )
        figure = figures.plot_ranked_bars(frame, "late_rate", "09640", title="Tỷ lệ trễ hạn")
        assert figure.axes[0].get_title() == "Tỷ lệ trễ hạn"
        assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [
            "Phong Vân",
            "Phú Cường",
        ]
        png = figures.figure_to_png(figure)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"

    def test_charts_use_a_font_with_vietnamese_glyphs(self):
        from matplotlib.font_manager import FontProperties, findfont

        assert "DejaVuSans" in findfont(
            FontProperties(family=figures.FONT), fallback_to_default=False
        )


class TestCacheAndIndex:
    def test_group_hash_changes_only_for_the_changed_group(self):
        frame = pd.DataFrame({"commune_code": ["a", "a", "b"], "v": [1, 2, 3]})
        before = hash_groups(frame, "commune_code")
        frame.loc[2, "v"] = 4
        after = hash_groups(frame, "commune_code")
        assert before["a"] == after["a"] and before["b"] != after["b"]

    def test_index_escapes_names_and_errors_and_links_the_built_briefs(self):
        rows = pd.DataFrame(
            {
                "commune_code": ["09640", "09999"],
                "commune_name": ["Phong Vân", "<b>x</b>"],
                "received": [10, np.nan],
                "late_rate": [0.1, np.nan],
                "rank": [3.0, np.nan],
                "n_ranked": [31.0, np.nan],
                "online_share": [0.5, np.nan],
                "status": ["built", "failed"],
                "html": ["09640-xa-phong-van.html", None],
                "error": [None, "UserError: <unknown> code"],
            }
        )
        page = render_index("2021-Q4", rows, None, synthetic=True)
        assert '<html lang="vi">' in page and 'href="09640-xa-phong-van.html"' in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page and "&lt;unknown&gt;" in page
        assert "DỮ LIỆU MÔ PHỎNG" in page
