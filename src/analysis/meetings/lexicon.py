"""Cue lexicons for meeting reports: topics, polarity, list introducers and clause breaks.

Every phrase is written in *folded* form (no diacritics, lower case; see `analysis.text.fold`)
so that upper-case, NFD or unaccented reports match the same cues. Words inside a phrase
match across any run of spaces or light punctuation. The lexicons are data, not logic:
extend them here when a new report words a judgement differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

TOPICS = (
    "late_dossiers",
    "online_services",
    "document_software",
    "commune_website",
    "officer_arrangement",
    "citizen_reception",
    "saturday_service",
    "digitization",
    "communication",
    "plan_execution",
    "other",
)
# Topics that frame a sentence rather than name its subject ("Thực hiện Kế hoạch 198, tỷ lệ hồ sơ
# trễ hẹn còn cao …" is about late dossiers): used only when no other topic cue is in reach.
BACKDROP_TOPICS = frozenset({"plan_execution"})

# What each topic is recognised by. A cue names the subject of a judgement, not its direction.
TOPIC_CUES: dict[str, tuple[str, ...]] = {
    "late_dossiers": (
        "tre hen",
        "tre han",
        "qua han",
        "qua hen",
        "cham tra",
        "tra ket qua cham",
        "giai quyet cham",
        "ho so cham",
        "dung han",
        "dung hen",
        "truoc han",
        "truoc hen",
        "thu xin loi",
        "ton dong",
        "hen lai ngay tra",
    ),
    "online_services": (
        "dich vu cong truc tuyen",
        "dich vu cong muc do",
        "dvc truc tuyen",
        "dvc muc do",
        "dvctt",
        "dvc toan trinh",
        "dich vu cong toan trinh",
        "dich vu cong mot phan",
        "nop ho so truc tuyen",
        "nop truc tuyen",
        "ho so truc tuyen",
        "tiep nhan truc tuyen",
        "thanh toan truc tuyen",
        "thanh toan khong dung tien mat",
        "cong dich vu cong",
        "muc do 3 4",
        "muc do 3, 4",
        "muc do 3,4",
    ),
    "document_software": (
        "phan mem quan ly van ban",
        "quan ly van ban va dieu hanh",
        "he thong quan ly van ban",
        "van phong dien tu",
        "phan mem van phong",
        "van ban dien tu",
        "chu ky so",
        "ky so",
        "eoffice",
        "e office",
        "ioffice",
        "thu dien tu cong vu",
        "dieu hanh tac nghiep",
        "ho so cong viec",
        "van ban di",
        "van ban den",
        "van ban giay",
    ),
    "commune_website": (
        "trang thong tin dien tu",
        "trang ttdt",
        "cong thong tin dien tu",
        "cong ttdt",
        "website",
        "trang web",
        "ban bien tap",
        "tin bai",
    ),
    "officer_arrangement": (
        "bo tri can bo",
        "bo tri cong chuc",
        "bo tri nhan su",
        "bo tri cbcc",
        "bo tri du",
        "thieu can bo",
        "thieu cong chuc",
        "cong chuc chuyen trach",
        "sap xep can bo",
        "phan cong can bo",
        "kiem nhiem",
        "luan chuyen",
        "nhan su bo phan mot cua",
        "can bo tiep nhan",
        "cong chuc tiep nhan",
        "can bo mot cua",
        "cong chuc mot cua",
        "chuyen trach",
        "thieu nhan su",
        "nhan su mot cua",
    ),
    "citizen_reception": (
        "tiep cong dan",
        "tiep dan",
        "don thu",
        "khieu nai",
        "to cao",
        "kien nghi cua cong dan",
        "phan anh kien nghi",
        "phan anh, kien nghi",
    ),
    "saturday_service": (
        "thu 7",
        "thu bay",
        "sang thu 7",
        "ngay nghi",
        "lam viec ngoai gio",
        "cuoi tuan",
    ),
    "digitization": (
        "so hoa",
        "ket qua giai quyet dien tu",
        "ket qua dien tu",
        "kho du lieu",
        "luu tru dien tu",
        "du lieu ho tich",
        "chuyen doi so",
        "ban sao dien tu",
        "chung thuc dien tu",
    ),
    "communication": (
        "tuyen truyen",
        "pho bien",
        "quang ba",
        "thong tin tuyen truyen",
        "niem yet",
    ),
    "plan_execution": (
        "ke hoach",
        "nhiem vu duoc giao",
        "nhiem vu trong tam",
        "tien do",
        "che do bao cao",
        "bao cao dinh ky",
        "chi dao dieu hanh",
        "cong tac chi dao",
    ),
}

# Judgement cues. strength: "strong" = an explicit evaluation; "inherent" = a fact that is bad or
# good in itself (late dossiers); "intro" = a word that introduces a list and leans positive
# ("tiêu biểu là") but yields to any other cue. polarity None = a neutral phrase that shadows a
# shorter cue inside it ("nâng cao" is a directive, not "cao"). "high"/"low" are directional
# words whose polarity depends on what is measured (high late rate = bad, high online rate = good).
POLARITY_CUES: tuple[tuple[str, str | None, str], ...] = (
    # negative, explicit
    ("con cao", "negative", "strong"),
    ("con thap", "negative", "strong"),
    ("con nhieu", "negative", "strong"),
    ("con cham", "negative", "strong"),
    ("con ton tai", "negative", "strong"),
    ("con de xay ra", "negative", "strong"),
    ("con de", "negative", "strong"),
    ("van con", "negative", "strong"),
    ("van de", "negative", "strong"),
    ("chua", "negative", "strong"),
    ("khong hoan thanh", "negative", "strong"),
    ("chua hoan thanh", "negative", "strong"),
    ("khong dat", "negative", "strong"),
    ("khong dam bao", "negative", "strong"),
    ("khong phu hop", "negative", "strong"),
    ("khong kip thoi", "negative", "strong"),
    ("khong thuong xuyen", "negative", "strong"),
    ("khong cap nhat", "negative", "strong"),
    ("han che", "negative", "strong"),
    ("cham", "negative", "strong"),
    ("yeu", "negative", "strong"),
    ("kem", "negative", "strong"),
    ("bat cap", "negative", "strong"),
    ("ton tai", "negative", "strong"),
    ("thieu", "negative", "strong"),
    ("sai sot", "negative", "strong"),
    ("vi pham", "negative", "strong"),
    ("de xay ra", "negative", "strong"),
    ("phe binh", "negative", "strong"),
    ("nhac nho", "negative", "strong"),
    ("khac phuc", "negative", "strong"),
    ("chan chinh", "negative", "strong"),
    ("rut kinh nghiem", "negative", "strong"),
    ("kiem diem", "negative", "strong"),
    ("xep cuoi", "negative", "strong"),
    ("dung cuoi", "negative", "strong"),
    ("cuoi bang", "negative", "strong"),
    ("lo la", "negative", "strong"),
    ("lung tung", "negative", "strong"),
    ("vuot cap", "negative", "strong"),
    ("phien ha", "negative", "strong"),
    ("phan nan", "negative", "strong"),
    ("ne tranh", "negative", "strong"),
    ("dun day", "negative", "strong"),
    ("chua sat sao", "negative", "strong"),
    ("buong long", "negative", "strong"),
    ("mang tinh hinh thuc", "negative", "strong"),
    ("ngung hoat dong", "negative", "strong"),
    ("bo trong", "negative", "strong"),
    ("thap nhat", "low", "strong"),
    ("thap", "low", "strong"),
    ("duoi", "low", "strong"),
    ("dat tren", "high", "strong"),
    ("it nhat", "low", "strong"),
    ("moi dat", "negative", "strong"),
    ("chi dat", "negative", "strong"),
    ("khong", "negative", "strong"),
    ("con", "negative", "intro"),
    ("giam", "low", "strong"),
    # positive, explicit
    ("lam tot", "positive", "strong"),
    ("thuc hien tot", "positive", "strong"),
    ("trien khai tot", "positive", "strong"),
    ("hoan thanh tot", "positive", "strong"),
    ("hoan thanh", "positive", "strong"),
    ("di vao ne nep", "positive", "strong"),
    ("ne nep", "positive", "strong"),
    ("dan dau", "positive", "strong"),
    ("dung dau", "positive", "strong"),
    ("xep dau", "positive", "strong"),
    ("khen", "positive", "strong"),
    ("bieu duong", "positive", "strong"),
    ("tuyen duong", "positive", "strong"),
    ("tuyet doi", "positive", "strong"),
    ("danh gia cao", "positive", "strong"),
    ("ghi nhan", "positive", "strong"),
    ("phat huy", "positive", "strong"),
    ("hieu qua", "positive", "strong"),
    ("hieu qua chua cao", "negative", "strong"),
    ("chua hieu qua", "negative", "strong"),
    ("tich cuc", "positive", "strong"),
    ("chuyen bien tich cuc", "positive", "strong"),
    ("xuat sac", "positive", "strong"),
    ("guong mau", "positive", "strong"),
    ("diem sang", "positive", "strong"),
    ("nhan rong", "positive", "strong"),
    ("tot", "positive", "strong"),
    ("dat 100", "positive", "strong"),
    ("dat ty le cao", "positive", "strong"),
    ("cao nhat", "high", "strong"),
    ("cao", "high", "strong"),
    ("tang len", "high", "strong"),
    ("tang manh", "high", "strong"),
    ("tang cao", "high", "strong"),
    ("tang so voi", "high", "strong"),
    ("gia tang", "high", "strong"),
    ("nhieu nhat", "high", "strong"),
    ("vuot", "high", "strong"),
    ("di dau", "positive", "strong"),
    ("no luc", "positive", "strong"),
    ("co gang", "positive", "strong"),
    ("chuyen bien", "positive", "strong"),
    ("cach lam hay", "positive", "strong"),
    ("mo hinh hay", "positive", "strong"),
    ("sang tao", "positive", "strong"),
    ("xep thu nhat", "positive", "strong"),
    ("hang nhat", "positive", "strong"),
    ("khang trang", "positive", "strong"),
    ("day du", "positive", "strong"),
    ("kip thoi", "positive", "intro"),
    ("thuong xuyen", "positive", "intro"),
    ("duy tri", "positive", "intro"),
    ("nghiem tuc", "positive", "intro"),
    ("thuc hien 100", "positive", "strong"),
    ("khong co ho so tre", "positive", "strong"),
    ("khong co ho so qua", "positive", "strong"),
    ("khong con ho so tre", "positive", "strong"),
    ("khong con ho so qua", "positive", "strong"),
    ("chua co ho so tre", "positive", "strong"),
    ("chua de xay ra", "positive", "strong"),
    ("khong de xay ra", "positive", "strong"),
    ("khong de ho so", "positive", "strong"),
    ("khong de phat sinh", "positive", "strong"),
    # inherent: the fact itself is a judgement
    ("tre hen", "negative", "inherent"),
    ("tre han", "negative", "inherent"),
    ("qua han", "negative", "inherent"),
    ("qua hen", "negative", "inherent"),
    ("ton dong", "negative", "inherent"),
    ("dung han", "positive", "inherent"),
    ("dung hen", "positive", "inherent"),
    ("truoc han", "positive", "inherent"),
    ("truoc hen", "positive", "inherent"),
    # list introducers that lean positive
    ("tieu bieu", "positive", "intro"),
    ("dien hinh", "positive", "intro"),
    ("noi bat", "positive", "intro"),
    # neutral phrases that shadow a cue inside them (directives and time limits)
    ("nang cao", None, "strong"),
    ("tang cuong", None, "strong"),
    ("cham nhat", None, "strong"),
    ("han che toi da", None, "strong"),
    ("giam thieu", None, "strong"),
    ("de thuc hien tot", None, "strong"),
    ("ngay cang tot", None, "strong"),
    ("khong ngung", None, "strong"),
    ("no luc hon", None, "strong"),
    ("cham chi", None, "strong"),
    ("cham cong", None, "strong"),
    ("thieu nhi", None, "strong"),
    ("khong gian", None, "strong"),
    ("thong cao", None, "strong"),
    ("quang cao", None, "strong"),
    ("co gang hon", None, "strong"),
    ("khong chi", None, "strong"),
    ("con lai", None, "strong"),
    ("tot hon", None, "strong"),
    ("thuc hien tot hon", None, "strong"),
    ("cao hon", None, "strong"),
    ("hinh thuc truc", None, "strong"),
    ("hinh thuc khac", None, "strong"),
    ("nhieu hinh thuc", None, "strong"),
    ("hinh thuc hop", None, "strong"),
    ("yeu cau", None, "strong"),
    ("chu yeu", None, "strong"),
    ("trong yeu", None, "strong"),
    ("thiet yeu", None, "strong"),
    ("yeu to", None, "strong"),
    ("kem theo", None, "strong"),
    ("dinh kem", None, "strong"),
    ("cham lo", None, "strong"),
    ("cham soc", None, "strong"),
    ("cham diem", None, "strong"),
    ("toi thieu", None, "strong"),
    ("gioi thieu", None, "strong"),
    ("thu thap", None, "strong"),
    ("giam sat", None, "strong"),
    ("giam doc", None, "strong"),
    ("giam dinh", None, "strong"),
    ("bao cao", None, "strong"),
    ("cao diem", None, "strong"),
    ("to cao", None, "strong"),
    # who leads a visit and where a place lies are no judgement ("dẫn đầu đoàn công tác",
    # "nằm dưới chân núi")
    ("dan dau doan", None, "strong"),
    ("duoi chan", None, "strong"),
    ("cap duoi", None, "strong"),
    ("nang cao hieu qua", None, "strong"),
    ("tang cuong hieu qua", None, "strong"),
    ("hieu qua hon", None, "strong"),
    ("dam bao hieu qua", None, "strong"),
)

# Words after which a commune list is the object of what precedes it ("... như A, B").
INTRODUCER_TAIL = re.compile(
    r"(?:\bnhu|\bla|\bgom|\bbao gom|\bo|\btai|\bcua|\bthuoc|\btieu bieu|\bdien hinh|\bnoi bat"
    r"|\bcu the|\bdan dau|\bnhat|\bgom co|\bvoi|\bcho|\bden|[:(\-–])\s*$"
)

# Words that may stand between a list and its start without making it an object
# ("Các xã A, B làm tốt ..." is a subject list; cues follow it).
SUBJECT_LEAD = re.compile(
    r"^[\s\-–+•*·\d.)]*(?:(?:trong do|ngoai ra|dac biet|rieng|con|mot so|nhieu|cac|cua|ubnd|uy ban nhan dan"
    r"|xa|x\.|thi tran|tt\.?|dai dien|lanh dao)[\s,:.]*)*$"
)

# A directive addressed to the communes of the list that follows ("Yêu cầu UBND các xã A, B ...").
DIRECTIVE_TAIL = re.compile(
    r"\b(?:yeu cau|de nghi|chi dao|giao|dong chi .{0,40}yeu cau)\s+(?:(?:ubnd|uy ban nhan dan|lanh dao"
    r"|chu tich|cac|xa|thi tran|tt)\s+)*$"
)
KEEP_UP = re.compile(r"\b(?:tiep tuc|phat huy|duy tri)\b")

# A sentence that only names the communes of the sentence before ("… còn để hồ sơ trễ hẹn. Đó là
# các xã A, B."): the previous sentence is its context.
ANAPHORA = re.compile(
    r"\s*[\-–+•]?\s*(?:do la|day la|gom|bao gom|cu the|trong do|dien hinh|tieu bieu|noi bat|nhu|ke ca"
    r"|(?:cac|nhung) (?:xa|don vi) (?:nay|do|tren))\b"
)

# Clause breaks inside a clause: contrast conjunctions start a new judgement.
# A new grammatical subject after a comma or "và" ("…, và việc bố trí cán bộ tại xã B …",
# "…, tình trạng hồ sơ trễ hẹn ở xã C …") also starts a new judgement.
CONTRAST = re.compile(
    r",\s*(?=(?:nhung|song|tuy nhien|trong khi|nguoc lai|con (?:xa|cac|mot|nhieu|o|tai|lai|thi)|"
    r"con lai)\b)|\s(?=(?:nhung|tuy nhien)\s)"
    r"|,\s*(?=(?:va\s+)?(?:viec|cong tac|tinh trang)\s)|\s(?=va\s+(?:viec|cong tac|tinh trang)\s)"
)

# Units above or beside a commune that share a commune's name ("huyện Ba Vì", "núi Ba Vì").
NOT_A_COMMUNE_BEFORE = re.compile(
    r"(?:\bhuyen(?: uy)?|\bh\s*\.|\bquan|\bthi xa|\bthanh pho|\btp\s*\.?|\btinh|\bnui|\bvuon quoc gia)\s*$"
)
COMMUNE_PREFIX_BEFORE = re.compile(r"(?:\bxa|\bx\s*\.|\bthi tran|\btt\s*\.?)\s*$")

# What may stand between two names of one list: separators, prefixes, figures and counts.
LIST_GAP = re.compile(
    r"^(?:\s|[,;&/+…]|\.{2,}|\bva\b|\bvoi\b|\bcung\b|\bhoac\b|\bxa\b|\bx\s*\.|\bthi tran\b|\btt\b\.?"
    r"|\bubnd\b|\bcac\b|\([^()\n]{0,80}\)|[:\-–]\s*\d|\d+(?:[.,]\d+)?\s*%?"
    r"|\b(?:ho so|hs|thu tuc|tthc|diem|lan|truong hop|tin bai|tin|bai|dat|chiem|co|ty le)\b)*$"
)
# Figures that trail a name and belong to it: "Phong Vân (15 hồ sơ)", "Ba Trại 12,5%".
TRAILING_FIGURES = re.compile(
    r"^(?:\s*(?:\([^()\n]{0,80}\)|[:\-–]?\s*\d+(?:[.,]\d+)?\s*(?:%|ho so|hs|tin bai|tin|bai|diem|lan)?))+"
)


@dataclass(frozen=True)
class Cue:
    """One lexicon phrase found in a report (offsets into the NFC text)."""

    start: int
    end: int
    label: str | None
    strength: str
    phrase: str


def phrase_pattern(phrase: str) -> str:
    """Regex for a folded phrase: whole words, any spacing or light punctuation between them."""
    words = [re.escape(w) for w in re.split(r"[\s,]+", phrase.strip()) if w]
    # The first word comes first and the word-start check right after it ("cao(?<![0-9a-z]cao)",
    # the same matches as "(?<![0-9a-z])cao"): a pattern that opens with a literal lets `re` skip
    # ahead to that literal instead of trying every position (about 20x faster per report).
    head = words[0] + rf"(?<![0-9a-z]{words[0]})"
    return head + "".join(r"[\s,.\-–]*" + w for w in words[1:]) + r"(?![0-9a-z])"


@lru_cache(maxsize=1)
def topic_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Compiled topic cues, one per phrase."""
    return tuple(
        (topic, re.compile(phrase_pattern(p)), p)
        for topic, phrases in TOPIC_CUES.items()
        for p in phrases
    )


