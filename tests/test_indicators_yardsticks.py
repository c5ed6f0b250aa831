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
