"""Normalising and folding Vietnamese text."""

import unicodedata

import pandas as pd

from analysis.text import fold, fold_series, normalize_text, slugify, strip_diacritics


class TestNormalizeText:
    def test_nfd_input_becomes_nfc(self):
        nfd = unicodedata.normalize("NFD", "Phong Vân")
        assert normalize_text(nfd) == "Phong Vân"
        assert unicodedata.is_normalized("NFC", normalize_text(nfd))

    def test_doubled_and_non_breaking_spaces_collapse(self):
        assert normalize_text("  xã\u00a0 Phong   Vân ") == "xã Phong Vân"

    def test_missing_values_become_empty_text(self):
        assert normalize_text(None) == ""
        assert normalize_text(float("nan")) == ""


class TestFold:
    def test_old_and_new_tone_placement_fold_alike(self):
        assert fold("Thuỵ An") == fold("Thụy An") == "thuy an"
        assert fold("Thái Hoà") == fold("Thái Hòa")

    def test_d_with_stroke_becomes_d(self):
        assert strip_diacritics("Đồng Thái") == "Dong Thai"

    def test_case_and_punctuation_are_dropped(self):
        assert fold("X. PHONG VÂN") == "x phong van"

    def test_series_folding_matches_scalar_folding(self):
        values = pd.Series(["Cẩm Lĩnh", "CẨM LĨNH", None])
        assert fold_series(values).tolist() == ["cam linh", "cam linh", ""]


def test_slug_is_ascii_and_hyphenated():
    assert slugify("Phú Đông") == "phu-dong"
