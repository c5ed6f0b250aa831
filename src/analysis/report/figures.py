"""Charts for the briefs, drawn with matplotlib's object API (no pyplot state shared between units).

DejaVu Sans covers every Vietnamese letter, so titles such as "Tỷ lệ trễ hạn" render with their
diacritics. Charts become embedded PNGs (base64 in the HTML), so briefs open offline.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from analysis.report.labels import MODEL_LABELS, TERM_LABELS, label_column, label_convention
from analysis.report.narrative import format_number

FONT = "DejaVu Sans"
HIGHLIGHT = "#c0392b"
MUTED = "#9aa5b1"
MAIN = "#1f5f8b"
DPI = 96
LAYOUT = "constrained"
STYLE = {
    "font.family": FONT,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}


def new_figure(width: float = 7.0, height: float = 3.4) -> Figure:
    """A figure with its own Agg canvas, independent of pyplot's global state."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width, height), dpi=DPI, layout=LAYOUT)
        FigureCanvasAgg(figure)
    return figure


def percent_axis(axis) -> None:
    """Tick labels as Vietnamese percentages ('12 %')."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_number(v * 100, 0)} %"))


def figure_to_png(figure: Figure) -> bytes:
    """PNG bytes of a figure (what the HTML embeds)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def png_image(figure: Figure):
    """An IPython PNG image for `display()` in a notebook."""
    from IPython.display import Image

    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    alt = titles[0] if titles else "Biểu đồ"
    return Image(data=figure_to_png(figure), format="png", metadata={"alt": alt})


def plot_funnel(
    risk: pd.DataFrame,
    curve: pd.DataFrame,
    highlight_code: str | None = None,
    title: str | None = None,
) -> Figure:
    """Funnel plot: adjusted late rate against resolved dossiers, with 95 % and 99,8 % limits."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(7.0, 3.8)
        ax = figure.add_subplot()
        curve = curve.sort_values("n")
        ax.plot(
            curve["n"], curve["district_rate"], color="black", lw=1, label="Mức chung của huyện"
        )
        for low, high, style, name in (
            ("lower_95", "upper_95", "--", "Giới hạn 95 %"),
            ("lower_998", "upper_998", ":", "Giới hạn 99,8 %"),
        ):
            ax.plot(curve["n"], curve[high], color=MAIN, ls=style, lw=1, label=name)
            ax.plot(curve["n"], curve[low], color=MAIN, ls=style, lw=1)
        points = risk.dropna(subset=["adjusted_rate"])
        others = points[points["commune_code"] != highlight_code]
        ax.scatter(
            others["resolved"],
            others["adjusted_rate"],
            s=18,
            color=MUTED,
            zorder=3,
            label="Các xã, thị trấn",
        )
        mine = points[points["commune_code"] == highlight_code]
        if not mine.empty:
            ax.scatter(
                mine["resolved"],
                mine["adjusted_rate"],
                s=60,
                color=HIGHLIGHT,
                zorder=4,
                label=str(mine["commune_name"].iloc[0]),
            )
        percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("Số hồ sơ đã giải quyết trong kỳ")
        ax.set_ylabel("Tỷ lệ trễ hạn đã điều chỉnh")
        ax.set_title(title or "Biểu đồ phễu: tỷ lệ trễ hạn đã điều chỉnh theo cơ cấu lĩnh vực")
        ax.legend(fontsize=7, loc="upper right", frameon=False)
    return figure


def plot_monthly_trend(
    commune: pd.DataFrame, district: pd.DataFrame, convention: str, unit_name: str = "Đơn vị"
) -> Figure:
    """Monthly late rate of the unit against the district, naming the convention used."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(7.0, 3.2)
        ax = figure.add_subplot()
        ax.plot(
            commune["period"], commune["late_rate"], marker="o", color=HIGHLIGHT, label=unit_name
        )
        if not district.empty:
            ax.plot(
                district["period"],
                district["late_rate"],
                marker=".",
                color=MUTED,
                label="Toàn huyện",
            )
        percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.set_ylabel(label_column("late_rate"))
        ax.set_title("Tỷ lệ trễ hạn theo tháng")
        ax.set_xlabel(f"Quy ước: {label_convention(convention)}", fontsize=7, color="#555555")
        ax.legend(fontsize=7, frameon=False)
    return figure


