"""The facts about a meeting in its report: date, format, connection points, opinions, chair, plans.

District news gives the meeting day without a year ("Sáng ngày 12/10") next to the post
date ("Ngày đăng 12/10/2021"); documents cited in the text carry their own dates ("Kế hoạch
198 ngày 21/6/2021"), which must not be taken for the meeting's.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import lru_cache

from analysis.meetings.segment import fold_aligned
from analysis.reference.units import DISTRICT_NAME, PROVINCE_NAME, units_2021
from analysis.text import fold

_DAY_MONTH = r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}|\d{2}))?(?![\d/])"
_WORDY = r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*(?:nam|,|/)\s*(\d{4}))?"
_DATE = re.compile(rf"(?:{_DAY_MONTH}|{_WORDY})")
_POST_DATE = re.compile(
    rf"(?:ngay dang|dang ngay|ngay cap nhat|cap nhat|thoi gian dang|ngay xuat ban)\s*:?\s*(?:luc\s*)?(?:{_DAY_MONTH})"
)
_MEETING_DAY = re.compile(
    rf"(?:(?P<part>sang|chieu|toi|trua|hom nay|hom qua)\s*(?:thu \w+\s*,?\s*)?\(?(?:ngay\s*)?|\bngay\s+)"
    rf"(?:{_DAY_MONTH}|{_WORDY})"
)
_DOCUMENT_BEFORE = re.compile(
    r"(?:ke hoach|\bkh|quyet dinh|\bqd|cong van|\bcv|chi thi|\bct|thong bao|\btb|nghi quyet|\bnq"
    r"|thong tu|\btt|nghi dinh|\bnd|van ban|to trinh|huong dan|\bhd|\bso)[\s:]*(?:so\s*)?[\d/\w\-.]*\s*$"
)
_NOT_MEETING_DAY_BEFORE = re.compile(r"(?:truoc|den|tu|tinh den|han|cham nhat|ke tu|sau|trong)\s*$")
_MEETING_WORDS = re.compile(r"to chuc|\bhop\b|hoi nghi|dien ra|chu tri|buoi lam viec|giao ban")
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
# How a meeting was held: "họp trực tuyến", "hình thức trực tiếp", but never the dossier channel
# in "hồ sơ trực tuyến" / "dịch vụ công trực tuyến" (the gap may not cross those words).
_HEAD = r"(?:hop|hoi nghi|to chuc|hinh thuc|giao ban|buoi lam viec|ket noi)\s+"
_GAP = r"(?:(?!dich vu|dvc|ho so|nop|thanh toan|tiep nhan|cong dich)\w+\s+){0,3}?"
_ONLINE = re.compile(
    rf"{_HEAD}{_GAP}truc tuyen|diem cau|hoi nghi truyen hinh"
    r"|truc tuyen\s+(?:toi|den|voi)\s+(?:cac\s+)?(?:\d+\s+)?(?:diem|xa)"
)
_IN_PERSON = re.compile(rf"{_HEAD}{_GAP}truc tiep")
# An inspection said to be on the spot is in person ("kiểm tra trực tiếp tại xã …"); a bare
# "Đoàn kiểm tra" is not enough (it may have checked records remotely): format stays null.
_VENUE = re.compile(
    r"tai hoi truong|tai phong hop|tai tru so|(?:kiem tra|lam viec) (?:truc tiep|thuc te)"
)
_BOTH = re.compile(
    r"truc tiep\s+ket hop\s+(?:voi\s+)?(?:hinh thuc\s+)?truc tuyen"
    r"|truc tuyen\s+ket hop\s+(?:voi\s+)?(?:hinh thuc\s+)?truc tiep"
    r"|ket hop\s+(?:ca\s+)?(?:hai hinh thuc\s+)?truc (?:tiep va truc tuyen|tuyen va truc tiep)"
    rf"|{_HEAD}{_GAP}truc (?:tiep (?:va|cung|kem) (?:voi )?(?:hinh thuc )?truc tuyen|tuyen (?:va|cung|kem) (?:voi )?(?:hinh thuc )?truc tiep)"
)
_POINTS = re.compile(
    r"(\d{1,3})\s+diem cau|diem cau\s+(?:tai\s+|cua\s+|o\s+|voi\s+|den\s+|gom\s+|la\s+)*(\d{1,3})\b"
    r"|truc tuyen\s+(?:voi|toi|den)\s+(?:cac\s+)?(\d{1,3})\s+(?:xa|don vi|diem)"
)
_OPINIONS = re.compile(
    r"(\d{1,3})\s+(?:luot\s+)?(?:y kien|tham luan|luot phat bieu|dai bieu phat bieu|phat bieu)"
)
_CHAIR_WORD = re.compile(r"chu tri|dan dau doan|lam truong doan")
_DIRECTING_WORD = re.compile(r"(?:du va )?chi dao (?:hoi nghi|cuoc hop|buoi lam viec)")
_HONORIFIC = re.compile(r"(?<![a-z])(?:dong chi|d/c|d\s*\.\s*c|ong|ba)\s+(?=[^\s])")
_ROLE_WORD = re.compile(
    r"(?<![a-z])(?:pho chu tich|chu tich|bi thu|pho bi thu|truong ban|truong phong|giam doc|chanh van phong)"
)
_PLAN = re.compile(
    r"(?:ke hoach|\bkh)\s*(?:so\s*)?(\d{1,5})(?!\d)(?!\s*(?:thang|nam|quy|tuan)\b)(?:\s*/\s*[a-z0-9\-/]+)?"
    rf"(?:\s*,?\s*ngay\s+(?:{_DAY_MONTH}|{_WORDY}))?"
)


def to_iso(day: int, month: int, year: int | None) -> str | None:
    """ISO date or None when the numbers are no calendar date."""
    if year is None:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def full_year(text: str | None) -> int | None:
    """Four-digit year from '2021' or '21'."""
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def date_parts(match: re.Match[str], offset: int = 0) -> tuple[int, int, int | None]:
    """(day, month, year) from a match of _DAY_MONTH or _WORDY groups starting at `offset`."""
    groups = match.groups()[offset:]
    if groups[0] is not None:
        return int(groups[0]), int(groups[1]), full_year(groups[2])
    return int(groups[3]), int(groups[4]), full_year(groups[5])


def find_post_date(folded: str) -> date | None:
    """The publication date of a news report ('Ngày đăng 12/10/2021 | 13:25')."""
    for match in _POST_DATE.finditer(folded):
        day, month, year = int(match.group(1)), int(match.group(2)), full_year(match.group(3))
        iso = to_iso(day, month, year)
        if iso:
            return date.fromisoformat(iso)
    return None


def infer_year(folded: str, post: date | None, source: str = "") -> int | None:
    """The report's year: the post date's, else the most cited year, else the file name's."""
    if post:
        return post.year
    years = Counter(int(y) for y in _YEAR.findall(folded))
    if years:
        return years.most_common(1)[0][0]
    match = _YEAR.search(source)
    return int(match.group(1)) if match else None


