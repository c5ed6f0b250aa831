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

# %% [markdown]
# # 00 — First look at the processed data
# The analyst's entry point (open it in JupyterLab with `make lab`).
# **Inputs**: `data/processed/` written by `python -m analysis clean` and `analyse`
# (docs/data_contract.md, docs/analysis_dictionary.md). **Outputs**: none (exploration only).
# Processed tables hold no personal data: officers appear by pseudonymous id only.

# %% tags=["parameters"]
processed_dir = "data/processed"
period = "2021-Q4"

# %%
from IPython.display import Markdown, display

from analysis.report import figures, narrative, tables
from analysis.report.labels import label_columns, label_convention

manifest = tables.read_raw_manifest(processed_dir)
dossiers = tables.read_processed_table(processed_dir, "dossiers.parquet")
indicators = tables.read_processed_table(processed_dir, "indicators_period.parquet")
monthly = tables.read_processed_table(processed_dir, "indicators_monthly.parquet")
display(
    Markdown(
        f"Synthetic data: **{manifest.get('synthetic')}**; {len(manifest.get('files', []))} raw files; "
        f"{len(dossiers):,} valid dossiers from {dossiers['received_at'].min():%d/%m/%Y} "
        f"to {dossiers['received_at'].max():%d/%m/%Y}; latest complete quarter: "
        f"{tables.latest_complete_quarter(processed_dir)}."
    )
)

# %% [markdown]
# ## What the cleaner read and kept (manifest.json)

# %%
files = tables.pd.DataFrame(manifest.get("files", []))
files.drop(columns=[c for c in ["sha256"] if c in files.columns])

# %% [markdown]
# ## Dossiers by field, channel and outcome

# %%
dossiers.groupby(["field", "channel"]).size().unstack(fill_value=0)

# %%
dossiers.groupby(["field", "outcome"]).size().unstack(fill_value=0)

# %% [markdown]
# ## Indicators of the period (all units)

# %%
period_rows = tables.select_period(indicators, period)
display(
    Markdown(
        f"Default late-rate convention: {label_convention(str(period_rows['late_rate_convention'].iloc[0]))}"
    )
)
label_columns(
    period_rows[
        [
            "commune_code",
            "commune_name",
            "received",
            "resolved",
            "late_rate",
            "online_share",
            "concurrent_share",
        ]
    ]
).sort_values(label_columns(period_rows[["late_rate"]]).columns[0])

# %%
display(
    figures.png_image(
        figures.plot_ranked_bars(
            period_rows[period_rows["commune_code"] != "district"], "late_rate"
        )
    )
)

# %%
district_months = tables.months_of_period(monthly, period, "district")
display(
    figures.png_image(
        figures.plot_monthly_trend(
            district_months, district_months.iloc[0:0], "late_rate_resolved", "Toàn huyện"
        )
    )
)
display(Markdown(narrative.describe_trend(district_months)))

# %% [markdown]
# ## Next
# - `10_district_overview.py`: every unit ranked, funnel plot, model effects, what meetings said.
# - `20_commune_brief.py`: the brief of one unit (set `commune_code` as a 5-character string).
