"""Briefs, overview and index in Debian's headless Chromium with the network unavailable.

What a commune chairman does with a brief: opens it on a 390-px phone (nothing may scroll
sideways, chart text must stay legible) or prints it (A4, at most 3 pages for a commune brief,
recommendations on page 1, the synthetic-data warning on every page, no heading left alone at
the foot of a page). The index must show its tile maps and sort its table.

Printing is Chromium's own print with the page's @page size and margins
(`publish.printing.print_pdf`, checked against `chromium --print-to-pdf`) for all 31 briefs, the
overview and the index, built once from a fixture that lengthens the briefs towards the longest
demo brief.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.publish import printing
from analysis.publish.batch import build_briefs
from analysis.reference.units import units_2021
from analysis.report import figures
from tests.test_publish_fixture import DEMO_FIELDS, build_processed_fixture

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CODES = ["09640", "09661", "09700"]  # plain, island, mountain
ALL_CODES = units_2021()["code"].tolist()
# pages at most when printed on A4: measured on the demo data (docs/briefs.md), with some room
MAX_PAGES = {"commune": 3, "overview": 7, "index": 2}
PERIOD = "2021-Q4"
PHONE = {"width": 390, "height": 844}
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    NO_NETWORK,
]
MIN_CHART_TEXT_PX = 9.0

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (make system-deps)",
    ),
]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) missing: make system-deps",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The 31 briefs, the overview and the index; briefs lengthened towards the longest demo
    brief (seven lĩnh vực, five officers, two long meeting mentions) so the page count means
    something (they fill page 3 to 60–66 %, the demo briefs to 50–82 %: docs/briefs.md)."""
    processed = build_processed_fixture(
        tmp_path_factory.mktemp("processed"),
        per_month=20,
        fields=DEMO_FIELDS,
        officers_per_unit=5,
        long_meetings=True,
    )
    out = tmp_path_factory.mktemp("reports")
    summary = build_briefs(processed, out, communes=ALL_CODES, period=PERIOD, workers=2)
    assert summary["ok"], summary["failed"]
    return out / PERIOD


def page_file(site: Path, name: str) -> Path:
    """A page of the site by commune code, 'overview' or 'index'."""
    if name == "overview":
        return site / "tong-quan-huyen.html"
    if name == "index":
        return site / "index.html"
    return next(site.glob(f"{name}-*.html"))


