"""Offline HTML: the brief exporter (custom nbconvert template) and the period's index page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from analysis.publish.tiles import DERIVED_SOURCE, read_tile_grid, tile_grid_of_period
from analysis.report.frame import build_frame
from analysis.report.labels import label_convention, label_period
from analysis.report.narrative import format_percent
from analysis.report.provenance import PROVENANCE_MIMETYPE, synthetic_banner
from analysis.report.scope import capitalise, scope_terms

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


# columns of the analysis' `commune_ranks_uncertainty.parquet` (docs/analysis_dictionary.md) shown
# on the index, under this page's names
UNCERTAINTY_COLUMNS = {
    "shrunk_rate": "late_rate_shrunk",
    "rank_low": "rank_low",
    "rank_high": "rank_high",
    "prob_worst_third": "p_worst_third",
}
LATE_COLOURS = ("#fdeee8", "#f8c6b3", "#ee8f74", "#d4523d", "#a32020")
ONLINE_COLOURS = ("#eaf2f8", "#bcd6ea", "#80b0d6", "#3f81b9", "#1b4f86")
TILE = 100  # SVG units per tile; the map is drawn 7 tiles wide


def read_rank_uncertainty(processed_dir: str | Path, period: str) -> pd.DataFrame | None:
    """Shrunk late rates, rank intervals and P(worst third) per unit; None when not computed."""
    from analysis.report import tables

    frame = tables.read_rank_uncertainty(processed_dir, period)
    if frame is None:
        return None
    return frame[["commune_code", *UNCERTAINTY_COLUMNS]].rename(columns=UNCERTAINTY_COLUMNS)


def colour_bins(values: pd.Series, colours: tuple[str, ...]) -> tuple[list[float], list[str]]:
    """Equal-width bins between the smallest and the largest value: edges and a colour per unit."""
    finite = values.dropna()
    if finite.empty:
        return [], ["#e5e8eb"] * len(values)
    low, high = float(finite.min()), float(finite.max())
    step = (high - low) / len(colours) or 1.0
    edges = [low + step * i for i in range(len(colours) + 1)]

    def pick(v):
        if pd.isna(v):
            return "#e5e8eb"
        return colours[min(int((float(v) - low) / step), len(colours) - 1)]

    return edges, [pick(v) for v in values]


def _on_grid(rows: pd.DataFrame, grid: pd.DataFrame) -> bool:
    """True when the rows' units are the grid's: each named row's code is on the grid and its
    name ends with the grid's name ("Xã Phong Vân" is "Phong Vân"; 09619 named "Xã Quảng Oai"
    after 1/7/2025 is not the grid's Tây Đằng)."""
    named = rows.dropna(subset=["commune_name"])
    names = dict(zip(grid["code"], grid["name"]))
    return all(
        c in names and str(n).casefold().endswith(names[c].casefold())
        for c, n in zip(named["commune_code"], named["commune_name"])
    )


