"""Screenshots of a built brief for the README: desktop, phone (390 px) and the first printed page.

`make screenshots` (after `make briefs`) runs `python -m analysis.publish.screenshots [BRIEF.html]`;
without an argument it takes xã Phong Vân's brief of the latest period in reports/. Needs Debian's
chromium and poppler-utils (`make system-deps`). Images are quantised to 256 colours so that
each stays well under 300 kB in git.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from analysis.paths import REPORTS_DIR, ROOT
from analysis.publish.printing import print_pdf_cli

CHROMIUM = Path("/usr/bin/chromium")
OUT_DIR = ROOT / "docs" / "screenshots"
DEFAULT_CODE = "09640"
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND"
ARGS = ["--no-sandbox", "--disable-gpu", NO_NETWORK]


def find_brief(reports_dir: Path = REPORTS_DIR, code: str = DEFAULT_CODE) -> Path:
    """The unit's brief in the latest period folder of reports/."""
    briefs = sorted(reports_dir.glob(f"*/{code}-*.html"))
    if not briefs:
        raise SystemExit(f"no brief for {code} under {reports_dir}: run `make briefs` first")
    return briefs[-1]


def shrink_png(path: Path, max_width: int | None = None) -> None:
    """Quantise a PNG to 256 colours (and narrow it) so screenshots stay small in git."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    if max_width and image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)))
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def take_screenshots(brief: Path, out_dir: Path = OUT_DIR) -> list[Path]:
    """brief-desktop.png, brief-phone.png, brief-print-page1.png in `out_dir`."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    desktop, phone, printed = (
        out_dir / "brief-desktop.png",
        out_dir / "brief-phone.png",
        out_dir / "brief-print-page1.png",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1500})
            page.goto(brief.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(desktop))
            page = browser.new_page(
                viewport={"width": 390, "height": 1500}, device_scale_factor=1.5, is_mobile=True
            )
            page.goto(brief.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(phone))
        finally:
            browser.close()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = print_pdf_cli(brief, Path(tmp) / "brief.pdf")  # Chromium's own print, @page A4
        stem = Path(tmp) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "90",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )
        printed.write_bytes(stem.with_suffix(".png").read_bytes())
    shrink_png(desktop, 900)
    shrink_png(phone)
    shrink_png(printed)
    return [desktop, phone, printed]


def main(argv: list[str] | None = None) -> None:
    """Command line: an optional brief path; prints each image with its size."""
    args = sys.argv[1:] if argv is None else argv
    brief = Path(args[0]) if args else find_brief()
    for path in take_screenshots(brief):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
