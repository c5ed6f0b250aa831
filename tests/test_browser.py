"""Briefs, overview and index in Debian's headless Chromium with the network unavailable.

What a commune chairman does with a brief: opens it on a 390-px phone (nothing may scroll
sideways, chart text must stay legible) or prints it (A4, at most 3 pages for a commune brief,
recommendations on page 1, the synthetic-data warning on every page, no heading left alone at
the foot of a page). The index must show its tile maps and sort its table.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.publish.batch import build_briefs
from analysis.report import figures
from tests.test_publish_fixture import build_processed_fixture

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CODES = ["09640", "09661", "09700"]  # plain, island, mountain
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
    """Three briefs (plain, island and mountain commune), the overview and the index."""
    processed = build_processed_fixture(tmp_path_factory.mktemp("processed"))
    out = tmp_path_factory.mktemp("reports")
    summary = build_briefs(processed, out, communes=CODES, period=PERIOD, workers=1)
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


def print_to_pdf(path: Path, pdf: Path) -> int:
    """Chromium's own print to PDF (what 'In' does), no browser header/footer; returns pages."""
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *ARGS,
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)", info.stdout), (
        info.stdout
    )
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))


def pdf_page_text(pdf: Path, number: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def headings(path: Path) -> list[str]:
    """The text of every <h2> of a page."""
    return [
        re.sub(r"<[^>]+>", "", h).replace("\u00a0", " ").strip()
        for h in re.findall(r"<h2[^>]*>(.*?)</h2>", path.read_text(encoding="utf-8"), re.S)
    ]


@needs_poppler
@pytest.mark.parametrize("name", PAGES)
def test_printed_on_a4_with_the_synthetic_warning_on_every_page(site, tmp_path, name):
    path = page_file(site, name)
    pdf = tmp_path / f"{name}.pdf"
    pages = print_to_pdf(path, pdf)
    texts = [pdf_page_text(pdf, n) for n in range(1, pages + 1)]
    assert all("MÔ PHỎNG" in t for t in texts), [n + 1 for n, t in enumerate(texts)]
    if name in CODES:
        assert pages <= 3
        assert "Kiến nghị" in texts[0] and "Số liệu chính" in texts[0]
        assert re.search(r"\n\s*1\.\s", texts[0]), "the first recommendation is on page 1"
    # no page of a commune brief ends on a heading (stranded from its content). Not yet checked
    # for the overview: a heading followed by a chart taller than the rest of the page is still
    # left at the page foot by Chromium there (known, see docs/briefs.md).
    titles = {t for t in headings(path) if t} if name in CODES else set()
    for number, text in enumerate(texts[:-1], start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        last = [line for line in lines if "MÔ PHỎNG" not in line][-1:]
        # a wrapped heading prints over several lines: any long piece of one counts
        assert not (last and len(last[0]) >= 6 and any(last[0] in t for t in titles)), (
            number,
            last,
        )
    if name == "09640":
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(pdf, ARTIFACTS / "brief_09640.pdf")


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
    assert values == sorted(values) and len(values) == len(CODES)