def render_tile_map(
    rows: pd.DataFrame,
    value_column: str,
    title: str,
    colours: tuple[str, ...],
    grid: pd.DataFrame | None = None,
) -> str:
    """An inline SVG tile map (grid cartogram): one square per unit, coloured by a rate, with a legend."""
    e = html.escape
    grid = read_tile_grid() if grid is None else grid
    if "commune_name" in rows and not _on_grid(rows, grid):
        # the grid lays out the 31 units of 2021; the 8 xã of 1/7/2025 reuse some of their codes
        return f'<p class="tile-map-missing">{e(title)}: chưa có bản đồ ô cho các đơn vị của kỳ này.</p>'
    data = grid.merge(
        rows, left_on="code", right_on="commune_code", how="left", suffixes=("", "_row")
    )
    values = data[value_column] if value_column in data else pd.Series([np.nan] * len(data))
    edges, fills = colour_bins(values, colours)
    n_cols, n_rows = int(grid["col"].max()) + 1, int(grid["row"].max()) + 1
    legend_h = 70
    width, height = n_cols * TILE, n_rows * TILE + legend_h
    parts = [
        f'<figure class="tile-map" data-indicator="{e(value_column)}">',
        f"<figcaption>{e(title)}</figcaption>",
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, sans-serif">',
    ]
    for item, fill in zip(data.itertuples(index=False), fills, strict=True):
        x, y = int(item.col) * TILE, int(item.row) * TILE
        value = getattr(item, value_column, np.nan) if value_column in data else np.nan
        dark = fill in colours[3:]
        ink = "#ffffff" if dark else "#1d2329"
        words = str(item.name).split(" ")
        lines = [" ".join(words[:-1]), words[-1]] if len(words) > 1 else [words[0]]
        label = e(str(item.name))
        shown = format_percent(value)
        shown = "—" if shown == "không có số liệu" else shown
        tile = (
            f'<rect x="{x + 3}" y="{y + 3}" width="{TILE - 6}" height="{TILE - 6}" rx="6" fill="{fill}" '
            f'stroke="#ffffff" stroke-width="2"><title>{label}: {e(shown)}</title></rect>'
        )
        for i, line in enumerate(lines):
            tile += (
                f'<text x="{x + TILE / 2}" y="{y + 30 + i * 21}" text-anchor="middle" font-size="18" '
                f'fill="{ink}">{e(line)}</text>'
            )
        tile += (
            f'<text x="{x + TILE / 2}" y="{y + 84}" text-anchor="middle" font-size="19" '
            f'font-weight="bold" fill="{ink}">{e(shown.replace(" ", NBSP))}</text>'
        )
        href = getattr(item, "html", None)
        if isinstance(href, str) and href:
            tile = f'<a href="{e(href)}">{tile}</a>'
        parts.append(f'<g class="tile" data-code="{e(item.code)}">{tile}</g>')
    if edges:
        y0 = n_rows * TILE + 10
        box = width / len(colours)
        for i, colour in enumerate(colours):
            parts.append(
                f'<rect x="{i * box + 2}" y="{y0}" width="{box - 4}" height="22" fill="{colour}"/>'
                f'<text x="{i * box + box / 2}" y="{y0 + 50}" text-anchor="middle" font-size="18">'
                f"{e(format_percent(edges[i], 0).replace(' ', NBSP))}–"
                f"{e(format_percent(edges[i + 1], 0).replace(' ', NBSP))}</text>"
            )
    parts += ["</svg>", "</figure>"]
    return "\n".join(parts)


