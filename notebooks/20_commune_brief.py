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
# # Commune brief (one unit, one period)
# Inputs: the processed and analysis tables in `processed_dir` (docs/analysis_dictionary.md).
# Output: a Vietnamese brief for the commune chairman. Run by `python -m analysis briefs`.

# %% tags=["parameters"]
commune_code = "09640"
period = "2021-Q4"
processed_dir = "data/processed"

# %%
from IPython.display import HTML, Markdown, display

from analysis.reference.units import display_name, unit_name
from analysis.report import figures, narrative, tables
from analysis.report.frame import describe_unit_context
from analysis.report.labels import label_columns, label_convention, label_period
from analysis.report.provenance import build_provenance, is_synthetic, provenance_note

manifest = tables.read_json(processed_dir, "manifest.json")
figures.mark_synthetic(is_synthetic(manifest))
indicators = tables.read_table(processed_dir, "indicators_period.parquet")
row = tables.require_commune(indicators, commune_code, period)
name = display_name(commune_code)
title_name = name[0].upper() + name[1:]
district = indicators[
    (indicators["commune_code"] == "district") & (indicators["period"] == period)
].iloc[0]
convention = str(row["late_rate_convention"])
ranks = tables.rank_lookup(
    tables.read_table(processed_dir, "indicator_ranks.parquet"), commune_code, period
)
risk_all = tables.select_period(tables.read_table(processed_dir, "risk_adjusted.parquet"), period)
risk_rows = risk_all[risk_all["commune_code"] == commune_code]
risk = risk_rows.iloc[0] if not risk_rows.empty else None
curve = tables.select_period(tables.read_table(processed_dir, "funnel_curve.parquet"), period)
monthly = tables.read_table(processed_dir, "indicators_monthly.parquet")
commune_months = tables.months_of_period(monthly, period, commune_code)
district_months = tables.months_of_period(monthly, period, "district")
commune_dossiers = tables.read_commune_dossiers(processed_dir, commune_code)
fields, procedures = tables.summarise_late_drivers(commune_dossiers, period)
officers = tables.summarise_officers(
    tables.read_table(processed_dir, "officers.parquet"), commune_code, period
)
check = tables.read_table(processed_dir, "meeting_check.parquet")
check = check[check["commune_code"] == commune_code]

# %%
display(Markdown(f"# Bản tin cải cách hành chính: {title_name} — {label_period(period)}"))
if is_synthetic(manifest):
    display(
        HTML(
            '<div class="synthetic-banner">DỮ LIỆU MÔ PHỎNG — số liệu do máy sinh ra để thử nghiệm, '
            "không phải số liệu thật của đơn vị.</div>"
        )
    )
display(
    Markdown(
        narrative.nfc(
            f"Bản tin tóm tắt kết quả giải quyết thủ tục hành chính của {name} trong "
            f"{label_period(period, capital=False)}, "
            f"so với {int(ranks['n_ranked'].get('late_rate', 31))} xã, thị trấn của huyện Ba Vì. "
            f"Tỷ lệ trễ hạn dùng quy ước: **{label_convention(convention)}**. "
            + describe_unit_context(commune_code, row.get("officers_on_desk"))
        )
    )
)

# %% [markdown]
# ## Số liệu chính

