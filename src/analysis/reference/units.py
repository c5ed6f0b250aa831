"""The commune-level units of huyện Ba Vì, their GSO codes, aliases and the 2025 reorganisation.

A bare 5-digit code is ambiguous across periods (09619 was TT Tây Đằng, then xã Quảng Oai),
so every lookup is keyed by (code, date). Facts come from the GSO list (2021) and the 2025
resolutions, which DOMAIN.md marks *unverified*: they live in CSV files beside this module
so they can be corrected without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from analysis.text import fold, normalize_text

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICT_CODE = "271"
DISTRICT_NAME = "Ba Vì"
PROVINCE_CODE = "01"
PROVINCE_NAME = "Hà Nội"
# The 2021 units stood until the merger into Phú Hồng (three of them) or until districts were
# abolished. Their start date is not in our sources; 2008-08-01 (Hà Tây joined Hà Nội) is a floor.
UNITS_2021_FROM = date(2008, 8, 1)
MERGED_2025_01 = {"09637", "09646", "09631"}
LAST_DAY_BEFORE_PHU_HONG = date(2024, 12, 31)
LAST_DAY_OF_DISTRICT = date(2025, 6, 30)
FUZZY_MIN_SCORE = 86.0
FUZZY_MIN_MARGIN = 6.0

_CODE_TEXT = re.compile(r"^\s*0?(\d{4,5})(\.0)?\s*$")
# Prefixes and suffixes in folded form, longest first so "thi tran" wins over "tt".
_PREFIXES = (
    "uy ban nhan dan",
    "ubnd",
    "bo phan mot cua",
    "bo phan tiep nhan va tra ket qua",
    "thi tran",
    "tt",
    "xa",
    "x",
)
_DISTRICT_SUFFIX = re.compile(
    r"\s+(huyen|h)\s+ba vi(\s+(tp|thanh pho)?\s*ha noi)?$|\s+(tp|thanh pho)?\s*ha noi$"
)
_DISTRICT_ONLY = re.compile(r"^(ubnd |uy ban nhan dan )?(huyen|h) ba vi\b")
# "Xã Tản Lĩnh - Ba Vì", "Phong Vân, Ba Vì, Hà Nội": a trailing district name without "huyện"
_BARE_DISTRICT_TAIL = re.compile(r"\s+ba vi(\s+(tp|thanh pho)?\s*ha noi)?$")
# "09640 - Phong Vân", "Phong Vân (09640)": a code written beside the name
_CODE_AND_NAME = re.compile(
    r"^\s*0?(?P<code>\d{4,5})\s*[-–:.]?\s+(?P<name>\D.*)$|^(?P<name2>\D.*?)\s*\(\s*0?(?P<code2>\d{4,5})\s*\)\s*$"
)


def _as_date(value: date | str | pd.Timestamp | None) -> date | None:
    if value is None:
        return None
    return pd.Timestamp(value).date()


@lru_cache(maxsize=1)
def all_units() -> pd.DataFrame:
    """Every unit version with its validity window (`valid_to` empty = still valid)."""
    old = pd.read_csv(DATA_DIR / "units_2021.csv", dtype=str)
    terrain = pd.read_csv(DATA_DIR / "terrain_2021.csv", dtype=str)
    old = old.merge(terrain, on="code", how="left")
    old["terrain"] = old["terrain"].fillna("plain")
    old["valid_from"] = pd.Timestamp(UNITS_2021_FROM)
    old["valid_to"] = pd.Timestamp(LAST_DAY_OF_DISTRICT)
    old.loc[old["code"].isin(MERGED_2025_01), "valid_to"] = pd.Timestamp(LAST_DAY_BEFORE_PHU_HONG)
    old["period"] = "2021"
    new = pd.read_csv(DATA_DIR / "units_2025.csv", dtype=str)
    new["valid_from"] = pd.to_datetime(new["valid_from"])
    new["valid_to"] = pd.to_datetime(new["valid_to"])
    new["terrain"] = pd.NA
    new["period"] = new["valid_from"].dt.strftime("%Y-%m")
    cols = ["code", "name", "unit_type", "terrain", "valid_from", "valid_to", "period"]
    units = pd.concat([old[cols], new[cols]], ignore_index=True)
    units["name"] = units["name"].map(normalize_text)
    return units


def units_on(on: date | str = date(2021, 12, 31)) -> pd.DataFrame:
    """The units that existed on a date (default: the 31 units of 2021)."""
    day = pd.Timestamp(_as_date(on))
    units = all_units()
    valid = (units["valid_from"] <= day) & (units["valid_to"].isna() | (units["valid_to"] >= day))
    return units[valid].reset_index(drop=True)


def units_2021() -> pd.DataFrame:
    """The 31 commune-level units (30 xã and thị trấn Tây Đằng) reviewed by the district in 2021."""
    return units_on(date(2021, 12, 31))


def unit_on(code: str, on: date | str) -> pd.Series:
    """The unit that code C designated on date D; KeyError if none did."""
    code = normalize_code(code)
    units = units_on(on)
    match = units[units["code"] == code]
    if match.empty:
        raise KeyError(f"no unit of huyện Ba Vì had code {code} on {_as_date(on)}")
    return match.iloc[0]


def unit_name(code: str, on: date | str = date(2021, 12, 31)) -> str:
    """Display name of a code on a date, e.g. '09640' -> 'Phong Vân'."""
    return str(unit_on(code, on)["name"])


def display_name(code: str, on: date | str = date(2021, 12, 31)) -> str:
    """Name with its type, as officials write it: 'xã Phong Vân', 'thị trấn Tây Đằng'."""
    unit = unit_on(code, on)
    return f"{str(unit['unit_type']).lower()} {unit['name']}"


@lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """Old-to-new links of the 2025 reorganisation (*unverified*; split shares unknown)."""
    table = pd.read_csv(DATA_DIR / "crosswalk_2025.csv", dtype=str)
    table["effective_date"] = pd.to_datetime(table["effective_date"])
    return table


def successors(old_code: str, old_name: str | None = None) -> pd.DataFrame:
    """What an old unit became, following every step (2021 -> Phú Hồng -> 2025-07 xã).

    `old_name` disambiguates 09646, which was Phú Phương and then Phú Hồng.
    """
    links = crosswalk()
    code = normalize_code(old_code)
    current = links[links["old_code"] == code]
    if old_name is not None:
        current = current[current["old_name"].map(fold) == fold(old_name)]
    if current.empty:
        raise KeyError(f"code {code} has no successor in the 2025 crosswalk")
    steps = []
    for _, link in current.iterrows():
        later = links[
            (links["old_code"] == link["new_code"])
            & (links["old_name"] == link["new_name"])
            & (links["effective_date"] > link["effective_date"])
        ]
        if later.empty:
            steps.append(link.to_frame().T)
        else:
            chained = later.copy()
            chained["old_code"], chained["old_name"] = link["old_code"], link["old_name"]
            if link["relationship"] == "part":
                chained["relationship"] = "part"
            steps.append(chained)
    return pd.concat(steps, ignore_index=True).drop_duplicates(ignore_index=True)


def successors_on(old_code: str, old_name: str, on: date | str) -> pd.DataFrame:
    """The unit(s) that an old (code, name) had become by date D, following each step in force.

    Châu Sơn is Phú Hồng on 2025-03-01 and Cổ Đô on 2025-08-01. `relationship` is "part" when
    any step on the way divided the unit (its rows cannot be assigned without a further rule).
    Empty when the unit still stood on D.
    """
    links = crosswalk()
    day = pd.Timestamp(_as_date(on))
    in_force = links[links["effective_date"] <= day]
    frontier = [(normalize_code(old_code), str(old_name), "whole", pd.Timestamp.min)]
    reached: dict[tuple[str, str], tuple[str, str]] = {}
    while frontier:
        code, name, relationship, since = frontier.pop()
        steps = in_force[
            (in_force["old_code"] == code)
            & (in_force["old_name"].map(fold) == fold(name))
            & (in_force["effective_date"] > since)  # 09664 Vật Lại -> 09664 Vật Lại is one step
        ]
        if steps.empty:
            if since != pd.Timestamp.min:
                reached[(code, fold(name))] = (name, relationship)
            continue
        for _, step in steps.iterrows():
            kind = "part" if "part" in (relationship, step["relationship"]) else "whole"
            frontier.append((step["new_code"], str(step["new_name"]), kind, step["effective_date"]))
    rows = [
        {"new_code": code, "new_name": name, "relationship": kind}
        for (code, _), (name, kind) in reached.items()
    ]
    return pd.DataFrame(rows, columns=["new_code", "new_name", "relationship"])


def normalize_code(value: object) -> str:
    """Return a 5-digit code string, restoring a leading zero lost by a spreadsheet (9640 -> '09640')."""
    match = _CODE_TEXT.match(str(value))
    if not match:
        raise ValueError(f"not a commune code: {value!r}")
    return match.group(1).zfill(5)


@dataclass(frozen=True)
class Resolution:
    """Outcome of resolving a unit's written name: a code, or a reason why not."""

    code: str | None
    method: str  # exact | alias | code | fuzzy | via_crosswalk | unresolved
    reason: str | None = None


