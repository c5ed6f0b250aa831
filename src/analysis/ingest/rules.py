"""Quarantine rules for dossier, roster and register rows: ordered lists of named predicates.

A row is quarantined with the reason of the FIRST rule it fails (the order below is the order
reasons are reported in). To add a rule: add one `Rule` where it belongs in `DOSSIER_RULES`,
`ROSTER_RULES` or `REGISTER_RULES` and a case for it in `tests/test_ingest_quarantine_rules.py`
(every rule must have one).

A predicate gets a `RowContext` (dossiers) or a `TableContext` (rosters, registers) and returns one truth value per row: a numpy array, or a pandas
Series, nullable ones included (missing counts as False, so `ctx.frame["channel"].eq("postal")`
is fine). Where the wording depends on the row, `reason` is a function of the context and the
rows failing, returning one text per such row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest.vector import filled


@dataclass
class RowContext:
    """What rules look at: the raw cells (`body`), the parsed frame, per-column extras."""

    body: pd.DataFrame  # raw cells by canonical column
    frame: pd.DataFrame  # parsed columns (DOSSIER_COLUMNS so far)
    dates: dict[str, pd.Series]  # parsed dates before end_of_processing fills completed_at
    unit_reason: pd.Series  # why the unit was not resolved (categorical), where it was not
    outside: pd.Series  # "<field> date outside ..." where a date falls outside the window
    channel_source: str  # the raw column the channel came from (channel or online_flag)
    personal_id: np.ndarray  # the dossier id holds personal data (analysis.privacy)

    def raw_filled(self, column: str, among) -> np.ndarray:
        """Raw cells holding more than blanks, examined only among the given rows (the rest False)."""
        among = as_mask(among)
        out = np.zeros(len(self.body), dtype=bool)
        if column not in self.body:
            return out
        values = self.body[column]
        candidates = among & values.notna().to_numpy()
        if candidates.any():
            out[candidates] = filled(values[candidates]).to_numpy()
        return out

    def before(self, earlier: str, later: str) -> np.ndarray:
        """Both dates exist and `earlier` falls on an earlier calendar day than `later`."""
        return day_before(self.frame[earlier], self.frame[later])


def day_before(earlier: pd.Series, later: pd.Series) -> np.ndarray:
    """True where both dates exist and the first falls on an earlier calendar day (whole days)."""
    first, second = (
        v.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]") for v in (earlier, later)
    )
    return first < second  # NaT compares False


def as_mask(values) -> np.ndarray:
    """One bool per row; missing (pd.NA) is False."""
    if isinstance(values, pd.Series | pd.Index) or hasattr(values, "to_numpy"):
        return values.to_numpy(dtype=bool, na_value=False)
    return np.asarray(values, dtype=bool)


@dataclass
class TableContext:
    """What roster and register rules look at: the raw cells and the parsed frame."""

    body: pd.DataFrame  # raw cells by canonical column
    frame: pd.DataFrame  # parsed columns (OFFICERS or MEETINGS of analysis.ingest.contract)
    unit_reason: pd.Series | None = None  # why the unit was not resolved (rosters)

    def unparseable(self, column: str) -> np.ndarray:
        """The parsed column is empty although its raw cell holds more than blanks."""
        if column not in self.body:
            return np.zeros(len(self.body), dtype=bool)
        raw = self.body[column].astype("string").str.strip().fillna("")
        return self.frame[column].isna().to_numpy() & raw.ne("").to_numpy()


@dataclass(frozen=True)
class Rule:
    name: str
    test: Callable[[Any], object]  # RowContext or TableContext -> one truth value per row
    reason: str | Callable[[Any, np.ndarray], object]


def _unit_reasons(ctx: RowContext, rows: np.ndarray) -> pd.Categorical:
    """'unknown unit: <why>' for the given rows (worded once per distinct reason)."""
    chosen = ctx.unit_reason.array[rows]
    worded = chosen.rename_categories(["unknown unit: " + str(c) for c in chosen.categories])
    if chosen.isna().any():
        empty = "unknown unit: no unit"
        if empty not in worded.categories:
            worded = worded.add_categories([empty])
        worded = worded.fillna(empty)
    return worded


def _no(column: str) -> Callable[[RowContext], pd.Series]:
    return lambda ctx: ctx.frame[column].isna()


def _unparseable(field: str) -> Callable[[RowContext], np.ndarray]:
    """A date column left empty by the parser although the raw cell holds something."""
    return lambda ctx: ctx.raw_filled(field, ctx.dates[field].isna())


DOSSIER_RULES: list[Rule] = [
    Rule("missing_id", _no("dossier_id"), "missing dossier id"),
    Rule("personal_id", lambda ctx: ctx.personal_id, "personal data in the dossier id"),
    Rule("unparseable_received", _unparseable("received_at"), "unparseable received date"),
    Rule("missing_received", _no("received_at"), "missing received date"),
    Rule("unknown_unit", _no("commune_code"), _unit_reasons),
    Rule(
        "unknown_channel",
        lambda ctx: ctx.raw_filled(ctx.channel_source, ctx.frame["channel"].isna()),
        "unknown channel",
    ),
    Rule("missing_channel", _no("channel"), "missing channel"),
    Rule("unparseable_due", _unparseable("due_at"), "unparseable due date"),
    Rule("unparseable_completed", _unparseable("completed_at"), "unparseable completed date"),
    Rule("unparseable_returned", _unparseable("returned_at"), "unparseable returned date"),
    # years like 1951 or 2099, or after the export's end
    Rule(
        "date_outside_window",
        lambda ctx: ctx.outside.notna(),
        lambda ctx, rows: ctx.outside.to_numpy(dtype=object)[rows],
    ),
    Rule(
        "completed_before_received",
        lambda ctx: day_before(ctx.dates["completed_at"], ctx.frame["received_at"]),
        "completed before received",
    ),
    Rule(
        "returned_before_received",
        lambda ctx: day_before(ctx.dates["returned_at"], ctx.frame["received_at"]),
        "returned before received",
    ),
    Rule(
        "due_before_received",
        lambda ctx: ctx.before("due_at", "received_at"),
        "appointment before received",
    ),
    Rule(
        "resolved_without_date",
        lambda ctx: ctx.frame["status"].eq("resolved") & ctx.frame["completed_at"].isna(),
        "resolved without a result or return date",
    ),
]

ROSTER_RULES: list[Rule] = [
    Rule("missing_name", _no("officer_id"), "missing officer name"),
    Rule(
        "unknown_unit",
        _no("commune_code"),
        lambda ctx, rows: ctx.unit_reason.astype(object).fillna("unknown unit").to_numpy()[rows],
    ),
    Rule("unparseable_start", lambda ctx: ctx.unparseable("start_date"), "unparseable start date"),
    Rule("unparseable_end", lambda ctx: ctx.unparseable("end_date"), "unparseable end date"),
    Rule(
        "end_before_start",
        lambda ctx: ctx.frame["end_date"] < ctx.frame["start_date"],  # NaT compares False
        "end date before start date",
    ),
    Rule(
        "unknown_arrangement",
        _no("is_concurrent"),
        "unknown arrangement (neither kiêm nhiệm nor chuyên trách)",
    ),
]

REGISTER_RULES: list[Rule] = [
    Rule("missing_date", _no("meeting_date"), "missing or unparseable meeting date"),
]

# rules that need every export (deadlines learned from all of them): checked when the exports are
# combined, on the rows no rule above failed (analysis.ingest.clean.clean_dossiers)
NO_DEADLINE = "no appointment date and no known deadline for the procedure"
COMPUTED_DUE_BEFORE_RECEIVED = "appointment before received"


def first_failing(
    rules: list[Rule], ctx: RowContext | TableContext, skipped: np.ndarray, skipped_label: str
) -> pd.Categorical:
    """The reason of the first rule each row fails (missing when none; `skipped_label` for
    skipped rows), as a categorical: codes per row, each reason text stored once."""
    labels: list[str] = [skipped_label]
    code = np.full(len(skipped), -1, dtype=np.int32)
    code[skipped] = 0
    open_rows = ~skipped

    def label(text: str) -> int:
        if text not in labels:
            labels.append(text)
        return labels.index(text)

    for rule in rules:
        target = as_mask(rule.test(ctx)) & open_rows
        if not target.any():
            continue
        if isinstance(rule.reason, str):
            code[target] = label(rule.reason)
        else:
            rows_codes, texts = pd.factorize(rule.reason(ctx, target))
            code[target] = np.array([label(t) for t in texts])[rows_codes]
        open_rows[target] = False
    return pd.Categorical.from_codes(code, categories=labels)


def reasons_of(rules: list[Rule], ctx: TableContext) -> pd.Series:
    """The reason of the first rule each row fails, None where it passes them all."""
    index = ctx.body.index
    found = pd.Series(first_failing(rules, ctx, np.zeros(len(index), dtype=bool), ""), index=index)
    return found.astype(object).where(found.notna(), None)
