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

from analysis.reference.lineage import unit_display_name
from analysis.reference.units import unit_name
from analysis.reference.yardsticks import yardstick_applies, yardstick_label
from analysis.report import (
    brief_figures,
    figures,
    narrative,
    official_table,
    predecessors,
    recommendations,
    tables,
)
from analysis.report.frame import describe_unit_context
from analysis.report.labels import label_columns, label_convention, label_period
from analysis.report.provenance import (
    build_provenance,
    is_synthetic,
    provenance_note,
    synthetic_banner,
)
from analysis.report.scope import scope_terms, select_units_span

manifest = tables.read_raw_manifest(processed_dir)
figures.mark_synthetic(is_synthetic(manifest))
indicators = tables.read_processed_table(processed_dir, "indicators_period.parquet")
row = tables.require_commune(indicators, commune_code, period)
name = unit_display_name(commune_code, period)
title_name = name[0].upper() + name[1:]
period_text = label_period(period)
terms = scope_terms(period)
period_start = row["period_start"]
district = indicators[
    (indicators["commune_code"] == "district") & (indicators["period"] == period)
].iloc[0]
convention = str(row["late_rate_convention"])
ranks = tables.rank_lookup(
    tables.read_processed_table(processed_dir, "indicator_ranks.parquet"), commune_code, period
)
risk_all = tables.select_period(
    tables.read_processed_table(processed_dir, "risk_adjusted.parquet"), period
)
risk_rows = risk_all[risk_all["commune_code"] == commune_code]
risk = risk_rows.iloc[0] if not risk_rows.empty else None
curve = tables.select_period(
    tables.read_processed_table(processed_dir, "funnel_curve.parquet"), period
)
monthly = predecessors.unit_monthly(
    tables.read_processed_table(processed_dir, "indicators_monthly.parquet"),
    processed_dir,
    commune_code,
    period,
)
commune_months = tables.months_of_period(monthly, period, commune_code)
district_months = tables.months_of_period(monthly, period, "district")
commune_dossiers = tables.read_commune_dossiers(processed_dir, commune_code, period)
fields, procedures = tables.summarise_late_drivers(commune_dossiers, period)
officers = tables.summarise_officers(
    tables.read_processed_table(processed_dir, "officers.parquet"), commune_code, period
)
check = select_units_span(
    tables.read_processed_table(processed_dir, "meeting_check.parquet"), period, "meeting_date"
)
check = check[check["commune_code"] == commune_code]
meeting_dates = tables.read_meeting_dates(processed_dir)
official = official_table.build_official_table(commune_dossiers, period)
comparisons = official_table.compare_periods(monthly, commune_code, period)
counter_only = official_table.find_counter_only_procedures(
    tables.read_district_channels(processed_dir), commune_code, period
)
facts = recommendations.build_facts(
    row,
    risk,
    ranks["district_median"].get("dossiers_per_officer_day"),
    procedures[procedures["late"] > 0]["procedure"].tolist(),
    counter_only,
    district["online_share"],
)
advice = recommendations.recommend(facts)
figures_json = brief_figures.compute_brief_figures(row, advice)

# %%
display(Markdown(f"# Bản tin cải cách hành chính: {title_name} — {period_text}"))
if is_synthetic(manifest):
    display(HTML(synthetic_banner("của đơn vị")))
display(HTML(brief_figures.embed_brief_figures(figures_json)))
display(
    Markdown(
        narrative.nfc(
            f"Bản tin tóm tắt kết quả giải quyết thủ tục hành chính của {name} trong "
            f"{period_text}, so với {terms.group(int(ranks['n_ranked'].get('late_rate', 31)))}. "
            f"Tỷ lệ trễ hạn dùng quy ước: **{label_convention(convention)}**. "
            + describe_unit_context(commune_code, row.get("officers_on_desk"), period)
        )
    )
)

# %%
display(*predecessors.formation_section(processed_dir, commune_code, period))

# %% [markdown]
# ## Số liệu chính

