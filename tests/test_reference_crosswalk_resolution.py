"""Names of units gone in the 2025 reorganisation resolve through the crosswalk, or say why not."""

from datetime import date, timedelta

import pandas as pd
import pytest

from analysis.reference.units import CommuneResolver, crosswalk, successors_on, units_on

AFTER_PHU_HONG = date(2025, 3, 1)
AFTER_DISTRICTS = date(2025, 8, 1)


def _edges() -> list[dict]:
    return crosswalk().to_dict("records")


class TestSuccessorsOn:
    def test_a_unit_still_standing_has_no_successor(self):
        assert successors_on("09637", "Châu Sơn", "2024-12-31").empty

    def test_merger_into_phu_hong_is_followed_on_its_effective_date(self):
        after = successors_on("09637", "Châu Sơn", "2025-01-01")
        assert after.to_dict("records") == [
            {"new_code": "09646", "new_name": "Phú Hồng", "relationship": "whole"}
        ]

    def test_two_steps_are_followed_to_the_unit_standing_on_the_date(self):
        after = successors_on("09631", "Tản Hồng", AFTER_DISTRICTS)
        assert after[["new_code", "new_name"]].values.tolist() == [["09634", "Cổ Đô"]]

    def test_the_reused_code_09646_is_told_apart_by_name(self):
        # Phú Phương (09646) became Phú Hồng (09646), which became part of Cổ Đô
        assert successors_on("09646", "Phú Phương", AFTER_PHU_HONG)["new_name"].tolist() == [
            "Phú Hồng"
        ]
        assert successors_on("09646", "Phú Hồng", AFTER_DISTRICTS)["new_name"].tolist() == ["Cổ Đô"]

    def test_a_unit_that_keeps_its_name_and_code_is_one_step_not_a_loop(self):
        after = successors_on("09664", "Vật Lại", AFTER_DISTRICTS)
        assert after["new_code"].tolist() == ["09664"]

    def test_a_split_unit_has_every_part_marked_part(self):
        after = successors_on("09619", "Tây Đằng", AFTER_DISTRICTS)
        assert sorted(after["new_name"]) == ["Minh Châu", "Quảng Oai"]
        assert set(after["relationship"]) == {"part"}


class TestCrosswalkEdges:
    @pytest.mark.parametrize("edge", _edges(), ids=lambda e: f"{e['old_name']}->{e['new_name']}")
    def test_every_edge_resolves_after_it_takes_effect(self, edge):
        """Whole transfers resolve to the successor standing then; parts are refused, named."""
        on = pd.Timestamp(edge["effective_date"]).date() + timedelta(days=31)
        resolution = CommuneResolver(on).resolve(f"UBND xã {edge['old_name']}")
        standing = set(units_on(on)["code"])
        after = successors_on(edge["old_code"], edge["old_name"], on)
        if (
            edge["relationship"] == "whole"
            and len(after) == 1
            and after["relationship"][0] == "whole"
        ):
            expected = after["new_code"][0]
            assert expected in standing
            if edge["old_name"] in set(units_on(on)["name"]):
                assert resolution.code == expected  # same name now, e.g. xã Ba Vì
            else:
                assert (resolution.code, resolution.method) == (expected, "via_crosswalk")
        else:
            assert resolution.code is None
            assert "was divided between" in resolution.reason
            for name in after["new_name"]:
                assert name in resolution.reason

    @pytest.mark.parametrize("edge", _edges(), ids=lambda e: f"{e['old_name']}@before")
    def test_every_old_name_is_itself_the_day_before_it_changes(self, edge):
        on = pd.Timestamp(edge["effective_date"]).date() - timedelta(days=1)
        resolution = CommuneResolver(on).resolve(f"xã {edge['old_name']}")
        assert resolution.code == edge["old_code"]
        assert resolution.method in {"exact", "alias"}


class TestResolverAcrossPeriods:
    def test_old_name_without_diacritics_resolves_via_crosswalk(self):
        assert CommuneResolver(AFTER_DISTRICTS).resolve("xa Phong Van").code == "09634"

    def test_phu_phuong_is_phu_hong_not_an_ambiguous_guess(self):
        resolution = CommuneResolver(AFTER_PHU_HONG).resolve("UBND xã Phú Phương")
        assert (resolution.code, resolution.method) == ("09646", "via_crosswalk")

    def test_misspelt_old_name_is_fuzzy_matched_then_followed(self):
        resolution = CommuneResolver(AFTER_DISTRICTS).resolve("xã Tản Hồngg")
        assert (resolution.code, resolution.method) == ("09634", "via_crosswalk")

    def test_old_alias_does_not_follow_a_reused_code_to_the_new_unit(self):
        """'TT Tây Đằng' (alias of 09619) must not become Quảng Oai, which reuses 09619."""
        resolution = CommuneResolver(AFTER_DISTRICTS).resolve("TT Tây Đằng")
        assert resolution.code is None
        assert "divided" in resolution.reason

    def test_code_beside_a_gone_name_follows_the_name_not_the_reused_code(self):
        assert CommuneResolver(AFTER_DISTRICTS).resolve("09619 - Tây Đằng").code is None
        assert CommuneResolver(AFTER_DISTRICTS).resolve("09640 - Phong Vân").code == "09634"

    def test_current_names_still_win_over_gone_ones(self):
        resolver = CommuneResolver(AFTER_DISTRICTS)
        assert resolver.resolve("xã Ba Vì").code == "09700"
        assert resolver.resolve("xã Cổ Đô").code == "09634"
        assert resolver.resolve("xã Quảng Oai").code == "09619"

    def test_the_district_is_never_a_commune_in_any_period(self):
        for on in (date(2021, 12, 31), AFTER_PHU_HONG, AFTER_DISTRICTS):
            assert CommuneResolver(on).resolve("huyện Ba Vì").code is None

    def test_2021_resolution_is_unchanged(self):
        resolver = CommuneResolver(date(2021, 12, 31))
        assert resolver.resolve("TT Tây Đằng").code == "09619"
        assert resolver.resolve("Thuỵ An").code == "09685"
        assert not resolver.predecessors


class TestResolveUnitCodesFlagsTheCrosswalk:
    def test_rows_after_a_merger_keep_their_old_name_flagged_via_crosswalk(self):
        from analysis.ingest.dossiers import resolve_units

        units = pd.Series(["Xã Tản Hồng", "Xã Tản Hồng", "xã Cổ Đô", "Tây Đằng"])
        received = pd.to_datetime(["2024-12-30", "2025-08-04", "2025-08-04", "2025-08-04"])
        out = resolve_units(units, pd.Series(received))
        plain = out.astype(object).where(out.notna(), None)
        assert plain["commune_code"].tolist() == ["09631", "09634", "09634", None]
        assert plain["unit_resolution"].tolist() == ["exact", "via_crosswalk", "exact", None]
        assert "divided between" in out["unit_reason"].iloc[3]
