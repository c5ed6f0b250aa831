"""Recommendations as tested rules of the commune's own figures.

Each rule has a condition on the commune's figures for the period, an expected gain (in dossiers,
so rules can be ordered by what acting on them would change), who acts and by when, and a text
that quotes the exact numbers it rests on. No rule fires when the figures show the problem is
absent (a dedicated officer already on the desk, a late rate inside the funnel's limits, every
late dossier with its apology). Maintenance items only fill a short list and always come last.
`docs/briefs.md` holds the rules table generated from RULES (`render_rules_table`); a test checks
that the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.reference.yardsticks import yardstick_applies
from analysis.report.labels import label_period_short
from analysis.report.narrative import (
    escape_markdown,
    format_day,
    format_exact_count,
    format_number,
    format_percent,
    is_missing,
    nfc,
)
from analysis.report.scope import scope_terms

MAX_ITEMS = 5
MIN_ITEMS = 3
CONCURRENT_HIGH = 0.5


def _num(value: object, default: float = 0.0) -> float:
    """A float from a figure; `default` when it is missing."""
    return default if is_missing(value) else float(value)


@dataclass(frozen=True)
class Rule:
    """One recommendation rule: when it fires, what it is worth, who acts, what it says."""

    name: str
    condition: str  # the condition in words, for docs/briefs.md
    who: str
    when: str  # deadline in words; `deadline` turns it into a date
    figures: tuple[str, ...]  # the facts it rests on, copied into brief-figures
    fires: Callable[[dict], bool]
    gain: Callable[[dict], float]
    text: Callable[[dict], str]
    maintenance: bool = False


def next_month_end(period_end: pd.Timestamp) -> pd.Timestamp:
    """The last day of the month after the period: the deadline of most actions."""
    return (pd.Timestamp(period_end) + pd.offsets.MonthEnd(1)).normalize()


def build_facts(
    row: pd.Series,
    risk: pd.Series | None,
    median_workload: object,
    late_procedures: list[str],
    counter_only: pd.DataFrame | None,
    district_online_share: object,
) -> dict:
    """The commune's own figures a rule may read (plain numbers; None when unknown)."""

    def get(name, default=None):
        value = row.get(name, default)
        return None if is_missing(value) else value

    facts = {
        "period": str(row["period"]),
        "period_start": pd.Timestamp(row["period_start"]),
        "period_end": pd.Timestamp(row["period_end"]),
        "received": int(row["received"]),
        "received_online": int(row["received_online"]),
        "resolved": int(row["resolved"]),
        "resolved_late": int(row["resolved_late"]),
        "late_rate": get("late_rate"),
        "pending_overdue_at_end": int(row["pending_overdue"]),
        "pending_overdue_supplement": int(row.get("pending_overdue_supplement", 0) or 0),
        "late_without_letter": int(row["late_letter_known"]) - int(row["late_with_letter"]),
        "late_letter_known": int(row["late_letter_known"]),
        "apology_letter_compliance": get("apology_letter_compliance"),
        "officer_days": get("officer_days"),
        "dedicated_officer_days": get("dedicated_officer_days"),
        "concurrent_share": get("concurrent_share"),
        "dossiers_per_officer_day": get("dossiers_per_officer_day"),
        "district_median_dossiers_per_officer_day": None
        if is_missing(median_workload)
        else float(median_workload),
        "vacancy_officer_days": get("vacancy_officer_days"),
        "rotations": int(get("rotations", 0) or 0),
        "online_share": get("online_share"),
        "district_online_share": None
        if is_missing(district_online_share)
        else float(district_online_share),
        "online_target_766": get("online_target_766"),
        "points_766_3_3": get("points_766_3_3"),
        "points_766_3_3_max": get("points_766_3_3_max"),
        "funnel_flag": None,
        "expected_late": None,
        "late_procedures": [str(p) for p in late_procedures[:3]],
        "counter_only_procedures": [],
        "counter_only_dossiers": 0,
    }
    if risk is not None and not is_missing(risk.get("outside_95")):
        facts["funnel_flag"] = str(risk["outside_95"])
        facts["expected_late"] = float(risk["expected_late"])
    if counter_only is not None and not counter_only.empty:
        facts["counter_only_procedures"] = counter_only["procedure"].astype(str).head(3).tolist()
        facts["counter_only_dossiers"] = int(counter_only["received"].sum())
    facts["deadline"] = next_month_end(facts["period_end"])
    facts["shows_766"] = yardstick_applies("points_766_3_3", facts["period_start"])
    return facts


