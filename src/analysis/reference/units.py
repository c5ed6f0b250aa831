"""The commune-level units of huyện Ba Vì, their GSO codes, aliases and the 2025 reorganisation.

A bare 5-digit code is ambiguous across periods (09619 was TT Tây Đằng, then xã Quảng Oai),
so every lookup is keyed by (code, date). Facts come from the GSO list (2021) and the 2025
resolutions, which DOMAIN.md marks *unverified*: they live in CSV files beside this module
so they can be corrected without touching code.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from analysis.errors import UserError
from analysis.text import fold, normalize_text

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICT_CODE = "271"
DISTRICT_NAME = "Ba Vì"
PROVINCE_CODE = "01"
PROVINCE_NAME = "Hà Nội"
# The 2021 units stood until their first crosswalk step (Phú Hồng on 1/1/2025, the district's
# end on 1/7/2025). Their start is not in our sources; 2008-08-01 (Hà Tây joined Hà Nội) is a floor.
UNITS_2021_FROM = date(2008, 8, 1)
# The district level of local government ended in the whole country on 1/7/2025 (two-level local
# government): a national fact, the same for every district's table. Pages about later periods
# cannot speak of a district (report.scope).
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
_CODE_AND_NAME = re.compile(
    r"^\s*0?(?P<code>\d{4,5})\s*[-–:.]?\s+(?P<name>\D.*)$|^(?P<name2>\D.*?)\s*\(\s*0?(?P<code2>\d{4,5})\s*\)\s*$"
)


def _as_date(value: date | str | pd.Timestamp | None) -> date | None:
    if value is None:
        return None
    return pd.Timestamp(value).date()


def _district_patterns(district: str, province: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """The district's own name written after or instead of a unit: ', huyện Ba Vì, Hà Nội',
    'UBND huyện Ba Vì', a bare trailing ' - Ba Vì' (patterns on folded text)."""
    name, city = re.escape(fold(district)), re.escape(fold(province))
    suffix = re.compile(
        rf"\s+(huyen|h)\s+{name}(\s+(tp|thanh pho)?\s*{city})?$|\s+(tp|thanh pho)?\s*{city}$"
    )
    only = re.compile(rf"^(ubnd |uy ban nhan dan )?(huyen|h) {name}\b")
    tail = re.compile(rf"\s+{name}(\s+(tp|thanh pho)?\s*{city})?$")
    return suffix, only, tail


def _read_optional(path: Path, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str) if path.exists() else pd.DataFrame(columns=columns)


class UnitTable:
    """One district's commune-level units as data: a folder of CSV files (Ba Vì's is `DATA_DIR`).

    `units_2021.csv` (code, name, unit_type, district_code, district_name, province_code,
    province_name) lists the units standing before any reorganisation; optional beside it:
    `units_2025.csv` (later unit versions with valid_from/valid_to), `crosswalk_2025.csv`
    (old -> new links with effective_date), `aliases.csv` and `terrain_2021.csv`. An old unit
    stands until the day before its first crosswalk step, so no dates are written in code.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        old = pd.read_csv(self.folder / "units_2021.csv", dtype=str)
        if old.empty:
            raise ValueError(f"{self.folder / 'units_2021.csv'}: no units")
        first = old.iloc[0]
        self.district_code = str(first.get("district_code", ""))
        self.district_name = normalize_text(first.get("district_name", ""))
        self.province_name = normalize_text(first.get("province_name", ""))
        self.crosswalk = _read_optional(
            self.folder / "crosswalk_2025.csv",
            ["old_code", "old_name", "new_code", "new_name", "relationship", "effective_date"],
        )
        self.crosswalk["effective_date"] = pd.to_datetime(self.crosswalk["effective_date"])
        self.aliases = _read_optional(self.folder / "aliases.csv", ["alias", "code", "note"])
        self.units = self._all_units(old)
        self.suffix, self.district_only, self.bare_tail = _district_patterns(
            self.district_name, self.province_name
        )

    def _all_units(self, old: pd.DataFrame) -> pd.DataFrame:
        terrain = _read_optional(self.folder / "terrain_2021.csv", ["code", "terrain"])
        old = old.merge(terrain, on="code", how="left")
        old["terrain"] = old["terrain"].fillna("plain")
        old["valid_from"] = pd.Timestamp(UNITS_2021_FROM)
        steps = self.crosswalk.assign(
            key=self.crosswalk["old_code"] + "|" + self.crosswalk["old_name"].map(fold)
        )
        first_step = steps.groupby("key")["effective_date"].min()
        keys = old["code"] + "|" + old["name"].map(fold)
        old["valid_to"] = pd.to_datetime(keys.map(first_step)) - pd.Timedelta(days=1)
        old["period"] = "2021"
        cols = ["code", "name", "unit_type", "terrain", "valid_from", "valid_to", "period"]
        new = _read_optional(self.folder / "units_2025.csv", cols[:3] + ["valid_from", "valid_to"])
        new["valid_from"] = pd.to_datetime(new["valid_from"])
        new["valid_to"] = pd.to_datetime(new["valid_to"])
        new["terrain"] = pd.NA
        new["period"] = new["valid_from"].dt.strftime("%Y-%m")
        parts = [old[cols]] + ([new[cols]] if len(new) else [])
        units = pd.concat(parts, ignore_index=True)
        units["name"] = units["name"].map(normalize_text)
        return units

    @property
    def period_starts(self) -> tuple[pd.Timestamp, ...]:
        """Days from which the set of units changed (the first period starts in 1900)."""
        days = {pd.Timestamp("1900-01-01")}
        days |= {d for d in self.units["valid_from"] if d > pd.Timestamp(UNITS_2021_FROM)}
        days |= {d + pd.Timedelta(days=1) for d in self.units["valid_to"].dropna()}
        return tuple(sorted(days))

    def fingerprint(self) -> str:
        """SHA-256 over the folder's CSV files: cleaned results depend on them."""
        digest = hashlib.sha256()
        for path in sorted(self.folder.glob("*.csv")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()


@lru_cache(maxsize=32)
def load_unit_table(folder: Path = DATA_DIR) -> UnitTable:
    """The unit table in `folder`, read once per process."""
    return UnitTable(Path(folder).resolve())


_active: Path | None = None  # a plain global, not a ContextVar: clean's worker threads read it


def active_table() -> UnitTable:
    """The unit table of the district being processed (Ba Vì's unless `using_units` says)."""
    return load_unit_table(_active or DATA_DIR)


@contextmanager
def using_units(folder: Path | str | None) -> Iterator[UnitTable]:
    """Within the block, every lookup here (and so clean and the generator) uses `folder`'s
    table; None keeps the current one."""
    global _active
    before = _active
    if folder is not None:
        if not (Path(folder) / "units_2021.csv").is_file():
            raise UserError(f"{folder}: no units_2021.csv (the unit table of a district)")
        _active = Path(folder).resolve()
    try:
        yield active_table()
    finally:
        _active = before


def all_units(table: UnitTable | None = None) -> pd.DataFrame:
    """Every unit version with its validity window (`valid_to` empty = still valid)."""
    return (table or active_table()).units


def units_on(on: date | str = date(2021, 12, 31), table: UnitTable | None = None) -> pd.DataFrame:
    """The units that existed on a date (default: the 31 units of 2021)."""
    day = pd.Timestamp(_as_date(on))
    units = all_units(table)
    valid = (units["valid_from"] <= day) & (units["valid_to"].isna() | (units["valid_to"] >= day))
    return units[valid].reset_index(drop=True)


def units_2021(table: UnitTable | None = None) -> pd.DataFrame:
    """The 31 commune-level units (30 xã and thị trấn Tây Đằng) reviewed by the district in 2021."""
    return units_on(date(2021, 12, 31), table)


def unit_on(code: str, on: date | str) -> pd.Series:
    """The unit that code C designated on date D; KeyError if none did."""
    code = normalize_code(code)
    units = units_on(on)
    match = units[units["code"] == code]
    if match.empty:
        raise KeyError(
            f"no unit of huyện {active_table().district_name} had code {code} on {_as_date(on)}"
        )
    return match.iloc[0]


def unit_name(code: str, on: date | str = date(2021, 12, 31)) -> str:
    """Display name of a code on a date, e.g. '09640' -> 'Phong Vân'."""
    return str(unit_on(code, on)["name"])


def display_name(code: str, on: date | str = date(2021, 12, 31)) -> str:
    """Name with its type, as officials write it: 'xã Phong Vân', 'thị trấn Tây Đằng'."""
    unit = unit_on(code, on)
    return f"{str(unit['unit_type']).lower()} {unit['name']}"


def crosswalk(table: UnitTable | None = None) -> pd.DataFrame:
    """Old-to-new links of the 2025 reorganisation (*unverified*; split shares unknown)."""
    return (table or active_table()).crosswalk


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


def successors_on(
    old_code: str, old_name: str, on: date | str, table: UnitTable | None = None
) -> pd.DataFrame:
    """The unit(s) that an old (code, name) had become by date D, following each step in force.

    Châu Sơn is Phú Hồng on 2025-03-01 and Cổ Đô on 2025-08-01. `relationship` is "part" when
    any step on the way divided the unit (its rows cannot be assigned without a further rule).
    Empty when the unit still stood on D.
    """
    links = crosswalk(table)
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


def strip_unit_affixes(folded: str, table: UnitTable | None = None) -> str:
    """Drop 'UBND', 'xã', 'X.', 'TT', 'thị trấn' prefixes and ', huyện Ba Vì, Hà Nội' suffixes."""
    text = folded
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix + " "):
                text = text[len(prefix) + 1 :]
                changed = True
    return (table or active_table()).suffix.sub("", text).strip()


