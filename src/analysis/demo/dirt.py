"""How real one-stop-shop exports write things: header wordings, unit spellings, date encodings.

Each function turns clean values into the written forms seen in real files (DOMAIN.md,
"Dossiers"), vectorised over a column.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from analysis.reference.units import active_table
from analysis.text import strip_diacritics

EXCEL_EPOCH = pd.Timestamp("1899-12-30")

# canonical column -> wordings seen in different systems and versions
HEADER_WORDINGS = {
    "stt": ("STT", "TT", "Số TT"),
    "dossier_id": ("Mã hồ sơ", "Mã HS", "Số hồ sơ"),
    "procedure": ("Tên thủ tục", "Thủ tục hành chính", "Tên TTHC"),
    "field": ("Lĩnh vực", "Lĩnh vực TTHC"),
    "unit": ("Đơn vị tiếp nhận", "Cơ quan tiếp nhận", "Nơi tiếp nhận"),
    "applicant": ("Chủ hồ sơ", "Người nộp hồ sơ", "Tên người nộp"),
    "id_number": ("Số CCCD/CMND", "Số giấy tờ tùy thân", "CMND/CCCD"),
    "phone": ("Số điện thoại", "SĐT", "Điện thoại liên hệ"),
    "address": ("Địa chỉ", "Địa chỉ thường trú"),
    "channel": ("Hình thức nộp", "Hình thức tiếp nhận"),
    "channel_code": ("Kênh thực hiện", "Kênh nộp"),
    "level": ("Mức độ", "Mức độ DVC"),
    "received": ("Ngày tiếp nhận", "Ngày nhận hồ sơ", "Thời gian tiếp nhận"),
    "due": ("Ngày hẹn trả", "Hẹn trả kết quả", "Ngày hẹn trả kết quả"),
    "completed": ("Ngày có kết quả", "Ngày hoàn thành", "Ngày kết thúc xử lý"),
    "returned": ("Ngày trả kết quả", "Ngày trả KQ"),
    "status": ("Trạng thái", "Tình trạng hồ sơ"),
    "officer": ("Cán bộ xử lý", "Người xử lý", "Cán bộ thụ lý"),
    "apology": ("Thư xin lỗi", "Phiếu xin lỗi", "Có thư xin lỗi"),
}
CHANNEL_TEXT = {"in_person": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
CHANNEL_CODE = {"in_person": 1, "online": 2, "postal": 3}

# unit spelling variants, all of which a careful resolver can map back to the unit
UNIT_VARIANTS = (
    "plain",  # Phong Vân
    "typed",  # Xã Phong Vân / Thị trấn Tây Đằng
    "ubnd",  # UBND xã Phong Vân
    "abbreviated",  # X. Phong Vân / TT Tây Đằng
    "upper",  # PHONG VÂN
    "nfd",  # xã Phong Vân, decomposed
    "old_tone",  # xã Thuỵ An, xã Thái Hoà (others unchanged)
    "no_diacritics",  # xa Phong Van
    "double_space",  # xã  Phong  Vân
    "suffixed",  # UBND xã Phong Vân, huyện Ba Vì
)
OLD_TONE = {"Thụy": "Thuỵ", "Hòa": "Hoà"}
OUTSIDE_UNITS = ("xã Phúc Hòa", "UBND xã Phúc Hòa", "Xã Phúc Hòa, huyện Phúc Thọ")


def district_as_unit() -> tuple[str, ...]:
    """The district itself written where a commune belongs ("UBND huyện Ba Vì")."""
    name = active_table().district_name
    return (f"huyện {name}", f"UBND huyện {name}", f"UBND Huyện {name}")


UNPARSEABLE_DATES = ("31/02/2021", "không rõ", "32/13/2021", "2021/45/10", "##########")

DATE_ENCODINGS = ("cell", "serial", "text_time", "text_date")


def write_unit(name: str, unit_type: str, variant: str) -> str:
    """One unit name written in one of the spelling variants."""
    prefix = "thị trấn" if unit_type.lower() == "thị trấn" else "xã"
    short = "TT" if prefix == "thị trấn" else "X."
    typed = f"{prefix} {name}"
    if variant == "plain":
        return name
    if variant == "typed":
        return typed[0].upper() + typed[1:]
    if variant == "ubnd":
        return f"UBND {typed}"
    if variant == "abbreviated":
        return f"{short} {name}"
    if variant == "upper":
        return name.upper() if prefix == "xã" else f"UBND {typed}".upper()
    if variant == "nfd":
        return unicodedata.normalize("NFD", typed)
    if variant == "old_tone":
        for new, old in OLD_TONE.items():
            name = name.replace(new, old)
        return f"{prefix} {name}"
    if variant == "no_diacritics":
        return strip_diacritics(typed)
    if variant == "double_space":
        return typed.replace(" ", "  ")
    if variant == "suffixed":
        return f"UBND {typed}, huyện {active_table().district_name}"
    raise ValueError(f"unknown unit variant {variant!r}")


def write_units(names: pd.Series, unit_types: pd.Series, variants: pd.Series) -> pd.Series:
    """Spell every row's unit with its variant, computing each distinct combination once."""
    keys = pd.DataFrame(
        {"name": names.to_numpy(), "type": unit_types.to_numpy(), "variant": variants.to_numpy()}
    )
    uniques = keys.drop_duplicates().copy()
    uniques["written"] = [
        write_unit(n, t, v) for n, t, v in uniques.itertuples(index=False, name=None)
    ]
    written = keys.merge(uniques, on=["name", "type", "variant"], how="left")["written"]
    return pd.Series(written.to_numpy(), index=names.index, dtype=object)


def excel_serial(values: pd.Series) -> pd.Series:
    """Excel's serial day number (1900 system), as spreadsheets store dates."""
    return ((values - EXCEL_EPOCH) / pd.Timedelta(days=1)).round(8)


def write_dates(values: pd.Series, encodings: np.ndarray, for_csv: bool) -> pd.Series:
    """Each timestamp in its row's encoding: a date cell, an Excel serial, day-first text with or
    without time. In csv a 'cell' becomes text with seconds, as spreadsheet programs save it."""
    present = values.notna().to_numpy()
    out = np.full(len(values), None, dtype=object)
    for name in DATE_ENCODINGS:
        mask = present & (encodings == name)
        if not mask.any():
            continue
        chosen = values[mask]
        if name == "cell":
            written = chosen.dt.strftime("%d/%m/%Y %H:%M:%S") if for_csv else chosen.astype(object)
        elif name == "serial":
            written = excel_serial(chosen).astype(str) if for_csv else excel_serial(chosen)
        elif name == "text_time":
            written = chosen.dt.strftime("%d/%m/%Y %H:%M")
        else:
            written = chosen.dt.strftime("%d/%m/%Y")
        out[mask] = written.to_numpy(dtype=object)
    return pd.Series(out, index=values.index, dtype=object)
