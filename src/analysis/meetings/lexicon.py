"""Cue lexicons for meeting reports: topics, polarity, list introducers and clause breaks.

Every phrase is written in *folded* form (no diacritics, lower case; see `analysis.text.fold`)
so that upper-case, NFD or unaccented reports match the same cues. Words inside a phrase
match across any run of spaces or light punctuation. The topic and judgement cues are data in
topic_cues.csv and polarity_cues.csv beside this file: add a row there when a new report words a
subject or a judgement differently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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

# What each topic is recognised by (topic_cues.csv beside this file): a cue names the subject of
# a judgement, not its direction. Judgement cues (polarity_cues.csv): see the file's header.
TOPIC_CUES_FILE = Path(__file__).with_name("topic_cues.csv")
POLARITY_CUES_FILE = Path(__file__).with_name("polarity_cues.csv")


def read_cues(path: Path) -> list[dict[str, str]]:
    """Rows of a cue file (lines starting with # are comments)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


TOPIC_CUES: dict[str, tuple[str, ...]] = {}
for _row in read_cues(TOPIC_CUES_FILE):
    TOPIC_CUES[_row["topic"]] = (*TOPIC_CUES.get(_row["topic"], ()), _row["phrase"])
# (phrase, polarity or None for a neutral phrase, strength)
POLARITY_CUES: tuple[tuple[str, str | None, str], ...] = tuple(
    (r["phrase"], r["polarity"] or None, r["strength"]) for r in read_cues(POLARITY_CUES_FILE)
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