@lru_cache(maxsize=1)
def polarity_patterns() -> tuple[tuple[str | None, str, re.Pattern[str], str], ...]:
    """Compiled polarity cues, one per phrase."""
    return tuple(
        (label, strength, re.compile(phrase_pattern(p)), p) for p, label, strength in POLARITY_CUES
    )


def keep_longest(cues: list[Cue]) -> list[Cue]:
    """Drop cues contained in a longer cue, so 'chưa hoàn thành' is not also 'hoàn thành'."""
    ordered = sorted(cues, key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[Cue] = []
    furthest = -1  # every kept cue starts at or before this one: contained iff one ends after it
    for cue in ordered:
        if cue.end <= furthest:
            continue
        kept.append(cue)
        furthest = cue.end
    return kept


def find_topic_cues(folded: str) -> list[Cue]:
    """Every topic cue in a folded text, longest wins where cues overlap."""
    found = [
        Cue(m.start(), m.end(), topic, "topic", phrase)
        for topic, pattern, phrase in topic_patterns()
        for m in pattern.finditer(folded)
    ]
    return keep_longest(found)


def find_polarity_cues(folded: str) -> list[Cue]:
    """Every polarity cue in a folded text, longest wins (neutral phrases shadow their parts)."""
    found = [
        Cue(m.start(), m.end(), label, strength, phrase)
        for label, strength, pattern, phrase in polarity_patterns()
        for m in pattern.finditer(folded)
    ]
    return [negate_cue(folded, c) for c in keep_longest(found) if c.label is not None]


FLIPPED = {"positive": "negative", "high": "low", "low": "high"}
NEGATOR_BEFORE = re.compile(
    r"(?:\bchua|\bkhong|\bchang|\bchua thuc su|\bkhong duoc|\bchua duoc)\s+$"
)


def negate_cue(folded: str, cue: Cue) -> Cue:
    """'chưa làm tốt' is criticism: a negator flips a positive or directional cue right after it."""
    if cue.label not in FLIPPED:
        return cue
    negator = NEGATOR_BEFORE.search(folded[max(0, cue.start - 20) : cue.start])
    if not negator:
        return cue
    return Cue(
        cue.start - len(negator.group(0)), cue.end, FLIPPED[cue.label], cue.strength, cue.phrase
    )
