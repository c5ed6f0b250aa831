"""Finding commune names in a report and grouping them into the lists officials write.

Names come from the reference table (`units_2021()`) and its aliases, matched on folded text,
so "PHONG VÂN", "Phong Van", NFD text and "Thuỵ An" all match. A name that follows "huyện",
"núi", "TP." … is another kind of place; the district's own name ("Ba Vì") counts as the
commune only with a commune prefix ("xã Ba Vì") or inside a list of other communes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analysis.meetings.lexicon import (
    COMMUNE_PREFIX_BEFORE,
    LIST_GAP,
    NOT_A_COMMUNE_BEFORE,
    TRAILING_FIGURES,
)
from analysis.meetings.segment import Span, items_inside
from analysis.reference.units import DATA_DIR, DISTRICT_NAME, units_2021, units_on
from analysis.text import fold

DEFAULT_ON = "2021-12-31"


@dataclass(frozen=True)
class NameHit:
    """One commune name written in the report."""

    start: int
    end: int
    code: str
    name: str
    prefixed: bool
    capitalised: bool


@dataclass(frozen=True)
class CommuneList:
    """Names joined by commas, 'và', ';', prefixes or figures: one list, one judgement."""

    start: int
    end: int  # after trailing figures ("Phong Vân (15 hồ sơ)")
    hits: tuple[NameHit, ...]


@lru_cache(maxsize=8)
def commune_name_table(on: str = DEFAULT_ON) -> pd.DataFrame:
    """Folded spellings (names and aliases) of the units that existed on a date, with code and name.

    Names of the 2021 units that no longer existed on that date are kept with their 2021 code:
    later reports still cite them ("xã Châu Sơn cũ").
    """
    current = units_on(on)
    old = units_2021()
    rows = [(fold(n), c, n) for n, c in zip(current["name"], current["code"])]
    rows += [(fold(n), c, n) for n, c in zip(old["name"], old["code"])]
    names = dict(zip(old["code"], old["name"]))
    aliases = pd.read_csv(DATA_DIR / "aliases.csv", dtype=str)
    for alias, code in zip(aliases["alias"], aliases["code"]):
        key = re.sub(r"^(thi tran|tt|xa) ", "", fold(alias))
        if code in names and re.fullmatch(r"[a-z ]+", key) and " town" not in f" {key}":
            rows.append((key, code, names[code]))
    table = pd.DataFrame(rows, columns=["folded", "code", "name"]).drop_duplicates("folded")
    return table.sort_values(
        "folded", key=lambda s: s.str.len(), ascending=False, ignore_index=True
    )


@lru_cache(maxsize=8)
def commune_name_pattern(on: str = DEFAULT_ON) -> re.Pattern[str]:
    """One regex for every folded spelling, longest first, whole words, any spacing."""
    table = commune_name_table(on)
    parts = [r"\s+".join(map(re.escape, f.split())) for f in table["folded"]]
    return re.compile(r"(?<![0-9a-z])(" + "|".join(parts) + r")(?![0-9a-z])")


def is_capitalised(written: str) -> bool:
    """True when every word starts with a capital ('Phong Vân', 'PHONG VÂN'), as names do."""
    words = written.split()
    return bool(words) and all(w[0].isupper() for w in words)


def find_commune_names(text: str, folded: str, on: str | None = None) -> list[NameHit]:
    """Every plausible commune name in the text, minus districts, mountains and cities.

    `on` (ISO date of the meeting) picks the units of that day; default: the 31 units of 2021.
    """
    on = on or DEFAULT_ON
    table = commune_name_table(on)
    by_folded = {f: (c, n) for f, c, n in zip(table["folded"], table["code"], table["name"])}
    document_has_capitals = any(ch.isupper() for ch in text)
    hits = []
    for match in commune_name_pattern(on).finditer(folded):
        key = " ".join(match.group(1).split())
        code, name = by_folded[key]
        before = folded[max(0, match.start() - 30) : match.start()]
        if NOT_A_COMMUNE_BEFORE.search(before):
            continue
        prefixed = bool(COMMUNE_PREFIX_BEFORE.search(before))
        written = text[match.start() : match.end()]
        capitalised = is_capitalised(written) or not document_has_capitals
        hits.append(NameHit(match.start(), match.end(), code, name, prefixed, capitalised))
    return hits


def trailing_figures_end(folded: str, end: int, limit: int) -> int:
    """Offset after figures that follow a name ("(15 hồ sơ)", "12,5%"), within a limit."""
    match = TRAILING_FIGURES.match(folded[end:limit])
    return end + match.end() if match else end


def group_commune_lists(folded: str, hits: list[NameHit], within: Span) -> list[CommuneList]:
    """Group the names inside a span into lists; drop lists that are not really communes."""
    inside = items_inside(hits, within)  # indexed when hits are SortedSpans
    groups: list[list[NameHit]] = []
    for hit in inside:
        if groups and LIST_GAP.match(folded[groups[-1][-1].end : hit.start]):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    lists = []
    for group in groups:
        kept = [h for h in group if keep_in_list(h, group)]
        if not kept:
            continue
        end = trailing_figures_end(folded, group[-1].end, within.end)
        lists.append(CommuneList(group[0].start, end, tuple(kept)))
    return lists


def keep_in_list(hit: NameHit, group: list[NameHit]) -> bool:
    """Keep a name written like a name; the district's own name needs a prefix or company."""
    others = [h for h in group if h is not hit and (h.capitalised or h.prefixed)]
    if fold(hit.name) == fold(DISTRICT_NAME):
        return hit.prefixed or bool(others)
    return hit.capitalised or hit.prefixed or bool(others)
