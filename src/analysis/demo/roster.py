"""The one-stop desk roster: posts per commune, who held them, and when they changed hands.

Vacancies (an officer leaves, the post stays empty for some weeks) and rotations (luân chuyển:
a dedicated officer replaced at once by a concurrent one, or the reverse) happen at
commune-specific times, so officer-days and the concurrent share vary within each commune.
At most one post of a commune is ever vacant, so every desk keeps somebody on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from analysis.demo import params
from analysis.demo.dirt import write_units
from analysis.demo.people import draw_full_names, draw_phone_numbers
from analysis.reference.calendar import working_days
from analysis.reference.units import active_table

POST_TITLES = (
    "Công chức Tư pháp - Hộ tịch",
    "Công chức Địa chính - Xây dựng",
    "Công chức Văn hóa - Xã hội",
    "Công chức Văn phòng - Thống kê",
)


def _working_day_after(days: pd.DatetimeIndex, day: pd.Timestamp, steps: int) -> pd.Timestamp:
    position = int(days.searchsorted(day, side="right")) + steps - 1
    return days[min(position, len(days) - 1)]


def plan_roster(
    rng: np.random.Generator, communes: pd.DataFrame, start: str, end: str
) -> pd.DataFrame:
    """Officer spells: commune_code, officer_id, post, title, is_concurrent, start_date, end_date, event."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    days = working_days(saturday_counts=params.SATURDAY_COUNTS)
    period_days = days[(days >= first) & (days <= last)]
    # events fall between the 10th and the 85th percentile of the period's working days
    window = period_days[int(len(period_days) * 0.1) : int(len(period_days) * 0.85)]
    rows = []
    for commune in communes.itertuples(index=False):
        desk = int(commune.desk_size)
        concurrent_posts = set(rng.permutation(desk)[: int(commune.concurrent_positions)].tolist())
        spells = []
        for post in range(desk):
            hired = first - pd.Timedelta(days=int(rng.integers(60, 9 * 365)))
            spells.append(
                {
                    "post": post,
                    "title": POST_TITLES[post],
                    "is_concurrent": post in concurrent_posts,
                    "start_date": hired,
                    "end_date": pd.NaT,
                    "event": "in_post",
                }
            )
        forced = bool(commune.seed_named_late)
        do_rotation = forced or rng.random() < params.EVENT_PROBABILITY["rotation"]
        do_vacancy = forced or rng.random() < params.EVENT_PROBABILITY["vacancy"]
        posts = rng.permutation(desk).tolist()
        if forced:  # the one dedicated post is rotated to a concurrent officer early in the year
            dedicated = [p for p in range(desk) if p not in concurrent_posts]
            posts = dedicated + [p for p in posts if p not in dedicated]
        if do_rotation:
            post = posts[0]
            cut = window[: len(window) // 2] if forced else window
            leave = cut[int(rng.integers(0, len(cut)))]
            current = spells[post]
            current["end_date"] = leave
            spells.append(
                {
                    **current,
                    "is_concurrent": True if forced else not current["is_concurrent"],
                    "start_date": _working_day_after(days, leave, 1),
                    "end_date": pd.NaT,
                    "event": "rotation",
                }
            )
        if do_vacancy:
            post = posts[1] if do_rotation else posts[0]
            leave = window[int(rng.integers(0, len(window)))]
            low, high = params.VACANCY_WORKING_DAYS_RANGE
            gap = int(rng.integers(low, high + 1)) * (2 if forced else 1)
            current = spells[post]
            current["end_date"] = leave
            back = _working_day_after(days, leave, gap + 1)
            if back <= last:
                spells.append(
                    {**current, "start_date": back, "end_date": pd.NaT, "event": "after_vacancy"}
                )
        for number, spell in enumerate(spells):
            rows.append(
                {
                    "commune_code": commune.commune_code,
                    "officer_id": f"{commune.commune_code}-{number}",
                    **spell,
                }
            )
    roster = pd.DataFrame(rows)
    roster["start_date"] = pd.to_datetime(roster["start_date"])
    roster["end_date"] = pd.to_datetime(roster["end_date"])
    return roster


def name_officers(rng: np.random.Generator, roster: pd.DataFrame) -> pd.DataFrame:
    """Give every officer a distinct full name and a phone number (personal data of the roster)."""
    names = pd.Series(dtype=object)
    while names.nunique() < len(roster):
        names = pd.concat([names, draw_full_names(rng, len(roster))]).drop_duplicates()
    named = roster.copy()
    named["officer_name"] = names.iloc[: len(roster)].to_numpy()
    named["officer_phone"] = draw_phone_numbers(rng, len(roster)).to_numpy()
    return named


ROSTER_HEADER = (
    "STT", "Họ và tên", "Đơn vị", "Chức danh", "Hình thức bố trí", "Ngày bắt đầu", "Ngày kết thúc", "Số điện thoại",
)  # fmt: skip
ROSTER_UNIT_VARIANTS = ("ubnd", "typed", "ubnd", "abbreviated", "old_tone")


def write_roster(
    rng: np.random.Generator, roster: pd.DataFrame, communes: pd.DataFrame, path: Path, year: int
) -> int:
    """The roster as the district's personnel office keeps it (xlsx, title block, date cells with
    some typed-in dates); returns the header's row number."""
    table = roster.merge(
        communes[["commune_code", "name", "unit_type"]], on="commune_code", how="left"
    )
    table = table.sort_values(
        ["commune_code", "start_date", "officer_id"], kind="stable"
    ).reset_index(drop=True)
    variants = pd.Series(rng.choice(ROSTER_UNIT_VARIANTS, size=len(table)))
    units = write_units(table["name"], table["unit_type"], variants)
    typed = rng.random(len(table)) < 0.15

    def dates(values: pd.Series) -> list:
        cells = values.astype(object).where(values.notna(), None)
        text = values.dt.strftime("%d/%m/%Y")
        return cells.where(~typed | values.isna(), text).tolist()

    rows = zip(
        range(1, len(table) + 1),
        table["officer_name"],
        units,
        table["title"],
        np.where(table["is_concurrent"], "Kiêm nhiệm", "Chuyên trách"),
        dates(table["start_date"]),
        dates(table["end_date"]),
        table["officer_phone"],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cán bộ một cửa")
    title = (
        f"ỦY BAN NHÂN DÂN HUYỆN {active_table().district_name.upper()}",
        "DANH SÁCH CÔNG CHỨC LÀM VIỆC TẠI BỘ PHẬN MỘT CỬA CẤP XÃ",
        f"Năm {year}",
    )
    for line in title:
        sheet.append([line])
    sheet.append([])
    sheet.append(list(ROSTER_HEADER))
    for row in rows:
        sheet.append([v.item() if isinstance(v, np.generic) else v for v in row])
    book.save(path)
    return len(title) + 2
