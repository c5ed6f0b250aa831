"""The overview's statistics in Vietnamese: effects for realistic steps, the sensitivity suite,
ranks with their uncertainty and monthly late rates with Wilson intervals.

Words of association only ("gắn với", "liên quan"): the models compare each commune with itself
over time and cannot separate a covariate from what changes with it (docs/methods.md s. 2).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd

from analysis.report.figures import (
    HIGHLIGHT,
    MUTED,
    SMALL,
    STYLE,
    month_labels,
    new_figure,
    percent_axis,
)
from analysis.report.narrative import format_number, format_percent, nfc
from analysis.report.scope import capitalise, scope_terms

MAIN_MODEL = "panel_binomial_glm"
STEP_LABELS = {
    "online_share": "tỷ lệ hồ sơ trực tuyến tăng thêm 10 điểm %",
    "dossiers_per_officer_day": "mỗi cán bộ nhận thêm 1 hồ sơ/ngày làm việc",
    "concurrent_share": "tỷ lệ ngày công do cán bộ kiêm nhiệm đảm nhận tăng {step} điểm % "
    "(mức dao động thường gặp trong một xã: một độ lệch chuẩn)",
}
VARIANT_LABELS = {
    "main": "Mô hình chính",
    "commune_trends": "Thêm xu hướng thời gian riêng của từng xã",
    "lead_placebo": "Thêm giá trị tháng sau (kiểm tra giả)",
    "leave_one_commune_out": "Bỏ lần lượt từng xã (khoảng giá trị nhỏ nhất – lớn nhất)",
    "workload_spline": "Khối lượng công việc dạng đường cong (độ dốc trung bình)",
}
TERM_SHORT = {
    "online_share": "Trực tuyến (+10 điểm %)",
    "dossiers_per_officer_day": "Khối lượng (+1 hồ sơ/cán bộ/ngày)",
    "concurrent_share": "Kiêm nhiệm (+1 độ lệch chuẩn)",
    "lead_online_share": "Trực tuyến tháng sau (phải ≈ 0)",
    "lead_dossiers_per_officer_day": "Khối lượng tháng sau (phải ≈ 0)",
    "lead_concurrent_share": "Kiêm nhiệm tháng sau (phải ≈ 0)",
}
LIMITS_TEXT = (
    "**Mô hình cho biết gì, và không cho biết gì.** Mô hình so sánh mỗi xã với chính nó qua các "
    "tháng (đã tính đến cơ cấu lĩnh vực, đặc điểm riêng của từng xã và biến động chung theo tháng). "
    "Các con số dưới đây là **mối liên quan**, không phải bằng chứng nhân quả: một yếu tố thay đổi "
    "theo thời gian trong cùng một xã — tháng đông hồ sơ cũng là tháng có hồ sơ khó hơn, xã chuyển "
    "sang trực tuyến nhanh cũng là xã đang cải thiện vì lý do khác, hay luân chuyển cán bộ sau "
    "một tháng trễ nhiều — có thể làm hệ số lệch đi, trong mô phỏng có khi gần gấp đôi. "
    "Bảng kiểm tra độ vững bên dưới cho thấy các hệ số thay đổi bao nhiêu khi tính đến một số "
    "khả năng đó (xu hướng riêng của từng xã; giá trị của tháng sau, lẽ ra không liên quan nếu "
    "mô hình đúng). Nó không loại trừ được mọi yếu tố gây nhiễu: một yếu tố xảy ra cùng tháng "
    "với khối lượng công việc (tháng đông cũng là tháng hồ sơ khó) không bảng kiểm tra nào phát "
    "hiện được."
)


def describe_effects(effects: pd.DataFrame, model: str = MAIN_MODEL) -> list[str]:
    """One bullet per covariate: the realistic step and the change in late rate (points, 95 %)."""
    rows = effects[effects["model"] == model]
    lines = []
    for row in rows.itertuples(index=False):
        step_text = STEP_LABELS.get(row.term, row.term).format(
            step=format_number(float(row.step) * 100, 0)
        )
        lines.append(
            nfc(
                f"- Khi {step_text}: tỷ lệ trễ hạn **{signed_points(row.pp_change)}** "
                f"(khoảng tin cậy 95 %: {signed_points(row.pp_change_low)} đến "
                f"{signed_points(row.pp_change_high)}), tính tại tỷ lệ trễ chung "
                f"{format_percent(row.mean_late_rate)}."
            )
        )
    return lines


def signed_points(value: object) -> str:
    """A change in percentage points with its sign ('+1,2 điểm %', '−0,8 điểm %')."""
    value = round(float(value), 1) + 0.0  # no "−0,0": a change that rounds to zero has no sign
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{format_number(abs(value), 1)} điểm %"


def sensitivity_table(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity suite as a display table: one row per variant and term, in points."""
    table = sensitivity.assign(
        variant=sensitivity["variant"].map(VARIANT_LABELS).fillna(sensitivity["variant"]),
        term=sensitivity["term"].map(TERM_SHORT).fillna(sensitivity["term"]),
        change=sensitivity["pp_change"].map(signed_points),
        interval=[
            f"{signed_points(low)} đến {signed_points(high)}"
            for low, high in zip(
                sensitivity["pp_change_low"], sensitivity["pp_change_high"], strict=True
            )
        ],
    )
    return table[["variant", "term", "change", "interval"]].rename(
        columns={
            "variant": "Cách kiểm tra",
            "term": "Yếu tố",
            "change": "Thay đổi tỷ lệ trễ hạn",
            "interval": "Khoảng 95 % (hoặc khoảng min–max)",
        }
    )


