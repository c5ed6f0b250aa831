"""Read what a brief needs from the processed and analysis tables (docs/analysis_dictionary.md).

The heavy work (indicators, models, funnel limits) is done once by `analyse`; a brief only
selects rows, plus one small groupby on its own commune's dossiers for the lateness drivers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.outputs import read_processed_table

# Tables a commune brief reads; their checksums decide whether a brief must be rebuilt.
BRIEF_INPUTS = (
    "manifest.json",
    "meetings_manifest.json",
    "analysis_manifest.json",
    "indicators_monthly.parquet",
    "indicators_period.parquet",
    "indicator_ranks.parquet",
    "risk_adjusted.parquet",
    "funnel_curve.parquet",
    "meeting_check.parquet",
    "officers.parquet",
    "dossiers.parquet",
)
OVERVIEW_INPUTS = BRIEF_INPUTS + ("effects.csv", "model_fit.json")


def parse_period(period: str) -> pd.Period:
    """'2021-Q4' -> quarterly Period, '2021' -> yearly, '2021-10' -> monthly."""
    text = str(period).strip()
    try:
        if "Q" in text.upper():
            return pd.Period(text.upper().replace("-", ""), freq="Q")
        if len(text) == 4:
            return pd.Period(text, freq="Y")
        return pd.Period(text, freq="M")
    except (ValueError, TypeError) as error:
        raise UserError(f"period {period!r} is not like 2021-Q4, 2021 or 2021-10") from error


def read_json(processed_dir: str | Path, name: str) -> dict:
    """A JSON sidecar (manifest), empty when absent."""
    path = Path(processed_dir) / name
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def read_raw_manifest(processed_dir: str | Path) -> dict:
    """clean's manifest with the meetings step's raw files added: every raw file behind a brief."""
    manifest = read_json(processed_dir, "manifest.json")
    meetings = read_json(processed_dir, "meetings_manifest.json")
    files = [*manifest.get("files", []), *meetings.get("files", [])]
    return {**manifest, "files": sorted(files, key=lambda e: (e.get("kind"), e.get("path")))}


def latest_complete_quarter(processed_dir: str | Path) -> str:
    """The last quarter that the exports cover entirely ('2021-Q4'), the default brief period."""
    dossiers = read_processed_table(
        processed_dir, "dossiers.parquet", columns=["as_of", "received_at"]
    )
    if dossiers.empty:
        raise UserError(f"{Path(processed_dir) / 'dossiers.parquet'} holds no dossier")
    data_end = pd.to_datetime(dossiers["as_of"]).max()
    if pd.isna(data_end):
        data_end = pd.to_datetime(dossiers["received_at"]).max()
    quarter = data_end.to_period("Q")
    if data_end.normalize() < quarter.end_time.normalize():
        quarter -= 1
    return f"{quarter.year}-Q{quarter.quarter}"


def select_period(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Rows of one reporting period ('2021-Q4'), whatever the table."""
    return frame[frame["period"] == period].reset_index(drop=True)


def require_commune(indicators: pd.DataFrame, commune_code: str, period: str) -> pd.Series:
    """The unit's row for the period; a UserError naming the code when there is none."""
    rows = indicators[
        (indicators["commune_code"] == commune_code) & (indicators["period"] == period)
    ]
    if rows.empty:
        known = indicators["period"].drop_duplicates().tolist()
        if period not in known:
            raise UserError(
                f"period {period} is not in indicators_period.parquet (have: {', '.join(known[:8])})"
            )
        raise UserError(f"commune code {commune_code!r} has no indicators for {period}")
    return rows.iloc[0]


def months_of_period(
    monthly: pd.DataFrame, period: str, commune_code: str, trailing_months: int = 12
) -> pd.DataFrame:
    """The unit's monthly rows up to the period's end (the last `trailing_months`), for the trend chart."""
    end = parse_period(period).end_time
    rows = monthly[(monthly["commune_code"] == commune_code) & (monthly["period_start"] <= end)]
    return rows.sort_values("period_start").tail(trailing_months).reset_index(drop=True)


# The dossier columns a brief reads (the rebuild cache fingerprints exactly these)
BRIEF_DOSSIER_COLUMNS = [
    "commune_code",
    "field",
    "procedure",
    "channel",
    "online_level",
    "received_at",
    "due_at",
    "completed_at",
    "status",
    "outcome",
    "is_late",
    "apology_letter",
    "as_of",
    "source_file",
]
# What the district-wide context of a brief reads (procedures taken online elsewhere)
DISTRICT_CHANNEL_COLUMNS = ["commune_code", "procedure", "channel", "received_at"]


