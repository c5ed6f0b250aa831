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
        assert shown["late_share"].iloc[0] == "45 %*"  # a table cell: the note goes under the table
        assert narrative.table_footnote(shown) == narrative.UNRELIABLE_FOOTNOTE
        assert "20" in narrative.UNRELIABLE_FOOTNOTE

    def test_a_table_without_marked_rates_has_no_footnote(self):
        frame = pd.DataFrame({"field": ["Hộ tịch"], "late_share": ["12,5 %"], "note": ["a*b"]})
        assert narrative.table_footnote(frame) == ""

    def test_in_a_sentence_an_unreliable_rate_carries_its_note(self):
        assert narrative.format_rate(5 / 11, 11) == "45 % (ít hồ sơ, chưa đủ tin cậy)"
        assert narrative.format_rate(5 / 11, 11, compact=True) == "45 %*"
        assert narrative.format_rate(0.125, 40, compact=True) == "12,5 %"


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


class TestVietnameseLabels:
    def test_a_quarter_is_written_out_with_its_dates(self):
        from analysis.report.labels import label_period

        assert label_period("2021-Q4") == "Quý IV/2021 (01/10–31/12/2021)"
        assert label_period("2022-Q1") == "Quý I/2022 (01/01–31/03/2022)"
        assert label_period("2021-Q4", capital=False).startswith("quý IV/2021")

    def test_a_month_on_a_chart_axis_reads_t10_2021(self):
        from analysis.report.labels import label_month

        assert label_month("2021-10") == "T10/2021"
        assert label_month(pd.Timestamp("2021-03-01")) == "T3/2021"

    def test_percentage_point_changes_are_written_out(self):
        assert "điểm phần trăm" in label_columns(pd.DataFrame(columns=["pp_change"])).columns[0]

    def test_numbers_stay_on_the_line_of_their_unit_but_tags_are_untouched(self):
        from analysis.publish.html import bind_units

        text = bind_units(
            '<p class="a 5 %">12,5 % của 31 xã; &lt; 5 hồ sơ</p><style>a{b:1 %}</style>'
        )
        assert "12,5\u00a0%" in text and "31\u00a0xã" in text and "&lt;\u00a05\u00a0hồ sơ" in text
        assert 'class="a 5 %"' in text and "b:1 %" in text


class TestDocumentFrame:
    def test_the_settings_file_overrides_only_what_it_sets(self, tmp_path):
        from analysis.report.settings import load_report_settings

        path = tmp_path / "s.toml"
        path.write_text('[issuer]\noffice = "VĂN PHÒNG UBND"\n[dates]\nissue_date = "2022-01-10"\n')
        settings = load_report_settings(path)
        assert settings["issuer"]["office"] == "VĂN PHÒNG UBND"
        assert settings["issuer"]["parent"] == "UBND HUYỆN BA VÌ"
        assert settings["dates"]["timezone"] == "Asia/Ho_Chi_Minh"

    def test_the_issue_line_uses_the_configured_date(self, tmp_path):
        from analysis.report.settings import format_issue_line, load_report_settings

        path = tmp_path / "s.toml"
        path.write_text('[dates]\nissue_date = "2022-01-05"\n')
        assert format_issue_line(load_report_settings(path)) == "Ba Vì, ngày 05 tháng 01 năm 2022"

    def test_the_repository_settings_file_is_valid_and_documents_the_2025_change(self):
        from analysis.report.settings import SETTINGS_FILE, load_report_settings

        settings = load_report_settings(SETTINGS_FILE)
        assert settings["recipients"]["commune"] and settings["recipients"]["district"]
        assert "1/7/2025" in SETTINGS_FILE.read_text(encoding="utf-8")

    def test_a_commune_brief_names_its_chairman_among_the_recipients_and_links_back(self):
        from analysis.report.frame import build_frame

        frame = build_frame({"commune_code": "09640", "period": "2021-Q4"})
        assert any("xã Phong Vân" in line for line in frame["recipients"])
        assert [link["href"] for link in frame["links"]] == ["index.html", "tong-quan-huyen.html"]

    @pytest.mark.parametrize(
        ("code", "word"), [("09661", "cù lao"), ("09709", "miền núi"), ("09640", "đồng bằng")]
    )
    def test_the_unit_context_names_its_terrain_and_desk_officers(self, code, word):
        from analysis.report.frame import describe_unit_context

        text = describe_unit_context(code, 3.0)
        assert word in text and "3\u00a0cán bộ" in text

    def test_the_unit_context_opens_its_own_sentence_without_a_terrain(self):
        """A 2025 xã has no terrain in our sources: the line follows a full stop, so it opens
        with a capital ('Bộ phận một cửa: …')."""
        from analysis.report.frame import describe_unit_context

        assert describe_unit_context("09664", 11.7, "2025-Q4").startswith("Bộ phận một cửa: 11,7")

    def test_local_time_is_vietnam_time(self):
        from analysis.report.provenance import format_local_time

        assert format_local_time("2021-12-31T20:30:00+00:00") == "03:30 ngày 01/01/2022"