def rank_uncertainty_table(ranks: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """Shrunk late rate, the rank's 95 % interval and P(worst third), worst first."""
    terms = scope_terms(period)
    data = ranks.sort_values("rank_median", ascending=False)
    table = pd.DataFrame(
        {
            capitalise(terms.kinds): data["commune_name"],
            "Hồ sơ đã giải quyết": data["resolved"].map(lambda v: format_number(v, 0)),
            "Tỷ lệ trễ (quan sát)": [
                "ít hồ sơ, không tin cậy" if small else format_percent(rate)
                for rate, small in zip(data["observed_rate"], data["is_small_n"], strict=True)
            ],
            f"Tỷ lệ trễ ước lượng (co về {terms.shrink_level})": [
                f"{format_percent(r)} ({format_percent(lo)}–{format_percent(hi)})"
                for r, lo, hi in zip(
                    data["shrunk_rate"],
                    data["shrunk_rate_low"],
                    data["shrunk_rate_high"],
                    strict=True,
                )
            ],
            "Thứ hạng (khoảng 95 %)": [
                "—" if np.isnan(m) else f"{m:.0f} ({lo:.0f}–{hi:.0f})"
                for m, lo, hi in zip(
                    data["rank_median"], data["rank_low"], data["rank_high"], strict=True
                )
            ],
            "Xác suất thuộc nhóm 1/3 kém nhất": data["prob_worst_third"].map(
                lambda p: format_percent(p, 0)
            ),
        }
    )
    return table


def plot_monthly_with_intervals(months: pd.DataFrame, title: str = "Tỷ lệ trễ hạn theo tháng"):
    """Monthly late rate with its Wilson 95 % interval; months on few dossiers drawn hollow."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(height=3.4)  # the width every chart has (legible on a phone)
        ax = figure.add_subplot()
        x = np.arange(len(months))
        rate = months["late_rate"].to_numpy(dtype="float64")
        low = months["late_rate_low"].to_numpy(dtype="float64")
        high = months["late_rate_high"].to_numpy(dtype="float64")
        small = months["is_small_n"].fillna(True).to_numpy(dtype=bool)
        ax.fill_between(x, low, high, color=MUTED, alpha=0.35, linewidth=0, label="khoảng 95 %")
        ax.plot(x, rate, color=HIGHLIGHT, linewidth=1)
        ax.scatter(x[~small], rate[~small], color=HIGHLIGHT, zorder=3, s=14)
        ax.scatter(x[small], rate[small], facecolors="white", edgecolors=HIGHLIGHT, zorder=3, s=14)
        ax.set_xticks(x, month_labels(months["period"]), rotation=45, fontsize=SMALL)
        percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.set_title(title)
        ax.set_xlabel(
            "Vùng xám: khoảng tin cậy 95 % (Wilson); điểm rỗng: dưới 20 hồ sơ", fontsize=SMALL
        )
    return figure