def _late_above_expected(f: dict) -> bool:
    return f["funnel_flag"] == "high" and f["expected_late"] is not None


def _late_text(f: dict) -> str:
    named = "; ".join(escape_markdown(p) for p in f["late_procedures"])
    target = f", trước hết các thủ tục: {named}" if named else ""
    return (
        f"Chủ tịch UBND xã chỉ đạo rà soát quy trình giải quyết các hồ sơ trễ hạn{target}: "
        f"{format_exact_count(f['resolved_late'])} trong {format_exact_count(f['resolved'])} hồ sơ giải quyết "
        f"trễ hạn ({format_percent(f['late_rate'])}), nhiều hơn khoảng "
        f"{format_number(f['resolved_late'] - f['expected_late'], 0)} hồ sơ so với mức kỳ vọng theo cơ cấu "
        f"lĩnh vực và vượt giới hạn 95 % của biểu đồ phễu. Báo cáo kết quả trước {format_day(f['deadline'])}."
    )


def _overdue_text(f: dict) -> str:
    waiting = f["pending_overdue_supplement"]
    note = (
        f" (trong đó {format_exact_count(waiting)} hồ sơ đang chờ công dân bổ sung)"
        if waiting
        else ""
    )
    return (
        f"Công chức một cửa và công chức phụ trách lĩnh vực giải quyết dứt điểm "
        f"{format_exact_count(f['pending_overdue_at_end'])} hồ sơ đang quá hạn tại ngày "
        f"{format_day(f['period_end'])}{note}, gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả cho từng hồ sơ; "
        f"xong trước {format_day(f['deadline'])}."
    )


def _letters_text(f: dict) -> str:
    return (
        f"Công chức một cửa lập Phiếu xin lỗi và hẹn lại ngày trả kết quả cho mọi hồ sơ trễ hạn "
        f"(Nghị định 61/2018/NĐ-CP): {format_exact_count(f['late_without_letter'])} trong "
        f"{format_exact_count(f['late_letter_known'])} hồ sơ trễ hạn của kỳ chưa có phiếu "
        f"(đạt {format_percent(f['apology_letter_compliance'])}); công chức Văn phòng – Thống kê kiểm tra "
        f"hằng tháng, bắt đầu trước {format_day(f['deadline'])}."
    )


def _no_dedicated_officer(f: dict) -> bool:
    return (
        _num(f["officer_days"]) > 0
        and _num(f["dedicated_officer_days"]) == 0
        and _num(f["concurrent_share"]) >= CONCURRENT_HIGH
        and f["dossiers_per_officer_day"] is not None
        and f["district_median_dossiers_per_officer_day"] is not None
        and f["dossiers_per_officer_day"] > f["district_median_dossiers_per_officer_day"]
    )


def _dedicated_gain(f: dict) -> float:
    excess = f["dossiers_per_officer_day"] - f["district_median_dossiers_per_officer_day"]
    return max(excess, 0.0) * _num(f["officer_days"])


def _dedicated_text(f: dict) -> str:
    return (
        f"Chủ tịch UBND xã bố trí ít nhất một công chức chuyên trách tại bộ phận một cửa: trong "
        f"{label_period_short(f['period'])} cả {format_number(f['officer_days'], 0)} ngày công tại bộ phận "
        f"đều do công chức kiêm nhiệm đảm nhận, mỗi người {format_number(f['dossiers_per_officer_day'], 1)} "
        f"hồ sơ/ngày ({scope_terms(f['period']).median} "
        f"{format_number(f['district_median_dossiers_per_officer_day'], 1)}). "
        f"Quyết định trước {format_day(f['deadline'])}."
    )


def _vacancy(f: dict) -> bool:
    return round(_num(f["vacancy_officer_days"])) >= 1 or f["rotations"] > 0


def _vacancy_gain(f: dict) -> float:
    workload = _num(
        f["dossiers_per_officer_day"], _num(f["district_median_dossiers_per_officer_day"])
    )
    return _num(f["vacancy_officer_days"]) * workload + f["rotations"]


def _vacancy_text(f: dict) -> str:
    parts = []
    if round(_num(f["vacancy_officer_days"])) >= 1:
        parts.append(
            f"bộ phận một cửa thiếu {format_number(f['vacancy_officer_days'], 0)} ngày công so với số người "
            f"đông nhất từng bố trí"
        )
    if f["rotations"] > 0:
        parts.append(f"{format_exact_count(f['rotations'])} lượt công chức rời bộ phận")
    return (
        f"Chủ tịch UBND xã cử người thay thế và bàn giao trước khi công chức một cửa nghỉ hoặc luân chuyển: "
        f"trong {label_period_short(f['period'])} {', '.join(parts)}. Bố trí đủ người trước "
        f"{format_day(f['deadline'])}."
    )


