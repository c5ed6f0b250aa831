"""The declared contract of every Parquet table `clean` writes: one `Column` entry per column.

`clean` validates each table against it before writing (`validate`), readers may trust it, and
the column tables of `docs/data_dictionary.md` are generated from it (`render`;
`python -m analysis.ingest.dictionary` rewrites them, `tests/test_ingest_dictionary.py` checks
that the file holds exactly the generated text).

To add a column: add its `Column` here (in output order), write the code that fills it, and
run `python -m analysis.ingest.dictionary` (see docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DICTIONARY = Path(__file__).resolve().parents[3] / "docs" / "data_dictionary.md"
# pandas dtype of each declared type as read back from Parquet ("string" is any string dtype)
_CHECK = {
    "string": pd.api.types.is_string_dtype,
    "datetime64[ns]": lambda d: str(d) == "datetime64[ns]",
    "bool": lambda d: str(d) == "bool",
    "boolean": lambda d: str(d) == "boolean",
    "int64": lambda d: str(d) == "int64",
    "Int64": lambda d: str(d) == "Int64",
}
_ENUMERATION = re.compile(r"`[^`]+`(?: \\\| `[^`]+`)+")


class ContractError(Exception):
    """A table does not match its contract (a bug in the code filling it, not in the data)."""


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # pandas dtype as read back: string, datetime64[ns], bool, boolean, int64, Int64
    nullable: bool
    values: str  # unit or allowed values, as documented; a pure `a` \| `b` list is checked
    doc: str  # meaning
    source: str  # the raw columns (typical header wordings) or "derived"

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The allowed values when `values` is exactly a list of them (`a` \\| `b`)."""
        if not _ENUMERATION.fullmatch(self.values):
            return None
        return tuple(re.findall(r"`([^`]+)`", self.values))


@dataclass(frozen=True)
class Table:
    file: str
    columns: list[Column]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _where_from(file_doc: str, row_doc: str) -> list[Column]:
    """source_file and source_row: the raw file and row each output row came from."""
    return [
        Column("source_file", "string", False, "path relative to the raw folder", file_doc, ""),
        Column("source_row", "int64", False, "1-based", row_doc, ""),
    ]


