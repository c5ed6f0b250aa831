"""Charts for the briefs, drawn with matplotlib's object API (no pyplot state shared between units).

DejaVu Sans covers every Vietnamese letter, so titles such as "Tỷ lệ trễ hạn" render with their
diacritics. Charts become embedded SVG (base64 in the HTML, text drawn as paths), so briefs open
offline, scale to a phone's width and print sharply. Figures are sized for a narrow page
(WIDTH inches drawn at 96 px/inch ≈ 480 px; no text under 9 pt): on a 390-px phone the chart is
shown ≈ 360 px wide and its smallest text stays ≥ 9 px. When the data are synthetic
(`mark_synthetic(True)`), every chart carries a "MÔ PHỎNG" watermark.
"""

from __future__ import annotations

import io
from textwrap import wrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from analysis.report.labels import (
    MODEL_LABELS,
    TERM_LABELS,
    label_column,
    label_convention,
    label_month,
)
from analysis.report.narrative import format_number
from analysis.report.scope import capitalise, scope_terms

FONT = "DejaVu Sans"
HIGHLIGHT = "#c0392b"
MUTED = "#9aa5b1"
MAIN = "#1f5f8b"
DPI = 96
PNG_DPI = 192  # PNG fallback at twice the screen density (sharp on phones)
LAYOUT = "constrained"
WIDTH = 5.0  # inches: ≈ 480 CSS px, so a 360-px phone column shrinks text by ≈ 0.75 only
SMALL = 9  # pt: the smallest text on any chart (ticks, legends, notes)
NBSP = "\u00a0"
WATERMARK = "MÔ PHỎNG"
STYLE = {
    "font.family": FONT,
    "font.size": 9.5,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "svg.hashsalt": "cchc-ba-vi",  # stable ids: the same chart gives the same bytes
}
_SYNTHETIC = {"mark": False}


def mark_synthetic(flag: bool) -> None:
    """From now on, draw a "MÔ PHỎNG" watermark on every chart of this kernel (synthetic data)."""
    _SYNTHETIC["mark"] = bool(flag)


def add_watermark(figure: Figure) -> None:
    """A large diagonal "MÔ PHỎNG" across the chart, so a copied chart still says it is synthetic."""
    if any(getattr(t, "_cchc_watermark", False) for t in figure.texts):
        return
    text = figure.text(
        0.5,
        0.5,
        WATERMARK,
        rotation=20,
        ha="center",
        va="center",
        fontsize=44,
        fontweight="bold",
        color=HIGHLIGHT,
        alpha=0.16,
        zorder=10,
    )
    text._cchc_watermark = True


def new_figure(width: float = WIDTH, height: float = 3.0) -> Figure:
    """A figure with its own Agg canvas, independent of pyplot's global state."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width, height), dpi=DPI, layout=LAYOUT)
        FigureCanvasAgg(figure)
    return figure


def percent_axis(axis) -> None:
    """Tick labels as Vietnamese percentages ('12 %', the sign never wrapped from its number)."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_number(v * 100, 0)}{NBSP}%"))


def month_labels(periods) -> list[str]:
    """Month values as Vietnamese axis labels ('T10/2021')."""
    return [label_month(p) for p in periods]


def prepare_figure(figure: Figure) -> Figure:
    """What every rendered chart gets: the synthetic watermark when the flag is set."""
    if _SYNTHETIC["mark"]:
        add_watermark(figure)
    return figure


