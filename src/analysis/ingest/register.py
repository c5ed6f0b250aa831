"""Meeting register -> meetings.parquet: one row per meeting the district held about CCHC.

The chair is kept as a role ("Phó Chủ tịch UBND huyện"), never as a name: officials' names are
personal data too.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.ingest.contract import MEETINGS
from analysis.ingest.dates import parse_dates
from analysis.ingest.rules import REGISTER_RULES, TableContext, reasons_of
from analysis.text import fold, normalize_text

# meetings.parquet: the extracted reports' columns less their plan list (kept in the JSON output)
MEETING_COLUMNS = MEETINGS.names  # declared in analysis.ingest.contract
_ROLE = re.compile(
    r"(phó chủ tịch|chủ tịch|bí thư|phó bí thư|trưởng ban|phó trưởng ban|trưởng phòng|phó trưởng phòng"
    r"|giám đốc|phó giám đốc|chánh văn phòng|phó chánh văn phòng|pct|ct)\b.*",
    re.IGNORECASE,
)


def format_of(value: object) -> str | None:
    """Hình thức họp: trực tuyến -> online, trực tiếp -> in_person, both words -> both."""
    key = fold(value)
    online = "truc tuyen" in key or "online" in key or "diem cau" in key
    in_person = "truc tiep" in key or "in person" in key
    if online and in_person or "ket hop" in key or "both" in key:
        return "both"
    if online:
        return "online"
    if in_person:
        return "in_person"
    return None


def chair_role_of(value: object) -> str | None:
    """The role part of 'Đ/c Nguyễn Văn A - Phó Chủ tịch UBND huyện'; None when no role word is found."""
    text = normalize_text(value)
    match = _ROLE.search(text)
    if not match:
        return None
    role = match.group(0).strip(" -–,.")
    return role[0].upper() + role[1:] if role else None


def meeting_id_of(dates: pd.Series) -> pd.Series:
    """`mtg_YYYYMMDD`, with `_2`, `_3` ... for further meetings on the same day (in register order)."""
    base = "mtg_" + dates.dt.strftime("%Y%m%d")
    rank = base.groupby(base).cumcount() + 1
    return base.where(rank.eq(1), base + "_" + rank.astype(str)).astype("string")


def build_meetings(body: pd.DataFrame, source_file: str) -> tuple[pd.DataFrame, pd.Series]:
    """Clean register rows and a reason per row (None when valid; rules.REGISTER_RULES)."""
    date = parse_dates(body["meeting_date"])

    def column(name: str) -> pd.Series:
        return body[name] if name in body else pd.Series(None, index=body.index, dtype="object")

    def count(name: str) -> pd.Series:
        return pd.to_numeric(
            column(name).astype("string").str.extract(r"(\d+)")[0], errors="coerce"
        ).astype("Int64")

    frame = pd.DataFrame(
        {
            "meeting_id": meeting_id_of(date),
            "meeting_date": date,
            "title": column("title").map(normalize_text).replace("", pd.NA).astype("string"),
            "chair_role": column("chair_role").map(chair_role_of).astype("string"),
            "format": column("format").map(format_of).astype("string"),
            "connection_points": count("connection_points"),
            "opinions": count("opinions"),
            "source_file": source_file,
            "source_row": body["source_row"].astype("int64"),
        },
        index=body.index,
    )
    reasons = reasons_of(REGISTER_RULES, TableContext(body, frame))
    return frame[MEETING_COLUMNS], reasons
