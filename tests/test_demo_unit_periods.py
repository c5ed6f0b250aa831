"""Synthetic rows are written under the unit standing on their received date (2025 mergers)."""

import subprocess
import sys

import pandas as pd
import pytest

from analysis.demo.unit_periods import unit_regimes, write_units_on_received_dates


def _rows(code: str, name: str, dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dossier_id": [f"{code}-{i:04d}" for i in range(len(dates))],
            "commune_code": code,
            "commune_name": name,
            "unit_type": "Xã",
            "received_at": pd.to_datetime(dates),
        }
    )


class TestWriteUnitsOnReceivedDates:
    def test_rows_before_2025_keep_their_2021_unit(self):
        out = write_units_on_received_dates(
            _rows("09640", "Phong Vân", ["2021-10-12", "2024-12-31"])
        )
        assert out["unit_code"].tolist() == ["09640", "09640"]
        assert out["commune_name"].tolist() == ["Phong Vân", "Phong Vân"]

    def test_merged_unit_is_written_as_phu_hong_then_co_do(self):
        out = write_units_on_received_dates(
            _rows("09637", "Châu Sơn", ["2024-12-31", "2025-01-02", "2025-07-01"])
        )
        assert out["commune_name"].tolist() == ["Châu Sơn", "Phú Hồng", "Cổ Đô"]
        assert out["unit_code"].tolist() == ["09637", "09646", "09634"]
        assert out["commune_code"].tolist() == ["09637"] * 3  # the simulated desk stays

    def test_rows_of_a_divided_unit_go_to_each_part(self):
        out = write_units_on_received_dates(_rows("09619", "Tây Đằng", ["2025-08-01"] * 200))
        shares = out["commune_name"].value_counts(normalize=True)
        assert set(shares.index) == {"Quảng Oai", "Minh Châu"}
        assert shares.min() > 0.35  # spread evenly by dossier number
        assert set(out["unit_type"]) == {"Xã"}  # no longer a thị trấn

    def test_the_spread_is_the_same_on_every_run(self):
        rows = _rows("09673", "Cẩm Lĩnh", ["2025-09-01"] * 50)
        first = write_units_on_received_dates(rows)["unit_code"]
        assert first.equals(write_units_on_received_dates(rows)["unit_code"])


class TestUnitRegimes:
    def test_every_2021_unit_has_a_unit_from_july_2025(self):
        regimes = unit_regimes()
        july = regimes[regimes["from_date"] == pd.Timestamp("2025-07-01")]
        assert july["commune_code"].nunique() == 31
        assert july["unit_code"].nunique() == 8


@pytest.mark.slow
def test_exports_across_the_mergers_clean_with_under_one_percent_unknown_units(tmp_path):
    """Generated 2024-12..2025-08 exports: units resolve on each row's date (issue 14)."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    run = [sys.executable, "-m", "analysis"]
    subprocess.run(
        [*run, "demo-data", "--out", str(raw), "--start", "2024-12-01", "--end", "2025-08-31",
         "--scale", "0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*run, "clean", "--raw", str(raw), "--out", str(out)], check=True, capture_output=True
    )
    dossiers = pd.read_parquet(out / "dossiers.parquet")
    quarantine = pd.read_csv(out / "quarantine.csv")
    unknown = quarantine["reason"].str.startswith("unknown unit").sum()
    assert unknown / (len(dossiers) + len(quarantine)) < 0.01
    truth = pd.read_csv(raw / "truth_dossiers.csv", dtype=str)
    both = dossiers.merge(truth[["dossier_id", "unit_code"]], on="dossier_id")
    assert len(both) == len(dossiers)
    assert (both["commune_code"] == both["unit_code"]).all()
    by_quarter = dossiers.groupby(dossiers["received_at"].dt.to_period("Q"))[
        "commune_code"
    ].nunique()
    assert by_quarter[pd.Period("2024Q4")] == 31
    assert by_quarter[pd.Period("2025Q1")] == 29
    assert by_quarter[pd.Period("2025Q3")] == 8


class TestOnlineClassesOnTheIntakeDay:
    """After Nghị định 42/2022 an export writes toàn trình / một phần, not mức độ 3, 4."""

    def test_the_class_in_force_on_each_day_round_trips_through_clean(self):
        from analysis.demo.exports import ONLINE_CLASS_TEXT
        from analysis.demo.params import online_classes
        from analysis.ingest.dossiers import online_level_of

        levels = pd.Series([2, 3, 4, 2, 3, 4])
        days = pd.Series(pd.to_datetime(["2022-08-14"] * 3 + ["2022-08-15"] * 3))
        classes = online_classes(levels, days)
        assert classes.tolist() == [
            "level_2", "level_3", "level_4", None, "partial_online", "full_online"
        ]  # fmt: skip
        written = classes.map(ONLINE_CLASS_TEXT)
        assert [online_level_of(t) if isinstance(t, str) else None for t in written] == (
            classes.tolist()
        )