DOSSIERS = Table(
    "dossiers.parquet",
    [
        Column(
            "dossier_id",
            "string",
            nullable=False,
            values="NFC, trimmed, spaces collapsed",
            doc="the system's dossier number; unique in the table",
            source="Mã hồ sơ, Số hồ sơ, Mã số hồ sơ, Mã HS, Dossier ID; Số biên nhận only when no dossier-number column exists",
        ),
        Column(
            "commune_code",
            "string",
            nullable=False,
            values='5-digit GSO code (`"09640"`) of a unit existing on `received_at`',
            doc="receiving unit; resolved through prefixes, case, NFC/NFD, tone placement, missing diacritics, aliases and margin-guarded fuzzy matching; the district itself and units outside it are never guessed (quarantine)",
            source="Đơn vị tiếp nhận, Cơ quan tiếp nhận, Nơi tiếp nhận, Bộ phận tiếp nhận, Receiving agency",
        ),
        Column(
            "unit_resolution",
            "string",
            nullable=False,
            values="`exact` \\| `alias` \\| `code` \\| `fuzzy` \\| `via_crosswalk`",
            doc='how the written unit was matched; `via_crosswalk`: the name of a unit gone in the 2025 reorganisation ("Xã Tản Hồng" in 08/2025), followed through `reference/data/crosswalk_2025.csv` to the one unit it became by `received_at`. A unit divided between two new xã cannot be followed and is quarantined with a reason naming the parts',
            source="Đơn vị tiếp nhận (as for `commune_code`)",
        ),
        Column(
            "procedure",
            "string",
            nullable=True,
            values="NFC; a catalogue entry or `Thủ tục khác`",
            doc="name of the administrative procedure, kept only when it is in the procedure catalogue (`procedure_deadlines.csv`, or seen in ≥ 3 communes); any other text becomes the catalogue entry it starts with, else `Thủ tục khác` (personal data, see `docs/data_contract.md`)",
            source="Tên thủ tục, Thủ tục hành chính, Tên TTHC",
        ),
        Column(
            "field",
            "string",
            nullable=True,
            values="NFC, canonical capitalisation (`Hộ tịch`, `Chứng thực`, `Đất đai` ...) or `Lĩnh vực khác`",
            doc="lĩnh vực; the same catalogue rule as `procedure` (known fields, or seen in ≥ 3 communes)",
            source="Lĩnh vực, Lĩnh vực TTHC",
        ),
        Column(
            "channel",
            "string",
            nullable=False,
            values="`online` \\| `in_person` \\| `postal`",
            doc='how the dossier was submitted; national codes KenhThucHien 1 = in person, 2 = online, 3 = postal (BCCI); words such as "VNeID", "Cổng dịch vụ công", "DVC trực tuyến", "Online" → online, "Walk-in", "Tại bộ phận một cửa" → in person, "Bưu điện", "Qua dịch vụ bưu chính" → postal. When the export has no channel column but an online mark column (`online_flag`), a marked cell (x, X, có, 1, ✓) is `online` and a blank one (or 0, không) `in_person`; any other mark is quarantined as `unknown channel`',
            source="Hình thức nộp, Kênh thực hiện, Kênh nộp, Hình thức tiếp nhận, Phương thức tiếp nhận, Submission channel; else the mark column Nộp trực tuyến (x), Hồ sơ trực tuyến, Trực tuyến, Online",
        ),
        Column(
            "online_level",
            "string",
            nullable=True,
            values="`level_2` \\| `level_3` \\| `level_4` (Nghị định 43/2011) \\| `full_online` \\| `partial_online` (Nghị định 42/2022)",
            doc="service level where the export has it; old and new levels are not mapped onto each other",
            source="Mức độ, Mức độ DVC",
        ),
        Column(
            "received_at",
            "datetime64[ns]",
            nullable=False,
            values="local time (no zone)",
            doc="intake (date cells, Excel serials, day-first text; never month-first)",
            source="Ngày tiếp nhận, Ngày nhận, Thời điểm tiếp nhận, Thời gian nhận hồ sơ, Received date",
        ),
        Column(
            "due_at",
            "datetime64[ns]",
            nullable=False,
            values="local time",
            doc="appointment (ngày hẹn trả); computed when absent (see next column)",
            source="Ngày hẹn trả, Hẹn trả kết quả, Hạn xử lý, Hạn trả kết quả, Hạn giải quyết, Due date, Deadline",
        ),
        Column(
            "due_at_computed",
            "bool",
            nullable=False,
            values="",
            doc='True when the export had no appointment and it was computed: the procedure\'s working days (from a "Số ngày giải quyết" column, else the most common deadline of the same procedure in exports that do have appointments, else `src/analysis/ingest/procedure_deadlines.csv`) added to intake with the Vietnam holiday calendar (`--saturday-counts` makes Saturdays count)',
            source="(Số ngày giải quyết, Tên thủ tục)",
        ),
        Column(
            "completed_at",
            "datetime64[ns]",
            nullable=True,
            values="local time",
            doc="end of processing for finished dossiers: result date, else return date; null while unfinished",
            source="Ngày có kết quả, Ngày hoàn thành, Ngày kết thúc xử lý, Ngày xử lý xong, Completion date; else Ngày trả kết quả",
        ),
        Column(
            "returned_at",
            "datetime64[ns]",
            nullable=True,
            values="local time",
            doc="result handed to the citizen",
            source="Ngày trả kết quả, Ngày trả KQ",
        ),
        Column(
            "status",
            "string",
            nullable=False,
            values="`resolved` \\| `pending` \\| `awaiting_supplement` \\| `refused` \\| `withdrawn`",
            doc='from the status wording ("Đã trả kết quả"/"Đã có kết quả"/"Chờ trả kết quả"/"Đã có kết quả, chờ trả" → resolved, since the result exists and only its hand-over is left; "Đang xử lý" → pending; "Chờ bổ sung" → awaiting_supplement; "Từ chối", "Trả lại (hồ sơ)", "Rejected" → refused; "Rút hồ sơ" and "Dừng xử lý"/"Ngừng giải quyết" → withdrawn, processing ended without a result, which for lateness counts like a withdrawal, while a pause, "Tạm dừng xử lý", stays pending); unknown or missing wording: resolved if a result/return date exists, else pending',
            source="Trạng thái, Tình trạng, Tình trạng hồ sơ, Kết quả xử lý, Status",
        ),
        Column(
            "outcome",
            "string",
            nullable=False,
            values="`early` \\| `on_time` \\| `late` \\| `pending_in_time` \\| `pending_overdue`",
            doc="by calendar day: finished dossiers compare `completed_at` with `due_at`; unfinished ones are overdue when `as_of` is after `due_at` (Thông tư 01/2020/TT-VPCP, Biểu 06)",
            source="derived",
        ),
        Column(
            "is_late",
            "boolean",
            nullable=True,
            values="",
            doc="True for `late`, False for `early`/`on_time`, null while unfinished",
            source="derived",
        ),
        Column(
            "apology_letter",
            "boolean",
            nullable=True,
            values="",
            doc="Thư xin lỗi (phiếu xin lỗi và hẹn lại ngày trả kết quả) where the export has it",
            source="Thư xin lỗi, Phiếu xin lỗi",
        ),
        Column(
            "officer_id",
            "string",
            nullable=True,
            values="`off_` + 10 hex",
            doc="pseudonymous officer: HMAC-SHA256 of the folded name with the local secret (`.local/pseudonym_secret`, created on first run, git-ignored); the same name gives the same id in dossiers and roster",
            source="Cán bộ xử lý, Người xử lý, Cán bộ thụ lý, Người tiếp nhận, Chuyên viên thụ lý, Handled by",
        ),
        Column(
            "as_of",
            "datetime64[ns]",
            nullable=False,
            values="a day (00:00)",
            doc='end of the export\'s period from its title ("... đến ngày 31/12/2021"), else the latest date in the file',
            source="title block",
        ),
        *_where_from(
            "which export the row came from",
            "the row number a person sees in the spreadsheet (title and header rows included)",
        ),
    ],
)

