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
    def test_rows_with_a_small_denominator_are_hidden(self):
        frame = pd.DataFrame(
            {
                "field": ["Hộ tịch", "Đất đai"],
                "resolved": [3, 50],
                "late": [2, 10],
                "late_share": [2 / 3, 0.2],
            }
        )
        shown = narrative.suppress_small_cells(frame, ["resolved", "late"], ["late_share"])
        assert shown["late"].tolist() == ["< 5", "10"]
        assert shown["late_share"].tolist() == ["—", "20,0 %"]

    def test_a_large_field_with_few_late_dossiers_is_shown_exactly(self):
        frame = pd.DataFrame(
            {"field": ["Chứng thực"], "resolved": [236], "late": [2], "late_share": [2 / 236]}
        )
        shown = narrative.suppress_small_cells(frame, ["resolved", "late"], ["late_share"])
        assert shown[["resolved", "late", "late_share"]].iloc[0].tolist() == ["236", "2", "0,8 %"]

    def test_rates_on_fewer_than_twenty_dossiers_are_marked_unreliable(self):
        frame = pd.DataFrame(
            {"field": ["Xây dựng"], "resolved": [11], "late": [5], "late_share": [5 / 11]}
        )
        shown = narrative.suppress_small_cells(frame, ["resolved", "late"], ["late_share"])
        assert shown["late_share"].iloc[0] == "45 % (ít hồ sơ, chưa đủ tin cậy)"


class TestEscapeMarkdown:
    def test_script_tags_become_text(self):
        escaped = narrative.escape_markdown("<script>alert(1)</script>")
        assert "<script>" not in escaped and "&lt;script&gt;" in escaped

    def test_markdown_emphasis_is_neutralised(self):
        assert narrative.escape_markdown("*a*") == r"\*a\*"

    def test_output_is_nfc(self):
        decomposed = unicodedata.normalize("NFD", "Phong Vân")
        assert unicodedata.is_normalized("NFC", narrative.escape_markdown(decomposed))


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
        assert "tăng 10,0 điểm phần trăm" in narrative.describe_trend(months)

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
