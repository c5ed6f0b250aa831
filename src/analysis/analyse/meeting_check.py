"""Hold what the district's meetings said about each commune against the dossier data.

For each mention the window compared is the year to date up to the last complete month before
the meeting (a meeting on 12/10/2021 judges January-September 2021). A negative late_dossiers
mention is borne out when the commune is in the district's worst third by the default late rate
or above the funnel's 95 % limit; online_services by online share; officer_arrangement by the
concurrent (kiêm nhiệm) share of desk officer-days. Other topics are not in the dossier data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyse.indicators import RANKED, compute_indicators, rank_communes
from analysis.analyse.risk import risk_adjust_period
from analysis.meetings.extract import MENTION_COLUMNS

CHECKS = {
    # topic: indicator that can bear it out
    "late_dossiers": "late_rate",
    "online_services": "online_share",
    "officer_arrangement": "concurrent_share",
}
CHECK_COLUMNS = [
    *MENTION_COLUMNS,
    "window",
    "indicator",
    "value",
    "district_median",
    "rank",
    "n_ranked",
    "worst_third",
    "best_third",
    "funnel_flag",
    "data_agrees",
    "reason",
]


def meeting_window(meeting_date, data_start) -> pd.DataFrame | None:
    """Year to date before the meeting: 1 January (or the data's start) to the end of the previous month."""
    day = pd.Timestamp(meeting_date)
    end = (day.to_period("M") - 1).end_time.normalize()
    start = max(pd.Timestamp(day.year, 1, 1), pd.Timestamp(data_start).to_period("M").start_time)
    if end < start:
        return None
    label = f"{start:%Y-%m}..{end:%Y-%m}"
    return pd.DataFrame(
        {"period": [label], "period_type": ["window"], "period_start": [start], "period_end": [end]}
    )


def judge_mention(polarity: str, worst: object, best: object, funnel: object) -> bool | None:
    """Negative agrees with worst third or a high funnel flag; positive with best third or a low flag."""
    if worst is None or pd.isna(worst):
        return None
    if polarity == "negative":
        return bool(worst) or funnel == "high"
    if polarity == "positive":
        return bool(best) or funnel == "low"
    return None


def explain(row: pd.Series) -> str:
    """One plain sentence on why the data agree, disagree or cannot say."""
    if row["indicator"] is None or pd.isna(row["indicator"]):
        return f"the dossier data do not measure '{row['topic']}'"
    if not isinstance(row["window"], str):
        return "no data before the meeting to compare with"
    if pd.isna(row["data_agrees"]):
        return f"no {row['indicator']} for this commune in {row['window']}"
    place = f"rank {int(row['rank'])} of {int(row['n_ranked'])} (1 = best) by {row['indicator']} in {row['window']}"
    funnel = f", funnel {row['funnel_flag']}" if isinstance(row["funnel_flag"], str) else ""
    verdict = "agrees" if row["data_agrees"] else "does not agree"
    return f"data {verdict}: {place}{funnel}"


def check_mentions(
    mentions: pd.DataFrame,
    dossiers: pd.DataFrame,
    officers: pd.DataFrame | None,
    communes: list[str],
    default_late_rate: str = "late_rate_resolved",
    saturday_counts: bool = False,
) -> pd.DataFrame:
    """meeting_check table: one row per mention with the data's verdict (null where it cannot speak)."""
    if mentions is None or mentions.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in CHECK_COLUMNS})
    data_start = dossiers["received_at"].min()
    rows = []
    for meeting_date, group in mentions.groupby("meeting_date", sort=False, dropna=False):
        window = meeting_window(meeting_date, data_start) if pd.notna(meeting_date) else None
        ranks = risk = None
        if window is not None:
            table = compute_indicators(
                dossiers, officers, window, communes, default_late_rate, saturday_counts
            )
            ranks = rank_communes(table, {name: RANKED[name] for name in CHECKS.values()})
            risk, _ = risk_adjust_period(
                dossiers, window["period_start"].iloc[0], window["period_end"].iloc[0], communes
            )
        for mention in group.to_dict("records"):
            indicator = CHECKS.get(mention["topic"])
            out = {**{c: mention.get(c) for c in MENTION_COLUMNS}, "indicator": indicator}
            out["window"] = window["period"].iloc[0] if window is not None else None
            found = pd.DataFrame()
            if indicator and ranks is not None:
                found = ranks[
                    (ranks["indicator"] == indicator)
                    & (ranks["commune_code"] == mention["commune_code"])
                ]
            if not found.empty:
                hit = found.iloc[0]
                for column in (
                    "value",
                    "district_median",
                    "rank",
                    "n_ranked",
                    "worst_third",
                    "best_third",
                ):
                    out[column] = hit[column]
                if indicator == "late_rate":
                    flag = risk.loc[risk["commune_code"] == mention["commune_code"], "outside_95"]
                    out["funnel_flag"] = (
                        flag.iloc[0] if len(flag) and pd.notna(flag.iloc[0]) else None
                    )
                out["data_agrees"] = judge_mention(
                    mention["polarity"],
                    hit["worst_third"],
                    hit["best_third"],
                    out.get("funnel_flag"),
                )
            rows.append(out)
    table = pd.DataFrame(rows).reindex(columns=CHECK_COLUMNS)
    table["indicator"] = table["indicator"].astype("object").where(table["indicator"].notna(), None)
    table["data_agrees"] = table["data_agrees"].astype("boolean")
    table["worst_third"] = table["worst_third"].astype("boolean")
    table["best_third"] = table["best_third"].astype("boolean")
    table["rank"] = table["rank"].astype("float64")
    table["n_ranked"] = table["n_ranked"].astype("Int64")
    table["value"] = table["value"].astype("float64")
    table["district_median"] = table["district_median"].astype("float64")
    table["reason"] = table.apply(explain, axis=1) if len(table) else pd.Series(dtype="string")
    table["funnel_flag"] = table["funnel_flag"].astype("object").replace({np.nan: None})
    return table
