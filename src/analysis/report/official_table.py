"""The official table (Biểu 06, Thông tư 01/2020/TT-VPCP) per lĩnh vực, and period comparisons.

Columns follow DOMAIN.md: received total (3) = online (4) + in person/postal (5) + carried over (6);
resolved (7) = early (8) + on time (9) + late (10); pending (11) = in time (12) + overdue (13); and
(3) = (7) + (11). Dossiers refused or withdrawn close otherwise: the form has no column for them,
so they are shown beside it and (3) = (7) + closed otherwise + (11). Counts come from the same
state rules as the analysis (`flag_dossier_states`), applied to the commune's own dossiers.
"""

from __future__ import annotations

import pandas as pd

from analysis.analyse.indicators import flag_dossier_states
from analysis.report.labels import label_period_short, parse_period_label
from analysis.report.narrative import (
    format_exact_count,
    format_rate,
)

OFFICIAL_COLUMNS = [
    "field",
    "total",
    "received_online",
    "received_offline",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "closed_other",
    "pending",
    "pending_in_time",
    "pending_overdue",
    "on_time_rate",
]
OFFICIAL_LABELS = {
    "field": "Lĩnh vực",
    "total": "Tổng số hồ sơ (3)",
    "received_online": "Tiếp nhận trực tuyến (4)",
    "received_offline": "Tiếp nhận trực tiếp, bưu chính (5)",
    "carried_over": "Tồn kỳ trước (6)",
    "resolved": "Đã giải quyết (7)",
    "resolved_early": "Trước hạn (8)",
    "resolved_on_time": "Đúng hạn (9)",
    "resolved_late": "Quá hạn (10)",
    "closed_other": "Từ chối, rút hồ sơ",
    "pending": "Đang giải quyết (11)",
    "pending_in_time": "Trong hạn (12)",
    "pending_overdue": "Quá hạn (13)",
    "on_time_rate": "Tỷ lệ trước hạn và đúng hạn",
}
TOTAL_LABEL = "Tổng cộng"


def build_official_table(dossiers: pd.DataFrame, period: str) -> pd.DataFrame:
    """Biểu 06 counts per field for one commune's dossiers and period, with a total row last."""
    span = parse_period_label(period)
    flags = flag_dossier_states(dossiers, span.start_time.normalize(), span.end_time.normalize())
    flags["field"] = dossiers["field"].astype("string").fillna("Khác").to_numpy()
    sums = flags.groupby("field", observed=True).sum()
    table = pd.DataFrame(index=sums.index)
    table["received_online"] = sums["received_online"]
    table["received_offline"] = sums["received_in_person"] + sums["received_postal"]
    table["carried_over"] = sums["carried_over"]
    table["total"] = table["received_online"] + table["received_offline"] + table["carried_over"]
    for column in OFFICIAL_COLUMNS[OFFICIAL_COLUMNS.index("resolved") : -1]:  # (7) to (13)
        table[column] = sums[column]
    table = table[table["total"] > 0].sort_values("total", ascending=False, kind="stable")
    total = table.sum().to_frame().T
    total.index = [TOTAL_LABEL]
    table = pd.concat([table, total])
    table.index.name = "field"
    table = table.reset_index().astype({c: "int64" for c in OFFICIAL_COLUMNS[1:-1]})
    resolved = table["resolved"].where(table["resolved"] > 0)
    table["on_time_rate"] = (table["resolved_early"] + table["resolved_on_time"]) / resolved
    return table[OFFICIAL_COLUMNS]


def check_official_identities(table: pd.DataFrame) -> pd.DataFrame:
    """Rows where an identity of the form fails (empty when the table is sound)."""
    gaps = pd.DataFrame(
        {
            "3=4+5+6": table["total"]
            - table["received_online"]
            - table["received_offline"]
            - table["carried_over"],
            "7=8+9+10": table["resolved"]
            - table["resolved_early"]
            - table["resolved_on_time"]
            - table["resolved_late"],
            "11=12+13": table["pending"] - table["pending_in_time"] - table["pending_overdue"],
            "3=7+closed+11": table["total"]
            - table["resolved"]
            - table["closed_other"]
            - table["pending"],
        }
    )
    body = table[table["field"] != TOTAL_LABEL]
    total = table[table["field"] == TOTAL_LABEL]
    if len(total):
        column_sums = body[OFFICIAL_COLUMNS[1:-1]].sum() - total[OFFICIAL_COLUMNS[1:-1]].iloc[0]
        if (column_sums != 0).any():
            gaps.loc[total.index, "total_row"] = 1
    return table.loc[(gaps.fillna(0) != 0).any(axis=1)]


def format_official_table(table: pd.DataFrame) -> pd.DataFrame:
    """Display copy: exact counts (the commune's own figures), the rate marked when on < 20 dossiers."""
    out = table.copy()
    for column in OFFICIAL_COLUMNS[1:-1]:
        out[column] = out[column].map(format_exact_count)
    out["on_time_rate"] = [
        format_rate(rate, n, compact=True)
        for rate, n in zip(table["on_time_rate"], table["resolved"], strict=True)
    ]
    return out.rename(columns=OFFICIAL_LABELS)