class CommuneResolver:
    """Resolve written unit names to GSO codes, restricted to the district's units on a date.

    Matching is exact on folded names first, then on aliases, then fuzzy (rapidfuzz) with a
    high score *and* a margin over the runner-up, so a guess is never made between two
    plausible communes. Anything else is unresolved with a reason.
    """

    def __init__(self, on: date | str = date(2021, 12, 31), table: UnitTable | None = None):
        self.on = _as_date(on)
        self.table = table or active_table()
        self.district = f"huyện {self.table.district_name}"
        units = units_on(self.on, self.table)
        self.codes = set(units["code"])
        # the span in which this set of units stood unchanged, for messages ("2008-08-01 to 2024-12-31")
        self.period = f"{units['valid_from'].max():%Y-%m-%d} to " + (
            f"{units['valid_to'].min():%Y-%m-%d}" if units["valid_to"].notna().all() else "now"
        )
        self.by_folded: dict[str, str] = {fold(n): c for n, c in zip(units["name"], units["code"])}
        # aliases are spellings of the 2021 units; a code reused by a later unit (09619: Tây Đằng,
        # then Quảng Oai) must not carry the old unit's aliases over to the new one
        aliases = self.table.aliases
        old = units_2021(self.table)
        names_2021 = dict(zip(old["code"], old["name"].map(fold)))
        current_names = dict(zip(units["code"], units["name"].map(fold)))
        self.aliases: dict[str, str] = {
            strip_unit_affixes(fold(a), self.table): c
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
        units = self.table.units
        gone = units[units["valid_to"].notna() & (units["valid_to"] < pd.Timestamp(self.on))]
        found: dict[str, _Predecessor] = {}
        for code, name in zip(gone["code"], gone["name"]):
            after = successors_on(code, name, self.on, self.table)
            after = after[after["new_code"].isin(self.codes)].sort_values("new_name")
            if after.empty:
                continue
            found[fold(name)] = _Predecessor(
                name=name,
                codes=tuple(after["new_code"]),
                successor_names=tuple(after["new_name"]),
                divided=bool((after["relationship"] == "part").any()) or len(after) > 1,
            )
        aliases = self.table.aliases
        old = units_2021(self.table)
        names_2021 = dict(zip(old["code"], old["name"]))
        for alias, code in zip(aliases["alias"], aliases["code"]):
            key = strip_unit_affixes(fold(alias), self.table)
            old = fold(names_2021.get(code, ""))
            if old in found and key not in found:
                found[key] = found[old]
        return found

    def _predecessor_key(self, raw: str) -> str | None:
        """The folded name of a gone unit that `raw` spells exactly, if any (never a current one)."""
        key = strip_unit_affixes(fold(normalize_text(raw)), self.table)
        without_tail = strip_unit_affixes(self.table.bare_tail.sub("", key), self.table)
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
                None, "unresolved", f"code {code} is not a unit of {self.district} ({self.period})"
            )
        pair = _CODE_AND_NAME.match(raw)
        if pair:
            return self._resolve_code_and_name(
                raw,
                pair.group("code") or pair.group("code2"),
                pair.group("name") or pair.group("name2"),
            )
        folded = fold(raw)
        if self.table.district_only.match(folded) and not re.search(
            r"\b(xa|x|thi tran|tt)\b", folded
        ):
            return Resolution(None, "unresolved", f"'{raw}' is the district, not a commune")
        key = strip_unit_affixes(folded, self.table)
        without_tail = strip_unit_affixes(self.table.bare_tail.sub("", key), self.table)
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
            None, "unresolved", f"'{raw}' is not a unit of {self.district} ({self.period})"
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
                f"code {code} in '{raw}' is not a unit of {self.district} ({self.period})",
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