def read_commune_dossiers(
    processed_dir: str | Path, commune_code: str, period: str | None = None
) -> pd.DataFrame:
    """Dossiers of one unit (projection and filter pushed down to Parquet).

    With a period, a unit formed from others (2025) also gets its predecessors' dossiers that
    the crosswalk passes to it (reference/lineage.py), as the analysis counted them.
    """
    before = _predecessor_codes(commune_code, period)
    if not before:
        return read_processed_table(
            processed_dir,
            "dossiers.parquet",
            columns=BRIEF_DOSSIER_COLUMNS,
            filters=[("commune_code", "==", commune_code)],
        )
    from analysis.reference.lineage import period_end, successor_codes

    codes = sorted({commune_code, *before})
    rows = read_processed_table(
        processed_dir,
        "dossiers.parquet",
        columns=[*BRIEF_DOSSIER_COLUMNS, "dossier_id"],
        filters=[("commune_code", "in", codes)],
    )
    mapped = successor_codes(
        rows["commune_code"], rows["received_at"], rows["dossier_id"], period_end(period)
    )
    rows = rows[(mapped == commune_code).fillna(False).to_numpy()]
    return rows.assign(commune_code=commune_code)[BRIEF_DOSSIER_COLUMNS].reset_index(drop=True)


def _predecessor_codes(commune_code: str, period: str | None) -> list[str]:
    """Codes of the units a unit standing at the period's end was formed from ([] if none)."""
    if period is None:
        return []
    from analysis.reference.lineage import period_end, predecessors

    return predecessors(commune_code, period_end(period))["source_code"].unique().tolist()


def read_district_channels(processed_dir: str | Path) -> pd.DataFrame:
    """Procedure and channel of every dossier in the district (for 'taken online elsewhere')."""
    return read_processed_table(processed_dir, "dossiers.parquet", columns=DISTRICT_CHANNEL_COLUMNS)


RANK_UNCERTAINTY_TABLE = "commune_ranks_uncertainty.parquet"


def read_rank_uncertainty(processed_dir: str | Path, period: str) -> pd.DataFrame | None:
    """Shrunk late rates, 95 % rank intervals and P(worst third) of one period; None if not computed."""
    path = Path(processed_dir) / RANK_UNCERTAINTY_TABLE
    if not path.exists():
        return None
    return select_period(pd.read_parquet(path), period)


def read_meeting_dates(processed_dir: str | Path) -> list[pd.Timestamp]:
    """Dates of the district's meetings on administrative reform (meetings.parquet; [] if absent)."""
    path = Path(processed_dir) / "meetings.parquet"
    if not path.exists():
        return []
    dates = pd.to_datetime(pd.read_parquet(path, columns=["meeting_date"])["meeting_date"])
    return sorted(dates.dropna().drop_duplicates())


def summarise_late_drivers(
    dossiers: pd.DataFrame, period: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Late resolved dossiers by field and by procedure in the period, most late first."""
    span = parse_period(period)
    done = dossiers[
        (dossiers["status"] == "resolved")
        & (dossiers["completed_at"] >= span.start_time)
        & (dossiers["completed_at"] <= span.end_time)
    ].assign(late=lambda d: d["is_late"].astype("boolean").fillna(False).astype(int))
    total_late = max(int(done["late"].sum()), 1)
    tables = []
    for key in ("field", "procedure"):
        table = (
            done.groupby(key, observed=True)["late"]
            .agg(resolved="size", late="sum")
            .reset_index()
            .assign(
                late_share=lambda t: t["late"] / t["resolved"],
                share_of_late=lambda t: t["late"] / total_late,
            )
            .sort_values(["late", "resolved"], ascending=[False, False], kind="stable")
            .reset_index(drop=True)
        )
        tables.append(table)
    return tables[0], tables[1]


def summarise_officers(officers: pd.DataFrame, commune_code: str, period: str) -> pd.DataFrame:
    """The unit's desk officers present in the period, by pseudonymous id only.

    A unit formed from others also lists the desks passed to it (a divided unit's officers in
    each part), as the analysis counted their officer-days.
    """
    span = parse_period(period)
    if _predecessor_codes(commune_code, period):
        from analysis.analyse.reconstruct import map_officers
        from analysis.reference.lineage import period_end

        officers = map_officers(officers, period_end(period))
    rows = officers[
        (officers["commune_code"] == commune_code)
        & (pd.to_datetime(officers["start_date"]) <= span.end_time)
        & (
            pd.to_datetime(officers["end_date"]).isna()
            | (pd.to_datetime(officers["end_date"]) >= span.start_time)
        )
    ]
    return (
        rows[["officer_id", "title", "is_concurrent", "start_date", "end_date"]]
        .sort_values(["is_concurrent", "officer_id"])
        .reset_index(drop=True)
    )


def rank_lookup(ranks: pd.DataFrame, commune_code: str, period: str) -> pd.DataFrame:
    """The unit's rank rows for the period, indexed by indicator."""
    rows = ranks[(ranks["commune_code"] == commune_code) & (ranks["period"] == period)]
    return rows.set_index("indicator")