OFFICERS = Table(
    "officers.parquet",
    [
        Column(
            "officer_id",
            "string",
            nullable=False,
            values="`off_` + 10 hex",
            doc="same keyed hash as `dossiers.officer_id`",
            source="Họ và tên, Họ tên",
        ),
        Column(
            "commune_code",
            "string",
            nullable=False,
            values="5-digit GSO code",
            doc="the unit the officer works for (resolved as for dossiers, on the start date)",
            source="Đơn vị, Đơn vị công tác",
        ),
        Column(
            "title",
            "string",
            nullable=True,
            values="NFC",
            doc='civil-servant title (e.g. "Công chức Tư pháp - Hộ tịch")',
            source="Chức danh, Chức vụ",
        ),
        Column(
            "is_concurrent",
            "boolean",
            nullable=False,
            values="",
            doc="True = kiêm nhiệm (desk work alongside a main job), False = chuyên trách",
            source="Hình thức bố trí",
        ),
        Column(
            "start_date",
            "datetime64[ns]",
            nullable=True,
            values="day",
            doc="first day on the desk",
            source="Ngày bắt đầu, Từ ngày",
        ),
        Column(
            "end_date",
            "datetime64[ns]",
            nullable=True,
            values="day",
            doc="last day on the desk; null = still there",
            source="Ngày kết thúc, Đến ngày",
        ),
        *_where_from("", "spreadsheet row"),
    ],
)

MEETINGS = Table(
    "meetings.parquet",
    [
        Column(
            "meeting_id",
            "string",
            nullable=False,
            values="`mtg_YYYYMMDD` (`_2`, `_3` for further meetings that day); report-only meetings keep the id of `analysis.meetings.extract`",
            doc="key shared with `meeting_mentions.meeting_id`",
            source="Ngày họp",
        ),
        Column(
            "meeting_date",
            "datetime64[ns]",
            nullable=False,
            values="day",
            doc="date of the meeting",
            source="Ngày họp",
        ),
        Column(
            "title",
            "string",
            nullable=True,
            values="NFC",
            doc="",
            source="Tên cuộc họp, Nội dung",
        ),
        Column(
            "chair_role",
            "string",
            nullable=True,
            values='role words only ("Phó Chủ tịch UBND huyện"); names are removed',
            doc="who chaired, as a role",
            source="Chủ trì",
        ),
        Column(
            "format",
            "string",
            nullable=True,
            values="`online` \\| `in_person` \\| `both`",
            doc="",
            source="Hình thức",
        ),
        Column(
            "connection_points",
            "Int64",
            nullable=True,
            values="count",
            doc="điểm cầu connected",
            source="Số điểm cầu",
        ),
        Column(
            "opinions",
            "Int64",
            nullable=True,
            values="count",
            doc="opinions voiced",
            source="Số ý kiến phát biểu",
        ),
        Column(
            "source_file",
            "string",
            nullable=False,
            values="path relative to the raw or meetings folder",
            doc="",
            source="",
        ),
        Column(
            "source_row",
            "Int64",
            nullable=True,
            values="1-based",
            doc="register row; null for a meeting known only from a report",
            source="",
        ),
    ],
)

