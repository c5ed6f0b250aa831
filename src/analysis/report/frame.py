"""The document frame around a brief: heading (issuing office, place and date), links, "Nơi nhận".

Officials read a brief as an administrative document: the office that issues it top left, the
place and date top right, the recipients at the end. The values come from the district's
settings file (`report.settings`); the unit's context (terrain, desk officers) from the
reference tables and the analysis row.
"""

from __future__ import annotations

import html

from analysis.reference.lineage import unit_display_name, units_of_period
from analysis.reference.units import all_units, units_2021
from analysis.report.labels import label_terrain
from analysis.report.narrative import format_number, is_missing
from analysis.report.scope import scope_terms
from analysis.report.settings import (
    format_issue_line,
    load_report_settings,
    recipients_for,
    settings_for_period,
)

INDEX_PAGE = "index.html"
OVERVIEW_PAGE = "tong-quan-huyen.html"


def unit_terrain(code: str, period: str | None = None) -> str:
    """'island', 'mountain' or 'plain' for a 2021 unit (reference/data/terrain_2021.csv), '' if unknown.

    With a period whose unit under this code is a new xã (2025), '': its terrain is not in our
    sources (a new xã keeping an old name, such as Vật Lại, is larger than the old one).
    """
    units = all_units()
    if period is not None:
        standing = units_of_period(period)
        version = standing.loc[standing["code"] == str(code), "period"]
        if not version.empty and version.iloc[0] != "2021":
            return ""
    match = units[(units["code"] == str(code)) & (units["period"] == "2021")]
    if match.empty:
        match = units[units["code"] == str(code)]
    return (
        "" if match.empty or is_missing(match["terrain"].iloc[0]) else str(match["terrain"].iloc[0])
    )


def describe_unit_context(
    code: str, officers_on_desk: object = None, period: str | None = None
) -> str:
    """One line on the unit for the chairman: terrain and the one-stop desk's officers."""
    parts = []
    terrain = label_terrain(unit_terrain(code, period))
    if terrain:
        parts.append(f"Địa bàn: {terrain}")
    if not is_missing(officers_on_desk):
        count = format_number(officers_on_desk, 0 if float(officers_on_desk).is_integer() else 1)
        parts.append(f"bộ phận một cửa: {count}\u00a0cán bộ (bình quân trong kỳ)")
    line = "; ".join(parts)
    return line[:1].upper() + line[1:] + "." if parts else ""  # a sentence of its own


def list_label(period: str | None) -> str:
    """'Danh sách 31 xã, thị trấn' (2021 units), 'Danh sách 8 xã' (units of 1/7/2025)."""
    units = units_2021() if period is None else units_of_period(period)
    return f"Danh sách {len(units)} {scope_terms(period).kinds}"


def overview_link_text(period: str | None) -> str:
    """'Tổng quan toàn huyện' while the district stands, 'Tổng quan toàn địa bàn' after."""
    return f"Tổng quan {scope_terms(period).whole}"


def overview_title(period: str | None) -> str:
    """'Tổng quan CCHC huyện Ba Vì' / 'Tổng quan CCHC địa bàn huyện Ba Vì cũ' (page titles)."""
    return f"Tổng quan CCHC {scope_terms(period).area}"


def index_title(period: str | None) -> str:
    """'Cải cách hành chính các xã, thị trấn huyện Ba Vì' (2021) or the 2025 area's wording."""
    return f"Cải cách hành chính {scope_terms(period).units_title()}"


def index_tab_title(period: str | None) -> str:
    """The index's <title>: 'Bản tin CCHC các xã, thị trấn huyện Ba Vì' (2021)."""
    return f"Bản tin CCHC {scope_terms(period).units_title()}"


def build_frame(parameters: dict | None, settings: dict | None = None) -> dict:
    """What the template shows around a page: heading, links and 'Nơi nhận' (plain strings)."""
    parameters = parameters or {}
    code = parameters.get("commune_code")
    period = parameters.get("period")
    settings = settings_for_period(settings or load_report_settings(), period)
    unit = unit_display_name(str(code), period) if code else None
    links = [{"href": INDEX_PAGE, "text": list_label(period)}]
    if code:
        links.append({"href": OVERVIEW_PAGE, "text": overview_link_text(period)})
    return {
        "parent": settings["issuer"].get("parent", ""),
        "office": settings["issuer"].get("office", ""),
        "issue_line": format_issue_line(settings),
        "prepared_by": settings["issuer"].get("prepared_by", ""),
        "recipients": recipients_for(settings, unit),
        "links": links,
    }


def render_frame_head(frame: dict) -> str:
    """The heading block as HTML (used by the index page; briefs get it from the template)."""
    e = html.escape
    links = " · ".join(
        f'<a href="{e(link["href"])}">{e(link["text"])}</a>' for link in frame["links"]
    )
    return (
        '<header class="doc-head"><div class="doc-issuer">'
        f'<div>{e(frame["parent"])}</div><div class="doc-office">{e(frame["office"])}</div></div>'
        f'<div class="doc-date">{e(frame["issue_line"])}</div></header>'
        + (f'<nav class="doc-nav">{links}</nav>' if links else "")
    )


def render_recipients(frame: dict) -> str:
    """'Nơi nhận' as HTML (used by the index page; briefs get it from the template)."""
    e = html.escape
    items = "".join(f"<li>{e(line)}</li>" for line in frame["recipients"])
    return (
        f'<footer class="doc-recipients"><p><b><i>Nơi nhận:</i></b></p><ul>{items}</ul>'
        f'<p class="doc-prepared">Lập bởi: {e(frame["prepared_by"])}</p></footer>'
    )