PAGES = [*CODES, "overview", "index"]
PRINTED = [*ALL_CODES, "overview", "index"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def open_page(browser, path: Path, viewport: dict):
    """A page with every non-file request aborted; returns (page, blocked, failed, errors)."""
    blocked, failed, errors = [], [], []
    page = browser.new_page(viewport=viewport)

    def route(r):
        if r.request.url.startswith(("file://", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return page, blocked, failed, errors


class _Urls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href", "action", "poster") and v]


@pytest.mark.parametrize("name", PAGES)
def test_page_names_no_external_url(site, name):
    text = page_file(site, name).read_text(encoding="utf-8")
    parser = _Urls()
    parser.feed(text)
    assert [u for u in parser.urls if re.match(r"^(https?:)?//", u, re.I)] == []
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I)
    assert "@import" not in text


@pytest.mark.parametrize("name", PAGES)
def test_page_opens_offline_without_errors(site, browser, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page, blocked, failed, errors = open_page(
        browser, page_file(site, name), {"width": 1000, "height": 1400}
    )
    try:
        title = page.title()
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
        )
        page.screenshot(path=str(ARTIFACTS / f"page_{name}.png"), full_page=True)
    finally:
        page.close()
    assert blocked == [] and failed == [] and errors == []
    assert "Ba Vì" in title or "Phong Vân" in title or "Minh" in title
    if name in CODES:
        assert images and all(images)


@pytest.mark.parametrize("name", PAGES)
def test_nothing_scrolls_sideways_on_a_390px_phone(site, browser, name):
    page, *_ = open_page(browser, page_file(site, name), PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        body_width = page.evaluate("document.body.scrollWidth")
        # the smallest chart text (figures.SMALL pt at 96 px/inch) after the image is scaled down
        chart_text = page.eval_on_selector_all(
            "img.chart",
            f"els => els.map(e => e.getBoundingClientRect().width / e.naturalWidth * {figures.SMALL} * 96 / 72)",
        )
        if name == "09640":
            page.screenshot(path=str(ARTIFACTS / "phone_09640.png"), full_page=True)
    finally:
        page.close()
    assert width <= PHONE["width"] and body_width <= PHONE["width"], (width, body_width)
    assert all(px >= MIN_CHART_TEXT_PX for px in chart_text), chart_text


@pytest.fixture(scope="module")
def printed(site, browser, tmp_path_factory) -> dict[str, printing.Printed]:
    """Every page of the site printed once with the page's @page rules, read back per page."""
    out = tmp_path_factory.mktemp("pdf")
    result = {}
    for name in PRINTED:
        path = page_file(site, name)
        result[name] = printing.inspect_pdf(
            printing.print_pdf(browser, path, out / f"{name}.pdf"), path
        )
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out / "09640.pdf", ARTIFACTS / "brief_09640.pdf")
    return result


@needs_poppler
@pytest.mark.parametrize("name", PRINTED)
def test_printed_on_a4_within_its_pages_with_the_warning_on_every_page(printed, name):
    result = printed[name]
    kind = name if name in ("overview", "index") else "commune"
    assert result.a4
    assert result.pages <= MAX_PAGES[kind], result.pages
    assert result.pages_without("MÔ PHỎNG") == []
    assert result.stranded == [], "a heading ends a page with nothing under it"
    if kind == "commune":
        first = result.texts[0]
        assert "Kiến nghị" in first and "Số liệu chính" in first
        assert re.search(r"\n\s*1\.\s", first), "the first recommendation is on page 1"
        assert "Kiến nghị" not in result.texts[1], "all recommendations on page 1"


@needs_poppler
@pytest.mark.parametrize("name", ["09661", "overview"])
def test_print_agrees_with_chromiums_command_line_print(site, printed, tmp_path, name):
    pdf = printing.print_pdf_cli(page_file(site, name), tmp_path / "cli.pdf")
    pages, a4, texts = printing.pdf_texts(pdf)
    assert a4 and pages == printed[name].pages
    assert [t.split() for t in texts] == [t.split() for t in printed[name].texts]


STRANDED = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 14mm; }} body {{ margin: 0; font: 10pt 'DejaVu Sans', sans-serif; }}
</style></head><body><p>Đầu trang</p><div style="height: 220mm"></div>
<h2>Tiêu đề cuối trang</h2><div style="height: {block}; break-inside: avoid; border: 2px solid #000">
</div><div style="height: 30mm"></div><p>Trang cuối</p></body></html>"""


@needs_poppler
@pytest.mark.parametrize(("block", "stranded"), [("120mm", True), ("8mm", False)])
def test_a_heading_left_at_the_page_foot_is_found(browser, tmp_path, block, stranded):
    """The check itself: a heading whose block does not fit under it is stranded; one whose
    block (drawn, no text) fits is not."""
    path = tmp_path / "page.html"
    path.write_text(STRANDED.format(block=block), encoding="utf-8")
    result = printing.inspect_pdf(printing.print_pdf(browser, path, tmp_path / "p.pdf"), path)
    assert result.pages == 2
    assert result.stranded == ([(1, "Tiêu đề cuối trang")] if stranded else [])


def test_index_shows_two_tile_maps_and_sorts_its_table(site, browser):
    page, blocked, failed, errors = open_page(browser, page_file(site, "index"), PHONE)
    try:
        maps = page.eval_on_selector_all(
            "figure.tile-map svg",
            "els => els.map(e => [e.querySelectorAll('g.tile').length, e.getBoundingClientRect().width])",
        )
        indicators = page.eval_on_selector_all(
            "figure.tile-map", "els => els.map(e => e.dataset.indicator)"
        )
        lead = page.inner_text("p.lead")
        heads = page.eval_on_selector_all(
            "table.sortable thead th", "els => els.map(e => e.innerText)"
        )
        column = next(i for i, t in enumerate(heads) if t.startswith("Tỷ lệ trễ hạn"))
        page.click(f"table.sortable thead th:nth-child({column + 1}) button")
        values = page.eval_on_selector_all(
            f"table.sortable tbody td:nth-child({column + 1})",
            "els => els.map(e => e.dataset.value).filter(v => v !== '').map(Number)",
        )
    finally:
        page.close()
    assert blocked == [] and failed == [] and errors == []
    assert indicators == ["late_rate", "online_share"]
    assert all(n == 31 and 0 < w <= PHONE["width"] for n, w in maps), maps
    assert "thứ 1 là đơn vị có tỷ lệ trễ hạn thấp nhất" in lead
    assert values == sorted(values) and len(values) == len(ALL_CODES)
