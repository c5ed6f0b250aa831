"""Vietnamese sentences and recommendations built from the figures (never typed by hand).

Numbers are formatted the Vietnamese way ("12,5 %", "1.234"); every string that comes from data
is escaped before it enters Markdown, so a procedure name holding `<script>` shows as text.
Small cells: rows of a table (a field, a procedure) with 1-4 dossiers in their denominator are
shown as "< 5" with no rate: hộ tịch dossiers with a date in a small commune can re-identify
people (Nghị định 13/2023/NĐ-CP on personal data). A rate on fewer than MIN_RELIABLE_N dossiers is
printed without decimals and marked as unreliable. The policy numbers of QĐ 766 are not copied
here: they travel in the indicator rows (`points_766_3_3_max`, `online_target_766`).
"""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

from analysis.report.labels import (
    POLARITY_LABELS,
    label_convention,
    label_period_short,
    label_topic,
)
from analysis.report.scope import scope_terms

SMALL_CELL_THRESHOLD = 5
MIN_RELIABLE_N = 20  # a rate on fewer dossiers swings by whole tens of points: marked, not trusted
UNRELIABLE_NOTE = "(ít hồ sơ, chưa đủ tin cậy)"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


# The funnel's limits are widened by the overdispersion between communes, so "inside" means
# "within the usual spread between communes", not "may be chance" (issue #11).
FUNNEL_WORDING = {
    "high": "cao hơn giới hạn trên 95 % của biểu đồ phễu, tức là vượt mức chênh lệch thường thấy giữa các xã",
    "low": "thấp hơn giới hạn dưới 95 % của biểu đồ phễu, tức là tốt hơn mức chênh lệch thường thấy giữa các xã",
    "within": "nằm trong giới hạn 95 % của biểu đồ phễu, tức là trong mức chênh lệch thường thấy giữa các xã "
    "(chưa đủ căn cứ để nói đơn vị trễ hạn nhiều hơn hay ít hơn {common_level})",
}


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


def format_exact_count(value: object) -> str:
    """A count shown exactly (the commune's own totals, told to the commune): '1.234', '3'."""
    if is_missing(value):
        return "—"
    return format_number(int(value))


def format_rate(value: object, denominator: object, digits: int = 1, compact: bool = False) -> str:
    """A rate with its reliability: on fewer than MIN_RELIABLE_N dossiers, no decimals and a warning.

    `compact` marks such a rate with an asterisk instead (table cells: the note goes under the
    table once, see UNRELIABLE_FOOTNOTE), so a narrow column does not wrap over many lines.
    """
    if is_missing(value) or is_missing(denominator) or int(denominator) == 0:
        return "không có số liệu"
    if int(denominator) < MIN_RELIABLE_N:
        return f"{format_percent(value, 0)}{'*' if compact else ' ' + UNRELIABLE_NOTE}"
    return format_percent(value, digits)


def format_day(value: object) -> str:
    """A date as dd/mm/yyyy."""
    return "—" if is_missing(value) else f"{pd.Timestamp(value):%d/%m/%Y}"


def suppress_small_cells(
    frame: pd.DataFrame,
    count_columns: list[str],
    rate_columns: list[str] = (),
    threshold: int = SMALL_CELL_THRESHOLD,
    denominator: str | None = None,
) -> pd.DataFrame:
    """Rows whose denominator has 1-4 dossiers show '< 5' and no rate, so no person is singled out.

    Suppression keys on the row's denominator (`denominator`, default the first count column), not
    on each numerator: a field with 236 dossiers and 2 late ones is shown as it is. Rates on fewer
    than MIN_RELIABLE_N dossiers are marked as unreliable.
    """
    out = frame.copy()
    base_column = denominator or count_columns[0]
    base = pd.to_numeric(frame[base_column], errors="coerce")
    small = base.between(1, threshold - 1)
    for column in count_columns:
        values = pd.to_numeric(out[column], errors="coerce")
        out[column] = [
            f"< {threshold}" if hide else format_exact_count(v)
            for v, hide in zip(values, small, strict=True)
        ]
    for column in rate_columns:
        out[column] = [
            "—" if hide else format_rate(v, n, compact=True)
            for v, n, hide in zip(out[column], base, small, strict=True)
        ]
    return out


