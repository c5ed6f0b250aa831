"""Yardsticks by date and one source for the QĐ 766 policy numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyse.indicators import add_rates
from analysis.reference.yardsticks import load_yardsticks, yardstick_applies, yardstick_label
from analysis.report import narrative


class TestYardsticksByDate:
    def test_every_basis_has_dates_and_a_verified_mark(self):
        table = load_yardsticks()
        assert {"indicator", "legal_basis", "valid_from", "valid_to", "verified"} <= set(table)
        assert table["valid_from"].notna().all()
        assert table["verified"].dtype == bool

    @pytest.mark.parametrize(
        "indicator", ["points_766_3_3", "ontime_rate_766_2_1", "satisfaction_proxy_766_5_4"]
    )
    def test_766_scores_do_not_exist_in_2021(self, indicator):
        assert not yardstick_applies(indicator, "2021-10-01")
        assert yardstick_applies(indicator, "2022-07-01")

    def test_2021_uses_levels_3_and_4_and_the_on_time_rate(self):
        for indicator in ("online_share_level_3", "online_share_level_4", "on_time_rate"):
            assert yardstick_applies(indicator, "2021-10-01")
        assert not yardstick_applies("online_share_full_online", "2021-10-01")
        assert not yardstick_applies("online_share_level_3", "2022-10-01")

    def test_official_terms(self):
        assert yardstick_label("on_time_rate") == "Tỷ lệ giải quyết trước hạn và đúng hạn"
        assert (
            yardstick_label("apology_letter_compliance")
            == "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
        )


def counts(online: int, received: int) -> pd.DataFrame:
    zero = dict.fromkeys(
        [
            "resolved",
            "closed_other",
            "pending",
            "resolved_late",
            "closed_other_late",
            "pending_overdue",
            "pending_overdue_supplement",
            "resolved_early",
            "resolved_on_time",
            "late_with_letter",
            "late_letter_known",
            "received_level_3",
            "received_level_4",
            "received_full_online",
            "received_partial_online",
            "received_online_unclassified",
        ],
        0,
    )
    return pd.DataFrame([zero | {"received": received, "received_online": online}])


class TestOneSourceForPolicyNumbers:
    def test_the_points_maximum_of_the_run_travels_with_the_rows(self):
        row = add_rates(counts(25, 100), max_points=10.0).iloc[0]
        assert row["points_766_3_3_max"] == 10.0 and row["online_target_766"] == 0.5
        assert row["points_766_3_3"] == pytest.approx(5.0)

    def test_the_brief_reads_the_maximum_from_the_row(self):
        row = add_rates(counts(25, 100), max_points=10.0).iloc[0]
        assert "5,0 / 10 điểm" in narrative.describe_points_766(row)

    def test_the_report_layer_keeps_no_copy(self):
        assert not hasattr(narrative, "POINTS_766_3_3_MAX")
        assert not hasattr(narrative, "ONLINE_TARGET_766")


class TestAClassificationTheExportsDoNotRecord:
    """An export that writes mức độ 3, 4 after 8/2022 records no toàn trình / một phần: the page
    must say 'không có số liệu', not 0 %, for the yardstick in force."""

    def test_a_classification_no_dossier_of_the_period_carries_is_missing(self):
        table = pd.concat([counts(25, 100), counts(10, 50)], ignore_index=True)
        table["period"] = "2025-Q4"
        table["period_type"] = "quarter"
        table["received_level_3"] = [20, 10]
        rows = add_rates(table)
        assert rows["online_share_full_online"].isna().all()
        assert rows["online_share_level_3"].tolist() == [0.2, 0.2]
        assert narrative.format_rate(rows.loc[0, "online_share_full_online"], 100) == (
            "không có số liệu"
        )

    def test_one_unit_with_the_classification_makes_it_recorded_for_all(self):
        table = pd.concat([counts(25, 100), counts(10, 50), counts(5, 40)], ignore_index=True)
        table["period"] = ["2025-Q4", "2025-Q4", "2025-Q3"]
        table["period_type"] = "quarter"
        table["received_full_online"] = [0, 5, 0]
        rows = add_rates(table)
        assert rows["online_share_full_online"].tolist()[:2] == [0.0, 0.1]
        assert pd.isna(rows.loc[2, "online_share_full_online"])  # nothing recorded in 2025-Q3

    def test_a_unit_whose_export_has_no_class_column_has_no_class_shares(self):
        """2021 demo: five units' cluster export has no Mức độ column; their page said mức độ 3:
        0,0 % beside 41 % online. Their shares are missing; a unit with classes keeps its own."""
        table = pd.concat([counts(40, 100), counts(30, 100)], ignore_index=True)
        table["period"] = "2021-Q4"
        table["period_type"] = "quarter"
        table["received_level_3"] = [0, 20]
        table["received_level_4"] = [0, 10]
        table["received_online_unclassified"] = [40, 0]
        rows = add_rates(table)
        assert rows["online_share_level_3"].isna().tolist() == [True, False]
        assert rows.loc[1, ["online_share_level_3", "online_share_level_4"]].tolist() == [0.2, 0.1]
