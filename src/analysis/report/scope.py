"""The words a page uses for the area a unit is compared with, by period (issue 14).

Until 30/6/2025 Ba Vì's units stood in a district: a page says "trung vị huyện", "toàn huyện".
From 1/7/2025 the district level is gone (Nghị quyết 1656/NQ-UBTVQH15, unverified) and the 8 new
xã are compared with each other on the area of the former district; a chairman discards a page
that still speaks of a "huyện". Whether the district stands is read from the reference units
(its last day, `reference.units.LAST_DAY_OF_DISTRICT`), not from a year written here. Every
reader-visible phrase about the comparison area comes from `scope_terms`, so 2021 and 2025
pages cannot drift apart word by word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analysis.analyse.reconstruct import MIN_PANEL_UNITS
from analysis.reference.lineage import period_end, regime_start, units_of_period
from analysis.reference.units import DISTRICT_NAME, LAST_DAY_OF_DISTRICT, units_2021


@dataclass(frozen=True)
class ScopeTerms:
    """Phrases for the comparison area, lower case as they appear inside a sentence."""

    district_standing: bool
    kinds: str  # "xã, thị trấn" / "xã"
    area: str  # "huyện Ba Vì" / "địa bàn huyện Ba Vì cũ"
    group_link: str  # "của huyện Ba Vì" / "trên địa bàn huyện Ba Vì cũ"
    whole: str  # "toàn huyện" / "toàn địa bàn"
    median: str  # "trung vị huyện" / "trung vị các xã"
    common_level: str  # "mức chung của huyện" / "mức chung của các xã"
    shrink_level: str  # "mức huyện" / "mức chung của các xã"
    other_units: str  # "xã khác trong huyện" / "xã khác trên địa bàn"
    meeting: str  # "cuộc họp giao ban của huyện" / "cuộc họp giao ban chung của các xã"
    meetings_heading: str
    not_real: str  # whose figures the synthetic banner says these are not

    def group(self, count: int) -> str:
        """'31 xã, thị trấn của huyện Ba Vì', '8 xã trên địa bàn huyện Ba Vì cũ'."""
        return f"{count} {self.kinds} {self.group_link}"

    def units_title(self) -> str:
        """'các xã, thị trấn huyện Ba Vì' (2021), 'các xã trên địa bàn huyện Ba Vì cũ' (2025)."""
        if self.district_standing:
            return f"các {self.kinds} {self.area}"
        return f"các {self.kinds} {self.group_link}"


def capitalise(text: str) -> str:
    """First letter upper case ('toàn huyện' -> 'Toàn huyện') for a phrase opening a label."""
    return text[:1].upper() + text[1:]


def district_stands(period: str | None) -> bool:
    """Whether the district level still existed on the period's last day (None: the 2021 units)."""
    return period is None or period_end(period).date() <= LAST_DAY_OF_DISTRICT


@lru_cache(maxsize=32)
def scope_terms(period: str | None = None) -> ScopeTerms:
    """The comparison area's phrases for a period (None: huyện Ba Vì, as in 2021)."""
    units = units_2021() if period is None else units_of_period(period)
    kinds = "xã, thị trấn" if (units["unit_type"] != "Xã").any() else "xã"
    if district_stands(period):
        district = f"huyện {DISTRICT_NAME}"
        return ScopeTerms(
            district_standing=True,
            kinds=kinds,
            area=district,
            group_link=f"của {district}",
            whole="toàn huyện",
            median="trung vị huyện",
            common_level="mức chung của huyện",
            shrink_level="mức huyện",
            other_units="xã khác trong huyện",
            meeting="cuộc họp giao ban của huyện",
            meetings_heading="Các cuộc họp của huyện nói gì về đơn vị",
            not_real="của huyện",
        )
    former = f"địa bàn huyện {DISTRICT_NAME} cũ"
    return ScopeTerms(
        district_standing=False,
        kinds=kinds,
        area=former,
        group_link=f"trên {former}",
        whole="toàn địa bàn",
        median="trung vị các xã",
        common_level="mức chung của các xã",
        shrink_level="mức chung của các xã",
        other_units="xã khác trên địa bàn",
        meeting="cuộc họp giao ban chung của các xã",
        meetings_heading="Các cuộc họp nói gì về đơn vị",
        not_real="của các xã",
    )


def units_start(period: str) -> pd.Timestamp:
    """First day on which all the period's units stood (2025-07-01 for 2025-Q4)."""
    return regime_start(period_end(period))


def model_covers(fit: dict, period: str) -> bool:
    """Whether the analysis' models were fitted on this period's units (fits before issue 14: yes)."""
    units_from = fit.get("units_from")
    if units_from is None:
        return "skipped" not in fit or "no set of units" not in str(fit["skipped"])
    return units_from == units_start(period).date().isoformat()


def describe_model_absent(fit: dict, period: str) -> str:
    """The plain sentence an overview shows instead of models fitted on other units."""
    terms = scope_terms(period)
    count = len(units_of_period(period))
    if count < MIN_PANEL_UNITS:
        return (
            f"Phần này không tính cho {count} {terms.kinds} của kỳ: {count} đơn vị là quá ít để "
            f"ước lượng các mối liên quan một cách tin cậy (cần ít nhất {MIN_PANEL_UNITS} đơn vị). "
            "Kết quả tính cho các đơn vị trước khi sắp xếp không áp dụng cho các xã mới nên không "
            "được trình bày ở đây."
        )
    return (
        f"Phần này không tính cho {count} {terms.kinds} của kỳ: mô hình được ước lượng cho "
        f"{fit.get('n_units', '')} đơn vị đứng từ ngày "
        f"{pd.Timestamp(fit.get('units_from')):%d/%m/%Y}, không phải các đơn vị của kỳ này."
    )


def select_units_span(frame: pd.DataFrame, period: str, date_column: str) -> pd.DataFrame:
    """Rows dated while the period's units stood (meetings about a code's old unit are left out)."""
    dates = pd.to_datetime(frame[date_column])
    undated = dates.isna() & district_stands(period)
    return frame[(dates >= units_start(period)) | undated]
