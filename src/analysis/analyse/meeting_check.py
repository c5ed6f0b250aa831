"""Hold what the district's meetings said about each commune against the dossier data.

For each mention the window compared is the year to date up to the last complete month before
the meeting (a meeting on 12/10/2021 judges January-September 2021). A negative late_dossiers
mention is borne out when the commune is in the district's worst third by the default late rate
or above the funnel's 95 % limit; online_services by online share; officer_arrangement by the
concurrent (kiêm nhiệm) share of desk officer-days. Other topics are not in the dossier data.

Agreement is weak evidence on its own: if k of the n ranked communes would bear out a criticism
(worst third, or above the funnel), a commune named at random agrees with probability k/n, about
1/3. Each row states that chance rate, the rank threshold behind its verdict and the window. On
synthetic data agreement is by construction: the generator was calibrated so that the communes
the seed meeting named come out late or slow to adopt (`analysis.demo.params`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyse.indicators import RANKED, compute_indicators, rank_communes
from analysis.analyse.reconstruct import map_dossiers, map_officers, regime_communes
from analysis.analyse.risk import risk_adjust_period
from analysis.meetings.extract import MENTION_COLUMNS
from analysis.reference.lineage import regime_start

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
    "window_start",
    "window_end",
    "worst_third_from_rank",
    "best_third_to_rank",
    "verdict_rule",
    "chance_agreement",
    "agreement_by_construction",
    "reason",
]
SYNTHETIC_NOTE = "; on synthetic data this agreement is by construction (the generator was calibrated to the meeting)"


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


def units_of_window(dossiers, officers, communes, on: pd.Timestamp):
    """Rows and codes of the units standing from `on`: predecessors' rows follow the crosswalk.

    A window after 1/7/2025 ranks the 8 new xã among themselves, never old and new units together;
    with 2021 data nothing moves and the caller's rows and codes come back unchanged.
    """
    mapped = map_dossiers(dossiers, on)
    if mapped is dossiers:
        return dossiers, officers, communes
    return mapped, map_officers(officers, on), regime_communes(mapped, on)


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
    rule = f" (rule: {row['verdict_rule']}" if isinstance(row["verdict_rule"], str) else " ("
    chance = (
        f"; chance agreement {row['chance_agreement']:.0%})"
        if pd.notna(row["chance_agreement"])
        else ")"
    )
    note = SYNTHETIC_NOTE if row["agreement_by_construction"] is True else ""
    return f"data {verdict}: {place}{funnel}{rule}{chance}{note}"


def describe_rule(polarity: str, indicator: str, n_ranked: int) -> tuple[int, int, str | None]:
    """Rank thresholds of the worst and best third, and the verdict's rule in words."""
    third = int(np.ceil(n_ranked / 3))
    worst_from, best_to = n_ranked - third + 1, third
    funnel = indicator == "late_rate"
    if polarity == "negative":
        rule = f"rank >= {worst_from} of {n_ranked} (worst third)"
        rule += " or above the funnel's 95 % limit" if funnel else ""
    elif polarity == "positive":
        rule = f"rank <= {best_to} of {n_ranked} (best third)"
        rule += " or below the funnel's 95 % limit" if funnel else ""
    else:
        rule = None
    return worst_from, best_to, rule


def chance_of_agreement(
    polarity: str, ranks: pd.DataFrame, indicator: str, risk: pd.DataFrame | None
) -> float:
    """Share of ranked communes whose data would bear out the same mention (the chance rate)."""
    table = ranks[(ranks["indicator"] == indicator) & ranks["rank"].notna()]
    if table.empty:
        return np.nan
    flags = pd.Series(None, index=table.index, dtype="object")
    if indicator == "late_rate" and risk is not None:
        flags = table["commune_code"].map(risk.set_index("commune_code")["outside_95"])
    agree = [
        judge_mention(polarity, worst, best, flag)
        for worst, best, flag in zip(table["worst_third"], table["best_third"], flags, strict=True)
    ]
    agree = [a for a in agree if a is not None]
    return float(np.mean(agree)) if agree else np.nan


