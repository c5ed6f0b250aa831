"""Generating parameters of the synthetic dataset: every number the truth file reports lives here.

Volume. Huyện Ba Vì has about 270,000 residents in 31 commune-level units. We assume a commune
one-stop desk receives 0.25 dossiers per resident per year (about 67,500 for the district, ~2,200
per unit, ~9 per working day): commune desks mostly certify copies (chứng thực) and register civil
status (hộ tịch), a few thousand dossiers a year per commune. This is an assumption chosen to be
plausible, not a measured figure; `scale` multiplies it.

Lateness. For dossier i of commune c received in month m:
logit P(late) = INTERCEPT + latent_c + FIELD_EFFECTS[field] + MONTH_EFFECTS[m]
                + b1 * online_share_cm + b2 * dossiers_per_officer_day_cm + b3 * concurrent_share_cm
with the commune-month covariates measured from the generated rows and roster exactly as the
analysis measures them (see `simulate.compute_commune_month_covariates`).
"""

from __future__ import annotations

import pandas as pd

GENERATOR_VERSION = "demo-1.0"
DEFAULT_SEED = 20211012
DEFAULT_START = "2021-01-01"
DEFAULT_END = "2021-12-31"
# Nghị định 42/2022 (from 15/8/2022): online services are toàn trình or một phần, no longer mức độ
# 2/3/4. The generator writes the classification in force on each intake day, as a real export does.
ONLINE_CLASSES_FROM = pd.Timestamp("2022-08-15")
SATURDAY_COUNTS = False

DISTRICT_POPULATION = 270_000
DOSSIERS_PER_RESIDENT_YEAR = 0.25
# relative population of a unit by terrain; the thị trấn is the district's commercial centre
POPULATION_WEIGHT = {"town": 1.9, "plain": 1.0, "mountain": 0.7, "island": 0.55}
POPULATION_NOISE_SD = 0.2  # log-normal spread of commune size around its terrain weight
TOWN_VOLUME_BONUS = 1.3  # a thị trấn serves more dossiers per resident (trade, property)

# effects: log-odds per unit of each commune-month covariate (the names the analysis uses)
EFFECTS = {"online_share": -1.2, "dossiers_per_officer_day": 0.12, "concurrent_share": 0.8}
INTERCEPT = -3.0
LATENT_SD = 0.25
# The seed's meeting named these for late dossiers: understaffed, concurrent desks (mechanism),
# plus a modest latent push. Their outcome is left to the draws.
SEED_LATE_COMMUNES = ("Phong Vân", "Ba Trại", "Cẩm Lĩnh")
SEED_LATE_LATENT_SHIFT = 0.4
# ... and these for low use of online public services: slow adoption (mechanism only).
SEED_LOW_ONLINE_COMMUNES = ("Vạn Thắng", "Phú Đông", "Chu Minh")

# month effects (common to all communes): Tết rush, Hà Nội's social distancing 24/7-21/9/2021
# (Chỉ thị 17/CT-UBND), year-end closing
MONTH_EFFECTS_BY_MONTH = {
    1: 0.15, 2: 0.30, 3: 0.0, 4: -0.05, 5: 0.0, 6: 0.05,
    7: 0.10, 8: 0.35, 9: 0.30, 10: 0.0, 11: -0.05, 12: 0.20,
}  # fmt: skip
# volume seasonality (multiplier of a commune's mean monthly volume)
SEASONALITY_BY_MONTH = {
    1: 1.15, 2: 0.75, 3: 1.05, 4: 1.0, 5: 0.95, 6: 1.0,
    7: 0.95, 8: 0.7, 9: 0.8, 10: 1.05, 11: 1.05, 12: 1.15,
}  # fmt: skip
VOLUME_NOISE_SD = 0.15  # commune-month log-normal noise: workload varies within a commune

# online adoption: share of eligible (level 3/4) dossiers submitted online rises along a
# logistic curve from a commune's start level to its end level, centred at a commune-specific month
ADOPTION_START_RANGE = (0.05, 0.25)
ADOPTION_GAIN_RANGE = (0.15, 0.45)
LOW_ADOPTION_START_RANGE = (0.01, 0.04)
LOW_ADOPTION_GAIN_RANGE = (0.03, 0.08)
ADOPTION_MONTH_NOISE_SD = 0.25  # logit-scale month-to-month wobble
POSTAL_SHARE = 0.02  # of offline dossiers, sent by Bưu chính công ích

# staffing
DESK_DOSSIERS_PER_POST_YEAR = 900  # planned desk posts = volume / this, within 2..4
CONCURRENT_POST_PROBABILITY = 0.4
VACANCY_WORKING_DAYS_RANGE = (15, 45)
EVENT_PROBABILITY = {"vacancy": 0.45, "rotation": 0.5}

# statuses and dates
REFUSED_SHARE = 0.008
WITHDRAWN_SHARE = 0.004
NOT_YET_RETURNED_SHARE = 0.05  # resolved but result not collected ("Đã có kết quả")
AWAITING_SUPPLEMENT_SHARE = 0.3  # of dossiers still open at the end, "Chờ bổ sung"
APOLOGY_LETTER_SHARE = 0.85  # of late dossiers that got a letter (required for all of them)
SATURDAY_INTAKE_SHARE = 0.04  # some desks receive on Saturday mornings (seed report)
ONLINE_OFF_HOURS_SHARE = 0.15  # online submissions outside office hours, weekends included
EARLY_SHARE_MULTI_DAY = 0.55  # of on-time multi-day dossiers finished before the appointment
MEAN_DELAY_WORKING_DAYS = {"short": 2.0, "long": 6.0}  # extra working days of a late dossier

