"""The analyse step end to end on a small contract-shaped dataset drawn from the contract's model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from analysis.__main__ import main
from analysis.analyse.run import analyse_all
from analysis.analyse.staffing import compute_staffing_by_month
from analysis.reference.units import units_2021

TRUTH = {"online_share": -1.2, "dossiers_per_officer_day": 0.035, "concurrent_share": 0.8}
FIELDS = {"Hộ tịch": 0.0, "Chứng thực": -1.0, "Đất đai": 1.2, "Xây dựng": 0.6}


def simulate_processed(
    folder, seed=7, per_month=(40, 160), effects=TRUTH, hot=("09640", "09697", "09673")
):
    """dossiers.parquet and officers.parquet in the contract's shape, late drawn from the contract's logit.

    Communes in `hot` get a high latent propensity (the seed's named late communes).
    """
    rng = np.random.default_rng(seed)
    codes = list(units_2021()["code"])
    n = len(codes)
    # roster: 1-3 officers, some concurrent, some leaving mid-year so shares vary within commune
    officer_rows = []
    for i, code in enumerate(codes):
        for j in range(rng.integers(1, 4)):
            end = (
                pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(rng.integers(60, 330)))
                if j > 0 and rng.random() < 0.5
                else pd.NaT
            )
            officer_rows.append(
                (
                    f"off_{i:03d}{j}",
                    code,
                    "Công chức",
                    bool(rng.random() < 0.5),
                    pd.Timestamp("2020-06-01"),
                    end,
                )
            )
        officer_rows.append(
            (
                f"off_{i:03d}9",
                code,
                "Công chức",
                bool(rng.random() < 0.5),
                pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(rng.integers(0, 300))),
                pd.NaT,
            )
        )
    officers = pd.DataFrame(
        officer_rows,
        columns=["officer_id", "commune_code", "title", "is_concurrent", "start_date", "end_date"],
    )
    officers["source_file"], officers["source_row"] = (
        "officers/roster.xlsx",
        range(2, len(officers) + 2),
    )
    staffing = compute_staffing_by_month(officers, "2021-01-01", "2021-12-31", codes)
    months = pd.period_range("2021-01", "2021-12", freq="M")
    volume = rng.uniform(*per_month, n)
    received = rng.poisson(volume[:, None] * rng.uniform(0.7, 1.3, (n, 12)))
    adoption = np.clip(
        rng.uniform(0.02, 0.2, n)[:, None]
        + rng.uniform(0, 0.4, n)[:, None] * np.arange(12) / 11
        + rng.normal(0, 0.03, (n, 12)),
        0,
        1,
    )
    latent = rng.normal(0, 0.4, n) + np.isin(codes, hot) * 1.0
    month_effect = rng.normal(0, 0.2, 12)
    commune_idx = np.repeat(np.arange(n * 12) // 12, received.ravel())
    month_idx = np.repeat(np.tile(np.arange(12), n), received.ravel())
    total = len(commune_idx)
    online = rng.random(total) < adoption[commune_idx, month_idx]
    field_names = np.array(list(FIELDS))
    field = field_names[rng.integers(0, len(field_names), total)]
    # covariates measured from the realised data, as the analysis measures them
    cm = pd.DataFrame({"c": commune_idx, "m": month_idx, "online": online})
    realised = cm.groupby(["c", "m"])["online"].agg(["mean", "size"])
    staff = staffing.set_index(["commune_code", staffing["month"].dt.month - 1])
    keys = list(
        zip(
            np.array(codes)[realised.index.get_level_values(0)],
            realised.index.get_level_values(1),
            strict=True,
        )
    )
    officer_days = staff.loc[keys, "officer_days"].to_numpy()
    concurrent = staff.loc[keys, "concurrent_share"].to_numpy()
    eta_cm = (
        effects["online_share"] * realised["mean"].to_numpy()
        + effects["dossiers_per_officer_day"] * realised["size"].to_numpy() / officer_days
        + effects["concurrent_share"] * concurrent
    )
    eta_cm = pd.Series(eta_cm, index=realised.index)
    eta = (
        -2.4
        + latent[commune_idx]
        + month_effect[month_idx]
        + pd.Series(field).map(FIELDS).to_numpy()
        + eta_cm.loc[list(zip(commune_idx, month_idx, strict=True))].to_numpy()
    )
    late = rng.random(total) < special.expit(eta)
    start = months.start_time[month_idx]
    received_at = (
        start + pd.to_timedelta(rng.integers(0, 27, total), unit="D") + pd.Timedelta(hours=9)
    )
    due_at = received_at + pd.Timedelta(days=7)
    completed_at = np.where(
        late,
        due_at + pd.to_timedelta(rng.integers(1, 10, total), unit="D"),
        due_at - pd.to_timedelta(rng.integers(0, 5, total), unit="D"),
    )
    completed_at = pd.DatetimeIndex(completed_at)
    as_of = pd.Timestamp("2021-12-31")
    pending = completed_at.normalize() > as_of
    outcome = np.where(
        late, "late", np.where(completed_at.normalize() == due_at.normalize(), "on_time", "early")
    )
    outcome = np.where(
        pending, np.where(due_at.normalize() < as_of, "pending_overdue", "pending_in_time"), outcome
    )
    dossiers = pd.DataFrame(
        {
            "dossier_id": [f"D{i:07d}" for i in range(total)],
            "commune_code": np.array(codes)[commune_idx],
            "procedure": pd.Series(field).map(lambda f: f"Thủ tục {f}").to_numpy(),
            "field": field,
            "channel": np.where(online, "online", "in_person"),
            "online_level": pd.Series(np.where(online, "level_3", None), dtype="string"),
            "received_at": received_at,
            "due_at": due_at,
            "due_at_computed": False,
            "completed_at": completed_at.where(~pending),
            "returned_at": completed_at.where(~pending),
            "status": np.where(pending, "pending", "resolved"),
            "outcome": outcome,
            "is_late": pd.Series(late, dtype="boolean").where(~pending),
            "apology_letter": pd.Series(rng.random(total) < 0.6, dtype="boolean").where(
                late & ~pending
            ),
            "officer_id": pd.Series([None] * total, dtype="string"),
            "as_of": as_of,
            "source_file": "dossiers/export.xlsx",
            "source_row": np.arange(total) + 5,
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    dossiers.to_parquet(folder / "dossiers.parquet", index=False)
    officers.to_parquet(folder / "officers.parquet", index=False)
    mentions = pd.DataFrame(
        {
            "meeting_id": "m1",
            "meeting_date": pd.Timestamp("2021-10-12"),
            "source_file": "meetings/seed.txt",
            "commune_code": ["09640", "09697", "09673", "09634", "09670"],
            "commune_name": ["Phong Vân", "Ba Trại", "Cẩm Lĩnh", "Vạn Thắng", "Tòng Bạt"],
            "topic": [
                "late_dossiers",
                "late_dossiers",
                "late_dossiers",
                "online_services",
                "commune_website",
            ],
            "polarity": ["negative", "negative", "negative", "negative", "positive"],
            "evidence": "…",
        }
    )
    mentions.to_parquet(folder / "meeting_mentions.parquet", index=False)
    return dossiers, officers


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("processed")
    simulate_processed(folder)
    outputs = analyse_all(folder, bootstrap_reps=199)
    return folder, outputs


class TestAnalyseAll:
    def test_writes_every_documented_table(self, analysed):
        folder, outputs = analysed
        for name in (
            "indicators_monthly.parquet",
            "indicators_period.parquet",
            "indicator_ranks.parquet",
            "risk_adjusted.parquet",
            "funnel_curve.parquet",
            "effects.csv",
            "meeting_check.parquet",
            "model_fit.json",
            "analysis_manifest.json",
        ):
            assert (folder / name).exists(), name
        assert not list(folder.glob("*.tmp"))

    def test_monthly_table_has_every_commune_month_and_district(self, analysed):
        folder, _ = analysed
        monthly = pd.read_parquet(folder / "indicators_monthly.parquet")
        assert len(monthly) == 32 * 12
        assert monthly["commune_code"].str.len().eq(5).sum() == 31 * 12
        assert (monthly["late_rate_convention"] == "late_rate_resolved").all()

    def test_quarters_and_year_are_listed(self, analysed):
        folder, _ = analysed
        periods = pd.read_parquet(folder / "indicators_period.parquet")
        assert set(periods["period"]) == {"2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2021"}

    def test_effects_have_truth_terms_and_meaningful_steps(self, analysed):
        folder, _ = analysed
        effects = pd.read_csv(folder / "effects.csv")
        assert set(effects["term"]) == set(TRUTH)
        assert set(effects["model"]) == {
            "panel_binomial_glm",
            "panel_binomial_glm_wild_bootstrap",
            "dossier_logit",
        }
        concurrent = effects[
            (effects["term"] == "concurrent_share") & (effects["model"] == "panel_binomial_glm")
        ].iloc[0]
        assert concurrent["odds_ratio"] == pytest.approx(
            np.exp(concurrent["estimate"] * concurrent["step"])
        )

    def test_effects_are_shown_for_steps_inside_the_data(self, analysed):
        folder, _ = analysed
        effects = pd.read_csv(folder / "effects.csv").drop_duplicates("term").set_index("term")
        assert effects.loc["dossiers_per_officer_day", "step"] == 1.0
        assert effects.loc["online_share", "step"] == pytest.approx(0.1)
        concurrent = effects.loc["concurrent_share"]
        # the concurrent step is the within-commune SD, not a 0 -> 1 jump no commune lives through
        assert concurrent["step"] == pytest.approx(concurrent["within_commune_sd"], abs=1e-3)
        assert 0 < concurrent["step"] < 1
        assert effects["step_basis"].notna().all()
        assert (effects["pp_change_low"] <= effects["pp_change"]).all()
        assert (effects["pp_change"] <= effects["pp_change_high"]).all()

    def test_named_late_communes_stand_out_in_the_meeting_check(self, analysed):
        folder, _ = analysed
        check = pd.read_parquet(folder / "meeting_check.parquet")
        late = check[check["topic"] == "late_dossiers"]
        assert late["window"].eq("2021-01..2021-09").all()
        assert late["data_agrees"].all()
        website = check[check["topic"] == "commune_website"].iloc[0]
        assert pd.isna(website["data_agrees"]) and "do not measure" in website["reason"]

    def test_manifest_records_inputs_and_convention(self, analysed):
        folder, _ = analysed
        manifest = json.loads((folder / "analysis_manifest.json").read_text())
        assert manifest["parameters"]["default_late_rate"] == "late_rate_resolved"
        assert {item["path"] for item in manifest["inputs"]} >= {
            "dossiers.parquet",
            "officers.parquet",
        }


class TestCommandLine:
    def test_missing_processed_folder_is_one_line_error(self, tmp_path, capsys):
        code = main(["analyse", "--processed", str(tmp_path / "nothing")])
        assert code == 2
        assert "dossiers.parquet" in capsys.readouterr().err


class TestThinData:
    def test_empty_roster_still_writes_indicators_and_says_why_models_were_skipped(self, tmp_path):
        dossiers, officers = simulate_processed(tmp_path, seed=3, per_month=(5, 10))
        officers.iloc[0:0].to_parquet(tmp_path / "officers.parquet", index=False)
        analyse_all(tmp_path, bootstrap_reps=0)
        fit = json.loads((tmp_path / "model_fit.json").read_text())
        assert "models skipped" in fit["skipped"]
        assert pd.read_csv(tmp_path / "effects.csv").empty
        monthly = pd.read_parquet(tmp_path / "indicators_monthly.parquet")
        assert monthly["dossiers_per_officer_day"].isna().all()
        assert monthly.loc[monthly["commune_code"] == "district", "received"].sum() == len(dossiers)


class TestStatisticsTables:
    """Issue 11.4: shrunk ranks, the sensitivity suite and the meeting check's own caveats."""

    def test_rank_intervals_and_worst_third_probabilities_are_written(self, analysed):
        folder, _ = analysed
        ranks = pd.read_parquet(folder / "commune_ranks_uncertainty.parquet")
        quarter = ranks[ranks["period"] == "2021-Q4"]
        assert len(quarter) == quarter["commune_code"].nunique() > 5
        assert (quarter["rank_low"] <= quarter["rank_high"]).all()
        assert quarter["prob_worst_third"].between(0, 1).all()
        assert quarter["method"].eq("empirical_bayes_beta_binomial").all()

    def test_sensitivity_suite_has_every_variant(self, analysed):
        folder, _ = analysed
        suite = pd.read_csv(folder / "sensitivity.csv")
        assert {"main", "commune_trends", "lead_placebo", "leave_one_commune_out"} <= set(
            suite["variant"]
        )
        main = suite[suite["variant"] == "main"].set_index("term")["estimate"]
        effects = pd.read_csv(folder / "effects.csv")
        glm = effects[effects["model"] == "panel_binomial_glm"].set_index("term")["estimate"]
        assert main.sort_index().to_numpy() == pytest.approx(glm.sort_index().to_numpy())

    def test_meeting_check_states_window_rule_and_chance_rate(self, analysed):
        folder, _ = analysed
        check = pd.read_parquet(folder / "meeting_check.parquet")
        late = check[check["topic"] == "late_dossiers"]
        assert late["window_start"].eq(pd.Timestamp("2021-01-01")).all()
        assert late["window_end"].eq(pd.Timestamp("2021-09-30")).all()
        assert late["verdict_rule"].str.contains("worst third").all()
        # about a third of communes would "agree" with any criticism by chance
        assert late["chance_agreement"].between(0.25, 0.6).all()
        assert "chance agreement" in late["reason"].iloc[0]
        # no manifest saying "synthetic": agreement is not declared by construction
        assert not late["agreement_by_construction"].fillna(False).any()

    def test_monthly_late_rates_carry_wilson_intervals(self, analysed):
        folder, _ = analysed
        monthly = pd.read_parquet(folder / "indicators_monthly.parquet")
        rated = monthly[monthly["late_rate"].notna()]
        assert (rated["late_rate_low"] <= rated["late_rate"]).all()
        assert (rated["late_rate"] <= rated["late_rate_high"]).all()
        assert monthly["is_small_n"].notna().all()

    def test_the_dictionary_documents_every_column_of_the_new_tables(self, analysed):
        folder, _ = analysed
        text = (Path(__file__).resolve().parents[1] / "docs" / "analysis_dictionary.md").read_text(
            encoding="utf-8"
        )
        for name in (
            "commune_ranks_uncertainty.parquet",
            "sensitivity.csv",
            "risk_adjusted.parquet",
            "effects.csv",
            "meeting_check.parquet",
            "funnel_curve.parquet",
            "indicators_monthly.parquet",
        ):
            path = folder / name
            table = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
            missing = [c for c in table.columns if c not in text]
            assert not missing, f"{name}: {missing} not in docs/analysis_dictionary.md"
