"""The figures of a brief, machine-readable: one JSON block per brief that the index and tests read.

Each commune brief embeds `<script type="application/json" id="brief-figures">` holding the
numbers its sentences are built from and its recommendations with the figures each rests on.
`read_brief_figures` reads them back from a built brief, so the index, the overview and the tests
read the very numbers the chairman reads.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import pandas as pd

from analysis.report.narrative import is_missing

SCRIPT_ID = "brief-figures"
COUNT_KEYS = (
    "carried_over",
    "received",
    "received_online",
    "received_level_3",
    "received_level_4",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "closed_other",
)
# nbconvert may reorder the attributes (id before type): match either order
_BLOCK = re.compile(
    r'<script\b(?=[^>]*\bid="'
    + SCRIPT_ID
    + r'")(?=[^>]*\btype="application/json")[^>]*>(.*?)</script>',
    re.DOTALL,
)


def _plain(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return value.item()
    return value


def compute_brief_figures(row: pd.Series, recommendations: list[dict]) -> dict:
    """The brief's figures from its indicator row (one commune, one period) and recommendations."""
    figures = {
        "commune_code": str(row["commune_code"]),
        "period": str(row["period"]),
        "period_start": pd.Timestamp(row["period_start"]).date().isoformat(),
        "period_end": pd.Timestamp(row["period_end"]).date().isoformat(),
        **{key: int(row[key]) for key in COUNT_KEYS},
        "pending_at_end": int(row["pending"]),
        "pending_overdue_at_end": int(row["pending_overdue"]),
        "late_rate": _plain(row["late_rate"]),
        "late_rate_convention": str(row["late_rate_convention"]),
        "on_time_rate": _plain(row.get("on_time_rate")),
        "online_share": _plain(row["online_share"]),
        "recommendations": recommendations,
    }
    return figures


def embed_brief_figures(figures: dict) -> str:
    """The HTML block: JSON with every '<', '>' and '&' escaped, so no value can close the element."""
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{SCRIPT_ID}">{text}</script>'


def read_brief_figures(source: str | Path) -> dict:
    """The figures embedded in a built brief (a path or the HTML text); {} when there are none."""
    text = source
    if isinstance(source, Path) or (
        isinstance(source, str) and not source.lstrip().startswith("<")
    ):
        text = Path(source).read_text(encoding="utf-8")
    match = _BLOCK.search(text)
    if not match:
        return {}
    raw = match.group(1)
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        # nbconvert keeps text/html outputs verbatim; an escaped copy is read back as well
        return json.loads(html.unescape(raw))


def read_period_figures(folder: str | Path) -> pd.DataFrame:
    """One row per brief in a period folder (`reports/<period>/`), for the index and overview."""
    rows = []
    for path in sorted(Path(folder).glob("[0-9]*.html")):
        figures = read_brief_figures(path)
        if figures:
            rows.append(
                {k: v for k, v in figures.items() if k != "recommendations"} | {"file": path.name}
            )
    return pd.DataFrame(rows)