MEETING_MENTIONS = Table(
    "meeting_mentions.parquet",
    [
        Column(
            "meeting_id",
            "string",
            nullable=False,
            values="see meetings.parquet",
            doc="the meeting",
            source="report date",
        ),
        Column(
            "meeting_date",
            "datetime64[ns]",
            nullable=False,
            values="day",
            doc="",
            source="report text",
        ),
        Column(
            "source_file",
            "string",
            nullable=False,
            values="path relative to the raw or meetings folder",
            doc="the report (.txt/.docx)",
            source="",
        ),
        Column(
            "commune_code",
            "string",
            nullable=False,
            values="5-digit GSO code",
            doc="the commune the sentence is about",
            source="report text",
        ),
        Column(
            "commune_name",
            "string",
            nullable=False,
            values="NFC",
            doc="its name as officials write it",
            source="report text",
        ),
        Column(
            "topic",
            "string",
            nullable=False,
            values="`late_dossiers`, `online_services`, `document_software`, `commune_website`, `officer_arrangement`, `citizen_reception`, `saturday_service`, `digitization`, `communication`, `plan_execution` (see meetings lexicon)",
            doc="what was judged",
            source="report text",
        ),
        Column(
            "polarity",
            "string",
            nullable=False,
            values="`positive` \\| `negative` (see `docs/meeting_extraction.md`)",
            doc="direction of the judgement",
            source="report text",
        ),
        Column(
            "evidence",
            "string",
            nullable=False,
            values="NFC",
            doc="the sentence or clause the mention rests on, with names, phones, e-mails, ID numbers and addresses masked (`analysis.privacy`)",
            source="report text",
        ),
    ],
)

TABLES = {t.file: t for t in (DOSSIERS, OFFICERS, MEETINGS, MEETING_MENTIONS)}


def validate(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The frame itself when it matches the contract: columns in order, dtypes, no missing value
    where none is allowed, enumerated values only; else ContractError naming what differs.
    An empty table (no roster, no register) is given the declared dtypes first."""
    if not len(frame) and list(frame.columns) == table.names:
        frame = frame.astype(
            {
                c.name: pd.StringDtype("pyarrow") if c.dtype == "string" else c.dtype
                for c in table.columns
            }
        )
    if list(frame.columns) != table.names:
        raise ContractError(f"{table.file}: columns {list(frame.columns)} != {table.names}")
    for column in table.columns:
        values = frame[column.name]
        if not _CHECK[column.dtype](values.dtype):
            raise ContractError(
                f"{table.file}: {column.name} is {values.dtype}, not {column.dtype}"
            )
        if not column.nullable and values.isna().any():
            raise ContractError(f"{table.file}: {column.name} has missing values")
        allowed = column.allowed
        if allowed is not None:
            extra = {v for v in values.unique() if not pd.isna(v)} - set(allowed)  # no copy
            if extra:
                raise ContractError(f"{table.file}: {column.name} holds {sorted(extra)[:5]}")
    return frame


def render(table: Table) -> str:
    """The Markdown table of `docs/data_dictionary.md` for one file."""
    lines = [
        "| column | type | unit / allowed values | meaning | raw columns |",
        "|---|---|---|---|---|",
    ]
    for c in table.columns:
        cells = [f"`{c.name}`", c.dtype + (", nullable" if c.nullable else ""), c.values, c.doc]
        lines.append("|" + "|".join(f" {x} " if x else " " for x in [*cells, c.source]) + "|")
    return "\n".join(lines) + "\n"


def documented_table(text: str, file: str) -> str:
    """The column table under `## <file>` in the dictionary's text."""
    section = text.split(f"## {file}\n", 1)[1].split("\n## ", 1)[0]
    start = section.index("| column |")
    end = section.find("\n\n", start)
    return section[start : end + 1 if end >= 0 else len(section)]
