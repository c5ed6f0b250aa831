"""The national unit list (vietnam-provinces) agrees with the units we can verify."""

import pandas as pd
import pytest

from analysis.reference.national import national_units, province_units
from analysis.reference.units import units_on

pytest.importorskip("vietnam_provinces")


class TestNationalUnits:
    def test_the_new_xa_of_ba_vi_have_our_codes_and_names(self):
        ours = units_on("2025-08-01")[["code", "name", "unit_type"]]
        theirs = province_units("01").merge(ours[["code"]], on="code")
        merged = ours.merge(theirs, on="code", suffixes=("", "_pkg"))
        assert len(merged) == 8
        assert (merged["name"] == merged["name_pkg"]).all(), merged
        assert (merged["unit_type"] == merged["unit_type_pkg"]).all()

    def test_every_code_is_five_digits_and_unique(self):
        units = national_units()
        assert units["code"].str.fullmatch(r"\d{5}").all()
        assert units["code"].is_unique
        assert units["province_code"].nunique() == 34

    def test_names_drop_the_type_prefix(self):
        hanoi = province_units("01")
        assert "Quảng Oai" in set(hanoi["name"])
        assert not hanoi["name"].str.startswith(("Xã ", "Phường ")).any()

    def test_unknown_province_is_an_error(self):
        with pytest.raises(KeyError):
            province_units("99")

    def test_valid_from_is_the_day_districts_ended(self):
        assert (national_units()["valid_from"] == pd.Timestamp("2025-07-01")).all()