def describe_rank_uncertainty(
    uncertainty: pd.DataFrame | None, commune_code: str, period: str | None = None
) -> str:
    """How much the late-rate rank can be trusted: a rank moves with a few dossiers (issue #11).

    Read from the analysis' empirical-Bayes table (commune_ranks_uncertainty.parquet); '' when the
    analysis did not compute it or the commune has no resolved dossier.
    """
    if uncertainty is None:
        return ""
    row = uncertainty[uncertainty["commune_code"] == commune_code]
    if row.empty or is_missing(row["rank_low"].iloc[0]):
        return ""
    row = row.iloc[0]
    return (
        f"Độ tin cậy của thứ hạng về tỷ lệ trễ hạn: sau khi co về {scope_terms(period).common_level} (đơn vị ít "
        f"hồ sơ được co nhiều hơn), tỷ lệ trễ hạn ước tính là "
        f"{format_percent(row['shrunk_rate'])}; thứ hạng nằm trong khoảng từ thứ "
        f"{int(row['rank_low'])} đến thứ {int(row['rank_high'])} (khoảng 95 %, thứ 1 = thấp nhất); "
        f"xác suất đơn vị thuộc nhóm một phần ba có tỷ lệ trễ hạn cao nhất là "
        f"{format_percent(row['prob_worst_third'], 0)}."
    )


def table_footnote(table: pd.DataFrame) -> str:
    """The note for rates marked '*' by `format_rate(compact=True)`; '' when the table has none."""
    marked = table.astype(str).apply(lambda column: column.str.endswith("%*")).to_numpy().any()
    return UNRELIABLE_FOOTNOTE if marked else ""


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


def describe_key_figure(
    label: str, value: str, rank_text: str | None, median: str | None, period: str | None = None
) -> str:
    """One bullet of the key figures: the value, its rank and the units' median (when ranked)."""
    kinds = scope_terms(period).kinds
    parts = [p for p in (rank_text, f"trung vị các {kinds}: {median}" if median else None) if p]
    tail = f" — {'; '.join(parts)}" if parts else ""
    return f"- **{label}**: {value}{tail}."


def describe_indicator(
    label: str, value: str, ranks: pd.DataFrame, indicator: str, period: str | None = None
) -> str:
    """A key-figure bullet; rank and median only for indicators the analysis ranks."""
    if indicator not in ranks.index or is_missing(ranks.loc[indicator, "rank"]):
        return describe_key_figure(label, value, None, None, period)
    rank = ranks.loc[indicator]
    return describe_key_figure(
        label,
        value,
        describe_rank(rank["rank"], rank["n_ranked"], str(rank["better"])),
        format_percent(rank["district_median"]),
        period,
    )


def describe_funnel(
    risk: pd.Series | None, convention: str = "late_rate_resolved", period: str | None = None
) -> str:
    """Where the unit sits in the funnel plot, in words a chairman reads once."""
    if risk is None or is_missing(risk.get("outside_95")) or not risk.get("resolved"):
        return "Chưa đủ hồ sơ đã giải quyết để đặt đơn vị trên biểu đồ phễu."
    flag = str(risk["outside_95"])
    n = int(risk["resolved"])
    text = (
        f"Tỷ lệ trễ hạn thực tế {format_rate(risk['observed_rate'], n)} trên {format_exact_count(n)} "
        f"hồ sơ đã giải quyết, kỳ vọng theo cơ cấu lĩnh vực {format_rate(risk['expected_rate'], n)} "
        f"(thực tế {format_exact_count(risk['observed_late'])} hồ sơ trễ hạn, kỳ vọng khoảng "
        f"{format_number(risk['expected_late'], 0)}); tỷ lệ đã điều chỉnh {format_rate(risk['adjusted_rate'], n)} "
        f"{FUNNEL_WORDING.get(flag, flag).format(common_level=scope_terms(period).common_level)}"
    )
    if flag == "high" and str(risk.get("outside_998")) == "high":
        text += ", vượt cả giới hạn 99,8 %"
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
        word = f"tăng {format_number(change * 100, 1)} điểm phần trăm"
    else:
        word = f"giảm {format_number(-change * 100, 1)} điểm phần trăm"
    first, last = (
        label_period_short(recent["period"].iloc[0]),
        label_period_short(recent["period"].iloc[-1]),
    )
    return nfc(
        f"Ba tháng gần nhất ({first} đến {last}) tỷ lệ trễ hạn là "
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
        f"({format_exact_count(top['late'])} trong {format_exact_count(top['resolved'])} hồ sơ đã giải quyết, "
        f"bằng {format_percent(top['share_of_late'], 0)} số hồ sơ trễ hạn của đơn vị)"
    )
    late_procedures = procedures[procedures["late"] > 0].head(3)
    if not late_procedures.empty:
        names = "; ".join(escape_markdown(p) for p in late_procedures["procedure"])
        text += f". Các thủ tục trễ hạn nhiều nhất: {names}"
    return nfc(text + ".")


