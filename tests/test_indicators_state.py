"""A dossier's state at a period's end comes from the best evidence, and the Biểu 06 balance holds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyse.indicators import COUNT_COLUMNS, compute_indicators, list_periods

H1_END = pd.Timestamp("2021-06-30")
H2_END = pd.Timestamp("2021-12-31")


def dossier(received, due, completed=None, status="resolved", outcome="on_time", as_of=H1_END):
    """One processed dossier of commune 09640."""
    return {
        "dossier_id": f"09640-{received}-{completed}",
        "commune_code": "09640",
        "procedure": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "channel": "in_person",
        "online_level": None,
        "received_at": pd.Timestamp(received),
        "due_at": pd.Timestamp(due),
        "completed_at": pd.Timestamp(completed) if completed else pd.NaT,
        "status": status,
        "outcome": outcome,
        "apology_letter": None,
        "as_of": pd.Timestamp(as_of),
    }


def quarters(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    table["apology_letter"] = table["apology_letter"].astype("boolean")
    table["online_level"] = table["online_level"].astype("string")
    periods = list_periods("2021-01-01", "2021-12-31", H2_END)
    periods = periods[periods["period_type"] == "quarter"]
    out = compute_indicators(table, None, periods, communes=["09640"])
    return out[out["commune_code"] == "09640"].set_index("period")


class TestStateAtPeriodEnd:
    def test_h1_row_completed_in_july_is_not_open_in_later_quarters(self):
        # listed in the H1 export ("đến ngày 30/06"), completion in July seen in the data
        rows = [
            dossier("2021-06-20", "2021-06-25", "2021-07-05", outcome="late"),
            dossier("2021-10-01", "2021-10-05", "2021-10-04", as_of=H2_END),
        ]
        table = quarters(rows)
        assert table.loc["2021-Q2", "pending_overdue"] == 1
        assert table.loc["2021-Q3", "resolved_late"] == 1
        assert table.loc["2021-Q3", "pending"] == 0
        assert table.loc["2021-Q4", "pending"] == 0
        assert table.loc["2021-Q4", "pending_overdue"] == 0

    def test_open_dossier_stays_open_until_the_communes_exports_end(self):
        rows = [
            dossier("2021-11-20", "2021-11-25", None, status="pending", outcome="pending_overdue"),
            dossier("2021-12-01", "2021-12-03", "2021-12-02", as_of=H2_END),
        ]
        table = quarters(rows)
        assert table.loc["2021-Q4", "pending_overdue"] == 1
        assert table.loc["2021-Q4", "carried_over"] == 0

    def test_carried_over_is_open_at_the_start(self):
        rows = [
            dossier("2021-09-28", "2021-10-05", "2021-10-04", as_of=H2_END),
            dossier("2021-09-20", "2021-09-25", "2021-09-24", as_of=H2_END),
        ]
        table = quarters(rows)
        assert table.loc["2021-Q4", "carried_over"] == 1
        assert table.loc["2021-Q3", "pending"] == 1

    def test_refused_and_withdrawn_close_otherwise(self):
        rows = [
            dossier("2021-10-01", "2021-10-05", "2021-10-03", status="refused", as_of=H2_END),
            dossier("2021-10-01", "2021-10-05", "2021-10-03", status="withdrawn", as_of=H2_END),
        ]
        row = quarters(rows).loc["2021-Q4"]
        assert (row["received"], row["resolved"], row["closed_other"], row["pending"]) == (
            2,
            0,
            2,
            0,
        )


def balance_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Rows where carried over + received != resolved + closed otherwise + pending (or parts)."""
    checks = {
        "balance": table["carried_over"]
        + table["received"]
        - table["resolved"]
        - table["closed_other"]
        - table["pending"],
        "channels": table["received"]
        - table["received_online"]
        - table["received_in_person"]
        - table["received_postal"],
        "resolved_parts": table["resolved"]
        - table["resolved_early"]
        - table["resolved_on_time"]
        - table["resolved_late"],
        "pending_parts": table["pending"] - table["pending_in_time"] - table["pending_overdue"],
    }
    gaps = pd.DataFrame(checks)
    return table.loc[(gaps != 0).any(axis=1), ["commune_code", "period"]]


@pytest.fixture(scope="module")
def demo_indicators(tmp_path_factory) -> pd.DataFrame:
    """Indicators of every commune, month, quarter and year of a small synthetic dataset."""
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    root = tmp_path_factory.mktemp("state")
    raw, out = root / "raw", root / "processed"
    generate_demo_data(raw, scale=0.05, truth_path=raw / "truth.json")
    clean_all(raw, out, meetings_dirs=[raw / "meetings"])
    analyse_all(out, bootstrap_reps=19, dossier_logit_rows=2_000)
    monthly = pd.read_parquet(out / "indicators_monthly.parquet")
    longer = pd.read_parquet(out / "indicators_period.parquet")
    return pd.concat([monthly, longer], ignore_index=True)


def test_biểu_06_balance_holds_for_every_commune_and_period(demo_indicators):
    assert set(COUNT_COLUMNS) <= set(demo_indicators.columns)
    assert demo_indicators["commune_code"].nunique() >= 32
    assert balance_gaps(demo_indicators).empty


def test_next_period_carries_over_what_was_open(demo_indicators):
    quarters = demo_indicators[demo_indicators["period_type"] == "quarter"]
    for _, rows in quarters.groupby("commune_code"):
        rows = rows.sort_values("period_start")
        assert rows["carried_over"].iloc[1:].tolist() == rows["pending"].iloc[:-1].tolist()