# %%
display(Markdown(narrative.nfc(narrative.describe_balance(row))))
key_rows = [
    ("late_rate", "Tỷ lệ trễ hạn", "resolved"),
    ("on_time_rate", yardstick_label("on_time_rate"), "resolved"),
    ("online_share", "Tỷ lệ hồ sơ nộp trực tuyến", "received"),
    ("online_share_level_3", yardstick_label("online_share_level_3"), "received"),
    ("online_share_level_4", yardstick_label("online_share_level_4"), "received"),
    ("online_share_full_online", yardstick_label("online_share_full_online"), "received"),
    ("online_share_partial_online", yardstick_label("online_share_partial_online"), "received"),
    ("ontime_rate_766_2_1", yardstick_label("ontime_rate_766_2_1"), "handled"),
    (
        "apology_letter_compliance",
        "Hồ sơ trễ hạn có Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "late_letter_known",
    ),
    ("concurrent_share", "Tỷ lệ ngày công kiêm nhiệm tại bộ phận một cửa", "officer_days"),
]
bullets = [
    narrative.describe_indicator(
        label,
        narrative.format_rate(row.get(indicator), row.get(denominator)),
        ranks,
        indicator,
        period,
    )
    for indicator, label, denominator in key_rows
    if indicator in row and yardstick_applies(indicator, period_start)
]
if yardstick_applies("points_766_3_3", period_start):
    bullets.append(narrative.describe_points_766(row))
display(Markdown(narrative.nfc("\n".join(bullets))))
display(
    Markdown(
        narrative.describe_rank_uncertainty(
            tables.read_rank_uncertainty(processed_dir, period), commune_code, period
        )
    )
)

# %% [markdown]
# ## Kiến nghị

# %%
display(Markdown("\n".join(f"{i}. {item['text']}" for i, item in enumerate(advice, start=1))))

# %% [markdown]
# ## Kết quả giải quyết theo lĩnh vực (mẫu Biểu 06, Thông tư 01/2020/TT-VPCP)

# %%
official_view = official_table.format_official_table(official)
display(HTML(official_view.to_html(index=False, escape=True, classes="brief-table")))
display(Markdown(f"{narrative.OFFICIAL_TABLE_NOTE} {narrative.table_footnote(official_view)}"))

# %% [markdown]
# ## So sánh với các kỳ trước

# %%
comparison_view = official_table.format_comparisons(comparisons)
display(HTML(comparison_view.to_html(index=False, escape=True, classes="brief-table")))
display(
    Markdown(
        f"{official_table.describe_missing_comparisons(comparisons)} "
        f"{narrative.table_footnote(comparison_view)}"
    )
)
display(
    figures.chart_image(
        figures.plot_online_share_by_month(
            commune_months,
            district_months,
            meeting_dates,
            unit_name(commune_code, row["period_end"]),
            period,
        )
    )
)
display(Markdown(narrative.describe_counter_only(counter_only, period=period)))

# %% [markdown]
# ## Vị trí trên biểu đồ phễu (tỷ lệ trễ hạn thực tế so với kỳ vọng)

# %%
display(Markdown(narrative.describe_funnel(risk, convention, period)))
display(figures.chart_image(figures.plot_funnel(risk_all, curve, commune_code, period=period)))

# %% [markdown]
# ## Diễn biến theo tháng

# %%
display(Markdown(narrative.describe_trend(commune_months)))
display(
    figures.chart_image(
        figures.plot_monthly_trend(
            commune_months,
            district_months,
            convention,
            unit_name(commune_code, row["period_end"]),
            period,
        )
    )
)

# %% [markdown]
# ## Lĩnh vực và thủ tục có nhiều hồ sơ trễ hạn

# %%
display(Markdown(narrative.describe_drivers(fields, procedures)))
field_view = label_columns(
    narrative.suppress_small_cells(fields.head(6), ["resolved", "late"], ["late_share"])[
        ["field", "resolved", "late", "late_share"]
    ]
)
display(HTML(field_view.to_html(index=False, escape=True, classes="brief-table")))
display(Markdown(narrative.table_footnote(field_view)))

# %% [markdown]
# ## Bố trí cán bộ và khối lượng công việc

# %%
display(
    Markdown(
        narrative.describe_staffing(
            row, ranks["district_median"].get("dossiers_per_officer_day"), period
        )
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

# %%
display(Markdown(f"## {terms.meetings_heading}"))
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
    {
        "Đơn vị": name,
        "Kỳ báo cáo": period_text,
        "Quy ước tỷ lệ trễ hạn": label_convention(convention),
    },
    set(commune_dossiers["source_file"].dropna()),
)
display(provenance_note(provenance))