def describe_staffing(row: pd.Series, median_workload: object, period: str | None = None) -> str:
    """Officer arrangement and workload of the desk, compared with the median of the units."""
    if is_missing(row.get("officer_days")) or not row.get("officer_days"):
        return "Danh sách cán bộ không ghi nhận ai làm việc tại bộ phận một cửa trong kỳ."
    return nfc(
        f"Bình quân {format_number(row['officers_on_desk'], 1)} cán bộ làm việc tại bộ phận một cửa; "
        f"{format_percent(row['concurrent_share'], 0)} ngày công do cán bộ kiêm nhiệm đảm nhận. "
        f"Khối lượng: {format_number(row['dossiers_per_officer_day'], 1)} hồ sơ/cán bộ/ngày làm việc "
        f"({scope_terms(period).median} {format_number(median_workload, 1)}); "
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


UNRELIABLE_FOOTNOTE = f"(*) Tỷ lệ tính trên dưới {MIN_RELIABLE_N} hồ sơ: chưa đủ tin cậy."
OFFICIAL_TABLE_NOTE = (
    "Cột (3) = (4) + (5) + (6) = (7) + (11); hồ sơ bị từ chối hoặc công dân rút không có cột riêng "
    "trong Biểu 06 nên được ghi riêng (cột «Từ chối, rút hồ sơ»): (3) = (7) + từ chối, rút + (11). "
    "Số hồ sơ của đơn vị được ghi đúng số thực tế."
)


def describe_balance(row: pd.Series) -> str:
    """The period's balance as Biểu 06 writes it: carried over + received = closed + still open."""
    end = format_day(row["period_end"])
    return (
        f"- **Cân đối hồ sơ trong kỳ**: tồn kỳ trước {format_exact_count(row['carried_over'])} + tiếp nhận "
        f"mới {format_exact_count(row['received'])} (trực tuyến {format_exact_count(row['received_online'])}) "
        f"= đã giải quyết {format_exact_count(row['resolved'])} (trễ hạn {format_exact_count(row['resolved_late'])}) "
        f"+ từ chối, rút hồ sơ {format_exact_count(row['closed_other'])} + đang giải quyết tại ngày {end} "
        f"{format_exact_count(row['pending'])} (quá hạn {format_exact_count(row['pending_overdue'])})."
    )


def describe_points_766(row: pd.Series) -> str:
    """Indicator 3.3 of QĐ 766/QĐ-TTg with the maximum and target the analysis used (periods from 2022)."""
    return (
        f"- **Điểm chỉ tiêu 3.3 (QĐ 766/QĐ-TTg)**: {format_number(row.get('points_766_3_3'), 1)} / "
        f"{format_number(row.get('points_766_3_3_max'), 0)} điểm (đủ điểm khi tỷ lệ trực tuyến từ "
        f"{format_percent(row.get('online_target_766'), 0)}; điểm tối đa chưa được kiểm chứng)."
    )


def describe_counter_only(
    counter_only: pd.DataFrame, shown: int = 5, period: str | None = None
) -> str:
    """The procedures other communes took online but this one took only at its counter."""
    others = scope_terms(period).other_units
    if counter_only.empty:
        return (
            f"Không có thủ tục nào mà các {others} đã nhận trực tuyến trong kỳ "
            "còn đơn vị chỉ nhận tại quầy."
        )
    names = "; ".join(
        f"{escape_markdown(p)} ({format_exact_count(n)} hồ sơ)"
        for p, n in zip(
            counter_only["procedure"].head(shown), counter_only["received"].head(shown), strict=True
        )
    )
    more = f" và {len(counter_only) - shown} thủ tục khác" if len(counter_only) > shown else ""
    return nfc(
        f"Các thủ tục các {others} đã nhận hồ sơ trực tuyến trong kỳ nhưng đơn vị vẫn chỉ "
        f"nhận tại quầy: {names}{more}."
    )