class TestProvenanceNote:
    MANIFEST = {
        "synthetic": True,
        "created_at": "2021-12-31T01:00:00+00:00",
        "code_version": "abc1234",
        "files": [
            {"path": "dossiers/a.csv", "sha256": "f" * 64, "kind": "dossiers"},
            {"path": "officers/r.xlsx", "sha256": "e" * 64, "kind": "officers"},
        ],
    }

    def test_the_page_shows_a_short_vietnamese_note_and_the_metadata_keeps_the_checksums(self):
        import json

        from analysis.report.provenance import (
            PROVENANCE_MIMETYPE,
            build_provenance,
            provenance_note,
        )

        bundle = provenance_note(
            build_provenance(self.MANIFEST, {"commune_code": "09640"})
        )._repr_mimebundle_()
        note = bundle["text/markdown"]
        assert "Nguồn số liệu" in note and "a.csv" in note and "08:00 ngày 31/12/2021" in note
        assert "f" * 12 not in note and "commune_code" not in note
        record = json.loads(bundle[PROVENANCE_MIMETYPE])
        assert record["raw_files"][0]["sha256"] == "f" * 64
        assert record["synthetic"] is True and record["timezone"] == "Asia/Ho_Chi_Minh"


class TestChartsForPhonesAndPrint:
    FRAME = pd.DataFrame(
        {
            "commune_code": ["09640", "09625"],
            "commune_name": ["Phong Vân", "Phú Cường"],
            "late_rate": [0.1, 0.2],
        }
    )

    def test_no_chart_text_is_smaller_than_the_phone_minimum(self):
        figure = figures.plot_ranked_bars(self.FRAME, "late_rate", "09640")
        figure.canvas.draw()
        sizes = [t.get_fontsize() for t in figure.findobj(lambda o: hasattr(o, "get_fontsize"))]
        assert min(sizes) >= figures.SMALL
        assert figure.get_figwidth() <= figures.WIDTH

    def test_synthetic_charts_carry_a_watermark_and_real_ones_do_not(self):
        try:
            figures.mark_synthetic(True)
            marked = figures.plot_ranked_bars(self.FRAME, "late_rate", "09640")
            figures.figure_to_svg(marked)
            figures.mark_synthetic(False)
            plain = figures.plot_ranked_bars(self.FRAME, "late_rate", "09640")
            figures.figure_to_svg(plain)
        finally:
            figures.mark_synthetic(False)
        assert [t.get_text() for t in marked.texts] == ["MÔ PHỎNG"]
        assert plain.texts == []

    def test_the_svg_is_the_same_bytes_each_time_and_has_no_date(self):
        first = figures.figure_to_svg(figures.plot_ranked_bars(self.FRAME, "late_rate", "09640"))
        second = figures.figure_to_svg(figures.plot_ranked_bars(self.FRAME, "late_rate", "09640"))
        assert first == second and "<dc:date>" not in first and "viewBox" in first

    def test_monthly_axis_uses_vietnamese_month_labels(self):
        months = pd.DataFrame(
            {"period": ["2021-10", "2021-11", "2021-12"], "late_rate": [0.1, 0.2, 0.1]}
        )
        figure = figures.plot_monthly_trend(
            months, months.iloc[0:0], "late_rate_resolved", "Phong Vân"
        )
        figure.canvas.draw()
        labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
        assert labels == ["T10/2021", "T11/2021", "T12/2021"]


