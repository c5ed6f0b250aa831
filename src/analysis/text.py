"""Normalising and folding Vietnamese text.

Real exports mix NFC and NFD, old and new tone placement ("Thuỵ"/"Thụy"), upper case
and missing diacritics. Display text is NFC; matching uses a *folded* key that drops
all of those differences at once.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z ]+")


def normalize_text(value: object) -> str:
    """Return NFC text with collapsed whitespace (for display and storage)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def strip_diacritics(value: object) -> str:
    """Remove tone and vowel marks, mapping đ/Đ to d/D (Vietnamese has no decomposition for đ)."""
    text = unicodedata.normalize("NFD", normalize_text(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d").replace("Đ", "D")


def fold(value: object) -> str:
    """Return a matching key: no diacritics, lower case, punctuation as spaces, single spaces.

    Folding makes tone placement irrelevant, which NFC alone does not ("Thuỵ" vs "Thụy").
    """
    text = strip_diacritics(value).lower()
    text = _NON_ALNUM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold_series(values: pd.Series) -> pd.Series:
    """Fold a Series, computing each distinct value once (exports repeat values a lot)."""
    uniques = pd.unique(values.astype("object"))
    mapping = {u: fold(u) for u in uniques}
    return values.astype("object").map(mapping)


def slugify(value: object) -> str:
    """Return an ASCII file-name slug ("Phú Đông" -> "phu-dong")."""
    return fold(value).replace(" ", "-")
