"""The district's units, their codes on a date, and the 2025 crosswalk."""

import csv
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.reference.units import (
    CommuneResolver,
    display_name,
    load_unit_table,
    normalize_code,
    successors,
    unit_on,
    units_2021,
    units_on,
    using_units,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


class TestUnits2021:
    def test_there_are_31_units_one_town_and_30_communes(self):
        units = units_2021()
        assert len(units) == 31
        assert units["unit_type"].value_counts().to_dict() == {"Xã": 30, "Thị trấn": 1}

    def test_codes_are_five_character_strings(self):
        assert units_2021()["code"].str.fullmatch(r"\d{5}").all()

    @pytest.mark.skipif(not SHARED.exists(), reason="shared/reference not beside the repo")
    def test_codes_and_names_match_the_sourced_reference_table(self):
        with open(SHARED / "ba_vi_units_2021.csv", encoding="utf-8") as handle:
            expected = {row["code"]: row["name"] for row in csv.DictReader(handle)}
        got = dict(zip(units_2021()["code"], units_2021()["name"]))
        assert got == expected

    def test_names_are_nfc(self):
        assert all(unicodedata.is_normalized("NFC", n) for n in units_2021()["name"])

    def test_island_and_mountain_communes_are_marked(self):
        terrain = units_2021().set_index("name")["terrain"]
        assert terrain["Minh Châu"] == "island"
        assert set(terrain[terrain == "mountain"].index) == {
            "Ba Trại",
            "Ba Vì",
            "Khánh Thượng",
            "Minh Quang",
            "Tản Lĩnh",
            "Vân Hòa",
            "Yên Bài",
        }


class TestUnitOnDate:
    def test_a_code_means_different_units_in_different_periods(self):
        assert unit_on("09619", "2021-06-01")["name"] == "Tây Đằng"
        assert unit_on("09619", "2025-08-01")["name"] == "Quảng Oai"
        assert unit_on("09700", "2021-06-01")["name"] == "Minh Quang"
        assert unit_on("09700", "2025-08-01")["name"] == "Ba Vì"

    def test_phu_hong_exists_only_in_the_first_half_of_2025(self):
        assert unit_on("09646", "2024-12-31")["name"] == "Phú Phương"
        assert unit_on("09646", "2025-03-01")["name"] == "Phú Hồng"
        assert len(units_on("2025-03-01")) == 29
        assert len(units_on("2025-07-01")) == 8

    def test_a_merged_code_on_a_later_date_is_an_error(self):
        with pytest.raises(KeyError):
            unit_on("09637", "2025-03-01")

    def test_display_name_carries_the_unit_type(self):
        assert display_name("09619") == "thị trấn Tây Đằng"
        assert display_name("09640") == "xã Phong Vân"

    def test_spreadsheet_numbers_regain_their_leading_zero(self):
        assert normalize_code(9640) == "09640"
        assert normalize_code("9640.0") == "09640"


class TestSuccessors:
    def test_chau_son_went_through_phu_hong_into_co_do(self):
        chain = successors("09637")
        assert chain["new_name"].tolist() == ["Cổ Đô"]

    def test_split_units_have_two_successors_marked_part(self):
        chain = successors("09619")
        assert set(chain["new_name"]) == {"Quảng Oai", "Minh Châu"}
        assert (chain["relationship"] == "part").all()

    def test_every_2021_unit_has_a_successor(self):
        for code, name in zip(units_2021()["code"], units_2021()["name"]):
            assert not successors(code, name).empty, name


class TestCommuneResolver:
    @pytest.fixture
    def resolver(self):
        return CommuneResolver("2021-06-30")

    @pytest.mark.parametrize(
        "written",
        [
            "UBND xã Phong Vân",
            "X. Phong Vân",
            "xã Phong Van",
            "PHONG VÂN",
            unicodedata.normalize("NFD", "Phong Vân"),
            "xã  Phong  Vân",
            "Phong Vân, huyện Ba Vì, Hà Nội",
            "Phong Vaan",
        ],
    )
    def test_spelling_variants_resolve_to_the_same_code(self, resolver, written):
        assert resolver.resolve(written).code == "09640"

    def test_old_tone_placement_resolves(self, resolver):
        assert resolver.resolve("Thuỵ An").code == "09685"
        assert resolver.resolve("xã Thái Hoà").code == "09652"

    def test_town_prefixes_resolve(self, resolver):
        assert resolver.resolve("TT Tây Đằng").code == "09619"
        assert resolver.resolve("Thị trấn Tây Đằng").code == "09619"

    def test_the_district_is_not_the_commune_ba_vi(self, resolver):
        result = resolver.resolve("UBND huyện Ba Vì")
        assert result.code is None and "district" in result.reason
        assert resolver.resolve("xã Ba Vì").code == "09703"

    def test_a_unit_outside_the_district_is_not_guessed(self, resolver):
        result = resolver.resolve("xã Phúc Hòa")
        assert result.code is None and "not a unit" in result.reason

    def test_codes_resolve_only_within_the_district(self, resolver):
        assert resolver.resolve("09640").code == "09640"
        assert resolver.resolve("10000").code is None

    def test_empty_values_have_a_reason(self, resolver):
        assert resolver.resolve("").reason == "unit is empty"

    def test_series_resolution_keeps_the_index(self, resolver):
        values = pd.Series(["X. Cẩm Lĩnh", "Hà Đông"], index=[7, 9])
        out = resolver.resolve_series(values)
        assert out.loc[7, "commune_code"] == "09673"
        assert out.loc[9, "commune_code"] is None
        assert out.loc[9, "match_method"] == "unresolved"


class TestCommuneResolverTails:
    @pytest.fixture
    def resolver(self):
        return CommuneResolver("2021-06-30")

    @pytest.mark.parametrize(
        "written, code",
        [
            ("Xã Tản Lĩnh - Ba Vì", "09694"),
            ("Phong Vân - Ba Vì - Hà Nội", "09640"),
            ("xã Ba Vì - Ba Vì", "09703"),
            ("09640 - Phong Vân", "09640"),
            ("Phong Vân (09640)", "09640"),
        ],
    )
    def test_district_tails_and_codes_beside_names_resolve(self, resolver, written, code):
        assert resolver.resolve(written).code == code

    def test_a_code_that_contradicts_its_name_is_not_guessed(self, resolver):
        result = resolver.resolve("09640 - Cẩm Lĩnh")
        assert result.code is None and "disagree" in result.reason

    def test_the_bare_name_ba_vi_is_still_the_commune(self, resolver):
        assert resolver.resolve("Ba Vì").code == "09703"


class TestUnitTableOfAnyDistrict:
    """The unit table is data: a folder per district, Ba Vì's being the default instance."""

    @pytest.fixture
    def other(self, tmp_path) -> Path:
        folder = tmp_path / "units"
        folder.mkdir()
        (folder / "units_2021.csv").write_text(
            "code,name,unit_type,district_code,district_name,province_code,province_name\n"
            "90001,An Lạc,Xã,S99,Mô phỏng Z,S,Tỉnh mô phỏng\n"
            "90002,Bình Phát,Thị trấn,S99,Mô phỏng Z,S,Tỉnh mô phỏng\n",
            encoding="utf-8",
        )
        return folder

    def test_a_district_without_a_crosswalk_keeps_its_units(self, other):
        table = load_unit_table(other)
        assert units_on("2026-01-01", table)["code"].tolist() == ["90001", "90002"]
        assert table.period_starts == (pd.Timestamp("1900-01-01"),)

    def test_its_own_names_and_suffix_resolve_and_ba_vi_names_do_not(self, other):
        resolver = CommuneResolver("2021-06-30", load_unit_table(other))
        assert resolver.resolve("UBND xã An Lạc, huyện Mô phỏng Z").code == "90001"
        assert resolver.resolve("TT Bình Phát").code == "90002"
        missed = resolver.resolve("UBND xã Phong Vân")
        assert missed.code is None
        assert "not a unit of huyện Mô phỏng Z" in missed.reason
        assert "is the district" in resolver.resolve("UBND huyện Mô phỏng Z").reason

    def test_using_units_switches_the_lookups_and_restores_ba_vi(self, other):
        with using_units(other) as table:
            assert table.district_name == "Mô phỏng Z"
            assert units_2021()["code"].tolist() == ["90001", "90002"]
        assert len(units_2021()) == 31

    def test_a_folder_without_a_unit_table_is_a_user_error(self, tmp_path):
        with pytest.raises(UserError, match="units_2021.csv"), using_units(tmp_path):
            pass

    def test_ba_vi_old_units_end_the_day_before_their_first_crosswalk_step(self):
        units = units_2021().set_index("name")["valid_to"]
        assert units["Châu Sơn"] == pd.Timestamp("2024-12-31")  # into Phú Hồng
        assert units["Phong Vân"] == pd.Timestamp("2025-06-30")  # into Cổ Đô