def _online_low(f: dict) -> bool:
    """Below the yardstick of the period: 766's 50 % from 2022, else the district's own share."""
    if f["online_share"] is None:
        return False
    if f["shows_766"] and f["online_target_766"] is not None:
        lost = _num(f["points_766_3_3_max"]) - _num(f["points_766_3_3"])
        return f["online_share"] < f["online_target_766"] and round(lost, 1) >= 0.1
    return (
        f["district_online_share"] is not None
        and f["online_share"] < f["district_online_share"]
        and f["counter_only_dossiers"] > 0
    )


def _online_gain(f: dict) -> float:
    target = (
        f["online_target_766"]
        if f["shows_766"] and f["online_target_766"] is not None
        else _num(f["district_online_share"])
    )
    return max(target - _num(f["online_share"]), 0.0) * f["received"]


def _online_text(f: dict) -> str:
    named = "; ".join(escape_markdown(p) for p in f["counter_only_procedures"])
    listing = (
        f" Các thủ tục {scope_terms(f['period']).other_units} đã nhận trực tuyến nhưng xã vẫn chỉ nhận tại quầy "
        f"({format_exact_count(f['counter_only_dossiers'])} hồ sơ trong kỳ): {named}."
        if named
        else ""
    )
    if f["shows_766"] and f["online_target_766"] is not None:
        lost = _num(f["points_766_3_3_max"]) - _num(f["points_766_3_3"])
        gap = (
            f"tỷ lệ hồ sơ trực tuyến {format_percent(f['online_share'])} dưới mức "
            f"{format_percent(f['online_target_766'], 0)}, mất {format_number(lost, 1)} điểm chỉ tiêu 3.3 "
            f"theo QĐ 766/QĐ-TTg"
        )
    else:
        gap = (
            f"tỷ lệ hồ sơ nộp trực tuyến (mức độ 3, 4) {format_percent(f['online_share'])}, thấp hơn "
            f"{scope_terms(f['period']).whole} ({format_percent(f['district_online_share'])})"
        )
    return (
        f"Công chức một cửa hướng dẫn người dân nộp hồ sơ trực tuyến ngay tại quầy: {gap}.{listing} "
        f"Công chức Văn phòng – Thống kê theo dõi tỷ lệ hằng tháng từ {format_day(f['deadline'])}."
    )


def _share_practice(f: dict) -> bool:
    return f["funnel_flag"] == "low"


def _share_text(f: dict) -> str:
    return (
        f"Chủ tịch UBND xã chia sẻ cách làm tại {scope_terms(f['period']).meeting}: tỷ lệ trễ hạn "
        f"{format_percent(f['late_rate'])} thấp hơn giới hạn dưới 95 % của biểu đồ phễu."
    )


