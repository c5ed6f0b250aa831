"""Canonical columns and the many ways exports word their headers.

Header wording differs between one-stop-shop systems and versions, so headers are matched on
folded text (no diacritics, lower case, punctuation dropped) against synonyms: exactly first,
then as a contiguous run of words inside a longer header ("Ngày hẹn trả (dd/mm/yyyy)"), then
fuzzily for typos. Personal columns are recognised the same way and are never kept.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from analysis.text import fold

# canonical name -> folded synonyms (Vietnamese and English). Longest match wins across fields.
DOSSIER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "row_number": ("stt", "tt", "so tt", "so thu tu", "no", "#"),
    "dossier_id": (
        "ma ho so",
        "so ho so",
        "ma hs",
        "so hs",
        "ma so ho so",
        "ma ho so tthc",
        "so bien nhan",
        "ma bien nhan",
        "so phieu tiep nhan",
        "ma tiep nhan",
        "dossier id",
        "dossier code",
        "dossier number",
        "dossier no",
        "receipt no",
        "receipt number",
        "file code",
        "record id",
        "mahoso",
        "sohoso",
    ),
    "procedure": (
        "ten thu tuc",
        "thu tuc",
        "thu tuc hanh chinh",
        "ten thu tuc hanh chinh",
        "ten tthc",
        "tthc",
        "ten dich vu cong",
        "dich vu cong",
        "procedure",
        "procedure name",
        "tenthutuc",
    ),
    "field": ("linh vuc", "ten linh vuc", "linh vuc giai quyet", "field", "sector", "linhvuc"),
    "unit": (
        "don vi tiep nhan",
        "co quan tiep nhan",
        "don vi",
        "noi tiep nhan",
        "bo phan tiep nhan",
        "don vi thu ly",
        "receiving agency",
        "receiving office",
        "don vi xu ly",
        "co quan giai quyet",
        "don vi giai quyet",
        "co quan thuc hien",
        "don vi thuc hien",
        "xa thi tran",
        "xa",
        "ubnd xa",
        "ten don vi",
        "co quan",
        "receiving unit",
        "unit",
        "agency",
        "commune",
        "donvitiepnhan",
    ),
    "channel": (
        "nguon nop",
        "cach thuc nop",
        "hinh thuc nop",
        "kenh thuc hien",
        "kenh nop",
        "kenhthuchien",
        "hinh thuc tiep nhan",
        "phuong thuc nop",
        "phuong thuc tiep nhan",
        "phuong thuc nop ho so",
        "nop qua",
        "kenh",
        "hinh thuc nop ho so",
        "kenh tiep nhan",
        "nguon ho so",
        "hinh thuc",
        "channel",
        "submission channel",
    ),
    # a mark column ("Nộp trực tuyến (x)": x / có / 1 / ✓ = online, blank = in person), used for
    # the channel only when the export has no channel column
    "online_flag": (
        "nop truc tuyen",
        "nop truc tuyen x",
        "ho so truc tuyen",
        "ho so truc tuyen x",
        "ho so nop truc tuyen",
        "truc tuyen",
        "truc tuyen x",
        "nop online",
        "online",
        "submitted online",
        "online submission",
    ),
    "online_level": (
        "muc do",
        "muc do dvc",
        "muc do dich vu cong",
        "muc do dvctt",
        "loai dich vu cong",
        "dvc muc do",
        "muc do dvc truc tuyen",
        "online level",
        "service level",
    ),
    "received_at": (
        "tiep nhan",
        "ngay gio nop",
        "thoi diem tiep nhan",
        "ngay tiep nhan",
        "ngay nhan",
        "ngay nop",
        "thoi gian tiep nhan",
        "ngay tiep nhan ho so",
        "ngay nhan ho so",
        "ngay gio tiep nhan",
        "ngay gio nhan",
        "thoi gian nhan",
        "thoi gian nhan ho so",
        "submitted",
        "submission date",
        "date submitted",
        "ngay nop ho so",
        "received",
        "received at",
        "received date",
        "date received",
        "ngaytiepnhan",
    ),
    "due_at": (
        "hen tra ket qua",
        "hen tra ho so",
        "ngay hen tra ho so",
        "han tra",
        "hen tra kq",
        "ngay hen tra kq",
        "thoi han xu ly",
        "han hoan thanh",
        "ngay hen tra",
        "hen tra",
        "ngay hen tra ket qua",
        "han xu ly",
        "han giai quyet",
        "ngay hen",
        "han tra ket qua",
        "ngay het han",
        "thoi han tra ket qua",
        "due date",
        "due at",
        "appointment date",
        "deadline",
        "appointment",
        "ngayhentra",
    ),
    "processing_days": (
        "so ngay giai quyet",
        "thoi gian giai quyet",
        "thoi han giai quyet",
        "so ngay xu ly",
        "so ngay quy dinh",
        "processing days",
    ),
    "completed_at": (
        "co ket qua",
        "hoan thanh",
        "xu ly xong",
        "ngay ky duyet",
        "ngay ban hanh ket qua",
        "ngay co ket qua",
        "ngay hoan thanh",
        "ngay ket thuc xu ly",
        "ngay xu ly xong",
        "ngay giai quyet xong",
        "ngay ket thuc",
        "ngay hoan thanh xu ly",
        "ngay co kq",
        "ngay duyet",
        "completed",
        "completed at",
        "completion date",
        "date completed",
        "result date",
        "date of completion",
        "finished",
    ),
    "returned_at": (
        "tra ket qua",
        "tra kq",
        "ngay nhan ket qua",
        "nhan ket qua",
        "ngay tra thuc te",
        "ngay tra ket qua",
        "ngay tra",
        "ngay tra kq",
        "ngay tra ho so",
        "thoi gian tra ket qua",
        "returned",
        "returned at",
        "return date",
    ),
    "status": (
        "trang thai",
        "tinh trang",
        "trang thai ho so",
        "tinh trang xu ly",
        "tinh trang ho so",
        "trang thai xu ly",
        "ket qua xu ly",
        "status",
    ),
    "officer": (
        "can bo xu ly",
        "nguoi xu ly",
        "can bo thu ly",
        "chuyen vien thu ly",
        "nguoi thu ly",
        "chuyen vien xu ly",
        "can bo giai quyet",
        "can bo tiep nhan",
        "nguoi tiep nhan",
        "can bo",
        "officer",
        "handled by",
        "handling officer",
        "receiving officer",
    ),
    "ignore": (
        "hinh thuc tra ket qua",
        "hinh thuc nhan ket qua",
        "phuong thuc tra ket qua",
        "ngay cap",
        "noi cap",
        "ghi chu",
        "so to",
        "so trang",
        "so ban",
        "le phi",
        "phi le phi",
        "so tien",
        "ket qua giai quyet",
        "ly do",
        "ly do tre han",
        "ly do qua han",
        "so ngay tre han",
        "so ngay qua han",
        "qua han",
        "tre han",
        "ngay yeu cau bo sung",
        "ngay bo sung",
        "ngay chuyen",
        "buoc xu ly",
        "nguoi ky",
        "lanh dao ky",
        "notes",
        "note",
        "remarks",
        "fee",
        "fees",
    ),  # fmt: skip
    "apology_letter": (
        "thu xin loi",
        "phieu xin loi",
        "xin loi",
        "phieu xin loi va hen lai ngay tra ket qua",
        "van ban xin loi",
        "apology",
        "apology letter",
    ),
}

# Personal data (Nghị định 13/2023/NĐ-CP): recognised so they are dropped on reading.
PERSONAL_SYNONYMS: tuple[str, ...] = (
    "chu ho so",
    "ho ten",
    "ho va ten",
    "ten nguoi nop",
    "nguoi nop",
    "nguoi nop ho so",
    "ten cong dan",
    "cong dan",
    "to chuc ca nhan",
    "ten to chuc ca nhan",
    "nguoi dung ten",
    "nguoi dai dien",
    "so cccd",
    "cmnd",
    "cccd",
    "so cmnd",
    "so giay to",
    "giay to tuy than",
    "can cuoc",
    "so dinh danh",
    "dien thoai",
    "so dien thoai",
    "sdt",
    "so dt",
    "dt",
    "email",
    "thu dien tu",
    "dia chi",
    "noi thuong tru",
    "noi cu tru",
    "ngay sinh",
    "gioi tinh",
    "ho chieu",
    "so ho chieu",
    "di dong",
    "noi o",
    "que quan",
    "nam sinh",
    "ma so thue",
    "applicant",
    "citizen",
    "name",
    "full name",
    "phone",
    "address",
    "id number",
    "date of birth",
    "e mail",
    "mobile",
)

ROSTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "row_number": DOSSIER_SYNONYMS["row_number"],
    "name": ("ho va ten", "ho ten", "ten can bo", "can bo", "ten", "full name", "name", "officer"),
    "unit": (
        "don vi",
        "don vi cong tac",
        "co quan",
        "xa thi tran",
        "xa",
        "noi cong tac",
        "unit",
        "commune",
    ),
    "title": ("chuc danh", "chuc vu", "vi tri", "vi tri viec lam", "title", "position"),
    "arrangement": (
        "hinh thuc bo tri",
        "bo tri",
        "hinh thuc",
        "kiem nhiem",
        "loai bo tri",
        "che do",
        "arrangement",
    ),
    "start_date": ("ngay bat dau", "tu ngay", "ngay bo tri", "bat dau", "start date", "start"),
    "end_date": ("ngay ket thuc", "den ngay", "ket thuc", "ngay thoi bo tri", "end date", "end"),
}

REGISTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "row_number": DOSSIER_SYNONYMS["row_number"],
    "meeting_date": ("ngay hop", "ngay", "thoi gian", "ngay to chuc", "date", "meeting date"),
    "title": ("ten cuoc hop", "noi dung", "cuoc hop", "ten hoi nghi", "title"),
    "chair_role": ("chu tri", "nguoi chu tri", "chair"),
    "format": ("hinh thuc", "hinh thuc hop", "hinh thuc to chuc", "format"),
    "connection_points": ("so diem cau", "diem cau", "connection points"),
    "opinions": ("so y kien phat bieu", "so y kien", "y kien phat bieu", "opinions"),
}

# Fallback wordings: a receipt number ("Số biên nhận") stands in for the dossier number only when
# the export has no dossier-number column; beside "Mã số hồ sơ" it is an extra column. Ranked
# below every ordinary match of any field (exact 300+, contained 200+; ordinary: 1000+ / 500+).
WEAK_SYNONYMS: frozenset[str] = frozenset(
    {
        "so bien nhan",
        "ma bien nhan",
        "so phieu tiep nhan",
        "ma tiep nhan",
        "receipt no",
        "receipt number",
    }
)

DOSSIER_REQUIRED = ("dossier_id", "unit", "received_at")
# how the channel may be given: a channel column, else an online mark column ("a|b": either will do)
DOSSIER_CHANNEL_REQUIRED = "channel|online_flag"
ROSTER_REQUIRED = ("name", "unit")
REGISTER_REQUIRED = ("meeting_date",)
FUZZY_HEADER_MIN = 88.0
_ANY_DIGITS = re.compile(r"\d")


def _contains_words(header: str, synonym: str) -> bool:
    return f" {synonym} " in f" {header} "


def score_header(header: str, synonyms: dict[str, tuple[str, ...]]) -> tuple[str | None, float]:
    """Best canonical field for one folded header and its score (exact > contained > fuzzy)."""
    best: tuple[str | None, float] = (None, 0.0)
    for field, word in _candidates(header, synonyms):
        if header == word:
            score = 1000.0 + len(word)
        elif _contains_words(header, word):
            score = 500.0 + len(word)
        else:
            continue
        if word in WEAK_SYNONYMS:
            score -= 700.0 if score >= 1000 else 300.0
        if score > best[1]:
            best = (field, score)
    if best[0] is None and len(header) >= 5:
        words, fields = _fuzzy_choices(synonyms)
        hit = process.extractOne(
            header, words, scorer=fuzz.ratio, score_cutoff=FUZZY_HEADER_MIN
        )  # the cutoff lets rapidfuzz skip hopeless candidates early (same best match)
        if hit:
            best = (fields[hit[2]], hit[1])
    return best


class _SynonymIndex:
    """One synonym table prepared for matching: its entries in order, the entries each first
    word starts, and the fuzzy candidates (long synonyms)."""

    def __init__(self, synonyms: dict[str, tuple[str, ...]]):
        self.synonyms = synonyms  # kept alive: the cache is keyed by its identity
        self.entries = [(f, w) for f, ws in synonyms.items() for w in ws]
        self.by_first_word: dict[str, list[int]] = {}
        for order, (_, word) in enumerate(self.entries):
            self.by_first_word.setdefault(word.split(" ")[0], []).append(order)
        flat = [(w, f) for f, w in self.entries if len(w) >= 5]
        self.fuzzy_words = [w for w, _ in flat]
        self.fuzzy_fields = [f for _, f in flat]


_INDEXES: dict[int, _SynonymIndex] = {}


def _index(synonyms: dict[str, tuple[str, ...]]) -> _SynonymIndex:
    index = _INDEXES.get(id(synonyms))
    if index is None or index.synonyms is not synonyms:
        index = _INDEXES[id(synonyms)] = _SynonymIndex(synonyms)
    return index


def _candidates(header: str, synonyms: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(field, synonym) pairs that can equal or be contained in the header, in table order: a
    synonym's first word must be one of the header's words."""
    index = _index(synonyms)
    orders = sorted(
        {o for token in set(header.split(" ")) for o in index.by_first_word.get(token, ())}
    )
    return [index.entries[o] for o in orders]


