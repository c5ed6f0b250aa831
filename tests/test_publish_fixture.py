"""A small processed folder shaped like docs/analysis_dictionary.md, for the publishing tests.

Used while (and wherever) the real demo -> clean -> analyse chain is too slow for a unit test;
the smoke test uses the real chain when it is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.reference.units import units_2021

SCRIPT_PROCEDURE = "<script>alert('x')</script> Đăng ký khai sinh"
FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai"]
TITLES = [
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Văn phòng - Thống kê",
    "Công chức Địa chính - Xây dựng",
    "Công chức Văn hóa - Xã hội",
]
# the seven lĩnh vực of the demo data (demo/params.py): a Biểu 06 table as long as a real brief's
DEMO_FIELDS = [
    *FIELDS,
    "Xây dựng",
    "Bảo trợ xã hội",
    "Người có công",
    "Thi đua - Khen thưởng",
]


def build_processed_fixture(
    out_dir: Path,
    seed: int = 7,
    per_month: int = 12,
    fields: list[str] = FIELDS,
    officers_per_unit: int = 2,
    long_meetings: bool = False,
) -> Path:
    """Write dossiers, officers, manifest and the analysis tables for the 31 units of 2021.

    `officers_per_unit=5, long_meetings=True` (two long meeting mentions per unit) lengthen the
    briefs towards the longest demo brief, for the print test."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    units = units_2021()[["code", "name"]].rename(
        columns={"code": "commune_code", "name": "commune_name"}
    )
    months = pd.period_range("2021-01", "2021-12", freq="M")
    n = len(units) * len(months) * per_month
    codes = np.repeat(units["commune_code"].to_numpy(), len(months) * per_month)
    month_of = np.tile(np.repeat(np.arange(len(months)), per_month), len(units))
    received = months.start_time[month_of] + pd.to_timedelta(rng.integers(0, 25, n), unit="D")
    field = rng.choice(fields, n)
    procedure = np.where(field == "Hộ tịch", SCRIPT_PROCEDURE, "Chứng thực bản sao từ bản chính")
    procedure = np.where(field == "Đất đai", "Đăng ký biến động đất đai", procedure)
    propensity = dict(zip(units["commune_code"], rng.uniform(0.02, 0.4, len(units)), strict=True))
    late = rng.random(n) < np.array([propensity[c] for c in codes])
    dossiers = pd.DataFrame(
        {
            "dossier_id": [f"D{i:06d}" for i in range(n)],
            "commune_code": codes,
            "procedure": procedure,
            "field": field,
            "channel": np.where(rng.random(n) < 0.3, "online", "in_person"),
            "received_at": received,
            "due_at": received + pd.Timedelta(days=5),
            "completed_at": received + pd.to_timedelta(np.where(late, 7, 3), unit="D"),
            "status": "resolved",
            "outcome": np.where(late, "late", "early"),
            "online_level": np.where(rng.random(n) < 0.5, "level_3", "level_4"),
            "is_late": late,
            "apology_letter": np.where(late, rng.random(n) < 0.7, None),
            "officer_id": "off_0000000000",
            "as_of": pd.Timestamp("2021-12-31"),
            "source_file": "dossiers/a.xlsx",
        }
    )
    dossiers.to_parquet(out_dir / "dossiers.parquet", index=False)
    k = officers_per_unit
    officers = pd.DataFrame(
        {
            "officer_id": [f"off_{i:010x}" for i in range(k * len(units))],
            "commune_code": np.repeat(units["commune_code"].to_numpy(), k),
            "title": np.resize(TITLES, k * len(units)) if k > 2 else "Công chức Tư pháp - Hộ tịch",
            "is_concurrent": np.resize([False, True], k * len(units)),
            "start_date": pd.Timestamp("2020-01-01"),
            "end_date": pd.NaT,
        }
    )
    officers.to_parquet(out_dir / "officers.parquet", index=False)
    monthly, period = _indicators(dossiers, units)
    monthly.to_parquet(out_dir / "indicators_monthly.parquet", index=False)
    period.to_parquet(out_dir / "indicators_period.parquet", index=False)
    _ranks(period).to_parquet(out_dir / "indicator_ranks.parquet", index=False)
    risk, curve = _risk(period)
    risk.to_parquet(out_dir / "risk_adjusted.parquet", index=False)
    curve.to_parquet(out_dir / "funnel_curve.parquet", index=False)
    _meeting_check(units, long_meetings).to_parquet(out_dir / "meeting_check.parquet", index=False)
    _effects().to_csv(out_dir / "effects.csv", index=False)
    (out_dir / "model_fit.json").write_text("{}", encoding="utf-8")
    manifest = {
        "synthetic": True,
        "code_version": "fixture",
        "files": [{"path": "dossiers/a.xlsx", "sha256": "ab" * 32, "kind": "dossiers"}],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out_dir / "meetings_manifest.json").write_text(
        json.dumps({"code_version": "fixture", "files": []}), encoding="utf-8"
    )
    (out_dir / "analysis_manifest.json").write_text(
        json.dumps({"code_version": "fixture"}), encoding="utf-8"
    )
    return out_dir


