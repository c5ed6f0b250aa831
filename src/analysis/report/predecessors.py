"""The section of a new xã's brief on the units it was formed from (issue 14, 2025 reorganisation).

It names the predecessors (whole or part, with the split weight), states the resolution and
that the facts are unverified, and shows two tables: each predecessor's own history before the
change, and the new unit's quarterly series with the rebuilt quarters marked. A unit that was
not formed from others (every 2021 unit in a 2021 period) gets nothing: the brief is unchanged.
"""

from __future__ import annotations

import pandas as pd

from analysis.reference.lineage import period_end, predecessors, unit_display_name
from analysis.reference.units import DATA_DIR, all_units
from analysis.report.narrative import format_exact_count, format_percent, format_rate, nfc
from analysis.text import fold

RECONSTRUCTED_TABLE = "indicators_reconstructed.parquet"
HISTORY_QUARTERS = 8
RULE_WHOLE_TEXT = (
    "Số liệu các quý trước ngày {day} được dựng lại từ các đơn vị cũ: cộng toàn bộ hồ sơ và "
    "ngày công cán bộ một cửa của các đơn vị nhập vào."
)
RULE_SPLIT_TEXT = (
    " Hồ sơ của đơn vị bị chia được phân cho từng phần theo mã hồ sơ, với tỷ lệ bằng trọng số "
    "ghi trong bảng dưới đây; ngày công cán bộ tính theo cùng trọng số (hiện là chia đều, chưa "
    "kiểm chứng: chưa có nguồn cho biết các thôn được chia thế nào)."
)


def formation(code: str, period: str) -> pd.DataFrame:
    """The 2021 units (and the intermediate Phú Hồng) a unit standing at the period's end came from.

    Columns: source_code, source_name, source_version, relationship, weight, valid_from,
    valid_to, label ('xã Cam Thượng'). Empty for a unit formed from no other.
    """
    table = predecessors(code, period_end(period))
    if table.empty:
        return table.assign(valid_from=pd.NaT, valid_to=pd.NaT, label="")
    units = all_units()[["code", "period", "unit_type", "valid_from", "valid_to"]]
    table = table.merge(
        units.rename(columns={"code": "source_code", "period": "source_version"}),
        on=["source_code", "source_version"],
        how="left",
    )
    table["label"] = table["unit_type"].str.lower() + " " + table["source_name"]
    return table.sort_values(["valid_from", "source_name"]).reset_index(drop=True)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def describe_formation(code: str, period: str) -> str:
    """'Xã Quảng Oai được thành lập từ ngày 01/07/2025 … trên cơ sở toàn bộ …, một phần …'; '' if none."""
    table = formation(code, period)
    if table.empty:
        return ""
    units = all_units()
    unit = units[(units["code"] == code) & (units["valid_from"] <= period_end(period))].iloc[-1]
    basis = pd.read_csv(DATA_DIR / "units_2025.csv", dtype=str)
    legal = basis.loc[basis["code"] == code, "legal_basis"].dropna()
    legal = str(legal.iloc[-1]) if not legal.empty else ""
    name = unit_display_name(code, period)
    name = name[0].upper() + name[1:]
    last = table[table["valid_from"] == table["valid_from"].max()]  # the units of the last step
    first = table[table["source_version"] == table["source_version"].min()]
    whole = sorted(first[first["relationship"] == "whole"]["label"], key=fold)
    parts = sorted(first[first["relationship"] == "part"]["label"], key=fold)
    pieces = []
    if whole:
        pieces.append("toàn bộ " + _join(whole))
    if parts:
        pieces.append("một phần " + _join(parts))
    text = (
        f"{name} được thành lập từ ngày {unit['valid_from']:%d/%m/%Y}"
        + (f" theo {legal}" if legal else "")
        + f" trên cơ sở {'; '.join(pieces)}."
    )
    steps = last[last["source_version"] != first["source_version"].iloc[0]]
    for _, step in steps.iterrows():
        merged = first[(first["valid_to"] < step["valid_from"])]
        if not merged.empty:
            text += (
                f" Trong đó {_join(merged['label'].tolist())} đã hợp nhất thành "
                f"{step['label']} từ ngày {step['valid_from']:%d/%m/%Y}."
            )
    text += " Thông tin về sắp xếp đơn vị hành chính chưa được kiểm chứng với văn bản gốc."
    text += " " + RULE_WHOLE_TEXT.format(day=f"{unit['valid_from']:%d/%m/%Y}")
    if parts:
        text += RULE_SPLIT_TEXT
    return nfc(text)


