"""Status words of one-stop systems -> resolved | pending | awaiting_supplement | refused | withdrawn.

The words live in status_words.csv beside this file, one row per wording, matched on folded text
(no diacritics, lower case, punctuation as spaces). The FIRST row that matches decides, so order
matters: withdrawals and refusals before "đã" / "chờ" words ("Đã trả lại hồ sơ" is a refusal).
Columns: `status`; `match` = word (a whole word), contains (anywhere), first_word, regex (searched);
`text`, folded; `unless`: folded texts (`|`-separated) that veto the row when present; `note`: why.
A new wording is one row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError
from analysis.text import fold

STATUS_WORDS_FILE = Path(__file__).with_name("status_words.csv")
STATUSES = ("resolved", "pending", "awaiting_supplement", "refused", "withdrawn")

_MATCHERS: dict[str, Callable[[str], Callable[[str], bool]]] = {
    "word": lambda text: lambda key: text in key.split(),
    "contains": lambda text: lambda key: text in key,
    "first_word": lambda text: lambda key: key.split(" ", 1)[0] == text,
    "regex": lambda text: re.compile(text).search,
}


@dataclass(frozen=True)
class StatusWord:
    status: str
    match: str
    text: str
    unless: tuple[str, ...]
    matches: Callable[[str], object]

    def applies(self, key: str) -> bool:
        return bool(self.matches(key)) and not any(veto in key for veto in self.unless)


def load_status_words(path: Path = STATUS_WORDS_FILE) -> tuple[StatusWord, ...]:
    """The rows of the CSV in file order; a wrong status or match kind names its line."""
    words = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["status"] not in STATUSES or row["match"] not in _MATCHERS:
                raise UserError(
                    f"{path.name} line {line}: status must be one of {', '.join(STATUSES)} and "
                    f"match one of {', '.join(_MATCHERS)} (got {row['status']!r}, {row['match']!r})"
                )
            unless = tuple(t for t in (row["unless"] or "").split("|") if t)
            matches = _MATCHERS[row["match"]](row["text"])
            words.append(StatusWord(row["status"], row["match"], row["text"], unless, matches))
    return tuple(words)


STATUS_WORDS = load_status_words()


def status_of(value: object, words: tuple[StatusWord, ...] = STATUS_WORDS) -> str | None:
    """The status of the first row of status_words.csv that matches; None when none does."""
    key = fold(value)
    if not key:
        return None
    return next((w.status for w in words if w.applies(key)), None)
