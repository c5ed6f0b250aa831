"""Vietnamese display labels for the English column names of the processed tables.

Display labels live only here: data keeps English snake_case names, charts and tables for
officials show these.
"""

from __future__ import annotations

import pandas as pd

COLUMN_LABELS: dict[str, str] = {
    "commune_code": "Mã đơn vị",
    "commune_name": "Đơn vị",
    "period": "Kỳ",
    "received": "Hồ sơ tiếp nhận",
    "received_online": "Hồ sơ trực tuyến",
    "resolved": "Hồ sơ đã giải quyết",
    "resolved_late": "Giải quyết trễ hạn",
    "pending": "Đang giải quyết",
    "pending_overdue": "Đang giải quyết quá hạn",
    "late_rate": "Tỷ lệ trễ hạn",
    "late_rate_resolved": "Tỷ lệ trễ hạn (trên hồ sơ đã giải quyết)",
    "late_rate_766": "Tỷ lệ trễ hạn (theo QĐ 766)",
    "late_rate_with_overdue": "Tỷ lệ trễ hạn (kể cả đang quá hạn)",
    "online_share": "Tỷ lệ hồ sơ trực tuyến",
    "ontime_rate_766_2_1": "Tỷ lệ đúng hạn (chỉ tiêu 2.1, QĐ 766)",
    "points_766_3_3": "Điểm chỉ tiêu 3.3 (QĐ 766)",
    "apology_letter_compliance": "Tỷ lệ có thư xin lỗi khi trễ hạn",
    "officers_on_desk": "Số cán bộ tại bộ phận một cửa",
    "concurrent_share": "Tỷ lệ ngày công kiêm nhiệm",
    "dossiers_per_officer_day": "Hồ sơ / cán bộ / ngày làm việc",
    "expected_rate": "Tỷ lệ trễ hạn kỳ vọng",
    "observed_rate": "Tỷ lệ trễ hạn thực tế",
    "adjusted_rate": "Tỷ lệ trễ hạn đã điều chỉnh",
    "rank": "Xếp hạng",
    "district_median": "Trung vị huyện",
    "field": "Lĩnh vực",
    "procedure": "Thủ tục",
    "late": "Số hồ sơ trễ hạn",
    "late_share": "Tỷ lệ trễ hạn",
    "officer_id": "Mã cán bộ (ẩn danh)",
    "title": "Chức danh",
    "is_concurrent": "Hình thức bố trí",
    "topic": "Nội dung",
    "polarity": "Đánh giá",
    "evidence": "Trích dẫn",
    "meeting_date": "Ngày họp",
    "data_agrees": "Số liệu có khớp?",
    "term": "Yếu tố",
    "odds_ratio": "Tỷ số chênh",
    "pp_change": "Thay đổi tỷ lệ trễ (điểm phần trăm)",
    "error": "Lỗi",
}

CONVENTION_LABELS: dict[str, str] = {
    "late_rate_resolved": "hồ sơ giải quyết trễ hạn / hồ sơ đã giải quyết",
    "late_rate_766": "1 − (đúng hạn + đang giải quyết trong hạn) / tổng hồ sơ phải giải quyết (QĐ 766, chỉ tiêu 2.1)",
    "late_rate_with_overdue": "(giải quyết trễ hạn + đang giải quyết quá hạn) / (đã giải quyết + đang giải quyết)",
}

TOPIC_LABELS: dict[str, str] = {
    "late_dossiers": "hồ sơ trễ hạn",
    "online_services": "dịch vụ công trực tuyến",
    "document_software": "phần mềm quản lý văn bản",
    "commune_website": "trang thông tin điện tử",
    "officer_arrangement": "bố trí cán bộ",
    "citizen_reception": "tiếp công dân",
    "saturday_service": "làm việc sáng thứ Bảy",
    "digitization": "số hóa hồ sơ",
    "communication": "tuyên truyền",
    "plan_execution": "thực hiện kế hoạch",
    "other": "nội dung khác",
}

