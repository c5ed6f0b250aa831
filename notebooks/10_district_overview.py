# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: CCHC Ba Vì (analysis)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove-cell"]
# # District overview (all 31 units, one period)
# Inputs: analysis tables in `processed_dir` (docs/analysis_dictionary.md): indicators_period,
# indicators_monthly, risk_adjusted, funnel_curve, effects.csv, sensitivity.csv,
# commune_ranks_uncertainty, meeting_check.
# Output: the overview page linked from reports/<period>/index.html.

# %% tags=["parameters"]
period = "2021-Q4"
processed_dir = "data/processed"

# %%
from pathlib import Path

from IPython.display import HTML, Markdown, display

from analysis.report import figures, narrative, tables
from analysis.report import statistics_figures as stats_view
from analysis.report.labels import (
    POLARITY_LABELS,
    label_columns,
    label_convention,
    label_period,
    label_topic,
)
from analysis.report.provenance import (
    build_provenance,
    is_synthetic,
    provenance_note,
    synthetic_banner,
)
from analysis.report.scope import (
    capitalise,
    describe_model_absent,
    model_covers,
    scope_terms,
    select_units_span,
)

manifest = tables.read_raw_manifest(processed_dir)
figures.mark_synthetic(is_synthetic(manifest))
indicators = tables.select_period(
    tables.read_processed_table(processed_dir, "indicators_period.parquet"), period
)
communes = indicators[indicators["commune_code"] != "district"].reset_index(drop=True)
district = indicators[indicators["commune_code"] == "district"].iloc[0]
convention = str(district["late_rate_convention"])
risk = tables.select_period(
    tables.read_processed_table(processed_dir, "risk_adjusted.parquet"), period
)
curve = tables.select_period(
    tables.read_processed_table(processed_dir, "funnel_curve.parquet"), period
)
monthly = tables.read_processed_table(processed_dir, "indicators_monthly.parquet")
district_months = tables.months_of_period(monthly, period, "district")
effects = tables.read_processed_table(processed_dir, "effects.csv")
has_sensitivity = Path(processed_dir, "sensitivity.csv").exists()
sensitivity = (
    tables.read_processed_table(processed_dir, "sensitivity.csv") if has_sensitivity else None
)
has_rank_intervals = Path(processed_dir, "commune_ranks_uncertainty.parquet").exists()
rank_intervals = (
    tables.select_period(
        tables.read_processed_table(processed_dir, "commune_ranks_uncertainty.parquet"), period
    )
    if has_rank_intervals
    else None
)
check = select_units_span(
    tables.read_processed_table(processed_dir, "meeting_check.parquet"), period, "meeting_date"
)
terms = scope_terms(period)
model_fit = tables.read_json(processed_dir, "model_fit.json")
has_model = model_covers(model_fit, period)

# %%
display(Markdown(f"# Tổng quan cải cách hành chính {terms.area} — {label_period(period)}"))
if is_synthetic(manifest):
    display(HTML(synthetic_banner(terms.not_real)))
display(
    Markdown(
        narrative.nfc(
            f"{capitalise(terms.whole)} tiếp nhận {narrative.format_count(district['received'])} hồ sơ, giải quyết "
            f"{narrative.format_count(district['resolved'])}, trong đó trễ hạn {narrative.format_count(district['resolved_late'])} "
            f"({narrative.format_percent(district['late_rate'])}); tỷ lệ trực tuyến {narrative.format_percent(district['online_share'])}. "
            f"Quy ước tỷ lệ trễ hạn: **{label_convention(convention)}**."
        )
    )
)

# %%
display(Markdown(f"## Xếp hạng {len(communes)} {terms.kinds}"))
display(
    figures.chart_image(
        figures.plot_ranked_bars(communes, "late_rate", title="Tỷ lệ trễ hạn (thấp là tốt)")
    )
)
display(
    figures.chart_image(
        figures.plot_ranked_bars(
            communes, "online_share", title="Tỷ lệ hồ sơ trực tuyến (cao là tốt)"
        )
    )
)
ranked = communes.sort_values("late_rate")[
    [
        "commune_name",
        "received",
        "resolved",
        "resolved_late",
        "late_rate",
        "online_share",
        "concurrent_share",
        "dossiers_per_officer_day",
    ]
]
shown = narrative.suppress_small_cells(
    ranked, ["received", "resolved", "resolved_late"], ["late_rate"]
).assign(
    online_share=ranked["online_share"].map(narrative.format_percent),
    concurrent_share=ranked["concurrent_share"].map(narrative.format_percent),
    dossiers_per_officer_day=ranked["dossiers_per_officer_day"].map(
        lambda v: narrative.format_number(v, 1)
    ),
)
display(HTML(label_columns(shown).to_html(index=False, escape=True, classes="brief-table")))

# %% [markdown]
# ## Biểu đồ phễu: tỷ lệ trễ hạn đã điều chỉnh theo cơ cấu lĩnh vực