def _indicators(dossiers: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    for freq, period_type in (("M", "month"), ("Q", "quarter"), ("Y", "year")):
        keyed = dossiers.assign(p=dossiers["received_at"].dt.to_period(freq))
        for scope in ("commune", "district"):
            keys = ["commune_code", "p"] if scope == "commune" else ["p"]
            g = keyed.groupby(keys).agg(
                received=("dossier_id", "size"),
                received_online=("channel", lambda s: int((s == "online").sum())),
                resolved=("dossier_id", "size"),
                resolved_late=("is_late", "sum"),
                late_with_letter=("apology_letter", lambda s: int((s == True).sum())),  # noqa: E712
            )
            g = g.reset_index()
            if scope == "district":
                g["commune_code"] = "district"
            frames.append(g.assign(period_type=period_type))
    table = pd.concat(frames, ignore_index=True)
    names = dict(zip(units["commune_code"], units["commune_name"], strict=True)) | {
        "district": "huyện Ba Vì"
    }
    table["commune_name"] = table["commune_code"].map(names)
    table["period"] = [
        (f"{p.year}-Q{p.quarter}" if t == "quarter" else str(p))
        for p, t in zip(table["p"], table["period_type"], strict=True)
    ]
    table["period_start"] = [p.start_time for p in table["p"]]
    table["period_end"] = [p.end_time.normalize() for p in table["p"]]
    table = table.drop(columns="p")
    table["resolved_late"] = table["resolved_late"].astype(int)
    table["carried_over"] = 0
    table["closed_other"] = 0
    table["resolved_early"] = table["resolved"] - table["resolved_late"]
    table["resolved_on_time"] = 0
    table["pending"] = 0
    table["pending_in_time"] = 0
    table["pending_overdue"] = 0
    table["pending_overdue_supplement"] = 0
    table["received_level_3"] = table["received_online"]
    table["received_level_4"] = 0
    table["online_share_level_3"] = table["received_online"] / table["received"]
    table["online_share_level_4"] = 0.0
    table["on_time_rate"] = 1 - table["resolved_late"] / table["resolved"]
    table["points_766_3_3_max"] = 12.0
    table["online_target_766"] = 0.5
    table["dedicated_officer_days"] = 21.0
    table["late_rate_resolved"] = table["resolved_late"] / table["resolved"]
    table["late_rate"] = table["late_rate_resolved"]
    table["late_rate_convention"] = "late_rate_resolved"
    table["late_letter_known"] = table["resolved_late"]
    table["apology_letter_compliance"] = table["late_with_letter"] / table["resolved_late"].replace(
        0, np.nan
    )
    table["online_share"] = table["received_online"] / table["received"]
    table["points_766_3_3"] = np.minimum(table["online_share"] / 0.5, 1) * 12
    table["working_days"] = 21
    table["officer_days"] = 42.0
    table["officers_on_desk"] = 2.0
    table["concurrent_share"] = 0.5
    table["dossiers_per_officer_day"] = table["received"] / table["officer_days"]
    table["vacancy_officer_days"] = 0.0
    table["rotations"] = 0
    monthly = table[table["period_type"] == "month"].reset_index(drop=True)
    period = table[table["period_type"] != "month"].reset_index(drop=True)
    return monthly, period


def _ranks(period: pd.DataFrame) -> pd.DataFrame:
    rows = []
    communes = period[period["commune_code"] != "district"]
    for indicator, better in (
        ("late_rate", "lower"),
        ("online_share", "higher"),
        ("dossiers_per_officer_day", "lower"),
        ("concurrent_share", "lower"),
        ("apology_letter_compliance", "higher"),
    ):
        for p, group in communes.groupby("period"):
            values = group[indicator]
            rank = values.rank(method="min", ascending=(better == "lower"))
            n_ranked = int(values.notna().sum())
            rows.append(
                pd.DataFrame(
                    {
                        "period": p,
                        "commune_code": group["commune_code"],
                        "commune_name": group["commune_name"],
                        "indicator": indicator,
                        "value": values,
                        "better": better,
                        "rank": rank,
                        "n_ranked": n_ranked,
                        "district_median": values.median(),
                        "worst_third": rank > n_ranked - np.ceil(n_ranked / 3),
                        "best_third": rank <= np.ceil(n_ranked / 3),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _risk(period: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    communes = period[period["commune_code"] != "district"].copy()
    district = period[period["commune_code"] == "district"].set_index("period")["late_rate"]
    communes["district_rate"] = communes["period"].map(district)
    p = communes["district_rate"]
    n = communes["resolved"]
    se = np.sqrt(p * (1 - p) / n)
    risk = communes[
        ["commune_code", "commune_name", "period", "period_type", "resolved", "district_rate"]
    ].assign(
        observed_late=communes["resolved_late"],
        expected_late=p * n,
        observed_rate=communes["late_rate"],
        expected_rate=p,
        oe_ratio=communes["late_rate"] / p,
        adjusted_rate=communes["late_rate"],
        lower_95=p - 1.96 * se,
        upper_95=p + 1.96 * se,
        lower_998=p - 3.09 * se,
        upper_998=p + 3.09 * se,
        late_rate_convention="late_rate_resolved",
    )
    risk["outside_95"] = np.where(
        risk["adjusted_rate"] > risk["upper_95"],
        "high",
        np.where(risk["adjusted_rate"] < risk["lower_95"], "low", "within"),
    )
    risk["outside_998"] = np.where(
        risk["adjusted_rate"] > risk["upper_998"],
        "high",
        np.where(risk["adjusted_rate"] < risk["lower_998"], "low", "within"),
    )
    curves = []
    for name, rate in district.items():
        grid = np.arange(1, 600)
        se = np.sqrt(rate * (1 - rate) / grid)
        curves.append(
            pd.DataFrame(
                {
                    "period": name,
                    "n": grid,
                    "lower_95": np.clip(rate - 1.96 * se, 0, 1),
                    "upper_95": np.clip(rate + 1.96 * se, 0, 1),
                    "lower_998": np.clip(rate - 3.09 * se, 0, 1),
                    "upper_998": np.clip(rate + 3.09 * se, 0, 1),
                    "district_rate": rate,
                    "phi": 1.0,
                }
            )
        )
    return risk.reset_index(drop=True), pd.concat(curves, ignore_index=True)


def _meeting_check(units: pd.DataFrame, long_meetings: bool = False) -> pd.DataFrame:
    names = dict(zip(units["commune_code"], units["commune_name"], strict=True))
    rows = [
        ("09640", "late_dossiers", "negative", False),
        ("09625", "document_software", "positive", None),
    ]
    evidence = "Một số xã tỷ lệ hồ sơ trễ hẹn còn cao như Phong Vân"
    if long_meetings:
        rows = [
            (c, topic, polarity, None)
            for c in units["commune_code"]
            for topic, polarity in (("late_dossiers", "negative"), ("online_services", "positive"))
        ]
        evidence = (
            "Các xã thực hiện tốt việc tiếp nhận hồ sơ trực tuyến, bố trí công chức hướng dẫn "
            "người dân tại bộ phận một cửa và cập nhật kịp thời trạng thái hồ sơ trên phần mềm "
            "gồm Phong Vân, Tây Đằng, Chu Minh, Minh Châu, Vật Lại, Cổ Đô, Tản Hồng, Vạn Thắng"
        )
    n = len(rows)
    return pd.DataFrame(
        {
            "meeting_id": "2021-10-12",
            "meeting_date": pd.Timestamp("2021-10-12"),
            "source_file": "meetings/seed.txt",
            "commune_code": [r[0] for r in rows],
            "commune_name": [names[r[0]] for r in rows],
            "topic": [r[1] for r in rows],
            "polarity": [r[2] for r in rows],
            "evidence": evidence,
            "window": "2021-01..2021-09",
            "indicator": (["late_rate", None] * n)[:n],
            "value": ([0.2, np.nan] * n)[:n],
            "district_median": ([0.15, np.nan] * n)[:n],
            "rank": ([20.0, np.nan] * n)[:n],
            "n_ranked": 31,
            "worst_third": ([False, None] * n)[:n],
            "best_third": ([False, None] * n)[:n],
            "funnel_flag": (["within", None] * n)[:n],
            "data_agrees": pd.array([r[3] for r in rows], dtype="boolean"),
            "reason": (["rank 20 of 31", "not checkable"] * n)[:n],
        }
    )


def _effects() -> pd.DataFrame:
    """Effects in the shape `analyse` writes them (docs/analysis_dictionary.md, effects.csv)."""
    mean_late = 0.08

    def pp(log_odds: float) -> float:  # change in late probability at the mean late rate, in pp
        base = np.log(mean_late / (1 - mean_late))
        return (1 / (1 + np.exp(-(base + log_odds))) - mean_late) * 100

    rows = []
    for model in ("panel_binomial_glm", "dossier_logit"):
        for term, est, step, basis in (
            ("online_share", -1.2, 0.1, "+10 điểm phần trăm"),
            ("dossiers_per_officer_day", 0.035, 1.0, "+1 hồ sơ/cán bộ/ngày"),
            ("concurrent_share", 0.8, 0.155, "1 độ lệch chuẩn trong xã"),
        ):
            se = abs(est) / 3
            low, high = est - 1.96 * se, est + 1.96 * se
            rows.append(
                {
                    "term": term,
                    "estimate": est,
                    "std_error": se,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": 0.01,
                    "model": model,
                    "step": step,
                    "step_basis": basis,
                    "within_commune_sd": step,
                    "max_within_commune_range": 3 * step,
                    "odds_ratio": np.exp(est * step),
                    "odds_ratio_low": np.exp(low * step),
                    "odds_ratio_high": np.exp(high * step),
                    "pp_change": pp(est * step),
                    "pp_change_low": pp(low * step),
                    "pp_change_high": pp(high * step),
                    "mean_late_rate": mean_late,
                    "n_obs": 2000,
                    "n_clusters": 31,
                    "n_dossiers": 20000,
                }
            )
    return pd.DataFrame(rows)


def test_fixture_has_the_tables_a_brief_reads(tmp_path):
    from analysis.report.tables import BRIEF_INPUTS

    out = build_processed_fixture(tmp_path)
    assert all((out / name).exists() for name in BRIEF_INPUTS)