def plot_ranked_bars(
    frame: pd.DataFrame,
    value_column: str,
    highlight_code: str | None = None,
    is_rate: bool = True,
    title: str | None = None,
) -> Figure:
    """All units ranked on one indicator, the highlighted unit in red."""
    data = frame.dropna(subset=[value_column]).sort_values(value_column)
    with matplotlib.rc_context(STYLE):
        figure = new_figure(7.0, max(2.5, 0.17 * len(data) + 0.8))
        ax = figure.add_subplot()
        colors = np.where(data["commune_code"] == highlight_code, HIGHLIGHT, MAIN)
        ax.barh(data["commune_name"], data[value_column], color=colors)
        median = data[value_column].median()
        ax.axvline(median, color="black", lw=0.8, ls="--", label="Trung vị")
        if is_rate:
            percent_axis(ax.xaxis)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title or label_column(value_column))
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    return figure


def plot_effects(effects: pd.DataFrame) -> Figure:
    """Odds ratios with 95 % intervals for each effect and model (log scale, 1 = no effect)."""
    data = effects.dropna(subset=["odds_ratio"]).reset_index(drop=True)
    with matplotlib.rc_context(STYLE):
        figure = new_figure(7.0, max(2.4, 0.5 * len(data) + 1.0))
        ax = figure.add_subplot()
        y = np.arange(len(data))[::-1]
        ax.errorbar(
            data["odds_ratio"],
            y,
            xerr=[
                data["odds_ratio"] - data["odds_ratio_low"],
                data["odds_ratio_high"] - data["odds_ratio"],
            ],
            fmt="o",
            color=MAIN,
            ecolor=MAIN,
            capsize=3,
        )
        labels = [
            f"{TERM_LABELS.get(t, t)}\n{MODEL_LABELS.get(m, m)}"
            for t, m in zip(data["term"], data["model"], strict=True)
        ]
        ax.set_yticks(y, labels, fontsize=6.5)
        ax.axvline(1.0, color="black", lw=0.8)
        ax.set_xscale("log")
        # small samples give huge intervals: show 1/20..20 and let whiskers run off the edge
        low = float(np.nanmin(data["odds_ratio_low"])) if len(data) else 0.5
        high = float(np.nanmax(data["odds_ratio_high"])) if len(data) else 2.0
        ax.set_xlim(max(min(low, 0.5) / 1.2, 0.05), min(max(high, 2.0) * 1.2, 20.0))
        left, right = ax.get_xlim()
        ax.set_xticks([t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if left <= t <= right])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, 2)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("Tỷ số chênh của trễ hạn (khoảng tin cậy 95 %)")
        ax.set_title("Ảnh hưởng đến khả năng trễ hạn (tỷ số chênh)")
    return figure


def plot_online_share_by_month(
    commune: pd.DataFrame,
    district: pd.DataFrame,
    meeting_dates: list,
    unit_name: str = "Đơn vị",
) -> Figure:
    """Online share month by month (mức độ 3 and 4 separately when known), meeting dates marked."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(7.0, 3.2)
        ax = figure.add_subplot()
        months = pd.to_datetime(commune["period_start"])
        labels = [f"T{m.month:02d}/{m.year}" for m in months]
        x = np.arange(len(months))
        level_3 = commune.get("online_share_level_3")
        level_4 = commune.get("online_share_level_4")
        if (
            level_3 is not None
            and level_4 is not None
            and (level_3.fillna(0) + level_4.fillna(0)).gt(0).any()
        ):
            ax.bar(x, level_3.fillna(0), color=MAIN, alpha=0.5, label="Mức độ 3")
            ax.bar(x, level_4.fillna(0), bottom=level_3.fillna(0), color=MAIN, label="Mức độ 4")
        ax.plot(x, commune["online_share"], marker="o", color=HIGHLIGHT, label=f"{unit_name}: tổng")
        if not district.empty:
            shares = district.set_index(pd.to_datetime(district["period_start"]))["online_share"]
            ax.plot(
                x, shares.reindex(months).to_numpy(), marker=".", color=MUTED, label="Toàn huyện"
            )
        for day in meeting_dates:
            day = pd.Timestamp(day)
            where = [i for i, m in enumerate(months) if m.year == day.year and m.month == day.month]
            if where:
                ax.axvline(where[0], color="black", lw=0.8, ls=":")
                ax.annotate(
                    f"Họp {day:%d/%m}",
                    (where[0], 1.0),
                    xycoords=("data", "axes fraction"),
                    fontsize=7,
                    ha="left",
                    va="top",
                )
        ax.set_xticks(x, labels)
        percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.set_ylabel("Tỷ lệ hồ sơ trực tuyến")
        ax.set_title("Tỷ lệ hồ sơ nộp trực tuyến theo tháng")
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0, 0.9))
    return figure