# %%
display(figures.chart_image(figures.plot_funnel(risk, curve, period=period)))
flagged = risk[risk["outside_95"] == "high"].sort_values("adjusted_rate", ascending=False)
display(
    Markdown(
        narrative.nfc(
            "Các đơn vị vượt giới hạn kiểm soát 95 %: "
            + (
                ", ".join(narrative.escape_markdown(n) for n in flagged["commune_name"])
                or "không có"
            )
            + ". Giới hạn đã được nới rộng theo mức chênh lệch thường thấy giữa các xã, nên nằm "
            "trong giới hạn nghĩa là khác biệt so với mức chung **nằm trong mức chênh lệch thông "
            "thường giữa các xã** (không có nghĩa là chỉ do ngẫu nhiên); vượt giới hạn là khác "
            "biệt lớn hơn mức đó."
        )
    )
)
if "flags_differ_95" in risk:
    differ = risk[risk["flags_differ_95"].fillna(False).astype(bool)]
    display(
        Markdown(
            narrative.nfc(
                "Hai cách nới giới hạn (cộng thêm phương sai giữa các xã — cách được dùng ở đây — "
                "và nhân hệ số phân tán) cho kết quả khác nhau ở: "
                + (
                    ", ".join(narrative.escape_markdown(n) for n in differ["commune_name"])
                    or "không đơn vị nào"
                )
                + "."
            )
        )
    )

# %% [markdown]
# ## Thứ hạng và độ bất định của thứ hạng

# %%
if has_rank_intervals:
    display(
        Markdown(
            narrative.nfc(
                "Thứ hạng theo tỷ lệ trễ hạn thay đổi nhiều chỉ vì vài hồ sơ. Bảng dưới ước lượng "
                f"tỷ lệ trễ của mỗi xã sau khi co về {terms.common_level} (mô hình beta–nhị thức, "
                "xã ít hồ sơ được co nhiều hơn), kèm khoảng 95 % của thứ hạng (1 = tốt nhất) và "
                "xác suất xã thuộc nhóm một phần ba kém nhất. Trung vị độ rộng khoảng thứ hạng: "
                f"**{narrative.format_number((rank_intervals['rank_high'] - rank_intervals['rank_low']).median(), 0)} bậc**."
            )
        )
    )
    display(
        HTML(
            stats_view.rank_uncertainty_table(rank_intervals, period).to_html(
                index=False, escape=True, classes="brief-table"
            )
        )
    )
else:
    display(Markdown("Bảng độ bất định của thứ hạng chưa được tính cho dữ liệu này."))

# %% [markdown]
# ## Bố trí cán bộ, dịch vụ trực tuyến và tỷ lệ trễ hạn: các mối liên quan

# %%
if has_model:
    display(Markdown(narrative.nfc(stats_view.LIMITS_TEXT)))
    display(figures.chart_image(figures.plot_effects(effects)))
    display(
        Markdown(
            narrative.nfc(
                "Trong cùng một xã, tỷ lệ trễ hạn gắn với:\n\n"
                + "\n".join(stats_view.describe_effects(effects))
                + f"\n\nVới {model_fit.get('n_units', 31)} đơn vị ({model_fit.get('n_units', 31)} "
                "cụm), khoảng tin cậy chỉ mang tính gần đúng."
            )
        )
    )
else:
    display(Markdown(narrative.nfc(describe_model_absent(model_fit, period))))

# %% [markdown]
# ## Kiểm tra độ vững của các mối liên quan

# %%
if not has_model:
    display(Markdown("Không tính cho kỳ này (xem mục trên)."))
elif has_sensitivity:
    display(
        HTML(
            stats_view.sensitivity_table(sensitivity).to_html(
                index=False, escape=True, classes="brief-table"
            )
        )
    )
else:
    display(Markdown("Bảng kiểm tra độ vững chưa được tính cho dữ liệu này."))

# %%
display(Markdown(f"## Diễn biến {terms.whole} theo tháng"))
display(
    figures.chart_image(
        stats_view.plot_monthly_with_intervals(
            district_months, f"Tỷ lệ trễ hạn {terms.whole} theo tháng"
        )
    )
    if "late_rate_low" in district_months
    else figures.chart_image(
        figures.plot_monthly_trend(
            district_months, district_months.iloc[0:0], convention, capitalise(terms.whole)
        )
    )
)
display(Markdown(narrative.describe_trend(district_months)))

# %% [markdown]
# ## Các cuộc họp đã nói gì, và số liệu có khớp không

# %%
if check.empty:
    display(Markdown("Chưa có báo cáo cuộc họp nào được trích xuất."))
else:
    meeting_table = check.assign(
        meeting_date=check["meeting_date"].dt.strftime("%d/%m/%Y"),
        topic=check["topic"].map(label_topic),
        polarity=check["polarity"].map(lambda p: POLARITY_LABELS.get(p, p)),
        data_agrees=check["data_agrees"].map(
            lambda v: (
                "chưa kiểm chứng được"
                if narrative.is_missing(v)
                else ("khớp" if v else "không khớp")
            )
        ),
    )[["meeting_date", "commune_name", "topic", "polarity", "data_agrees"]]
    display(
        HTML(label_columns(meeting_table).to_html(index=False, escape=True, classes="brief-table"))
    )

# %%
display(
    provenance_note(
        build_provenance(manifest, {"period": period, "late_rate_convention": convention})
    )
)
