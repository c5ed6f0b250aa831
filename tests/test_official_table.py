"""The Biểu 06 table per lĩnh vực, its identities, comparisons and the period formatter."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.report.labels import label_period, label_period_short
from analysis.report.official_table import (
    TOTAL_LABEL,
    build_official_table,
    check_official_identities,
    compare_periods,
    describe_missing_comparisons,
    find_counter_only_procedures,
)


class TestFormatPeriod:
    @pytest.mark.parametrize(
        ("label", "text"),
        [
            ("2021-Q4", "Quý IV/2021 (01/10–31/12/2021)"),
            ("2022-Q1", "Quý I/2022 (01/01–31/03/2022)"),
            ("2021", "Năm 2021 (01/01–31/12/2021)"),
            ("2021-10", "Tháng 10/2021 (01/10–31/10/2021)"),
        ],
    )
    def test_periods_read_as_officials_write_them(self, label, text):
        assert label_period(label) == text

    def test_short_month_for_chart_axes(self):
        assert label_period_short("2021-10") == "T10/2021"


def dossier(field, received, due, completed=None, status="resolved", outcome="on_time", **kw):
    return {
        "commune_code": kw.get("commune", "09640"),
        "field": field,
        "procedure": kw.get("procedure", "Đăng ký khai sinh"),
        "channel": kw.get("channel", "in_person"),
        "online_level": None,
        "received_at": pd.Timestamp(received),
        "due_at": pd.Timestamp(due),
        "completed_at": pd.Timestamp(completed) if completed else pd.NaT,
        "status": status,
        "outcome": outcome,
        "apology_letter": None,
        "as_of": pd.Timestamp("2021-12-31"),
    }


def small_table() -> pd.DataFrame:
    rows = [
        dossier("Hộ tịch", "2021-09-28", "2021-10-02", "2021-10-01", outcome="early"),
        dossier("Hộ tịch", "2021-10-04", "2021-10-06", "2021-10-08", outcome="late"),
        dossier("Hộ tịch", "2021-10-05", "2021-10-07", channel="online", status="pending"),
        dossier("Đất đai", "2021-12-20", "2022-01-10", None, status="pending"),
        dossier("Đất đai", "2021-11-01", "2021-11-05", "2021-11-03", status="refused"),
    ]
    frame = pd.DataFrame(rows)
    frame["apology_letter"] = frame["apology_letter"].astype("boolean")
    frame["online_level"] = frame["online_level"].astype("string")
    return build_official_table(frame, "2021-Q4").set_index("field")


class TestOfficialTable:
    def test_counts_follow_the_form(self):
        table = small_table()
        ho_tich = table.loc["Hộ tịch"]
        assert ho_tich["carried_over"] == 1 and ho_tich["received_online"] == 1
        assert ho_tich["received_offline"] == 1 and ho_tich["total"] == 3
        assert (ho_tich["resolved_early"], ho_tich["resolved_late"]) == (1, 1)
        assert ho_tich["pending_overdue"] == 1
        dat_dai = table.loc["Đất đai"]
        assert (dat_dai["closed_other"], dat_dai["pending_in_time"]) == (1, 1)

    def test_total_row_sums_the_fields(self):
        table = small_table()
        assert table.loc[TOTAL_LABEL, "total"] == 5
        assert table.loc[TOTAL_LABEL, "on_time_rate"] == pytest.approx(0.5)

    def test_identities_hold(self):
        assert check_official_identities(small_table().reset_index()).empty

    def test_a_broken_row_is_reported(self):
        table = small_table().reset_index()
        table.loc[0, "resolved_early"] += 1
        assert len(check_official_identities(table)) >= 1


@pytest.fixture(scope="module")
def demo_dossiers(tmp_path_factory) -> pd.DataFrame:
    """A small synthetic dataset, cleaned (no analysis needed for the table)."""
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    root = tmp_path_factory.mktemp("official")
    raw, out = root / "raw", root / "processed"
    generate_demo_data(raw, scale=0.05, truth_path=raw / "truth.json")
    clean_all(raw, out, meetings_dirs=[raw / "meetings"])
    return pd.read_parquet(out / "dossiers.parquet")


@pytest.mark.parametrize("period", ["2021-Q1", "2021-Q3", "2021-Q4", "2021"])
def test_identities_hold_for_every_commune(demo_dossiers, period):
    communes = sorted(demo_dossiers["commune_code"].unique())
    assert len(communes) == 31
    for code in communes:
        mine = demo_dossiers[demo_dossiers["commune_code"] == code].reset_index(drop=True)
        table = build_official_table(mine, period)
        assert check_official_identities(table).empty, (code, period)
        received = mine["received_at"].dt.to_period("Q" if "Q" in period else "Y").astype(str)
        label = period.replace("-", "")
        total = table[table["field"] == TOTAL_LABEL].iloc[0]
        assert total["received_online"] + total["received_offline"] == (received == label).sum()


class TestComparisons:
    @staticmethod
    def monthly(months: list[str]) -> pd.DataFrame:
        starts = pd.to_datetime([f"{m}-01" for m in months])
        return pd.DataFrame(
            {
                "commune_code": "09640",
                "period": months,
                "period_start": starts,
                "period_end": starts + pd.offsets.MonthEnd(0),
                "is_complete": True,
                "received": 10,
                "received_online": 4,
                "resolved": 10,
                "resolved_late": 1,
            }
        )

    def test_comparisons_appear_when_the_data_cover_them(self):
        months = [f"2020-{m:02d}" for m in range(1, 13)] + [f"2021-{m:02d}" for m in range(1, 13)]
        table = compare_periods(self.monthly(months), "09640", "2021-Q4").set_index("comparison")
        assert table["covered"].all()
        assert table.loc["Từ đầu năm", "received"] == 120
        assert table.loc["Cùng kỳ năm trước", "window"] == "Quý IV/2020"
        assert describe_missing_comparisons(table.reset_index()) == ""

    def test_missing_comparisons_are_named_in_a_sentence(self):
        months = [f"2021-{m:02d}" for m in range(1, 13)]
        table = compare_periods(self.monthly(months), "09640", "2021-Q4")
        covered = dict(zip(table["comparison"], table["covered"], strict=True))
        assert covered["Cùng kỳ năm trước"] is False and covered["Quý trước"] is True
        assert "Quý IV/2020" in describe_missing_comparisons(table)


def test_procedures_taken_online_elsewhere_but_only_at_this_counter():
    rows = pd.DataFrame(
        [
            dossier(
                "Hộ tịch",
                "2021-10-04",
                "2021-10-05",
                procedure="Khai sinh",
                channel="online",
                commune="09643",
            ),
            dossier("Hộ tịch", "2021-10-04", "2021-10-05", procedure="Khai sinh"),
            dossier("Hộ tịch", "2021-10-05", "2021-10-06", procedure="Khai sinh"),
            dossier("Hộ tịch", "2021-10-04", "2021-10-05", procedure="Khai tử", channel="online"),
            dossier("Hộ tịch", "2021-10-04", "2021-10-05", procedure="Kết hôn"),
        ]
    )
    found = find_counter_only_procedures(rows, "09640", "2021-Q4")
    assert found.to_dict("records") == [{"procedure": "Khai sinh", "received": 2}]