@dataclass(frozen=True)
class _Predecessor:
    """An old unit name that no longer stood on the resolver's date, and what it had become."""

    name: str
    codes: tuple[str, ...]  # successors existing on the date
    successor_names: tuple[str, ...]
    divided: bool


def strip_unit_affixes(folded: str) -> str:
    """Drop 'UBND', 'xã', 'X.', 'TT', 'thị trấn' prefixes and ', huyện Ba Vì, Hà Nội' suffixes."""
    text = folded
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                changed = True
    return _DISTRICT_SUFFIX.sub("", text).strip()


class CommuneResolver:
    """Resolve written unit names to GSO codes, restricted to the district's units on a date.

    Matching is exact on folded names first, then on aliases, then fuzzy (rapidfuzz) with a
    high score *and* a margin over the runner-up, so a guess is never made between two
    plausible communes. Anything else is unresolved with a reason.
    """

    def __init__(self, on: date | str = date(2021, 12, 31)):
        self.on = _as_date(on)
        units = units_on(self.on)
        self.codes = set(units["code"])
        # the span in which this set of units stood unchanged, for messages ("2008-08-01 to 2024-12-31")
        self.period = f"{units['valid_from'].max():%Y-%m-%d} to " + (
            f"{units['valid_to'].min():%Y-%m-%d}" if units["valid_to"].notna().all() else "now"
        )
        self.by_folded: dict[str, str] = {fold(n): c for n, c in zip(units["name"], units["code"])}
        # aliases are spellings of the 2021 units; a code reused by a later unit (09619: Tây Đằng,
        # then Quảng Oai) must not carry the old unit's aliases over to the new one
        aliases = pd.read_csv(DATA_DIR / "aliases.csv", dtype=str)
        names_2021 = dict(zip(units_2021()["code"], units_2021()["name"].map(fold)))
        current_names = dict(zip(units["code"], units["name"].map(fold)))
        self.aliases: dict[str, str] = {
            strip_unit_affixes(fold(a)): c
            for a, c in zip(aliases["alias"], aliases["code"])
            if c in self.codes and names_2021.get(c) == current_names[c]
        }
        self.predecessors = self._predecessors(units)
        self._choices = list(self.by_folded)
        self._all_choices = self._choices + [
            name for name in self.predecessors if name not in self.by_folded
        ]

    def _predecessors(self, current: pd.DataFrame) -> dict[str, _Predecessor]:
        """Folded names (and aliases) of units gone by `self.on`, each with its successors then.

        An export written after a merger often keeps the old name ("Xã Tản Hồng" in 2025-08);
        the crosswalk says what it became, so such rows are kept, flagged `via_crosswalk`.
        """
        units = all_units()
        gone = units[units["valid_to"].notna() & (units["valid_to"] < pd.Timestamp(self.on))]
        found: dict[str, _Predecessor] = {}
        for code, name in zip(gone["code"], gone["name"]):
            after = successors_on(code, name, self.on)
            after = after[after["new_code"].isin(self.codes)].sort_values("new_name")
            if after.empty:
                continue
            found[fold(name)] = _Predecessor(
                name=name,
                codes=tuple(after["new_code"]),
                successor_names=tuple(after["new_name"]),
                divided=bool((after["relationship"] == "part").any()) or len(after) > 1,
            )
        aliases = pd.read_csv(DATA_DIR / "aliases.csv", dtype=str)
        names_2021 = dict(zip(units_2021()["code"], units_2021()["name"]))
        for alias, code in zip(aliases["alias"], aliases["code"]):
            key = strip_unit_affixes(fold(alias))
            old = fold(names_2021.get(code, ""))
            if old in found and key not in found:
                found[key] = found[old]
        return found

    def _predecessor_key(self, raw: str) -> str | None:
        """The folded name of a gone unit that `raw` spells exactly, if any (never a current one)."""
        key = strip_unit_affixes(fold(normalize_text(raw)))
        without_tail = strip_unit_affixes(_BARE_DISTRICT_TAIL.sub("", key))
        for candidate in dict.fromkeys((key, without_tail)):
            if candidate in self.by_folded or candidate in self.aliases:
                return None
            if candidate in self.predecessors:
                return candidate
        return None

    def _via_crosswalk(self, raw: str, key: str) -> Resolution:
        """Resolve a gone unit's name through the crosswalk, or say why it cannot be."""
        before = self.predecessors[key]
        if before.divided:
            names = " and ".join(f"xã {n}" for n in before.successor_names)
            return Resolution(
                None,
                "unresolved",
                f"'{raw}' was divided between {names} by {self.on:%Y-%m-%d}; "
                "the row does not say which part",
            )
        return Resolution(before.codes[0], "via_crosswalk")

    def resolve(self, value: object) -> Resolution:
        """Resolve one written name (or code) to a code of a unit existing on `self.on`."""
        raw = normalize_text(value)
        if not raw:
            return Resolution(None, "unresolved", "unit is empty")
        if _CODE_TEXT.match(raw):
            code = normalize_code(raw)
            if code in self.codes:
                return Resolution(code, "code")
            return Resolution(
                None, "unresolved", f"code {code} is not a unit of huyện Ba Vì ({self.period})"
            )
        pair = _CODE_AND_NAME.match(raw)
        if pair:
            return self._resolve_code_and_name(
                raw,
                pair.group("code") or pair.group("code2"),
                pair.group("name") or pair.group("name2"),
            )
        folded = fold(raw)
        if _DISTRICT_ONLY.match(folded) and not re.search(r"\b(xa|x|thi tran|tt)\b", folded):
            return Resolution(None, "unresolved", f"'{raw}' is the district, not a commune")
        key = strip_unit_affixes(folded)
        without_tail = strip_unit_affixes(_BARE_DISTRICT_TAIL.sub("", key))
        for candidate in dict.fromkeys((key, without_tail)):
            if candidate in self.by_folded:
                return Resolution(self.by_folded[candidate], "exact")
            if candidate in self.aliases:
                return Resolution(self.aliases[candidate], "alias")
        gone = self._predecessor_key(raw)
        if gone is not None:
            return self._via_crosswalk(raw, gone)
        key = without_tail or key
        if len(key) >= 4:
            best = process.extract(key, self._all_choices, scorer=fuzz.ratio, limit=2)
            if best and best[0][1] >= FUZZY_MIN_SCORE:
                runner_up = best[1][1] if len(best) > 1 else 0.0
                if best[0][1] - runner_up >= FUZZY_MIN_MARGIN:
                    if best[0][0] not in self.by_folded:
                        return self._via_crosswalk(raw, best[0][0])
                    return Resolution(self.by_folded[best[0][0]], "fuzzy")
                return Resolution(
                    None,
                    "unresolved",
                    f"'{raw}' is ambiguous between {best[0][0]} and {best[1][0]}",
                )
        return Resolution(
            None, "unresolved", f"'{raw}' is not a unit of huyện Ba Vì ({self.period})"
        )

    def _resolve_code_and_name(self, raw: str, code_text: str, name: str) -> Resolution:
        """A code written beside a name counts only when both designate the same unit."""
        code = normalize_code(code_text)
        by_name = self.resolve(name)
        if self._predecessor_key(name) is not None:
            # a gone unit's name beside a code: the code may have been reused (09619 Tây Đằng
            # became part of Quảng Oai), so the name and the crosswalk decide
            return by_name
        if code not in self.codes:
            return Resolution(
                None,
                "unresolved",
                f"code {code} in '{raw}' is not a unit of huyện Ba Vì ({self.period})",
            )
        if by_name.code is not None and by_name.code != code:
            return Resolution(
                None, "unresolved", f"'{raw}': code {code} and name disagree ({by_name.code})"
            )
        return Resolution(code, "code")

    def resolve_series(self, values: pd.Series) -> pd.DataFrame:
        """Resolve a column, each distinct spelling once; returns code, method and reason per row."""
        uniques = pd.unique(values.astype("object"))
        table = {u: self.resolve(u) for u in uniques}
        as_obj = values.astype("object")
        return pd.DataFrame(
            {
                "commune_code": as_obj.map(lambda v: table[v].code),
                "match_method": as_obj.map(lambda v: table[v].method),
                "unresolved_reason": as_obj.map(lambda v: table[v].reason),
            },
            index=values.index,
        )