# %%
key_rows = [
    ("late_rate", "Tỷ lệ trễ hạn", narrative.format_percent),
    ("online_share", "Tỷ lệ hồ sơ trực tuyến", narrative.format_percent),
    ("apology_letter_compliance", "Hồ sơ trễ hạn có thư xin lỗi", narrative.format_percent),
    (
        "dossiers_per_officer_day",
        "Hồ sơ / cán bộ / ngày làm việc",
        lambda v: narrative.format_number(v, 1),
    ),
    ("concurrent_share", "Tỷ lệ ngày công kiêm nhiệm", narrative.format_percent),
]
bullets = [
    f"- **Hồ sơ tiếp nhận**: {narrative.format_count(row['received'])}; đã giải quyết "
    f"{narrative.format_count(row['resolved'])}, trong đó trễ hạn {narrative.format_count(row['resolved_late'])}; "
    f"đang giải quyết quá hạn {narrative.format_count(row['pending_overdue'])}."
]
bullets += [
    narrative.describe_key_figure(
        label,
        fmt(row[indicator]),
        narrative.describe_rank(
            ranks["rank"].get(indicator),
            ranks["n_ranked"].get(indicator),
            str(ranks["better"].get(indicator, "lower")),
        ),
        fmt(ranks["district_median"].get(indicator)),
    )
    for indicator, label, fmt in key_rows
]
display(Markdown(narrative.nfc("\n".join(bullets))))

# %% [markdown]
# ## Kiến nghị

# %%
late_rank = ranks.loc["late_rate"] if "late_rate" in ranks.index else None
recommendation_row = row.copy()
recommendation_row["outside_95"] = risk["outside_95"] if risk is not None else None
recommendation_row["late_worst_third"] = (
    bool(late_rank["worst_third"]) if late_rank is not None else False
)
recommendation_row["median_dossiers_per_officer_day"] = ranks["district_median"].get(
    "dossiers_per_officer_day"
)
top_procedures = (
    procedures[procedures["late"] >= narrative.SMALL_CELL_THRESHOLD]["procedure"].head(3).tolist()
)
recommendations = narrative.recommend_actions(recommendation_row, top_procedures)
display(Markdown("\n".join(f"{i}. {text}" for i, text in enumerate(recommendations, start=1))))

# %% [markdown]
# ## Vị trí trên biểu đồ phễu (tỷ lệ trễ hạn thực tế so với kỳ vọng)

# %%
display(Markdown(narrative.describe_funnel(risk)))
display(figures.chart_image(figures.plot_funnel(risk_all, curve, commune_code)))

# %% [markdown]
# ## Diễn biến theo tháng

# %%
display(Markdown(narrative.describe_trend(commune_months)))
display(
    figures.chart_image(
        figures.plot_monthly_trend(
            commune_months, district_months, convention, unit_name(commune_code)
        )
    )
)

# %% [markdown]
# ## Lĩnh vực và thủ tục gây trễ hạn

# %%
display(Markdown(narrative.describe_drivers(fields, procedures)))
display(
    HTML(
        label_columns(
            narrative.suppress_small_cells(fields.head(6), ["resolved", "late"], ["late_share"])[
                ["field", "resolved", "late", "late_share"]
            ]
        ).to_html(index=False, escape=True, classes="brief-table")
    )
)

# %% [markdown]
# ## Bố trí cán bộ và khối lượng công việc

# %%
display(
    Markdown(
        narrative.describe_staffing(row, ranks["district_median"].get("dossiers_per_officer_day"))
    )
)
display(
    HTML(
        label_columns(
            officers.assign(
                is_concurrent=officers["is_concurrent"].map(
                    {True: "Kiêm nhiệm", False: "Chuyên trách"}
                ),
                start_date=officers["start_date"].dt.strftime("%d/%m/%Y"),
                end_date=officers["end_date"].dt.strftime("%d/%m/%Y").fillna("đang làm việc"),
            ).rename(columns={"start_date": "Từ ngày", "end_date": "Đến ngày"})
        ).to_html(index=False, escape=True, classes="brief-table")
    )
)

# %% [markdown]
# ## Các cuộc họp của huyện nói gì về đơn vị

# %%
meeting_lines = narrative.describe_meetings(check)
display(
    Markdown(
        "\n".join(meeting_lines)
        if meeting_lines
        else "Các báo cáo cuộc họp hiện có không nêu tên đơn vị."
    )
)

# %%
provenance = build_provenance(
    manifest,
    {"commune_code": commune_code, "period": period, "late_rate_convention": convention},
    set(commune_dossiers["source_file"].dropna()),
)
display(provenance_note(provenance))
