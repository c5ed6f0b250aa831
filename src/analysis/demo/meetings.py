"""The district's register of CCHC meetings: the real one of 12/10/2021 (the seed report: online,
31 connection points, 17 opinions, chaired by the Phó Chủ tịch UBND huyện) and plausible others.

Chairs are recorded by role only: officials' names are personal data in our outputs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REGISTER_HEADER = (
    "Ngày họp",
    "Tên cuộc họp",
    "Chủ trì",
    "Hình thức",
    "Số điểm cầu",
    "Số ý kiến phát biểu",
)
VICE_CHAIR = "Phó Chủ tịch UBND huyện"
CHAIR = "Chủ tịch UBND huyện"

# 2021: what the seed report and Kế hoạch 198 of 21/6/2021 imply; only 12/10 is attested
MEETINGS_2021 = [
    ("2021-01-22", "Hội nghị tổng kết công tác cải cách hành chính năm 2020, triển khai nhiệm vụ năm 2021", CHAIR, "Trực tiếp", None, 12),
    ("2021-04-13", "Giao ban công tác cải cách hành chính quý I năm 2021", VICE_CHAIR, "Trực tiếp kết hợp trực tuyến", 31, 9),
    ("2021-06-25", "Hội nghị triển khai Kế hoạch 198/KH-UBND ngày 21/6/2021 về nâng cao chất lượng công tác cải cách hành chính năm 2021 và những năm tiếp theo", VICE_CHAIR, "Trực tiếp kết hợp trực tuyến", 31, 11),
    ("2021-07-21", "Sơ kết công tác cải cách hành chính 6 tháng đầu năm 2021", VICE_CHAIR, "Trực tuyến", 31, 8),
    ("2021-10-12", "Họp trực tuyến đánh giá kết quả triển khai Kế hoạch 198 về nâng cao chất lượng công tác cải cách hành chính năm 2021, triển khai nhiệm vụ trọng tâm 3 tháng cuối năm", VICE_CHAIR, "Trực tuyến", 31, 17),
    ("2021-12-16", "Giao ban công tác cải cách hành chính quý IV, chuẩn bị tự đánh giá chỉ số cải cách hành chính năm 2021", VICE_CHAIR, "Trực tiếp kết hợp trực tuyến", 31, 10),
]  # fmt: skip
# other years: the usual cycle of an annual review and quarterly briefings
GENERIC = [
    ("01-20", "Hội nghị tổng kết công tác cải cách hành chính năm {prev}, triển khai nhiệm vụ năm {year}", CHAIR, "Trực tiếp", None, 11),
    ("04-15", "Giao ban công tác cải cách hành chính quý I năm {year}", VICE_CHAIR, "Trực tiếp kết hợp trực tuyến", 31, 8),
    ("07-15", "Sơ kết công tác cải cách hành chính 6 tháng đầu năm {year}", VICE_CHAIR, "Trực tiếp kết hợp trực tuyến", 31, 9),
    ("10-14", "Giao ban công tác cải cách hành chính quý III năm {year}", VICE_CHAIR, "Trực tuyến", 31, 10),
]  # fmt: skip


def list_meetings(start: str, end: str) -> pd.DataFrame:
    """The register's rows for the meetings held within the period."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for year in range(first.year, last.year + 1):
        if year == 2021:
            rows += [(pd.Timestamp(d), t, c, f, p, o) for d, t, c, f, p, o in MEETINGS_2021]
        else:
            rows += [
                (pd.Timestamp(f"{year}-{md}"), t.format(year=year, prev=year - 1), c, f, p, o)
                for md, t, c, f, p, o in GENERIC
            ]
    table = pd.DataFrame(rows, columns=["date", "title", "chair", "format", "points", "opinions"])
    return table[table["date"].between(first, last)].reset_index(drop=True)


def write_meeting_register(meetings: pd.DataFrame, path: Path) -> None:
    """meeting_register.csv in UTF-8 with day-first dates, as the district office keeps it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = pd.DataFrame(
        {
            REGISTER_HEADER[0]: meetings["date"].dt.strftime("%d/%m/%Y"),
            REGISTER_HEADER[1]: meetings["title"],
            REGISTER_HEADER[2]: meetings["chair"],
            REGISTER_HEADER[3]: meetings["format"],
            REGISTER_HEADER[4]: meetings["points"].astype("Int64"),
            REGISTER_HEADER[5]: meetings["opinions"].astype("Int64"),
        }
    )
    out.to_csv(path, index=False, encoding="utf-8")