def sum_window(monthly: pd.DataFrame, commune_code: str, start, end) -> dict | None:
    """Flows of one commune over [start, end] from the monthly indicators; None if not all covered."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    rows = monthly[
        (monthly["commune_code"] == commune_code)
        & (monthly["period_start"] >= start)
        & (monthly["period_end"] <= end)
    ]
    months = len(pd.period_range(start.to_period("M"), end.to_period("M"), freq="M"))
    if len(rows) < months or (
        "is_complete" in rows and not rows["is_complete"].fillna(False).all()
    ):
        return None
    sums = rows[["received", "received_online", "resolved", "resolved_late"]].sum()
    return {
        "received": int(sums["received"]),
        "received_online": int(sums["received_online"]),
        "resolved": int(sums["resolved"]),
        "resolved_late": int(sums["resolved_late"]),
    }


def compare_periods(monthly: pd.DataFrame, commune_code: str, period: str) -> pd.DataFrame:
    """This period, the previous quarter, the same period last year and the year to date.

    A comparison appears only when the monthly data cover its whole window (`covered` False with
    no figures otherwise, so the brief can say so in a sentence).
    """
    span = parse_period_label(period)
    windows = [("Kỳ này", span)]
    if span.freqstr.startswith("Q"):
        windows.append(("Quý trước", span - 1))
    windows.append(("Cùng kỳ năm trước", span - (4 if span.freqstr.startswith("Q") else 1)))
    if not span.freqstr.startswith(("Y", "A")):
        year_start = pd.Timestamp(year=span.year, month=1, day=1)
        windows.append(("Từ đầu năm", (year_start, span.end_time.normalize())))
    rows = []
    for label, window in windows:
        if isinstance(window, pd.Period):
            start, end = window.start_time.normalize(), window.end_time.normalize()
            name = label_period_short(window)
        else:
            start, end = window
            name = f"{start:%d/%m}–{end:%d/%m/%Y}"
        sums = sum_window(monthly, commune_code, start, end)
        row = {"comparison": label, "window": name, "covered": sums is not None}
        if sums is not None:
            row |= sums
            row["late_rate"] = (
                sums["resolved_late"] / sums["resolved"] if sums["resolved"] else None
            )
            row["online_share"] = (
                sums["received_online"] / sums["received"] if sums["received"] else None
            )
        rows.append(row)
    return pd.DataFrame(rows)


def format_comparisons(comparisons: pd.DataFrame) -> pd.DataFrame:
    """Display copy of the covered comparisons."""
    covered = comparisons[comparisons["covered"]]
    return pd.DataFrame(
        {
            "Kỳ so sánh": covered["comparison"] + " (" + covered["window"] + ")",
            "Hồ sơ tiếp nhận": covered["received"].map(format_exact_count),
            "Hồ sơ trực tuyến": [
                format_rate(v, n, compact=True)
                for v, n in zip(covered["online_share"], covered["received"], strict=True)
            ],
            "Đã giải quyết": covered["resolved"].map(format_exact_count),
            "Tỷ lệ trễ hạn": [
                format_rate(v, n, compact=True)
                for v, n in zip(covered["late_rate"], covered["resolved"], strict=True)
            ],
        }
    )


def describe_missing_comparisons(comparisons: pd.DataFrame) -> str:
    """One sentence naming the comparisons the data do not cover (empty when all are there)."""
    missing = comparisons[~comparisons["covered"]]
    if missing.empty:
        return ""
    names = "; ".join(
        f"{c} ({w})" for c, w in zip(missing["comparison"], missing["window"], strict=True)
    )
    return f"Không có so sánh với: {names} — dữ liệu hiện có không bao trùm các kỳ này."


def find_counter_only_procedures(
    dossiers: pd.DataFrame, commune_code: str, period: str
) -> pd.DataFrame:
    """Procedures received online elsewhere in the district in the period but only at this counter."""
    span = parse_period_label(period)
    received = pd.to_datetime(dossiers["received_at"])
    inside = dossiers[(received >= span.start_time) & (received <= span.end_time)]
    online = inside["channel"].astype("string") == "online"
    mine = inside["commune_code"].astype("string") == commune_code
    online_elsewhere = set(inside.loc[online & ~mine, "procedure"].dropna().astype(str))
    here = inside[mine].assign(online=online[mine].fillna(False).astype(int))
    by_procedure = here.groupby("procedure", observed=True).agg(
        received=("online", "size"), online=("online", "sum")
    )
    counter_only = by_procedure[
        (by_procedure["online"] == 0) & by_procedure.index.astype(str).isin(online_elsewhere)
    ]
    return (
        counter_only.reset_index()[["procedure", "received"]]
        .sort_values(["received", "procedure"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
