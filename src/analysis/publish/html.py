"""Offline HTML: the brief exporter (custom nbconvert template) and the period's index page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from analysis.report.frame import build_frame
from analysis.report.labels import label_convention, label_period
from analysis.report.narrative import format_percent
from analysis.report.provenance import PROVENANCE_MIMETYPE

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
REMOVE_TAGS = {"parameters", "injected-parameters", "remove-cell"}


def make_exporter() -> HTMLExporter:
    """HTML exporter with the offline 'brief' template: no inputs, no prompts, no scripts."""
    exporter = HTMLExporter(
        template_name="brief",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_TAGS, enabled=True), enabled=True
    )
    return exporter


def drop_stderr(nb):
    """Remove warnings printed on stderr: they are for the audit notebook, not the chairman."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


NBSP = "\u00a0"
UNIT_WORDS = "%|‰|hồ sơ|ngày|cán bộ|điểm|tệp|tháng|năm|xã|đơn vị|thủ tục|lần|giờ|phút"
_AFTER_NUMBER = re.compile(rf"(\d) (?=(?:{UNIT_WORDS})(?![\w]))")
_BEFORE_NUMBER = re.compile(r"(&lt;|&gt;|≤|≥|<|>|±|~) (?=\d)")
_TAG_OR_RAW = re.compile(r"(<style.*?</style>|<script.*?</script>|<[^>]*>)", re.S | re.I)


def bind_units(html_text: str) -> str:
    """Non-breaking spaces so that '12,5 %', '< 5' or '31 xã' never wrap across lines (text only, not tags)."""
    parts = _TAG_OR_RAW.split(html_text)
    for i in range(0, len(parts), 2):  # even parts are text between tags
        parts[i] = _BEFORE_NUMBER.sub(rf"\1{NBSP}", _AFTER_NUMBER.sub(rf"\1{NBSP}", parts[i]))
    return "".join(parts)


def extract_provenance(nb) -> str | None:
    """The machine-readable provenance a notebook displayed (JSON text), for the page's <meta>."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PROVENANCE_MIMETYPE in data:
                value = data[PROVENANCE_MIMETYPE]
                return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return None


def vietnamese_title(title: str, period: str | None) -> str:
    """The page title with the period code ('2021-Q4') written out ('Quý IV/2021 (01/10–31/12/2021)')."""
    return title.replace(period, label_period(period)) if period else title


def export_html(nb, exporter: HTMLExporter, title: str) -> str:
    """The brief's HTML: title, document frame (settings file), provenance <meta>, bound units."""
    nb = drop_stderr(nb)
    parameters = dict(nb.metadata.get("papermill", {}).get("parameters", {}))
    period = parameters.get("period")
    nb.metadata["title"] = vietnamese_title(title, period)
    frame = build_frame(parameters)
    frame["period"] = str(period) if period else ""
    nb.metadata["brief_frame"] = frame
    provenance = extract_provenance(nb)
    if provenance:
        nb.metadata["provenance_json"] = provenance
        nb.metadata["synthetic"] = bool(json.loads(provenance).get("synthetic"))
    body, _ = exporter.from_notebook_node(nb)
    return bind_units(body)


def render_index(
    period: str,
    rows: pd.DataFrame,
    overview: dict | None,
    synthetic: bool,
    convention: str | None = None,
) -> str:
    """reports/<period>/index.html: every unit with key figures and a link, plus the overview."""
    e = html.escape
    lines = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">',
        f"<title>Bản tin CCHC các xã, thị trấn huyện Ba Vì — {e(period)}</title>",
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:980px;margin:0 auto;padding:24px;color:#1d2329}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #d6dde4;padding:4px 8px;text-align:left}"
        "th{background:#eef2f6}.failed{background:#fdecea}.banner{background:#fff3cd;border:2px solid #c0392b;"
        "padding:8px;font-weight:bold;text-align:center}</style></head>",
        "<body>",
        f"<h1>Bản tin cải cách hành chính các xã, thị trấn huyện Ba Vì — {e(period)}</h1>",
    ]
    if synthetic:
        lines.append('<div class="banner">DỮ LIỆU MÔ PHỎNG — không phải số liệu thật.</div>')
    if overview:
        status = (
            f'<a href="{e(overview["html"])}">Tổng quan toàn huyện</a>'
            if overview.get("status") != "failed"
            else f"Tổng quan toàn huyện: lỗi — {e(overview.get('error', ''))}"
        )
        lines.append(f"<p>{status}</p>")
    if convention:
        lines.append(f"<p>Tỷ lệ trễ hạn theo quy ước: {e(label_convention(convention))}.</p>")
    lines.append(
        "<table><thead><tr><th>Mã</th><th>Đơn vị</th><th>Hồ sơ tiếp nhận</th><th>Tỷ lệ trễ hạn</th>"
        "<th>Xếp hạng trễ hạn</th><th>Tỷ lệ trực tuyến</th><th>Bản tin</th></tr></thead><tbody>"
    )
    for row in rows.itertuples(index=False):
        if row.status == "failed":
            link = f"lỗi: {e(str(row.error))}"
        else:
            link = f'<a href="{e(str(row.html))}">mở bản tin</a>'
        received = "—" if pd.isna(row.received) else f"{int(row.received):,}".replace(",", ".")
        rank = "—" if pd.isna(row.rank) else f"{int(row.rank)}/{int(row.n_ranked)}"
        css = ' class="failed"' if row.status == "failed" else ""
        lines.append(
            f"<tr{css}><td>{e(str(row.commune_code))}</td><td>{e(str(row.commune_name))}</td><td>{received}</td>"
            f"<td>{e(format_percent(row.late_rate))}</td><td>{rank}</td><td>{e(format_percent(row.online_share))}</td>"
            f"<td>{link}</td></tr>"
        )
    lines += ["</tbody></table>", "</body>", "</html>", ""]
    return "\n".join(lines)
