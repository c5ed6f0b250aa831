"""Units of a period and series across the 2025 mergers (issue 14 items 1-2), on small frames."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from analysis.analyse.indicators import compute_indicators, list_periods
from analysis.analyse.reconstruct import (
    RULE_SELF,
    RULE_SPLIT,
    RULE_WHOLE,
    by_regime,
    map_officers,
    reconstruct_history,
    reconstruction_rules,
)
from analysis.analyse.staffing import compute_staffing_by_month
from analysis.publish.batch import brief_filename, resolve_communes
from analysis.reference.lineage import (
    lineage,
    predecessors,
    split_weights,
    successor_codes,
    unit_display_name,
    units_of_period,
)
from analysis.reference.units import crosswalk, units_2021
from analysis.report.frame import list_label, unit_terrain
from analysis.report.predecessors import (
    describe_formation,
    predecessor_history,
    reconstructed_series,
)

NEW_XA = {
    "09619": "Quảng Oai",
    "09634": "Cổ Đô",
    "09661": "Minh Châu",
    "09664": "Vật Lại",
    "09676": "Bất Bạt",
    "09694": "Suối Hai",
    "09700": "Ba Vì",
    "09706": "Yên Bài",
}
AFTER = pd.Timestamp("2025-12-31")


class TestUnitsOfAPeriod:
    def test_2025_q4_is_the_eight_new_xa(self):
        units = units_of_period("2025-Q4")
        assert dict(zip(units["code"], units["name"])) == NEW_XA

    def test_a_period_starting_on_the_change_has_the_new_units(self):
        assert set(units_of_period("2025-Q3")["code"]) == set(NEW_XA)
        assert set(units_of_period("2025")["code"]) == set(NEW_XA)  # straddling: its last day

    def test_2025_q2_has_phu_hong_instead_of_its_three_units(self):
        units = units_of_period("2025-Q2")
        assert len(units) == 29
        assert "Phú Hồng" in set(units["name"])
        assert not {"Châu Sơn", "Phú Phương", "Tản Hồng"} & set(units["name"])

    def test_all_for_a_period_resolves_to_its_units(self):
        assert resolve_communes("all", "2025-Q4") == list(NEW_XA)
        assert resolve_communes("all", "2021-Q4") == units_2021()["code"].tolist()
        assert resolve_communes("all") == units_2021()["code"].tolist()
        assert resolve_communes("09640,09625", "2025-Q4") == ["09640", "09625"]

    def test_reused_codes_are_named_for_the_period(self):
        assert unit_display_name("09619", "2021-Q4") == "thị trấn Tây Đằng"
        assert unit_display_name("09619", "2025-Q4") == "xã Quảng Oai"
        assert brief_filename("09619", "2025-Q4") == "09619-xa-quang-oai"
        assert brief_filename("09619") == "09619-thi-tran-tay-dang"
        assert list_label("2021-Q4") == "Danh sách 31 xã, thị trấn"
        assert list_label("2025-Q4") == "Danh sách 8 xã"
        # terrain is known for the 2021 units only
        assert unit_terrain("09700", "2025-Q4") == ""
        assert unit_terrain("09700", "2021-Q4") == unit_terrain("09700")


class TestLineage:
    def test_every_crosswalk_edge_reaches_its_new_unit(self):
        table = lineage(AFTER)
        reached = set(zip(table["source_name"], table["unit_code"]))
        for edge in crosswalk().itertuples():
            if edge.new_name == "Phú Hồng":  # an intermediate unit: it went on to Cổ Đô
                assert (edge.old_name, "09634") in reached
            else:
                assert (edge.old_name, edge.new_code) in reached, edge

    def test_each_old_unit_passes_on_all_its_rows(self):
        table = lineage(AFTER)
        totals = table.groupby(["source_code", "source_version"])["weight"].sum()
        assert np.allclose(totals.to_numpy(), 1.0)
        parts = table[table["relationship"] == "part"]
        assert set(parts["source_name"]) == {
            "Tây Đằng",
            "Chu Minh",
            "Cẩm Lĩnh",
            "Thụy An",
            "Minh Quang",
        }
        assert len(split_weights()) == len(parts)

    def test_2021_units_are_their_own_in_2021(self):
        table = lineage("2021-12-31")
        assert (table["relationship"] == "self").all() and len(table) == 31

    def test_minh_chau_was_formed_from_its_old_self_and_two_parts(self):
        before = predecessors("09661", AFTER)
        assert dict(zip(before["source_name"], before["relationship"])) == {
            "Minh Châu": "whole",
            "Tây Đằng": "part",
            "Chu Minh": "part",
        }
        assert reconstruction_rules(AFTER)["09661"] == RULE_SPLIT
        assert reconstruction_rules(AFTER)["09706"] == RULE_WHOLE
        assert reconstruction_rules(pd.Timestamp("2021-12-31"))["09640"] == RULE_SELF

    def test_rows_follow_their_unit_of_the_received_date(self):
        ids = pd.Series([f"d{i}" for i in range(4000)])
        codes = pd.Series(["09619"] * 2000 + ["09709"] * 2000, dtype="string")
        days = pd.Series([pd.Timestamp("2024-08-01")] * 1000 + [pd.Timestamp("2025-08-01")] * 1000)
        days = pd.concat([days, days], ignore_index=True)
        out = successor_codes(codes, days, ids, AFTER)
        # Tây Đằng's rows (2024) are split between Quảng Oai and Minh Châu by the weights
        share = (out[:1000] == "09619").mean()
        assert set(out[:1000]) == {"09619", "09661"} and 0.45 < share < 0.55
        # 09619 in 2025-08 is Quảng Oai already; Yên Bài (2021) went whole to new Yên Bài
        assert (out[1000:2000] == "09619").all()
        assert (out[2000:3000] == "09706").all()
        # a code that meant no unit on the row's day (09709 after 1/7/2025) is left as it is
        assert (out[3000:] == "09709").all()
        # in 2021 nothing moves
        assert successor_codes(codes, days, ids, pd.Timestamp("2021-12-31")).equals(codes)

    def test_officers_of_a_divided_desk_count_by_weight(self):
        officers = pd.DataFrame(
            {
                "officer_id": ["a", "b", "c"],
                "commune_code": ["09619", "09619", "09688"],
                "is_concurrent": [False, False, True],
                "start_date": pd.to_datetime(["2020-01-01", "2025-08-01", "2019-05-01"]),
                "end_date": pd.to_datetime([None, None, None]),
            }
        )
        mapped = map_officers(officers, AFTER)
        weights = {(r.officer_id, r.commune_code): r.weight for r in mapped.itertuples()}
        assert weights == {
            ("a", "09619"): 0.5,  # TT Tây Đằng's officer, shared
            ("a", "09661"): 0.5,
            ("b", "09619"): 1.0,  # started at xã Quảng Oai
            ("c", "09619"): 1.0,  # Cam Thượng went whole to Quảng Oai
        }
        staff = compute_staffing_by_month(mapped, "2025-10-01", "2025-10-31", ["09619", "09661"])
        plain = compute_staffing_by_month(officers.iloc[[0]], "2025-10-01", "2025-10-31", ["09619"])
        days = plain["officer_days"].iloc[0]
        by_code = staff.set_index("commune_code")["officer_days"]
        assert by_code["09661"] == pytest.approx(0.5 * days)
        assert by_code["09619"] == pytest.approx(2.5 * days)
        assert map_officers(officers, pd.Timestamp("2021-12-31")) is officers


def _dossiers() -> pd.DataFrame:
    """Resolved dossiers of four old units and two new ones, one per (unit, month), 2024-10..2025-12."""
    rows = []
    plan = {
        "09706": 3,  # Vân Hòa (2021) / Yên Bài (new)
        "09709": 2,  # Yên Bài (2021)
        "09619": 5,  # TT Tây Đằng (2021) / Quảng Oai (new)
        "09688": 4,  # Cam Thượng (2021)
    }
    for month in pd.period_range("2024-10", "2025-12", freq="M"):
        for code, per_month in plan.items():
            if month >= pd.Period("2025-07", "M") and code in {"09709", "09688"}:
                continue  # gone: their citizens file at the new xã
            for k in range(per_month):
                received = month.start_time + pd.Timedelta(days=k)
                rows.append(
                    {
                        "dossier_id": f"{code}-{month}-{k}",
                        "commune_code": code,
                        "field": "Hộ tịch",
                        "channel": "online" if k % 2 else "in_person",
                        "online_level": pd.NA,
                        "received_at": received,
                        "due_at": received + pd.Timedelta(days=5),
                        "completed_at": received + pd.Timedelta(days=3 + 4 * (k == 0)),
                        "status": "resolved",
                        "outcome": "late" if k == 0 else "on_time",
                        "apology_letter": pd.NA,
                        "as_of": pd.Timestamp("2025-12-31"),
                    }
                )
    frame = pd.DataFrame(rows)
    frame["commune_code"] = frame["commune_code"].astype("string")
    frame["apology_letter"] = frame["apology_letter"].astype("boolean")
    return frame


@pytest.fixture(scope="module")
def computed():
    dossiers = _dossiers()
    periods = list_periods("2024-10-01", "2025-12-31")
    quarters = periods[periods["period_type"] == "quarter"]
    by_period = by_regime(compute_indicators, dossiers, None, quarters)
    history = reconstruct_history(compute_indicators, dossiers, None, quarters)
    return dossiers, by_period, history


def _plain_received(dossiers: pd.DataFrame, whole: set[str], parts: set[str], quarter: str):
    """Second path: count by hand (the Quảng Oai share of a divided unit: its id below the weight)."""
    span = pd.Period(quarter.replace("-", ""), freq="Q")
    inside = dossiers[dossiers["received_at"].dt.to_period("Q") == span]
    count = 0
    for row in inside.itertuples():
        share = zlib.crc32(row.dossier_id.encode()) % 10_000 < 5_000
        count += row.commune_code in whole or (row.commune_code in parts and share)
    return count


class TestSeriesAcrossTheMergers:
    def test_each_period_has_the_units_standing_at_its_end(self, computed):
        _, by_period, _ = computed
        units = by_period[by_period["commune_code"] != "district"].groupby("period")["commune_code"]
        assert units.nunique()["2024-Q4"] == 31
        assert units.nunique()["2025-Q2"] == 29
        assert set(units.unique()["2025-Q4"]) == set(NEW_XA)

    def test_a_whole_merger_sums_its_predecessors(self, computed):
        dossiers, by_period, history = computed
        yen_bai = history[(history["commune_code"] == "09706")].set_index("period")
        for quarter in ("2024-Q4", "2025-Q1", "2025-Q2"):
            assert yen_bai.loc[quarter, "received"] == _plain_received(
                dossiers, {"09706", "09709"}, set(), quarter
            )
            assert yen_bai.loc[quarter, "reconstructed"]
            assert yen_bai.loc[quarter, "reconstruction_rule"] == RULE_WHOLE
        assert not yen_bai.loc["2025-Q4", "reconstructed"]
        assert yen_bai.loc["2025-Q4", "received"] == 3 * 3
        actual = by_period[
            (by_period["commune_code"] == "09706") & (by_period["period"] == "2025-Q4")
        ]
        assert actual["received"].iloc[0] == yen_bai.loc["2025-Q4", "received"]
        # late: the first dossier of each (unit, month) -> 2 units x 3 months in 2024-Q4
        assert yen_bai.loc["2024-Q4", "resolved_late"] == 6

    def test_a_divided_unit_passes_its_weighted_share(self, computed):
        dossiers, _, history = computed
        quang_oai = history[(history["commune_code"] == "09619")].set_index("period")
        minh_chau = history[(history["commune_code"] == "09661")].set_index("period")
        for quarter in ("2024-Q4", "2025-Q2"):
            expected = _plain_received(dossiers, {"09688"}, {"09619"}, quarter)
            assert quang_oai.loc[quarter, "received"] == expected
            # Tây Đằng's rows all went somewhere: to Quảng Oai or to Minh Châu
            tay_dang = _plain_received(dossiers, {"09619"}, set(), quarter)
            cam_thuong = _plain_received(dossiers, {"09688"}, set(), quarter)
            assert quang_oai.loc[quarter, "received"] + minh_chau.loc[quarter, "received"] == (
                tay_dang + cam_thuong
            )
            assert quang_oai.loc[quarter, "reconstruction_rule"] == RULE_SPLIT


class TestFormationText:
    def test_a_new_xa_names_every_predecessor(self):
        text = describe_formation("09619", "2025-Q4")
        assert text.startswith("Xã Quảng Oai được thành lập từ ngày 01/07/2025")
        for name in ("Cam Thượng", "Đông Quang", "Tiên Phong"):
            assert name in text.split("một phần")[0]
        for name in ("thị trấn Tây Đằng", "Chu Minh", "Thụy An"):
            assert name in text.split("một phần")[1]
        assert "chưa được kiểm chứng" in text

    def test_co_do_tells_the_phu_hong_step(self):
        text = describe_formation("09634", "2025-Q4")
        assert "đã hợp nhất thành xã Phú Hồng từ ngày 01/01/2025" in text
        assert "một phần" not in text  # no divided unit in Cổ Đô

    def test_units_of_2021_get_no_section(self):
        assert describe_formation("09619", "2021-Q4") == ""
        assert describe_formation("09640", "2024-Q4") == ""

    def test_tables_state_the_numbers_of_the_analysis(self, computed):
        dossiers, by_period, history = computed
        table = predecessor_history(by_period, "09706", "2025-Q4").set_index("Đơn vị cũ")
        # Vân Hòa: 3 a month over 2024-Q4..2025-Q2 (9 months); Yên Bài (2021): 2 a month
        assert table.loc["xã Vân Hòa", "Hồ sơ tiếp nhận"] == "27"
        assert table.loc["xã Yên Bài", "Hồ sơ tiếp nhận"] == "18"
        assert table.loc["xã Vân Hòa", "Số quý có số liệu"] == 3
        assert table.loc["xã Vân Hòa", "Nhập vào"] == "toàn bộ"
        split = predecessor_history(by_period, "09619", "2025-Q4").set_index("Đơn vị cũ")
        assert split.loc["thị trấn Tây Đằng", "Nhập vào"] == "một phần (50 %)"
        assert split.loc["thị trấn Tây Đằng", "Hồ sơ tiếp nhận"] == "45"  # 5 x 9 months
        series = reconstructed_series(history, "09706", "2025-Q4")
        assert series["Quý"].tolist() == [
            "Quý 4/2024",
            "Quý 1/2025",
            "Quý 2/2025",
            "Quý 3/2025",
            "Quý 4/2025",
        ]
        assert series["Hồ sơ tiếp nhận"].tolist() == ["15", "15", "15", "9", "9"]
        assert series["Số liệu"].tolist()[:3] == ["dựng lại từ đơn vị cũ"] * 3
        assert series["Số liệu"].tolist()[3:] == ["của đơn vị"] * 2