class TestIndexDashboard:
    def rows(self) -> pd.DataFrame:
        from analysis.reference.units import units_2021

        units = units_2021()
        n = len(units)
        return pd.DataFrame(
            {
                "commune_code": units["code"],
                "commune_name": units["name"],
                "received": np.arange(n) + 100,
                "late_rate": np.linspace(0.02, 0.3, n),
                "rank": np.arange(n) + 1.0,
                "n_ranked": float(n),
                "online_share": np.linspace(0.6, 0.3, n),
                "status": "built",
                "html": [f"{c}.html" for c in units["code"]],
                "error": None,
            }
        )

    def test_the_tile_grid_places_each_of_the_31_units_once_and_names_its_source(self):
        from analysis.publish.html import read_tile_grid
        from analysis.reference.units import units_2021

        grid = read_tile_grid()
        assert sorted(grid["code"]) == sorted(units_2021()["code"])
        assert not grid.duplicated(["col", "row"]).any()
        assert grid["source"].str.len().gt(20).all()

    def test_the_index_has_two_maps_a_sortable_table_and_says_what_rank_1_means(self):
        page = render_index("2021-Q4", self.rows(), None, synthetic=False)
        assert page.count('<figure class="tile-map"') == 2 and page.count('<g class="tile"') == 62
        assert 'class="sortable"' in page and "<script>" in page
        assert "thứ 1 là đơn vị có tỷ lệ trễ hạn thấp nhất" in page
        assert "vị trí tương đối, gần đúng" in page
        # says how many positions have a source: 7 of the 31 rows of tile_grid.csv today
        assert "7/31 vị trí theo mô tả công khai" in page and "24 vị trí còn lại ước lượng" in page
        assert "Quý IV/2021" in page and "Chưa có khoảng bất định" in page
        assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")

    def test_the_maps_take_titled_names_and_refuse_the_units_of_another_period(self):
        # the batch names rows as the briefs do ("Xã Phong Vân", "Thị trấn Tây Đằng")
        from analysis.reference.units import units_2021

        rows = self.rows()
        units = units_2021()
        rows["commune_name"] = (units["unit_type"] + " " + units["name"]).to_numpy()
        page = render_index("2021-Q4", rows, None, synthetic=False)
        assert page.count('<g class="tile"') == 62 and "tile-map-missing" not in page
        # after 1/7/2025 code 09619 is xã Quảng Oai, not the 2021 grid's Tây Đằng: that grid
        # refuses it; the 2025 index lays out the 8 xã instead (publish/tiles.py)
        from analysis.publish.html import LATE_COLOURS, read_tile_grid, render_tile_map

        later = rows.head(1).assign(commune_name="Xã Quảng Oai")
        alone = render_tile_map(later, "late_rate", "Tỷ lệ", LATE_COLOURS, read_tile_grid())
        assert "tile-map-missing" in alone and '<g class="tile"' not in alone
        page = render_index("2025-Q4", later, None, synthetic=False)
        assert page.count('<g class="tile"') == 2 * 8 and "tile-map-missing" not in page

    def test_the_index_shows_uncertainty_when_the_analysis_provides_it(self):
        rows = self.rows()
        uncertainty = pd.DataFrame(
            {
                "commune_code": rows["commune_code"],
                "late_rate_shrunk": rows["late_rate"] * 0.9,
                "rank_low": 1,
                "rank_high": 20,
                "p_worst_third": 0.25,
            }
        )
        page = render_index("2021-Q4", rows, None, synthetic=False, uncertainty=uncertainty)
        assert "Khoảng xếp hạng 95" in page and "1–20" in page
        assert "Xác suất thuộc 1/3 kém nhất" in page and "25\u00a0%" in page
        assert "Chưa có khoảng bất định" not in page

    def test_uncertainty_is_read_from_the_analysis_table(self, tmp_path):
        from analysis.publish.html import read_rank_uncertainty

        assert read_rank_uncertainty(tmp_path, "2021-Q4") is None
        pd.DataFrame(
            {
                "commune_code": ["09640", "09640"],
                "period": ["2021-Q4", "2021"],
                "shrunk_rate": [0.1, 0.2],
                "rank_low": [3.0, 1.0],
                "rank_high": [20.0, 9.0],
                "prob_worst_third": [0.4, 0.1],
                "observed_rate": [0.12, 0.2],
            }
        ).to_parquet(tmp_path / "commune_ranks_uncertainty.parquet")
        read = read_rank_uncertainty(tmp_path, "2021-Q4")
        assert read.to_dict("records") == [
            {
                "commune_code": "09640",
                "late_rate_shrunk": 0.1,
                "rank_low": 3.0,
                "rank_high": 20.0,
                "p_worst_third": 0.4,
            }
        ]


class TestDescribeRankUncertainty:
    TABLE = pd.DataFrame(
        {
            "commune_code": ["09640"],
            "shrunk_rate": [0.159],
            "rank_low": [27.0],
            "rank_high": [31.0],
            "prob_worst_third": [0.99],
        }
    )

    def test_the_interval_and_the_worst_third_probability_are_stated(self):
        text = narrative.describe_rank_uncertainty(self.TABLE, "09640")
        assert "từ thứ 27 đến thứ 31" in text and "15,9 %" in text and "99 %" in text

    def test_nothing_is_said_without_the_table_or_the_commune(self):
        assert narrative.describe_rank_uncertainty(None, "09640") == ""
        assert narrative.describe_rank_uncertainty(self.TABLE, "09625") == ""


def test_the_synthetic_banner_has_one_wording_everywhere():
    """Brief, overview and index say the same words; only whose figures they are not differs."""
    import re

    from analysis.paths import NOTEBOOKS_DIR
    from analysis.report.provenance import synthetic_banner

    assert synthetic_banner("của đơn vị").endswith("không phải số liệu thật của đơn vị.</div>")
    assert synthetic_banner().endswith("không phải số liệu thật.</div>")
    sources = [p.read_text(encoding="utf-8") for p in NOTEBOOKS_DIR.glob("*.py")]
    assert not any(re.search("DỮ LIỆU MÔ PHỎNG —", text) for text in sources)
