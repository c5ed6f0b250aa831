"""Segmenting a meeting report into lines, sentences, clauses and contrast segments.

Offsets always refer to the NFC text, and `fold_aligned` keeps one folded character per NFC
character, so a cue found in the folded text can be quoted from the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from analysis.meetings.lexicon import CONTRAST

_BULLET = re.compile(r"^\s*(?:[-–+•*·▪]|\d{1,2}[.)]|[a-zđ][.)])\s+", re.IGNORECASE)
# A sentence ends at . ! ? … followed by space and a capital letter (checked in code).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[]?(\w))")
# Abbreviations after which a full stop does not end the sentence ("X. Phong Vân", "TP. Hà Nội").
_ABBREVIATION_BEFORE_DOT = re.compile(
    r"(?:^|[\s(])(?:x|tt|h|tp|q|p|đ/c|ths|ts|th|st|ubnd|v\.v)\.$", re.IGNORECASE
)


@dataclass(frozen=True)
class Span:
    """A half-open range [start, end) of the NFC text."""

    start: int
    end: int


class SortedSpans(list):
    """A list of items with .start/.end, with a start index when they are in start order.

    `inside(span)` then costs a binary search plus the items it returns, instead of a scan of the
    whole list per sentence or clause (which made extraction quadratic in the report's length).
    """

    def __init__(self, items=()):
        super().__init__(items)
        starts = [item.start for item in self]
        ordered = all(a <= b for a, b in zip(starts, starts[1:]))
        self.starts = starts if ordered else None


def items_inside(items, span) -> list:
    """Items lying wholly inside a span, in list order (indexed when `items` is SortedSpans)."""
    starts = getattr(items, "starts", None)
    if starts is None:
        return [i for i in items if span.start <= i.start and i.end <= span.end]
    low, high = bisect_left(starts, span.start), bisect_right(starts, span.end)
    return [i for i in items[low:high] if i.end <= span.end]


def prepare_text(text: str) -> str:
    """NFC, Unix line ends, no non-breaking spaces or tabs: the text every offset refers to."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return (
        text.replace("\u00a0", " ").replace("\t", " ").replace("\ufeff", "").replace("\u200b", "")
    )


def fold_char(char: str) -> str:
    """Fold one NFC character to one character: base letter, lower case, đ -> d."""
    if char in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0] if decomposed else char
    return base.lower() if len(base.lower()) == 1 else base


def fold_aligned(text: str) -> str:
    """Fold a text keeping its length, so offsets in the folded text are offsets in the text.

    One `str.translate` over a table of the text's distinct characters: linear in the text, and
    each distinct character is folded once (a report has a few hundred of them).
    """
    return text.translate({ord(c): fold_char(c) for c in set(text)})


def split_lines(text: str) -> list[Span]:
    """Non-empty lines (paragraphs in web copies of news reports)."""
    spans, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            spans.append(Span(start, end))
        start = end + 1
    return spans


def is_bullet(line: str) -> bool:
    """True for list items ('- ', '+ ', '1. ', 'a) ')."""
    return bool(_BULLET.match(line))


def split_sentences(text: str, span: Span) -> list[Span]:
    """Sentences of a line: split after . ! ? … before a capital, except after abbreviations."""
    chunk = text[span.start : span.end]
    cuts = [0]
    for match in _SENTENCE_END.finditer(chunk):
        before = chunk[max(0, match.start() - 6) : match.start()]
        if not match.group(1).isupper() or _ABBREVIATION_BEFORE_DOT.search(before):
            continue
        cuts.append(match.end())
    cuts.append(len(chunk))
    return [
        Span(span.start + a, span.start + b) for a, b in zip(cuts, cuts[1:]) if chunk[a:b].strip()
    ]


def split_at(span: Span, cuts: list[int]) -> list[Span]:
    """Cut a span at the given absolute offsets (ignoring those outside it)."""
    inside = sorted(c for c in set(cuts) if span.start < c < span.end)
    bounds = [span.start, *inside, span.end]
    return [Span(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def clause_cuts(text: str, span: Span, protected: list[Span]) -> list[int]:
    """Offsets just after each ';' (clause boundary) that is not inside a commune list."""
    cuts = []
    i = text.find(";", span.start, span.end)
    while i != -1:
        if not any(p.start <= i < p.end for p in protected):
            cuts.append(i + 1)
        i = text.find(";", i + 1, span.end)
    return cuts


def contrast_cuts(folded: str, span: Span) -> list[int]:
    """Offsets where a contrast ('…, nhưng', '…, còn xã') starts a new judgement."""
    chunk = folded[span.start : span.end]
    return [span.start + m.end() for m in CONTRAST.finditer(chunk)]