def _fuzzy_choices(synonyms: dict[str, tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """Synonyms of five letters or more and their fields, listed once per synonym table."""
    index = _index(synonyms)
    return index.fuzzy_words, index.fuzzy_fields


def is_personal_header(header: str) -> bool:
    """True when a folded header names personal data (names, ID numbers, phones, addresses...)."""
    return any(header == w or _contains_words(header, w) for w in PERSONAL_SYNONYMS)


def _column_candidates(
    headers: list[object], synonyms: dict[str, tuple[str, ...]]
) -> list[tuple[float, int, str, str]]:
    """(score, position, field, folded header) for every header that reads as a known field.

    Personal headers are excluded unless they match a field exactly (a roster's "Họ tên")."""
    candidates = []
    for position, raw in enumerate(headers):
        header = fold(raw)
        if not header:
            continue
        field, score = score_header(header, synonyms)
        if field is None:
            continue
        personal = is_personal_header(header)
        if personal and score < 1000 and field not in ("officer", "name"):
            continue
        candidates.append((score, position, field, header))
    return candidates


def map_columns(headers: list[object], synonyms: dict[str, tuple[str, ...]]) -> dict[int, str]:
    """Map header positions to canonical names; each canonical name taken by its best header.

    Personal headers are matched first and excluded, so "Địa chỉ" can never become a unit and
    "Họ tên chủ hồ sơ" can never become an officer. Unmatched columns are dropped (a whitelist:
    an unknown column may hold personal data).
    """
    candidates = [(s, -p, f) for s, p, f, _ in _column_candidates(headers, synonyms)]
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for _score, neg_position, field in sorted(candidates, reverse=True):
        if field in taken:
            continue
        if field != "ignore":  # several columns may be ignored; none is kept
            taken.add(field)
        mapping[-neg_position] = field
    return {k: v for k, v in sorted(mapping.items()) if v != "ignore"}


ORDINARY_MATCH = 500.0  # exact (1000+) or contained (500+) match of an ordinary synonym


def duplicate_columns(
    headers: list[object], synonyms: dict[str, tuple[str, ...]]
) -> list[tuple[str, int, int]]:
    """(field, first position, second position) for columns that read as the same kept field:
    two ordinary matches of one field ("Ngày tiếp nhận" twice, "Ngày nhận" beside "Ngày nộp"),
    or the same header text twice. Weak and fuzzy matches beside an ordinary one are not clashes
    ("Số biên nhận" beside "Mã hồ sơ" is an extra column: see WEAK_SYNONYMS)."""
    by_field: dict[str, list[tuple[float, int, str]]] = {}
    for score, position, field, header in _column_candidates(headers, synonyms):
        if field not in ("ignore", "row_number"):
            by_field.setdefault(field, []).append((score, position, header))
    clashes = []
    for field, found in by_field.items():
        for i, (score_a, first, text_a) in enumerate(found):
            for score_b, second, text_b in found[i + 1 :]:
                strong = score_a >= ORDINARY_MATCH and score_b >= ORDINARY_MATCH
                if strong or text_a == text_b:
                    clashes.append((field, first, second))
    return sorted(clashes, key=lambda clash: (clash[1], clash[2]))


def header_match_count(cells: list[object], synonyms: dict[str, tuple[str, ...]]) -> int:
    """How many cells of a row look like headers we know (to find the header row)."""
    count = 0
    for cell in cells:
        header = fold(cell)
        if not header or len(header) > 80:
            continue
        field, score = score_header(header, synonyms)
        if (
            field is not None
            and field not in ("row_number", "ignore")
            and score >= 200
            or is_personal_header(header)
        ):
            count += 1
    return count


def closest_headers(
    missing: str,
    headers: list[object],
    synonyms: dict[str, tuple[str, ...]],
    taken: set[int] = frozenset(),
) -> list[str]:
    """The unassigned found headers closest to a missing canonical column (for the error message)."""
    scored = []
    for position, name in enumerate(headers):
        folded = fold(name)
        if not folded or position in taken:
            continue
        score = max(
            max(fuzz.ratio(folded, w), fuzz.partial_ratio(folded, w)) for w in synonyms[missing]
        )
        scored.append((score, str(name)))
    return [name for score, name in sorted(scored, key=lambda t: -t[0])[:3]]
