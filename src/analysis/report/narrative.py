"""Vietnamese sentences and recommendations built from the figures (never typed by hand).

Numbers are formatted the Vietnamese way ("12,5 %", "1.234"); every string that comes from data
is escaped before it enters Markdown, so a procedure name holding `<script>` shows as text.
Small cells (1-4 dossiers) are shown as "< 5": hộ tịch dossiers with a date in a small commune
can re-identify people (Nghị định 13/2023/NĐ-CP on personal data).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata

import pandas as pd

from analysis.report.labels import FUNNEL_LABELS, POLARITY_LABELS, label_convention, label_topic

SMALL_CELL_THRESHOLD = 5
ONLINE_TARGET_766 = 0.5  # QĐ 766/QĐ-TTg indicator 3.3: full points at >= 50 % online
CONCURRENT_HIGH = 0.5  # more than half of the desk's officer-days worked by kiêm nhiệm officers
POINTS_766_3_3_MAX = 12.0
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def nfc(text: str) -> str:
    """Text for officials is NFC (one code point per accented letter)."""
    return unicodedata.normalize("NFC", text)


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value: object, digits: int = 0) -> str:
    """Vietnamese number: '.' groups thousands, ',' marks decimals ('1.234,5')."""
    if is_missing(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_percent(value: object, digits: int = 1) -> str:
    """A fraction as a Vietnamese percentage with a space before the sign ('12,5 %')."""
    if is_missing(value):
        return "không có số liệu"
    return f"{format_number(float(value) * 100, digits)} %"


def format_count(value: object, threshold: int = SMALL_CELL_THRESHOLD) -> str:
    """A dossier count, shown as '< 5' when it is a small cell (1 to threshold-1)."""
    if is_missing(value):
        return "—"
    count = int(value)
    if 0 < count < threshold:
        return f"< {threshold}"
    return format_number(count)


def suppress_small_cells(
    frame: pd.DataFrame,
    count_columns: list[str],
    rate_columns: list[str] = (),
    threshold: int = SMALL_CELL_THRESHOLD,
) -> pd.DataFrame:
    """Counts 1-4 become '< 5' and rates computed on them are hidden, so no person can be singled out."""
    out = frame.copy()
    small = pd.Series(False, index=out.index)
    for column in count_columns:
        values = pd.to_numeric(out[column], errors="coerce")
        small |= values.between(1, threshold - 1)
        out[column] = values.map(lambda v: format_count(v, threshold))
    for column in rate_columns:
        out[column] = [("—" if hide else format_percent(v)) for v, hide in zip(out[column], small)]
    return out


def escape_markdown(value: object) -> str:
    """Escape a data string for Markdown: HTML first, then Markdown punctuation."""
    text = nfc(str(value))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=True))


def describe_rank(rank: object, n_ranked: object, better: str = "lower") -> str:
    """'xếp thứ 5/31 (1 = tốt nhất)' or a plain statement when the unit has no value."""
    if is_missing(rank) or is_missing(n_ranked):
        return "chưa xếp hạng được (không có số liệu)"
    direction = "thấp nhất" if better == "lower" else "cao nhất"
    return f"xếp thứ {int(rank)}/{int(n_ranked)} (thứ 1 = {direction})"


def describe_key_figure(label: str, value: str, rank_text: str, median: str) -> str:
    """One bullet of the key figures: the value, its rank and the district median."""
    return f"- **{label}**: {value} — {rank_text}; trung vị các xã, thị trấn: {median}."


def describe_funnel(risk: pd.Series | None, convention: str = "late_rate_resolved") -> str:
    """Where the unit sits in the funnel plot, in words a chairman reads once."""
    if risk is None or is_missing(risk.get("outside_95")) or not risk.get("resolved"):
        return "Chưa đủ hồ sơ đã giải quyết để đặt đơn vị trên biểu đồ phễu."
    flag = str(risk["outside_95"])
    text = (
        f"Tỷ lệ trễ hạn thực tế {format_percent(risk['observed_rate'])}, kỳ vọng theo cơ cấu lĩnh vực "
        f"{format_percent(risk['expected_rate'])} (tỷ số thực tế/kỳ vọng {format_number(risk['oe_ratio'], 2)}); "
        f"tỷ lệ đã điều chỉnh {format_percent(risk['adjusted_rate'])} nằm {FUNNEL_LABELS.get(flag, flag)} 95 %"
    )
    if str(risk.get("outside_998")) == "high":
        text += " và vượt cả giới hạn 99,8 % — khó có thể do ngẫu nhiên"
    elif flag == "within":
        text += " — khác biệt so với huyện có thể chỉ do ngẫu nhiên"
    return nfc(text + f". Quy ước tỷ lệ: {label_convention(convention)}.")


def describe_trend(monthly: pd.DataFrame, rate_column: str = "late_rate") -> str:
    """Compare the last three months with the three before, so a chairman sees the direction."""
    data = monthly.dropna(subset=[rate_column]).sort_values("period")
    if len(data) < 4:
        return "Chưa đủ số tháng để nhận xét xu hướng."
    recent = data.tail(3)
    before = data.iloc[-6:-3] if len(data) >= 6 else data.iloc[:-3]
    recent_rate = _pooled(recent, rate_column)
    before_rate = _pooled(before, rate_column)
    change = recent_rate - before_rate
    if abs(change) < 0.01:
        word = "gần như không đổi"
    elif change > 0:
        word = f"tăng {format_number(change * 100, 1)} điểm %"
    else:
        word = f"giảm {format_number(-change * 100, 1)} điểm %"
    return nfc(
        f"Ba tháng gần nhất ({recent['period'].iloc[0]} đến {recent['period'].iloc[-1]}) tỷ lệ trễ hạn là "
        f"{format_percent(recent_rate)}, {word} so với ba tháng trước đó ({format_percent(before_rate)})."
    )


def _pooled(frame: pd.DataFrame, rate_column: str) -> float:
    """Pooled rate over months (weights = resolved dossiers), else the plain mean."""
    if "resolved" in frame and frame["resolved"].sum() > 0:
        return float((frame[rate_column] * frame["resolved"]).sum() / frame["resolved"].sum())
    return float(frame[rate_column].mean())


def describe_drivers(fields: pd.DataFrame, procedures: pd.DataFrame) -> str:
    """Name the field and procedures with the most late dossiers (counts suppressed when small)."""
    late_fields = fields[fields["late"] > 0]
    if late_fields.empty:
        return "Trong kỳ không có hồ sơ nào giải quyết trễ hạn."
    top = late_fields.iloc[0]
    text = (
        f"Lĩnh vực có nhiều hồ sơ trễ hạn nhất là **{escape_markdown(top['field'])}** "
        f"({format_count(top['late'])} hồ sơ, {format_percent(top['share_of_late'], 0)} số hồ sơ trễ hạn của đơn vị)"
    )
    late_procedures = procedures[procedures["late"] >= SMALL_CELL_THRESHOLD].head(3)
    if not late_procedures.empty:
        names = "; ".join(escape_markdown(p) for p in late_procedures["procedure"])
        text += f". Các thủ tục trễ hạn nhiều nhất: {names}"
    return nfc(text + ".")


def describe_staffing(row: pd.Series, median_workload: object) -> str:
    """Officer arrangement and workload of the desk, compared with the district median."""
    if is_missing(row.get("officer_days")) or not row.get("officer_days"):
        return "Danh sách cán bộ không ghi nhận ai làm việc tại bộ phận một cửa trong kỳ."
    return nfc(
        f"Bình quân {format_number(row['officers_on_desk'], 1)} cán bộ làm việc tại bộ phận một cửa; "
        f"{format_percent(row['concurrent_share'], 0)} ngày công do cán bộ kiêm nhiệm đảm nhận. "
        f"Khối lượng: {format_number(row['dossiers_per_officer_day'], 1)} hồ sơ/cán bộ/ngày làm việc "
        f"(trung vị huyện {format_number(median_workload, 1)}); "
        f"{format_number(row.get('rotations', 0))} lượt luân chuyển, "
        f"{format_number(row.get('vacancy_officer_days', 0))} ngày công còn thiếu so với biên chế cao nhất."
    )


def describe_meetings(check: pd.DataFrame) -> list[str]:
    """One sentence per meeting mention: what was said and whether the data agrees."""
    sentences = []
    for meeting_date, topic, polarity, evidence, agrees in zip(
        check["meeting_date"],
        check["topic"],
        check["polarity"],
        check["evidence"],
        check["data_agrees"],
        strict=True,
    ):
        day = (
            pd.Timestamp(meeting_date).strftime("%d/%m/%Y") if not is_missing(meeting_date) else "?"
        )
        verdict = (
            "số liệu chưa đủ để kiểm chứng"
            if is_missing(agrees)
            else (
                "số liệu khớp với nhận định này"
                if bool(agrees)
                else "số liệu không khớp với nhận định này"
            )
        )
        sentences.append(
            nfc(
                f"- Cuộc họp ngày {day}: {POLARITY_LABELS.get(polarity, polarity)} về "
                f"{label_topic(topic)} — «{escape_markdown(evidence)}» ({verdict})."
            )
        )
    return sentences


# Recommendation rules, in priority order. Each rule reads the unit's indicators for the period
# (`row`, a row of indicators_period joined with risk_adjusted and the district medians) and
# fires when its condition holds; the brief shows the first five that fire, at least three.
RECOMMENDATION_RULES = (
    "late rate above the funnel's upper 95 % limit, or in the district's worst third -> review the procedures driving lateness",
    "overdue pending dossiers > 0 -> clear them and send apology letters",
    "apology-letter compliance below 100 % -> a letter for every late dossier (Nghị định 61/2018/NĐ-CP, Điều 19)",
    "concurrent share >= 50 % and workload above the district median -> a dedicated officer on the desk",
    "online share below 50 % -> points lost on QĐ 766 indicator 3.3; guide citizens to submit online",
    "vacancy days or rotations in the period -> plan replacements before officers rotate",
    "otherwise -> keep the current arrangement and share the practice",
)


def recommend_actions(
    row: pd.Series, top_procedures: list[str] | None = None, max_items: int = 5
) -> list[str]:
    """3-5 concrete recommendations from the documented RECOMMENDATION_RULES."""
    items: list[str] = []
    procedures = "; ".join(escape_markdown(p) for p in (top_procedures or [])[:3])
    late_high = str(row.get("outside_95")) == "high" or bool(row.get("late_worst_third") is True)
    if late_high:
        target = f" (trước hết: {procedures})" if procedures else ""
        items.append(
            f"Rà soát quy trình các thủ tục gây trễ hạn{target}: tỷ lệ trễ hạn {format_percent(row.get('late_rate'))} "
            f"cao hơn mức chung của huyện."
        )
    overdue = row.get("pending_overdue")
    if not is_missing(overdue) and int(overdue) > 0:
        items.append(
            f"Giải quyết dứt điểm {format_count(overdue)} hồ sơ đang quá hạn và gửi phiếu xin lỗi, hẹn lại ngày trả kết quả."
        )
    compliance = row.get("apology_letter_compliance")
    if not is_missing(compliance) and float(compliance) < 1:
        items.append(
            f"Gửi thư xin lỗi cho 100 % hồ sơ trễ hạn (hiện {format_percent(compliance)}), "
            f"theo Điều 19 Nghị định 61/2018/NĐ-CP."
        )
    concurrent = row.get("concurrent_share")
    workload = row.get("dossiers_per_officer_day")
    median = row.get("median_dossiers_per_officer_day")
    if (
        not is_missing(concurrent)
        and float(concurrent) >= CONCURRENT_HIGH
        and not is_missing(workload)
        and not is_missing(median)
        and float(workload) > float(median)
    ):
        items.append(
            f"Bố trí ít nhất một công chức chuyên trách tại bộ phận một cửa: {format_percent(concurrent, 0)} ngày công "
            f"là kiêm nhiệm trong khi khối lượng {format_number(workload, 1)} hồ sơ/cán bộ/ngày cao hơn trung vị huyện "
            f"({format_number(median, 1)})."
        )
    online = row.get("online_share")
    if not is_missing(online) and float(online) < ONLINE_TARGET_766:
        points = row.get("points_766_3_3")
        lost = POINTS_766_3_3_MAX - float(points) if not is_missing(points) else math.nan
        items.append(
            f"Hướng dẫn người dân nộp hồ sơ trực tuyến: tỷ lệ trực tuyến {format_percent(online)} dưới mức 50 %, "
            f"mất {format_number(lost, 1)} điểm chỉ tiêu 3.3 của Bộ chỉ số theo QĐ 766/QĐ-TTg."
        )
    rotations = row.get("rotations")
    vacancy = row.get("vacancy_officer_days")
    if (not is_missing(rotations) and int(rotations) > 0) or (
        not is_missing(vacancy) and float(vacancy) > 0
    ):
        items.append(
            "Chủ động bố trí người thay thế trước khi cán bộ một cửa luân chuyển hoặc nghỉ, "
            f"để không thiếu ngày công ({format_number(vacancy)} ngày công còn thiếu trong kỳ)."
        )
    fallback = [
        "Duy trì cách bố trí cán bộ hiện nay và chia sẻ kinh nghiệm với các xã còn nhiều hồ sơ trễ hạn.",
        "Tiếp tục cập nhật trạng thái hồ sơ trên phần mềm ngay khi có kết quả, tránh ghi nhận trễ hạn do cập nhật chậm.",
        "Tiếp tục công khai thủ tục và tuyên truyền dịch vụ công trực tuyến tại bộ phận một cửa.",
    ]
    for text in fallback:
        if len(items) >= 3:
            break
        items.append(text)
    return [nfc(text) for text in items[:max_items]]
