"""Fake but realistic Vietnamese personal data, so that privacy checks have something real-looking
to catch: full names, 12-digit CCCD (Hà Nội prefix 001) or 9-digit CMND, mobile and 024 landline
numbers, village-level addresses. None of it belongs to anyone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.reference.units import active_table

# family names weighted roughly as in the Red River delta; Khuất, Kiều, Phùng and Đỗ are common
# around Ba Vì and Sơn Tây
FAMILY_NAMES = {
    "Nguyễn": 30, "Trần": 8, "Lê": 7, "Phạm": 5, "Hoàng": 3, "Phan": 2, "Vũ": 3, "Đặng": 2,
    "Bùi": 3, "Đỗ": 4, "Ngô": 2, "Dương": 2, "Đinh": 2, "Khuất": 4, "Kiều": 4, "Phùng": 4,
    "Đào": 1, "Lưu": 1, "Đoàn": 1, "Hà": 1,
}  # fmt: skip
MIDDLE_MALE = ("Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Thành", "Ngọc", "Mạnh", "Tiến")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Thúy", "Hồng")
GIVEN_MALE = (
    "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đông", "Giang", "Hải", "Hiếu", "Hòa", "Hùng",
    "Huy", "Khánh", "Kiên", "Long", "Mạnh", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Toàn",
    "Trung", "Tuấn", "Việt", "Vinh",
)  # fmt: skip
GIVEN_FEMALE = (
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Huyền", "Lan",
    "Liên", "Linh", "Loan", "Mai", "Ngân", "Nga", "Nhung", "Oanh", "Phượng", "Quyên", "Thảo",
    "Trang", "Tuyết", "Vân", "Yến",
)  # fmt: skip
MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
    "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "088", "091", "094",
    "056", "058",
)  # fmt: skip
HAMLET_KINDS = ("Thôn", "Thôn", "Xóm", "Cụm")
HAMLET_NAMES = (
    "Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Chùa", "Đình", "Mới", "Bãi", "Gò", "Đồng",
    "1", "2", "3", "4", "5", "6", "7", "8", "9",
)  # fmt: skip


def _pick(rng: np.random.Generator, values: tuple[str, ...] | list[str], n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]


def _digits(values: np.ndarray, width: int) -> pd.Series:
    return pd.Series(values).astype(str).str.zfill(width).astype(object)


def draw_full_names(rng: np.random.Generator, n: int) -> pd.Series:
    """Full names 'Họ Đệm Tên' with family names weighted by frequency."""
    families = np.array(list(FAMILY_NAMES), dtype=object)
    weights = np.array(list(FAMILY_NAMES.values()), dtype=float)
    family = families[rng.choice(len(families), size=n, p=weights / weights.sum())]
    female = rng.random(n) < 0.5
    middle = np.where(female, _pick(rng, MIDDLE_FEMALE, n), _pick(rng, MIDDLE_MALE, n))
    given = np.where(female, _pick(rng, GIVEN_FEMALE, n), _pick(rng, GIVEN_MALE, n))
    return pd.Series(family + " " + middle + " " + given, dtype=object)


def draw_id_numbers(rng: np.random.Generator, n: int, cmnd_share: float = 0.12) -> pd.Series:
    """CCCD 'PPP G YY NNNNNN' with Hà Nội's 001 (G: sex and century), or an old 9-digit CMND."""
    birth_year = rng.integers(1940, 2004, n)
    female = rng.integers(0, 2, n)
    century_sex = np.where(birth_year >= 2000, 2, 0) + female
    serial = rng.integers(0, 1_000_000, n)
    cccd = "001" + _digits(century_sex, 1) + _digits(birth_year % 100, 2) + _digits(serial, 6)
    cmnd = _digits(rng.integers(10_000_000, 120_000_000, n), 9)
    return cccd.where(rng.random(n) >= cmnd_share, cmnd)


def draw_phone_numbers(rng: np.random.Generator, n: int) -> pd.Series:
    """Mobile numbers written 0xxxxxxxxx or +84xxxxxxxxx, and some 024 landlines of the district."""
    prefix = _pick(rng, MOBILE_PREFIXES, n)
    rest = rng.integers(0, 10_000_000, n)
    mobile = prefix + _digits(rest, 7)
    international = "+84" + mobile.str[1:]
    landline = "02433" + _digits(rng.integers(0, 1_000_000, n), 6)
    kind = rng.random(n)
    return mobile.where(kind < 0.75, international.where(kind < 0.9, landline))


def draw_addresses(rng: np.random.Generator, commune_names: pd.Series) -> pd.Series:
    """'Thôn Đông, xã Phong Vân, huyện Ba Vì, Hà Nội' style addresses in the dossier's commune."""
    n = len(commune_names)
    table = active_table()
    hamlet = _pick(rng, HAMLET_KINDS, n) + " " + _pick(rng, HAMLET_NAMES, n)
    unit = np.where(commune_names.to_numpy() == "Tây Đằng", "thị trấn ", "xã ")
    return pd.Series(
        hamlet
        + ", "
        + unit
        + commune_names.to_numpy().astype(object)
        + f", huyện {table.district_name}, {table.province_name}",
        index=commune_names.index,
        dtype=object,
    )