def check_mentions(
    mentions: pd.DataFrame,
    dossiers: pd.DataFrame,
    officers: pd.DataFrame | None,
    communes: list[str],
    default_late_rate: str = "late_rate_resolved",
    saturday_counts: bool = False,
    synthetic: bool = False,
) -> pd.DataFrame:
    """meeting_check table: one row per mention with the data's verdict (null where it cannot speak)."""
    if mentions is None or mentions.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in CHECK_COLUMNS})
    data_start = dossiers["received_at"].min()
    rows, rebuilt, by_units = [], [], {}
    for meeting_date, group in mentions.groupby("meeting_date", sort=False, dropna=False):
        window = meeting_window(meeting_date, data_start) if pd.notna(meeting_date) else None
        ranks = risk = units_from = None
        if window is not None:
            units_from = regime_start(window["period_end"].iloc[0])
            if units_from not in by_units:  # one mapping per set of units, not per meeting
                by_units[units_from] = units_of_window(dossiers, officers, communes, units_from)
            rows_of_units, officers_of_units, codes = by_units[units_from]
            table = compute_indicators(
                rows_of_units, officers_of_units, window, codes, default_late_rate, saturday_counts
            )
            ranks = rank_communes(table, {name: RANKED[name] for name in CHECKS.values()})
            risk, _ = risk_adjust_period(
                rows_of_units, window["period_start"].iloc[0], window["period_end"].iloc[0], codes
            )
        for mention in group.to_dict("records"):
            indicator = CHECKS.get(mention["topic"])
            out = {**{c: mention.get(c) for c in MENTION_COLUMNS}, "indicator": indicator}
            out["window"] = window["period"].iloc[0] if window is not None else None
            if window is not None:
                out["window_start"] = window["period_start"].iloc[0]
                out["window_end"] = window["period_end"].iloc[0]
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
                worst_from, best_to, rule = describe_rule(
                    mention["polarity"], indicator, int(hit["n_ranked"])
                )
                out["worst_third_from_rank"], out["best_third_to_rank"] = worst_from, best_to
                out["verdict_rule"] = rule
                out["chance_agreement"] = chance_of_agreement(
                    mention["polarity"], ranks, indicator, risk
                )
                out["agreement_by_construction"] = bool(synthetic) and bool(out["data_agrees"])
            rows.append(out)
            early = window is not None and window["period_start"].iloc[0] < units_from
            rebuilt.append(f"{units_from:%d/%m/%Y}" if early else None)
    table = pd.DataFrame(rows).reindex(columns=CHECK_COLUMNS)
    table["indicator"] = table["indicator"].astype("object").where(table["indicator"].notna(), None)
    table["data_agrees"] = table["data_agrees"].astype("boolean")
    table["worst_third"] = table["worst_third"].astype("boolean")
    table["best_third"] = table["best_third"].astype("boolean")
    table["rank"] = table["rank"].astype("float64")
    table["n_ranked"] = table["n_ranked"].astype("Int64")
    table["value"] = table["value"].astype("float64")
    table["district_median"] = table["district_median"].astype("float64")
    table["window_start"] = pd.to_datetime(table["window_start"])
    table["window_end"] = pd.to_datetime(table["window_end"])
    for column in ("worst_third_from_rank", "best_third_to_rank"):
        table[column] = table[column].astype("Int64")
    table["chance_agreement"] = table["chance_agreement"].astype("float64")
    table["agreement_by_construction"] = table["agreement_by_construction"].astype("boolean")
    table["verdict_rule"] = table["verdict_rule"].astype("object").replace({np.nan: None})
    table["reason"] = table.apply(explain, axis=1) if len(table) else pd.Series(dtype="string")
    table["reason"] = [
        f"{reason}; window rebuilt for the units of {day} from their predecessors' rows"
        if day
        else reason
        for reason, day in zip(table["reason"], rebuilt, strict=True)
    ]
    table["funnel_flag"] = table["funnel_flag"].astype("object").replace({np.nan: None})
    return table