RULES: tuple[Rule, ...] = (
    Rule(
        name="late_above_expected",
        condition="late rate above the funnel's upper 95 % limit (widened limits)",
        who="Chủ tịch UBND xã; công chức phụ trách lĩnh vực",
        when="by the end of the month after the period",
        figures=("resolved", "resolved_late", "expected_late", "funnel_flag", "late_procedures"),
        fires=_late_above_expected,
        gain=lambda f: f["resolved_late"] - f["expected_late"],
        text=_late_text,
    ),
    Rule(
        name="overdue_pending",
        condition="dossiers open and past their appointment on the period's last day > 0",
        who="công chức một cửa; công chức phụ trách lĩnh vực",
        when="by the end of the month after the period",
        figures=("pending_overdue_at_end", "pending_overdue_supplement", "period_end"),
        fires=lambda f: f["pending_overdue_at_end"] > 0,
        gain=lambda f: float(f["pending_overdue_at_end"]),
        text=_overdue_text,
    ),
    Rule(
        name="apology_letters",
        condition="late resolved dossiers without a Phiếu xin lỗi và hẹn lại ngày trả kết quả > 0",
        who="công chức một cửa; công chức Văn phòng – Thống kê kiểm tra hằng tháng",
        when="from the end of the month after the period",
        figures=("late_without_letter", "late_letter_known", "apology_letter_compliance"),
        fires=lambda f: f["late_without_letter"] > 0,
        gain=lambda f: float(f["late_without_letter"]),
        text=_letters_text,
    ),
    Rule(
        name="vacancy_or_rotation",
        condition="desk officer-days missing against the largest past desk >= 1, or an officer left",
        who="Chủ tịch UBND xã",
        when="by the end of the month after the period",
        figures=("vacancy_officer_days", "rotations", "dossiers_per_officer_day"),
        fires=_vacancy,
        gain=_vacancy_gain,
        text=_vacancy_text,
    ),
    Rule(
        name="dedicated_officer",
        condition="no dedicated (chuyên trách) officer-day on the desk, concurrent share >= 50 % "
        "and workload above the district median",
        who="Chủ tịch UBND xã",
        when="by the end of the month after the period",
        figures=(
            "officer_days",
            "dedicated_officer_days",
            "concurrent_share",
            "dossiers_per_officer_day",
            "district_median_dossiers_per_officer_day",
        ),
        fires=_no_dedicated_officer,
        gain=_dedicated_gain,
        text=_dedicated_text,
    ),
    Rule(
        name="online_below_yardstick",
        condition="from 23/6/2022 (QĐ 766): online share below the 766 target with >= 0.1 point lost; "
        "before: online share below the district's and procedures taken online elsewhere "
        "were taken only at this commune's counter",
        who="công chức một cửa; công chức Văn phòng – Thống kê",
        when="monthly from the end of the month after the period",
        figures=(
            "received",
            "received_online",
            "online_share",
            "district_online_share",
            "counter_only_procedures",
            "counter_only_dossiers",
            "points_766_3_3",
            "points_766_3_3_max",
            "online_target_766",
        ),
        fires=_online_low,
        gain=_online_gain,
        text=_online_text,
    ),
    Rule(
        name="share_practice",
        condition="late rate below the funnel's lower 95 % limit",
        who="Chủ tịch UBND xã",
        when="at the next district meeting",
        figures=("late_rate", "funnel_flag"),
        fires=_share_practice,
        gain=lambda f: 0.0,
        text=_share_text,
    ),
    Rule(
        name="update_software_promptly",
        condition="maintenance item (fills a list shorter than three)",
        who="công chức một cửa",
        when="continuously",
        figures=(),
        fires=lambda f: True,
        gain=lambda f: -1.0,
        text=lambda f: (
            "Công chức một cửa cập nhật trạng thái hồ sơ trên phần mềm ngay khi có kết quả, "
            "để không ghi nhận trễ hạn do cập nhật chậm."
        ),
        maintenance=True,
    ),
    Rule(
        name="publish_procedures",
        condition="maintenance item (fills a list shorter than three)",
        who="công chức Văn phòng – Thống kê",
        when="continuously",
        figures=(),
        fires=lambda f: True,
        gain=lambda f: -2.0,
        text=lambda f: (
            "Công chức Văn phòng – Thống kê tiếp tục công khai thủ tục hành chính và hướng dẫn "
            "dịch vụ công trực tuyến tại bộ phận một cửa."
        ),
        maintenance=True,
    ),
)


def _plain(value: object) -> object:
    """A JSON-ready copy of a fact (dates as ISO, floats rounded to 6 digits)."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def recommend(
    facts: dict, rules: tuple[Rule, ...] = RULES, max_items: int = MAX_ITEMS
) -> list[dict]:
    """Rules that fire, by expected gain (largest first), then maintenance items up to MIN_ITEMS."""
    fired = [r for r in rules if not r.maintenance and r.fires(facts)]
    fired.sort(key=lambda r: -r.gain(facts))
    items = fired[:max_items]
    for rule in rules:
        if len(items) >= MIN_ITEMS:
            break
        if rule.maintenance and rule.fires(facts):
            items.append(rule)
    return [
        {
            "rule": r.name,
            "text": nfc(r.text(facts)),
            "who": r.who,
            "gain_dossiers": _plain(float(r.gain(facts))),
            "figures": {k: _plain(facts[k]) for k in r.figures},
        }
        for r in items
    ]


def render_rules_table(rules: tuple[Rule, ...] = RULES) -> str:
    """The Markdown table of rules for docs/briefs.md (generated; a test compares)."""
    lines = [
        "| rule | fires when | who acts | by when | rests on |",
        "|---|---|---|---|---|",
    ]
    for r in rules:
        rests = ", ".join(f"`{k}`" for k in r.figures) or "—"
        lines.append(f"| `{r.name}` | {r.condition} | {r.who} | {r.when} | {rests} |")
    return "\n".join(lines)