def figure_to_png(figure: Figure) -> bytes:
    """PNG bytes of a figure (fallback format; briefs embed SVG)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        prepare_figure(figure).savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def figure_to_svg(figure: Figure) -> str:
    """SVG text of a figure, text as paths (no font needed on the reader's phone), no date stamp."""
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        prepare_figure(figure).savefig(
            buffer, format="svg", metadata={"Date": None, "Creator": None}
        )
    return buffer.getvalue()


def chart_alt(figure: Figure) -> str:
    """Alt text of a chart: its first axes title (Vietnamese)."""
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    return titles[0] if titles else "Biểu đồ"


def chart_image(figure: Figure):
    """An IPython SVG image for `display()` in a brief (scales to the page; alt = the title)."""
    from IPython.display import SVG

    return SVG(data=figure_to_svg(figure), metadata={"alt": chart_alt(figure)})


def png_image(figure: Figure):
    """An IPython PNG image for `display()` in a notebook (kept for the exploration notebook)."""
    from IPython.display import Image

    return Image(data=figure_to_png(figure), format="png", metadata={"alt": chart_alt(figure)})


def plot_funnel(
    risk: pd.DataFrame,
    curve: pd.DataFrame,
    highlight_code: str | None = None,
    title: str | None = None,
    period: str | None = None,
) -> Figure:
    """Funnel plot: adjusted late rate against resolved dossiers, with 95 % and 99,8 % limits."""
    terms = scope_terms(period)
    with matplotlib.rc_context(STYLE):
        figure = new_figure(WIDTH, 3.6)
        ax = figure.add_subplot()
        curve = curve.sort_values("n")
        ax.plot(
            curve["n"],
            curve["district_rate"],
            color="black",
            lw=1,
            label=capitalise(terms.common_level),
        )
        for low, high, style, name in (
            ("lower_95", "upper_95", "--", f"Giới hạn 95{NBSP}%"),
            ("lower_998", "upper_998", ":", f"Giới hạn 99,8{NBSP}%"),
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
            label=capitalise(f"các {terms.kinds}"),
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
        ax.set_title(title or "Biểu đồ phễu: tỷ lệ trễ hạn đã điều chỉnh\ntheo cơ cấu lĩnh vực")
        figure.legend(loc="outside lower center", ncol=2, frameon=False)
    return figure


def plot_monthly_trend(
    commune: pd.DataFrame,
    district: pd.DataFrame,
    convention: str,
    unit_name: str = "Đơn vị",
    period: str | None = None,
) -> Figure:
    """Monthly late rate of the unit against all units, naming the convention used."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(WIDTH, 3.2)
        ax = figure.add_subplot()
        ax.plot(
            month_labels(commune["period"]),
            commune["late_rate"],
            marker="o",
            color=HIGHLIGHT,
            label=unit_name,
        )
        if not district.empty:
            ax.plot(
                month_labels(district["period"]),
                district["late_rate"],
                marker=".",
                color=MUTED,
                label=capitalise(scope_terms(period).whole),
            )
        percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        if len(commune) > 6:
            ax.tick_params(axis="x", labelrotation=45)
        ax.set_ylabel(label_column("late_rate"))
        ax.set_title("Tỷ lệ trễ hạn theo tháng")
        ax.set_xlabel(
            "\n".join(wrap(f"Quy ước: {label_convention(convention)}", 60)),
            fontsize=SMALL,
            color="#555555",
        )
        ax.legend(frameon=False)
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
        figure = new_figure(WIDTH, max(2.5, 0.2 * len(data) + 0.9))
        ax = figure.add_subplot()
        colors = np.where(data["commune_code"] == highlight_code, HIGHLIGHT, MAIN)
        ax.barh(data["commune_name"], data[value_column], color=colors)
        median = data[value_column].median()
        ax.axvline(median, color="black", lw=0.8, ls="--", label="Trung vị")
        if is_rate:
            percent_axis(ax.xaxis)
        ax.set_title(title or label_column(value_column))
        ax.legend(frameon=False, loc="lower right")
    return figure


def plot_effects(effects: pd.DataFrame) -> Figure:
    """Odds ratios with 95 % intervals for each effect and model (log scale, 1 = no effect)."""
    data = effects.dropna(subset=["odds_ratio"]).reset_index(drop=True)
    with matplotlib.rc_context(STYLE):
        figure = new_figure(WIDTH, max(2.6, 0.75 * len(data) + 1.2))
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
            "\n".join(wrap(TERM_LABELS.get(t, t), 26) + wrap(MODEL_LABELS.get(m, m), 26))
            for t, m in zip(data["term"], data["model"], strict=True)
        ]
        ax.set_yticks(y, labels, fontsize=SMALL)
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
        ax.set_xlabel(f"Tỷ số chênh của trễ hạn (khoảng tin cậy 95{NBSP}%)")
        ax.set_title("Ảnh hưởng đến khả năng trễ hạn\n(tỷ số chênh)")
    return figure


def plot_online_share_by_month(
    commune: pd.DataFrame,
    district: pd.DataFrame,
    meeting_dates: list,
    unit_name: str = "Đơn vị",
    period: str | None = None,
) -> Figure:
    """Online share month by month (mức độ 3 and 4 separately when known), meeting dates marked."""
    with matplotlib.rc_context(STYLE):
        figure = new_figure(height=3.8)
        ax = figure.add_subplot()
        months = pd.to_datetime(commune["period_start"])
        labels = month_labels(months)
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
                x,
                shares.reindex(months).to_numpy(),
                marker=".",
                color=MUTED,
                label=capitalise(scope_terms(period).whole),
            )
        last_at, last_row = -np.inf, 1
        for day in sorted(pd.Timestamp(d) for d in meeting_dates):
            where = [i for i, m in enumerate(months) if m.year == day.year and m.month == day.month]
            if not where:
                continue
            # the line stands at the meeting's day inside its month's slot; labels sit in a band
            # above the data, a second row down when the previous meeting is too close to print
            at = where[0] - 0.5 + (day.day - 0.5) / day.days_in_month
            row = 1 if last_row == 0 and at - last_at < 1.6 else 0
            last_at, last_row = at, row
            ax.axvline(at, color="black", lw=0.8, ls=":")
            ax.annotate(
                f"Họp {day:%d/%m}",
                (at, 0.99 - 0.09 * row),
                xycoords=("data", "axes fraction"),
                fontsize=SMALL,
                ha="center",
                va="top",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )
        ax.set_xticks(x, labels)
        percent_axis(ax.yaxis)
        highest = np.nanmax(
            [
                commune["online_share"].max(),
                *([0] if district.empty else [district["online_share"].max()]),
            ]
        )
        ax.set_ylim(0, max(float(highest), 0.05) * 1.35)  # a band above the data for meeting labels
        ax.tick_params(axis="x", labelrotation=45, labelsize=SMALL)
        ax.set_ylabel("Tỷ lệ hồ sơ trực tuyến")
        ax.set_title("Tỷ lệ hồ sơ nộp trực tuyến theo tháng")
        ax.legend(
            fontsize=SMALL, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2
        )
    return figure