POLARITY_LABELS: dict[str, str] = {"positive": "khen", "negative": "phê bình"}

TERM_LABELS: dict[str, str] = {
    "online_share": "Tỷ lệ trực tuyến (+10 điểm phần trăm)",
    "dossiers_per_officer_day": "Khối lượng (+10 hồ sơ/cán bộ/ngày)",
    "concurrent_share": "Kiêm nhiệm (toàn bộ so với chuyên trách)",
}

MODEL_LABELS: dict[str, str] = {
    "panel_binomial_glm": "Mô hình bảng (GLM nhị thức, sai số cụm theo xã)",
    "panel_binomial_glm_wild_bootstrap": "Mô hình bảng, khoảng tin cậy bootstrap cụm",
    "dossier_logit": "Hồi quy logistic theo hồ sơ (kiểm tra chéo)",
}

FUNNEL_LABELS: dict[str, str] = {
    "high": "cao hơn giới hạn kiểm soát",
    "low": "thấp hơn giới hạn kiểm soát",
    "within": "trong giới hạn kiểm soát",
}


TERRAIN_LABELS: dict[str, str] = {
    "island": "xã cù lao giữa sông Hồng (đi lại qua sông)",
    "mountain": "xã miền núi",
    "plain": "xã đồng bằng",
}

ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


def parse_period_label(period: str | pd.Period) -> pd.Period:
    """'2021-Q4' -> quarter, '2021' -> year, '2021-10' -> month (the analysis tables' labels)."""
    if isinstance(period, pd.Period):
        return period
    text = str(period).strip().upper()
    if "Q" in text:
        return pd.Period(text.replace("-", ""), freq="Q")
    if len(text) == 4:
        return pd.Period(text, freq="Y")
    return pd.Period(text, freq="M")


def label_period(period: str | pd.Period, capital: bool = True) -> str:
    """As officials write it: 'Quý IV/2021 (01/10–31/12/2021)', 'Năm 2021 (…)', 'Tháng 10/2021 (…)'.

    `capital=False` gives the form used inside a sentence ('quý IV/2021 (…)'); text that is no
    period label is returned as it is.
    """
    try:
        span = parse_period_label(period)
    except (ValueError, TypeError):
        return str(period)
    dates = f"({span.start_time:%d/%m}–{span.end_time:%d/%m/%Y})"
    label = f"{label_period_short(span)} {dates}"
    if span.freqstr[0] == "M":
        label = f"Tháng {span.month}/{span.year} {dates}"
    return label if capital else label[:1].lower() + label[1:]


def label_period_short(period: str | pd.Period) -> str:
    """Short form for titles, tables and chart axes: 'Quý IV/2021', 'Năm 2021', 'T10/2021'."""
    span = parse_period_label(period)
    freq = span.freqstr[0]
    if freq == "Q":
        return f"Quý {ROMAN_QUARTERS[span.quarter]}/{span.year}"
    if freq in ("Y", "A"):
        return f"Năm {span.year}"
    return f"T{span.month}/{span.year}"


def label_month(value: object) -> str:
    """A month as chart axes show it: 'T10/2021'."""
    return label_period_short(pd.Period(value, freq="M"))


def label_terrain(terrain: object) -> str:
    """Vietnamese description of a unit's terrain (island, mountain), '' when unknown."""
    return TERRAIN_LABELS.get(str(terrain), "")


def label_column(name: str) -> str:
    """Vietnamese label of a column, the name itself when none is defined."""
    return COLUMN_LABELS.get(name, name)


def label_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename a frame's columns to their Vietnamese labels (for display only)."""
    return frame.rename(columns={c: label_column(c) for c in frame.columns})


def label_convention(name: str) -> str:
    """Plain-language formula of a late-rate convention, so every brief names the one it uses."""
    return CONVENTION_LABELS.get(name, name)


def label_topic(topic: str) -> str:
    """Vietnamese name of a meeting-mention topic."""
    return TOPIC_LABELS.get(topic, topic)