def extract_meeting_date(text: str, source: str = "") -> str | None:
    """The meeting day: a dated 'Sáng ngày …' near meeting words, not a cited document's date."""
    folded = fold_aligned(text)
    post = find_post_date(folded)
    year = infer_year(folded, post, source)
    best: tuple[int, int, str] | None = None
    for match in _MEETING_DAY.finditer(folded):
        before = folded[max(0, match.start() - 40) : match.start()]
        if _DOCUMENT_BEFORE.search(before) or _NOT_MEETING_DAY_BEFORE.search(before):
            continue
        if re.search(r"(?:dang|cap nhat|xuat ban)\s*:?\s*$", before):
            continue
        day, month, own_year = date_parts(match, 1)
        candidate_year = own_year or year
        if own_year is None and post and candidate_year and (month, day) > (post.month, post.day):
            candidate_year -= 1
        iso = to_iso(day, month, candidate_year)
        if not iso:
            continue
        after = folded[match.end() : match.end() + 120]
        score = 1 + 2 * bool(match.group("part")) + 2 * bool(_MEETING_WORDS.search(after))
        if best is None or score > best[0]:
            best = (score, -match.start(), iso)
    if best:
        return best[2]
    if post:
        return post.isoformat()
    named = re.search(r"(20\d{2})[-_](\d{2})[-_](\d{2})", source)
    if named:
        return to_iso(int(named.group(3)), int(named.group(2)), int(named.group(1)))
    return None


def extract_format(text: str) -> str | None:
    """online / in_person / both, from how the meeting was held (not 'dịch vụ công trực tuyến')."""
    folded = fold_aligned(text)
    if _BOTH.search(folded):
        return "both"
    online = bool(_ONLINE.search(folded))
    in_person = bool(_IN_PERSON.search(folded))
    if online and in_person:
        return "both"
    if online:
        return "online"
    if in_person or _VENUE.search(folded):
        return "in_person"
    return None


def extract_connection_points(text: str) -> int | None:
    """Number of connection points ('điểm cầu 31 xã', '32 điểm cầu')."""
    match = _POINTS.search(fold_aligned(text))
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def extract_opinions(text: str) -> int | None:
    """Number of opinions voiced ('17 ý kiến phát biểu', '12 lượt ý kiến', '5 tham luận')."""
    match = _OPINIONS.search(fold_aligned(text))
    return int(match.group(1)) if match else None


