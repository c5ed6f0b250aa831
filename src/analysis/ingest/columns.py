"""Canonical columns and the many ways exports word their headers.

Header wording differs between one-stop-shop systems and versions, so headers are matched on
folded text (no diacritics, lower case, punctuation dropped) against synonyms: exactly first,
then as a contiguous run of words inside a longer header ("Ngày hẹn trả (dd/mm/yyyy)"), then
fuzzily for typos. Personal columns are recognised the same way and are never kept.
"""

from __future__ import annotations

import csv
from pathlib import Path

from rapidfuzz import fuzz, process

from analysis.text import fold

# Header wordings, folded (no diacritics, lower case), in header_synonyms.csv beside this file:
# one row per (table, canonical column, synonym); table `personal` lists personal columns (never
# loaded). rank `weak`: a fallback wording ranked below every ordinary match of any field (a
# receipt number, "Số biên nhận", stands in for the dossier number only when the export has no
# dossier-number column; exact 300+, contained 200+; ordinary: 1000+ / 500+). Column
# `online_flag` is a mark column ("Nộp trực tuyến (x)": x / có / 1 / ✓ = online, blank = in
# person), used for the channel only when the export has no channel column.
SYNONYMS_FILE = Path(__file__).with_name("header_synonyms.csv")


def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, dict[str, tuple[str, ...]]]:
    """table -> canonical column -> synonyms, in file order (one CSV row per synonym)."""
    tables: dict[str, dict[str, list[str]]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            tables.setdefault(row["table"], {}).setdefault(row["column"], []).append(row["synonym"])
    return {t: {c: tuple(s) for c, s in columns.items()} for t, columns in tables.items()}


def _weak_synonyms(path: Path = SYNONYMS_FILE) -> frozenset[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return frozenset(r["synonym"] for r in csv.DictReader(handle) if r["rank"] == "weak")


_TABLES = load_synonyms()
DOSSIER_SYNONYMS: dict[str, tuple[str, ...]] = _TABLES["dossiers"]
# Personal data (Nghị định 13/2023/NĐ-CP): recognised so they are dropped on reading.
PERSONAL_SYNONYMS: tuple[str, ...] = _TABLES["personal"][""]
ROSTER_SYNONYMS: dict[str, tuple[str, ...]] = _TABLES["roster"]
REGISTER_SYNONYMS: dict[str, tuple[str, ...]] = _TABLES["register"]
WEAK_SYNONYMS: frozenset[str] = _weak_synonyms()

DOSSIER_REQUIRED = ("dossier_id", "unit", "received_at")
# how the channel may be given: a channel column, else an online mark column ("a|b": either will do)
DOSSIER_CHANNEL_REQUIRED = "channel|online_flag"
ROSTER_REQUIRED = ("name", "unit")
REGISTER_REQUIRED = ("meeting_date",)
FUZZY_HEADER_MIN = 88.0


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