# field effects (log-odds) and the civil-servant title that normally handles the field
FIELD_EFFECTS = {
    "Hộ tịch": 0.0,
    "Chứng thực": -1.0,
    "Đất đai": 1.2,
    "Xây dựng": 0.9,
    "Bảo trợ xã hội": 0.6,
    "Người có công": 0.4,
    "Thi đua - Khen thưởng": 0.3,
}
FIELD_TITLE = {
    "Hộ tịch": "Công chức Tư pháp - Hộ tịch",
    "Chứng thực": "Công chức Tư pháp - Hộ tịch",
    "Đất đai": "Công chức Địa chính - Xây dựng",
    "Xây dựng": "Công chức Địa chính - Xây dựng",
    "Bảo trợ xã hội": "Công chức Văn hóa - Xã hội",
    "Người có công": "Công chức Văn hóa - Xã hội",
    "Thi đua - Khen thưởng": "Công chức Văn phòng - Thống kê",
}
TITLES = (
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Văn phòng - Thống kê",
    "Công chức Địa chính - Xây dựng",
    "Công chức Văn hóa - Xã hội",
    "Công chức Tài chính - Kế toán",
)
TITLE_MATCH_WEIGHT = 4.0  # an officer of the field's title is this much likelier to handle it

# procedure catalogue: (procedure, field, legal working days, online level, share of volume).
# Deadlines follow the usual commune-level rules (Luật Hộ tịch 2014, Nghị định 23/2015 on
# chứng thực, the land and social-protection decrees), simplified to whole working days.
PROCEDURES = [
    ("Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", 1, 3, 0.40),
    ("Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", 1, 3, 0.08),
    ("Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở", "Chứng thực", 2, 2, 0.04),
    ("Chứng thực văn bản thỏa thuận phân chia di sản", "Chứng thực", 2, 2, 0.01),
    ("Đăng ký khai sinh", "Hộ tịch", 1, 4, 0.09),
    ("Đăng ký kết hôn", "Hộ tịch", 5, 3, 0.04),
    ("Đăng ký khai tử", "Hộ tịch", 1, 4, 0.04),
    ("Cấp bản sao trích lục hộ tịch", "Hộ tịch", 1, 4, 0.06),
    ("Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", 3, 4, 0.06),
    ("Thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", 3, 3, 0.015),
    ("Đăng ký nhận cha, mẹ, con", "Hộ tịch", 3, 3, 0.005),
    ("Hòa giải tranh chấp đất đai", "Đất đai", 30, 2, 0.006),
    ("Xác nhận nguồn gốc, hiện trạng sử dụng đất", "Đất đai", 10, 3, 0.025),
    ("Tiếp nhận hồ sơ đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai", 10, 3, 0.02),
    ("Xác nhận hiện trạng công trình xây dựng", "Xây dựng", 5, 3, 0.01),
    ("Thông báo khởi công xây dựng nhà ở riêng lẻ", "Xây dựng", 7, 3, 0.008),
    ("Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng", "Bảo trợ xã hội", 20, 3, 0.02),
    ("Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", 5, 3, 0.006),
    ("Xác định, xác định lại mức độ khuyết tật", "Bảo trợ xã hội", 25, 3, 0.008),
    ("Giải quyết chế độ mai táng phí đối với người có công với cách mạng", "Người có công", 10, 3, 0.006),
    ("Cấp giấy xác nhận thân nhân người có công", "Người có công", 5, 3, 0.005),
    ("Xét tặng danh hiệu Gia đình văn hóa", "Thi đua - Khen thưởng", 20, 2, 0.003),
]  # fmt: skip
LONG_PROCEDURE_DAYS = 10  # procedures of this many working days or more get longer delays


def procedure_table() -> pd.DataFrame:
    """The procedure catalogue as a frame with normalised volume shares."""
    table = pd.DataFrame(
        PROCEDURES, columns=["procedure", "field", "legal_days", "online_level", "share"]
    )
    table["share"] = table["share"] / table["share"].sum()
    return table


def month_effects(start: str, end: str) -> dict[str, float]:
    """Month effect per 'YYYY-MM' of the period (the same calendar-month effect every year)."""
    months = pd.period_range(pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"))
    return {str(m): MONTH_EFFECTS_BY_MONTH[m.month] for m in months}


def online_classes(levels: pd.Series, received_at: pd.Series) -> pd.Series:
    """The canonical online class of each generated dossier on its intake day.

    Before 15/8/2022 the procedure's mức độ (`level_2/3/4`); from then toàn trình for a procedure
    offered at mức độ 4, một phần at mức độ 3 and none at mức độ 2 (forms only). This is how the
    synthetic procedures were reclassified, not a rule the analysis may apply to real exports."""
    old = "level_" + levels.astype(str)
    new = levels.map({4: "full_online", 3: "partial_online"}).astype(object)
    classes = old.where(pd.to_datetime(received_at) < ONLINE_CLASSES_FROM, new)
    return classes.where(classes.notna(), None)