SORT_SCRIPT = """
(function () {
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = th.querySelector('button');
      if (!button) return;
      button.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.getAttribute('data-type') === 'number';
        rows.sort(function (a, b) {
          var x = a.cells[i].getAttribute('data-value') || '';
          var y = b.cells[i].getAttribute('data-value') || '';
          if (numeric) {
            if (x === '') return 1;
            if (y === '') return -1;
            return dir === 'ascending' ? x - y : y - x;
          }
          return dir === 'ascending' ? x.localeCompare(y, 'vi') : y.localeCompare(x, 'vi');
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""

INDEX_CSS = """
.lead { font-size: 0.95em; }
.maps { display: flex; flex-wrap: wrap; gap: 16px; }
.tile-map { flex: 1 1 320px; max-width: 420px; margin: 0; }
.tile-map figcaption { font-weight: bold; color: #123b5c; margin-bottom: 4px; }
.tile-map svg { display: block; width: 100%; height: auto; }
.tile-map a:hover rect, .tile-map a:focus rect { stroke: #1d2329; }
.map-note { font-size: 0.85em; color: #555555; }
table.sortable th button { font: inherit; font-weight: bold; color: inherit; background: none; border: 0; padding: 0; margin: 0; text-align: left; cursor: pointer; }
table.sortable th button::after { content: " ⇅"; color: #8a96a3; }
table.sortable th[aria-sort=ascending] button::after { content: " ▲"; color: #1d2329; }
table.sortable th[aria-sort=descending] button::after { content: " ▼"; color: #1d2329; }
td.num { text-align: right; white-space: nowrap; }
tr.failed { background: #fdecea; }
@media print { .maps { break-inside: avoid; } .tile-map { max-width: 48%; } table.sortable th button::after { content: ""; } }
"""


def _num(value: object) -> str:
    """A number for a data-value attribute ('' when missing)."""
    return "" if pd.isna(value) else repr(float(value))


def render_index(
    period: str,
    rows: pd.DataFrame,
    overview: dict | None,
    synthetic: bool,
    convention: str | None = None,
    uncertainty: pd.DataFrame | None = None,
    settings: dict | None = None,
) -> str:
    """reports/<period>/index.html: a dashboard — two tile maps, a sortable table, links to every brief."""
    from analysis.report.frame import (
        index_tab_title,
        index_title,
        overview_link_text,
        render_frame_head,
        render_recipients,
    )

    e = html.escape
    rows = rows.copy()
    if uncertainty is not None and not uncertainty.empty:
        extra = [c for c in uncertainty.columns if c != "commune_code" and c not in rows.columns]
        rows = rows.merge(uncertainty[["commune_code", *extra]], on="commune_code", how="left")
    has = {c: c in rows.columns and rows[c].notna().any() for c in UNCERTAINTY_COLUMNS.values()}
    period_label = label_period(period)
    terms = scope_terms(period)
    frame = build_frame({"period": period}, settings)
    frame["links"] = []
    if overview and overview.get("status") != "failed":
        frame["links"] = [{"href": str(overview["html"]), "text": overview_link_text(period)}]
    style = (TEMPLATES_DIR / "brief" / "brief.css").read_text(encoding="utf-8") + INDEX_CSS
    if synthetic:
        style += (TEMPLATES_DIR / "brief" / "synthetic_print.css").read_text(encoding="utf-8")
    lines = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">',
        f'<meta name="dcterms.coverage" content="{e(period)}">',
        f"<title>{e(index_tab_title(period))} — {e(period_label)}</title>",
        f"<style>{style}</style></head>",
        '<body><main class="brief index">',
        render_frame_head(frame),
        f"<h1>{e(index_title(period))} — {e(period_label)}</h1>",
    ]
    if synthetic:
        lines.append(synthetic_banner())
    if overview and overview.get("status") == "failed":
        lines.append(
            f"<p>{e(overview_link_text(period))}: lỗi — {e(overview.get('error', ''))}</p>"
        )
    lead = (
        "Xếp hạng theo tỷ lệ trễ hạn: <b>thứ 1 là đơn vị có tỷ lệ trễ hạn thấp nhất (tốt nhất)</b>, "
        f"thứ {int(rows['n_ranked'].max()) if 'n_ranked' in rows and rows['n_ranked'].notna().any() else 31} "
        "là cao nhất."
    )
    if convention:
        lead += f" Tỷ lệ trễ hạn theo quy ước: {e(label_convention(convention))}."
    if has["rank_low"] and has["rank_high"]:
        lead += (
            " Khoảng xếp hạng cho biết thứ hạng có thể nằm ở đâu nếu số liệu dao động ngẫu nhiên: "
            "hai đơn vị có khoảng chồng lên nhau thì chưa thể nói đơn vị nào tốt hơn."
        )
    else:
        lead += (
            " Chưa có khoảng bất định của xếp hạng trong số liệu phân tích: thứ hạng chênh nhau vài "
            "bậc có thể chỉ do ngẫu nhiên, nhất là ở đơn vị ít hồ sơ."
        )
    lines.append(f'<p class="lead">{lead}</p>')
    lines.append("<h2>Bản đồ ô: tỷ lệ trễ hạn và tỷ lệ hồ sơ trực tuyến</h2>")
    grid = tile_grid_of_period(period)
    lines.append('<div class="maps">')
    lines.append(
        render_tile_map(rows, "late_rate", "Tỷ lệ trễ hạn (màu đậm: trễ nhiều)", LATE_COLOURS, grid)
    )
    lines.append(
        render_tile_map(
            rows, "online_share", "Tỷ lệ hồ sơ trực tuyến (màu đậm: cao)", ONLINE_COLOURS, grid
        )
    )
    lines.append("</div>")
    sourced = int((~grid["source"].str.startswith("approximate")).sum())
    if (grid["source"] == DERIVED_SOURCE).all():
        note = (
            "(bắc ở trên): vị trí trung bình của các xã, thị trấn trước khi sắp xếp hợp thành đơn "
            "vị (theo tệp tile_grid.csv); ô không thể hiện diện tích; chưa đối chiếu với bản đồ "
            "địa giới chính thức."
        )
    else:
        note = (
            "trên bản đồ (bắc ở trên; sông Hồng phía bắc và đông, sông Đà phía tây); ô không thể hiện "
            f"diện tích. Nguồn vị trí (tệp tile_grid.csv): {sourced}/{len(grid)} vị trí theo mô tả "
            f"công khai về các đơn vị giáp ranh, {len(grid) - sourced} vị trí còn lại ước lượng từ các "
            "nhóm xã sáp nhập năm 2025; chưa đối chiếu với bản đồ địa giới chính thức."
        )
    lines.append(
        f'<p class="map-note">Mỗi ô là một {terms.kinds}, đặt theo <b>vị trí tương đối, gần đúng</b> '
        f"{note} Bấm vào một ô để mở bản tin của đơn vị.</p>"
    )
    lines.append(f"<h2>{e(capitalise('các ' + terms.kinds))}</h2>")
    lines.append(
        '<p class="map-note">Bấm tiêu đề cột để sắp xếp; bấm tên đơn vị để mở bản tin.</p>'
    )
    heads = [
        ("Đơn vị (bấm tên để mở bản tin)", "text"),
        ("Hồ sơ tiếp nhận", "number"),
        ("Tỷ lệ trễ hạn", "number"),
        ("Xếp hạng trễ hạn (1 = tốt nhất)", "number"),
    ]
    if has["late_rate_shrunk"]:
        heads.append((f"Tỷ lệ trễ hạn ước lượng ổn định (co về {terms.shrink_level})", "number"))
    if has["rank_low"] and has["rank_high"]:
        heads.append(("Khoảng xếp hạng 95\u00a0%", "number"))
    if has["p_worst_third"]:
        heads.append(("Xác suất thuộc 1/3 kém nhất", "number"))
    heads.append(("Tỷ lệ trực tuyến", "number"))
    lines.append('<div class="scroll-x"><table class="sortable"><thead><tr>')
    for i, (name, kind) in enumerate(heads):
        sort = ' aria-sort="ascending"' if i == 3 else ""
        lines.append(f'<th data-type="{kind}"{sort}><button type="button">{e(name)}</button></th>')
    lines.append("</tr></thead><tbody>")
    ordered = (
        rows.sort_values(["rank", "commune_name"], na_position="last") if "rank" in rows else rows
    )
    for row in ordered.itertuples(index=False):
        name = e(str(row.commune_name))
        if row.status == "failed":
            unit = f"{name} — lỗi: {e(str(row.error))}"
        else:
            unit = f'<a href="{e(str(row.html))}">{name}</a>'
        received = "—" if pd.isna(row.received) else f"{int(row.received):,}".replace(",", ".")
        rank = "—" if pd.isna(row.rank) else f"{int(row.rank)}/{int(row.n_ranked)}"
        css = ' class="failed"' if row.status == "failed" else ""
        cells = [
            f'<td data-value="{name}">{unit}</td>',
            f'<td class="num" data-value="{_num(row.received)}">{received}</td>',
            f'<td class="num" data-value="{_num(row.late_rate)}">{e(format_percent(row.late_rate))}</td>',
            f'<td class="num" data-value="{_num(row.rank)}">{rank}</td>',
        ]
        if has["late_rate_shrunk"]:
            cells.append(
                f'<td class="num" data-value="{_num(row.late_rate_shrunk)}">'
                f"{e(format_percent(row.late_rate_shrunk))}</td>"
            )
        if has["rank_low"] and has["rank_high"]:
            span = "—" if pd.isna(row.rank_low) else f"{int(row.rank_low)}–{int(row.rank_high)}"
            cells.append(f'<td class="num" data-value="{_num(row.rank_low)}">{span}</td>')
        if has["p_worst_third"]:
            cells.append(
                f'<td class="num" data-value="{_num(row.p_worst_third)}">'
                f"{e(format_percent(row.p_worst_third, 0))}</td>"
            )
        cells += [
            f'<td class="num" data-value="{_num(row.online_share)}">{e(format_percent(row.online_share))}</td>',
        ]
        lines.append(f"<tr{css}>{''.join(cells)}</tr>")
    lines += ["</tbody></table></div>", render_recipients(frame), "</main>"]
    lines += [f"<script>{SORT_SCRIPT}</script>", "</body>", "</html>", ""]
    return bind_units("\n".join(lines))