def predecessor_history(indicators: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """Each predecessor's own quarters before the change: received, resolved, late, late rate.

    Rows of a code count for the predecessor only in quarters ending while that unit stood (codes
    were reused: 09619's 2025-Q4 row is Quảng Oai, its 2024-Q4 row Tây Đằng).
    """
    table = formation(code, period)
    quarters = indicators[indicators["period_type"] == "quarter"]
    rows = []
    for _, unit in table.iterrows():
        own = quarters[
            (quarters["commune_code"] == unit["source_code"])
            & (quarters["period_end"] >= unit["valid_from"])
            & (quarters["period_end"] <= unit["valid_to"])
        ]
        received, resolved = int(own["received"].sum()), int(own["resolved"].sum())
        late = int(own["resolved_late"].sum())
        rows.append(
            {
                "Đơn vị cũ": unit["label"],
                "Nhập vào": "toàn bộ"
                if unit["relationship"] == "whole"
                else f"một phần ({format_percent(unit['weight'], 0)})",
                "Số quý có số liệu": len(own),
                "Hồ sơ tiếp nhận": format_exact_count(received),
                "Hồ sơ đã giải quyết": format_exact_count(resolved),
                "Tỷ lệ trễ hạn (trên hồ sơ đã giải quyết)": format_rate(
                    late / resolved if resolved else None, resolved, compact=True
                ),
            }
        )
    return pd.DataFrame(rows)


def reconstructed_series(history: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """The unit's last quarters up to the period, rebuilt quarters marked 'Dựng lại từ đơn vị cũ'."""
    end = period_end(period)
    own = history[(history["commune_code"] == code) & (history["period_end"] <= end)]
    own = own.sort_values("period_start").tail(HISTORY_QUARTERS)
    return pd.DataFrame(
        {
            "Quý": own["period"].str.replace(r"(\d{4})-Q(\d)", r"Quý \2/\1", regex=True),
            "Hồ sơ tiếp nhận": own["received"].map(format_exact_count),
            "Hồ sơ đã giải quyết": own["resolved"].map(format_exact_count),
            "Tỷ lệ trễ hạn (trên hồ sơ đã giải quyết)": [
                format_rate(rate, n, compact=True)
                for rate, n in zip(own["late_rate_resolved"], own["resolved"])
            ],
            "Tỷ lệ nộp trực tuyến": [
                format_rate(rate, n, compact=True)
                for rate, n in zip(own["online_share"], own["received"])
            ],
            "Số liệu": own["reconstructed"].map(
                {True: "dựng lại từ đơn vị cũ", False: "của đơn vị"}
            ),
        }
    ).reset_index(drop=True)


def read_history(processed_dir) -> pd.DataFrame | None:
    """The analysis' rebuilt series of the latest units (None when `analyse` predates it)."""
    from pathlib import Path

    path = Path(processed_dir) / RECONSTRUCTED_TABLE
    return pd.read_parquet(path) if path.exists() else None


def unit_monthly(monthly: pd.DataFrame, processed_dir, code: str, period: str) -> pd.DataFrame:
    """The monthly table with a new unit's own rows replaced by its rebuilt months.

    Codes were reused (09619's 2024 months are Tây Đằng's), so a new xã's trend chart and
    period comparisons must read its rebuilt series; other units' rows are left as they are.
    """
    history = read_history(processed_dir)
    if formation(code, period).empty or history is None:
        return monthly
    rebuilt = history[(history["commune_code"] == code) & (history["period_type"] == "month")]
    if rebuilt.empty:
        return monthly
    rebuilt = rebuilt[[c for c in monthly.columns if c in rebuilt.columns]]
    return pd.concat([monthly[monthly["commune_code"] != code], rebuilt], ignore_index=True)


def formation_section(processed_dir, code: str, period: str) -> list:
    """The section as display objects (heading, sentence, two tables); [] for a unit formed from none."""
    from IPython.display import HTML, Markdown

    from analysis.report.narrative import table_footnote
    from analysis.report.tables import read_processed_table

    sentence = describe_formation(code, period)
    if not sentence:
        return []

    def table(frame: pd.DataFrame) -> list:
        html = frame.to_html(index=False, escape=True, classes="brief-table")
        note = table_footnote(frame)
        return [HTML(html), *([Markdown(note)] if note else [])]

    indicators = read_processed_table(processed_dir, "indicators_period.parquet")
    parts = [
        Markdown("## Các đơn vị trước khi sắp xếp"),
        Markdown(sentence),
        Markdown("**Số liệu của từng đơn vị cũ** (các quý trong dữ liệu trước khi sáp nhập)"),
        *table(predecessor_history(indicators, code, period)),
    ]
    history = read_history(processed_dir)
    series = pd.DataFrame()
    if history is not None:
        series = reconstructed_series(history[history["period_type"] == "quarter"], code, period)
    if series.empty:
        return [*parts, Markdown("Chuỗi số liệu dựng lại theo quý: chưa có dữ liệu.")]
    title = nfc(f"**Chuỗi số liệu theo quý của {unit_display_name(code, period)}**")
    return [*parts, Markdown(title), *table(series)]
