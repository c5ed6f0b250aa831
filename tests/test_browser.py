"""A brief opens in headless Chromium with the network unavailable: no failed request, no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.publish.batch import build_briefs
from tests.test_publish_fixture import build_processed_fixture

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (make system-deps)",
    ),
]


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> Path:
    processed = build_processed_fixture(tmp_path_factory.mktemp("processed"))
    out = tmp_path_factory.mktemp("reports")
    summary = build_briefs(
        processed, out, communes=["09640"], period="2021-Q4", overview=False, workers=1
    )
    assert summary["ok"], summary["failed"]
    return next((out / "2021-Q4").glob("09640-*.html"))


def test_brief_opens_offline_without_errors(brief):
    from playwright.sync_api import sync_playwright

    blocked, failed, errors = [], [], []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(r):
                if r.request.url.startswith("file://") or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(brief.as_uri(), wait_until="load")
            title = page.title()
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
            )
            page.screenshot(path=str(ARTIFACTS / "brief_09640.png"), full_page=True)
        finally:
            browser.close()
    assert blocked == [] and failed == [] and errors == []
    assert "Phong Vân" in title
    assert images and all(images)
