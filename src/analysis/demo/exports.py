"""Dossier exports as the district's systems produce them: several xlsx and csv files per group of
communes and half-year, each with its own header wording, title block, blank rows, total row, date
encodings and unit spellings; a re-export that repeats rows (identically, and a few with different
content); and a few impossible rows planted among the good ones.

Every planted defect is counted per file so that `clean` can be reconciled exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from analysis.demo import dirt, params
from analysis.reference.units import active_table

STATUS_CODE = {
    "Đã trả kết quả": "resolved",
    "Đã có kết quả": "resolved",
    "Đang xử lý": "pending",
    "Chờ bổ sung": "awaiting_supplement",
    "Từ chối": "refused",
    "Rút hồ sơ": "withdrawn",
}
GROUP_SIZE = 5
XLSX_GROUPS = (3, 5)  # groups exported as xlsx (under a third of the volume); the rest csv
# planted impossible rows, per reason: share of valid dossiers, and at least this many
IMPOSSIBLE_RATES = {
    "completed_before_received": (0.0004, 3),
    "due_before_received": (0.0003, 2),
    "unparseable_received_date": (0.0002, 2),
    "missing_received_date": (0.0001, 1),
    "unit_outside_district": (0.0002, 2),
    "district_as_unit": (0.0001, 1),
}
CONFLICT_RATE = (0.0005, 2)


# how exports write each class (Nghị định 43/2011 levels, then Nghị định 42/2022's two classes)
ONLINE_CLASS_TEXT = {
    "level_2": "Mức độ 2",
    "level_3": "Mức độ 3",
    "level_4": "Mức độ 4",
    "full_online": "Toàn trình",
    "partial_online": "Một phần",
}


@dataclass
class ExportSpec:
    """How one export file writes its rows."""

    path: str
    fmt: str  # xlsx | csv
    communes: tuple[str, ...]
    window: tuple[pd.Timestamp, pd.Timestamp]
    wording: dict[str, str]
    columns: tuple[str, ...]
    date_mix: dict[str, float]
    unit_mix: dict[str, float]
    csv_encoding: str = "utf-8"
    csv_sep: str = ","
    notes_sheet: bool = False
    title_lines: tuple[str, ...] = ()
    kind: str = "export"  # export | reexport
    counts: dict = field(default_factory=dict)

    @property
    def has(self) -> set[str]:
        return set(self.columns)


def _choose_wording(rng: np.random.Generator) -> dict[str, str]:
    return {
        key: options[int(rng.integers(0, len(options)))]
        for key, options in dirt.HEADER_WORDINGS.items()
    }


def _mix(
    rng: np.random.Generator, options: tuple[str, ...], dominant: str, share: float
) -> dict[str, float]:
    """Probabilities: `dominant` gets 1 - share, the rest share it out unevenly."""
    others = [o for o in options if o != dominant]
    weights = rng.dirichlet(np.ones(len(others))) * share
    mix = {dominant: 1.0 - share, **{o: float(w) for o, w in zip(others, weights)}}
    return {k: round(v, 6) for k, v in mix.items()}


def plan_exports(
    rng: np.random.Generator, communes: pd.DataFrame, start: str, end: str
) -> list[ExportSpec]:
    """One export per group of five communes and half of the period, formats and dirt varied per file."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
    if len(months) > 1:  # two halves cut at a month boundary (Jan-Jun, Jul-Dec for a year)
        cut = months[len(months) // 2].start_time
        halves = [(first, cut - pd.Timedelta(days=1)), (cut, last)]
    else:
        halves = [(first, last)]
    codes = communes.sort_values("commune_code")["commune_code"].tolist()
    groups = [codes[i : i + GROUP_SIZE] for i in range(0, len(codes), GROUP_SIZE)]
    if len(groups) > 1 and len(groups[-1]) < 3:
        groups[-2].extend(groups.pop())
    specs = []
    for g, group in enumerate(groups):
        for h, (lo, hi) in enumerate(halves):
            number = len(specs)
            fmt = "xlsx" if g in XLSX_GROUPS else "csv"
            columns = [
                "stt", "dossier_id", "procedure", "field", "unit", "applicant", "id_number", "phone",
                "address", "channel", "level", "received", "due", "completed", "returned", "status",
                "officer", "apology",
            ]  # fmt: skip
            if number in (1, 6):  # these systems do not export the appointment date
                columns.remove("due")
            if number % 4 == 2:  # coded channel (KenhThucHien 1/2/3) instead of text
                columns[columns.index("channel")] = "channel_code"
            if number == 5:
                columns.remove("address")
                columns.remove("level")
            if number == 9:
                columns.remove("apology")
            if number % 3 == 1:  # a different column order: applicant block after the dates
                personal = [
                    c for c in ("applicant", "id_number", "phone", "address") if c in columns
                ]
                columns = [c for c in columns if c not in personal] + personal
            dominant_date = ("cell", "text_time", "serial", "text_date")[number % 4] if fmt == "xlsx" else (
                "text_time", "text_date", "cell", "serial")[number % 4]  # fmt: skip
            dominant_unit = dirt.UNIT_VARIANTS[number % len(dirt.UNIT_VARIANTS)]
            title = [
                f"ỦY BAN NHÂN DÂN HUYỆN {active_table().district_name.upper()}",
                *(["BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"] if number % 2 else []),
                "DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
                f"Từ ngày {lo:%d/%m/%Y} đến ngày {hi:%d/%m/%Y}",
            ]
            specs.append(
                ExportSpec(
                    path=f"dossiers/xuat_hs_cum{g + 1:02d}_{lo:%Y%m%d}_{hi:%Y%m%d}.{fmt}",
                    fmt=fmt,
                    communes=tuple(group),
                    window=(lo, hi),
                    wording=_choose_wording(rng),
                    columns=tuple(columns),
                    date_mix=_mix(rng, dirt.DATE_ENCODINGS, dominant_date, 0.2),
                    unit_mix=_mix(rng, dirt.UNIT_VARIANTS, dominant_unit, 0.3),
                    csv_encoding=("utf-8", "utf-8-sig")[number % 2],
                    csv_sep=(",", ";", ",")[number % 3],
                    notes_sheet=fmt == "xlsx" and h == 1,
                    title_lines=tuple(title),
                )
            )
    return specs


def assign_exports(dossiers: pd.DataFrame, specs: list[ExportSpec]) -> pd.Series:
    """Index of the export that lists each dossier (by commune and intake date)."""
    where = pd.Series(-1, index=dossiers.index)
    day = dossiers["received_at"].dt.normalize()
    for i, spec in enumerate(specs):
        mask = dossiers["commune_code"].isin(spec.communes) & day.between(*spec.window)
        where[mask] = i
    return where


def plant_impossible_rows(
    rng: np.random.Generator, dossiers: pd.DataFrame, where: pd.Series, specs: list[ExportSpec]
) -> pd.DataFrame:
    """Extra rows that cannot be right, each with one defect and its reason; copies of random valid
    rows under new dossier numbers, so that the valid set is untouched."""
    planted = []
    n_valid = len(dossiers)
    has_due = np.array(["due" in s.has for s in specs])
    serial = 9000
    for reason, (rate, floor) in IMPOSSIBLE_RATES.items():
        k = max(floor, int(round(rate * n_valid)))
        eligible = (
            dossiers.index[has_due[where.to_numpy()]]
            if reason == "due_before_received"
            else dossiers.index
        )
        eligible = eligible[dossiers.loc[eligible, "completed_at"].notna().to_numpy()]
        rows = dossiers.loc[rng.choice(eligible, size=k, replace=False)].copy()
        rows["export"] = where.loc[rows.index].to_numpy()
        rows["reason"] = reason
        rows["received_override"] = None
        rows["unit_override"] = None
        back = pd.to_timedelta(rng.integers(1, 10, k), unit="D")
        if reason == "completed_before_received":
            rows["completed_at"] = rows["received_at"].dt.normalize() - back + pd.Timedelta(hours=9)
            rows["returned_at"] = rows["returned_at"].where(
                rows["returned_at"].isna(), rows["completed_at"]
            )
        elif reason == "due_before_received":
            rows["due_at"] = rows["received_at"] - back
        elif reason == "unparseable_received_date":
            rows["received_override"] = rng.choice(dirt.UNPARSEABLE_DATES, size=k)
        elif reason == "missing_received_date":
            rows["received_override"] = ""
        elif reason == "unit_outside_district":
            rows["unit_override"] = rng.choice(dirt.OUTSIDE_UNITS, size=k)
        elif reason == "district_as_unit":
            rows["unit_override"] = rng.choice(dirt.district_as_unit(), size=k)
        serials = np.arange(serial, serial + k)
        serial += k
        rows["dossier_id"] = rows["dossier_id"].str[:-4] + pd.Series(
            serials, index=rows.index
        ).astype(str)
        planted.append(rows)
    return pd.concat(planted).reset_index(drop=True)


def render_rows(rng: np.random.Generator, rows: pd.DataFrame, spec: ExportSpec) -> pd.DataFrame:
    """Cell values of the rows as this export writes them (canonical column keys, no STT)."""
    n = len(rows)
    for_csv = spec.fmt == "csv"
    out = pd.DataFrame(index=rows.index)
    out["dossier_id"] = rows["dossier_id"]
    out["procedure"] = rows["procedure"]
    out["field"] = rows["field"]
    variants = rng.choice(
        list(spec.unit_mix),
        size=n,
        p=np.array(list(spec.unit_mix.values())) / sum(spec.unit_mix.values()),
    )
    out["unit"] = dirt.write_units(
        rows["commune_name"], rows["unit_type"], pd.Series(variants, index=rows.index)
    )
    out["applicant"] = rows["applicant"]
    out["id_number"] = rows["id_number"]
    out["phone"] = rows["phone"]
    out["address"] = rows["address"]
    out["channel"] = rows["channel"].map(dirt.CHANNEL_TEXT)
    code = rows["channel"].map(dirt.CHANNEL_CODE)
    out["channel_code"] = code.astype(str) if for_csv else code.astype(object)
    classes = params.online_classes(rows["online_level"], rows["received_at"])
    out["level"] = classes.map(ONLINE_CLASS_TEXT).fillna("")
    p = np.array(list(spec.date_mix.values()))
    for key, column in (
        ("received", "received_at"),
        ("due", "due_at"),
        ("completed", "completed_at"),
        ("returned", "returned_at"),
    ):
        encodings = rng.choice(list(spec.date_mix), size=n, p=p / p.sum())
        out[key] = dirt.write_dates(rows[column], encodings, for_csv)
    out["status"] = rows["status_vi"]
    out["officer"] = rows["officer_name"]
    letter = rows["apology_letter"]
    out["apology"] = np.where(letter.isna(), None, np.where(letter.fillna(False), "Có", "Không"))
    if "received_override" in rows:
        override = rows["received_override"].notna()
        out.loc[override, "received"] = rows.loc[override, "received_override"].replace("", None)
    if "unit_override" in rows:
        override = rows["unit_override"].notna()
        out.loc[override, "unit"] = rows.loc[override, "unit_override"]
    return out.astype(object).where(out.notna(), None)


def conflicting_copies(
    rng: np.random.Generator, dossiers: pd.DataFrame, catalogue: pd.DataFrame, k: int
) -> pd.DataFrame:
    """Copies of resolved dossiers with one thing changed: another procedure of the same field, or a
    completion two working days later (as when a record is edited between two exports)."""
    resolved = dossiers.index[
        (dossiers["status_vi"] == "Đã trả kết quả") & (dossiers["completed_at"].dt.month < 12)
    ]
    rows = dossiers.loc[rng.choice(resolved, size=k, replace=False)].copy()
    change = np.where(np.arange(k) % 2 == 0, "procedure", "completed_at")
    for i, (index, row) in enumerate(rows.iterrows()):
        if change[i] == "procedure":
            options = catalogue.loc[
                (catalogue["field"] == row["field"]) & (catalogue["procedure"] != row["procedure"]),
                "procedure",
            ]
            if len(options):
                rows.at[index, "procedure"] = options.iloc[int(rng.integers(0, len(options)))]
                continue
            change[i] = "completed_at"
        rows.at[index, "completed_at"] = row["completed_at"] + pd.Timedelta(days=2)
        rows.at[index, "returned_at"] = max(
            row["returned_at"], row["completed_at"] + pd.Timedelta(days=2)
        )
    rows["conflict"] = change
    return rows


def layout_body(
    rng: np.random.Generator, cells: pd.DataFrame, spec: ExportSpec, order_key: pd.DataFrame
) -> tuple[np.ndarray, pd.Series, dict]:
    """Data rows in export order with an STT, a blank row between communes and a few stray blank
    rows, then a blank row and the total row. Returns the grid, each row's offset in it, counts."""
    order = order_key.sort_values(
        ["commune_code", "received_at", "dossier_id"], kind="stable"
    ).index
    n = len(order)
    communes = order_key.loc[order, "commune_code"].to_numpy()
    blank_before = np.zeros(n, dtype=bool)
    blank_before[1:] = communes[1:] != communes[:-1]
    if n:
        blank_before[rng.choice(n, size=max(1, n // 2500), replace=False)] = True
        blank_before[0] = False
    offsets = np.arange(n) + np.cumsum(blank_before)
    width = len(spec.columns)
    grid = np.full((n + int(blank_before.sum()) + 2, width), None, dtype=object)
    stt = np.arange(1, n + 1)
    grid[offsets, 0] = stt.astype(str) if spec.fmt == "csv" else stt.astype(object)
    columns = [c for c in spec.columns if c != "stt"]
    grid[offsets, 1:] = cells.loc[order, columns].to_numpy(dtype=object)
    grid[-1, min(1, width - 1)] = f"Tổng cộng: {n} hồ sơ"
    counts = {"blank_rows": int(blank_before.sum()) + 1, "total_rows": 1}
    return grid, pd.Series(offsets, index=order), counts


def frame_grid(spec: ExportSpec, body: np.ndarray) -> tuple[np.ndarray, int]:
    """Title block, a blank row, the header row, then the body. Returns rows and the header's row number."""
    width = len(spec.columns)
    top = np.full((len(spec.title_lines) + 2, width), None, dtype=object)
    top[: len(spec.title_lines), 0] = spec.title_lines
    top[-1] = [spec.wording[c] for c in spec.columns]
    return np.vstack([top, body]), len(top)


def write_export(grid: np.ndarray, spec: ExportSpec, out_dir: Path) -> None:
    """Write the grid as xlsx (openpyxl write-only, optional 'Ghi chú' sheet) or csv."""
    target = out_dir / spec.path
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Danh sách hồ sơ")
        for row in grid.tolist():
            sheet.append(row)
        if spec.notes_sheet:
            notes = book.create_sheet("Ghi chú")
            notes.append(
                ["Dữ liệu trích xuất từ Hệ thống thông tin giải quyết thủ tục hành chính."]
            )
            notes.append(["Ngày hẹn trả tính theo ngày làm việc."])
        book.save(target)
        return
    frame = pd.DataFrame(grid, dtype=object)
    frame.to_csv(
        target,
        sep=spec.csv_sep,
        header=False,
        index=False,
        encoding=spec.csv_encoding,
        lineterminator="\r\n",
    )


def reexport_spec(rng: np.random.Generator, source: ExportSpec, month: pd.Period) -> ExportSpec:
    """A later re-export of one month of a csv export: same columns, its own header wording."""
    lo, hi = month.start_time, month.end_time.normalize()
    return replace(
        source,
        path=f"dossiers/xuat_lai_hs_thang{month.month:02d}_{month.year}.csv",
        wording=_choose_wording(rng),
        window=(lo, hi),
        csv_encoding="utf-8-sig",
        csv_sep=";",
        title_lines=(
            f"ỦY BAN NHÂN DÂN HUYỆN {active_table().district_name.upper()}",
            "DANH SÁCH HỒ SƠ (XUẤT LẠI)",
            f"Từ ngày {lo:%d/%m/%Y} đến ngày {hi:%d/%m/%Y}",
        ),
        kind="reexport",
        counts={},
    )