def collapse_repeated_words(text: str) -> str:
    """'UBND huyện huyện' -> 'UBND huyện' (a doubled word is a typo, not a title)."""
    return re.sub(r"\b(\w+)(\s+\1\b)+", r"\1", text, flags=re.IGNORECASE)


def honorifics(text: str, folded: str, start: int, end: int) -> list[re.Match[str]]:
    """Honorifics in a range; 'ba' only when written 'Bà' (unaccented it is Ba Vì, Ba Trại)."""
    found = []
    for match in _HONORIFIC.finditer(folded, start, end):
        word = text[match.start() : match.end()].strip().lower()
        if folded[match.start() : match.start() + 2] == "ba" and word != "bà":
            continue
        found.append(match)
    return found


def chair_near(text: str, folded: str, match: re.Match[str]) -> str | None:
    """Who the sentence around a 'chủ trì' names: honorific or role before it, else after it."""
    start = max(folded.rfind(".", 0, match.start()) + 1, folded.rfind("\n", 0, match.start()) + 1)
    ends = [i for i in (folded.find(".", match.end()), folded.find("\n", match.end())) if i != -1]
    end = min(ends) if ends else len(folded)
    before = honorifics(text, folded, start, match.start())
    roles = list(_ROLE_WORD.finditer(folded, start, match.start()))
    if before:
        chair = text[before[-1].start() : match.start()]
    elif roles:
        chair = text[roles[0].start() : match.start()]
    else:
        after = honorifics(text, folded, match.end(), end)
        first = after[0] if after else _ROLE_WORD.search(folded, match.end(), end)
        if first is None:
            return None
        stop = re.search(r";|,\s*cung|\s+cung\s+du|\s+va\s+cac", folded[first.start() : end])
        chair = text[first.start() : first.start() + stop.start() if stop else end]
    chair = re.sub(
        r"(?:\s+(?:đã|làm|là|được|cùng|và|đồng chí|Đồng chí))+\s*$", "", chair.strip(" ,.:-–")
    )
    chair = collapse_repeated_words(" ".join(chair.split())).strip(" ,.:-–")
    return chair or None


def extract_chair(text: str) -> tuple[str | None, str | None]:
    """(chair as published with role, role alone): who 'chủ trì', else who 'dự và chỉ đạo'."""
    folded = fold_aligned(text)
    for pattern in (_CHAIR_WORD, _DIRECTING_WORD):
        for match in pattern.finditer(folded):
            chair = chair_near(text, folded, match)
            if chair:
                return chair, extract_role(chair)
    return None, None


def extract_role(chair: str) -> str | None:
    """The role part of 'Đồng chí X - Phó Chủ tịch UBND huyện' (no personal name)."""
    folded = fold_aligned(chair)
    role = _ROLE_WORD.search(folded)
    if role:
        return strip_trailing_name(chair[role.start() :].strip(" ,.:-–"))
    parts = re.split(r"\s[-–,]\s|,\s", chair, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else None


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Folded names of the district, the city and the communes (a role may end with them)."""
    names = {fold(DISTRICT_NAME), fold(PROVINCE_NAME), *(fold(n) for n in units_2021()["name"])}
    return frozenset(names)


def strip_trailing_name(role: str) -> str:
    """'Phó Chủ tịch UBND huyện Lê Thị Mai' -> 'Phó Chủ tịch UBND huyện' (a role, not a person)."""
    words = role.split()
    tail = 0
    while tail < len(words) and words[len(words) - 1 - tail][:1].isupper():
        tail += 1
    is_place = fold(" ".join(words[len(words) - tail :])) in place_names()
    if (
        2 <= tail <= 4
        and tail < len(words)
        and words[len(words) - 1 - tail][:1].islower()
        and not is_place
    ):
        words = words[: len(words) - tail]
    return " ".join(words)


def extract_plans(text: str, year: int | None = None) -> list[dict]:
    """Plans cited ('Kế hoạch 198 ngày 21/6/2021') as {number, date}, first dated mention wins."""
    folded = fold_aligned(text)
    plans: dict[str, str | None] = {}
    for match in _PLAN.finditer(folded):
        number = match.group(1)
        iso = None
        if match.group(2) is not None or match.group(5) is not None:
            day, month, own_year = date_parts(match, 1)
            iso = to_iso(day, month, own_year or year)
        if number not in plans or (plans[number] is None and iso):
            plans[number] = iso
    return [{"number": n, "date": d} for n, d in plans.items()]


def extract_title(text: str) -> str | None:
    """The headline: the first line of at least eight words (news copies start with a rubric)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:6]:
        if len(line.split()) >= 8:
            return line
    return lines[0] if lines else None
