"""Print built pages the way a person does and read the PDF back, page by page.

Chromium's own print (the "In" dialog, or `chromium --headless --print-to-pdf`) takes the paper
size and margins from the page's `@page` rules. `print_pdf` asks for exactly that through
Playwright (`prefer_css_page_size=True`, scale 1, no header/footer), so one browser can print a
whole period; `print_pdf_cli` is the command-line print it is checked against. `inspect_pdf`
reads each page with `pdftotext` and finds what a reader would object to: too many pages, the
synthetic-data warning missing from a page, a heading left as the last text of a page.

`python -m analysis.publish.printing reports/2021-Q4` prints one line per page of the folder.
Needs Debian's chromium and poppler-utils (`make system-deps`).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", NO_NETWORK]
BANNER = "MÔ PHỎNG"
A4 = re.compile(r"Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)")


@dataclass
class Printed:
    """What a printed page set looks like to a reader."""

    pages: int
    a4: bool
    texts: list[str]
    stranded: list[tuple[int, str]] = field(default_factory=list)  # (page, heading)

    def pages_without(self, text: str) -> list[int]:
        return [n for n, t in enumerate(self.texts, start=1) if text not in t]


def headings(path: Path) -> list[str]:
    """The text of every <h1>–<h3> of an HTML page (tags removed, entities decoded)."""
    found = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", path.read_text(encoding="utf-8"), re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", h)).replace("\u00a0", " ") for h in found]
    return [" ".join(t.split()) for t in texts if t.strip()]


def print_pdf(browser, path: Path, pdf: Path) -> Path:
    """Print `path` with the page's own @page size and margins (what Chromium's print does)."""
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.pdf(
            path=str(pdf),
            prefer_css_page_size=True,
            scale=1,
            display_header_footer=False,
            print_background=False,
        )
    finally:
        page.close()
    return pdf


def print_pdf_cli(path: Path, pdf: Path) -> Path:
    """The same print from the command line: `chromium --headless --print-to-pdf`."""
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            *ARGS,
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            path.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pdf


def pdf_texts(pdf: Path) -> tuple[int, bool, list[str]]:
    """(pages, is A4, text of each page) from poppler's pdfinfo and pdftotext."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    texts = text.split("\f")[:pages]
    return pages, bool(A4.search(info.stdout)), texts


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def _page_lines(pdf: Path) -> list[tuple[float, list[tuple[float, str]]]]:
    """Per page: (height in pt, [(bottom y of a line, its text)]) from `pdftotext -bbox-layout`."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for match in re.finditer(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S):
        lines = []
        for line in re.finditer(r'<line [^>]*yMax="([\d.]+)">(.*?)</line>', match.group(2), re.S):
            words = re.findall(r"<word [^>]*>(.*?)</word>", line.group(2))
            lines.append((float(line.group(1)), html.unescape(" ".join(words))))
        pages.append((float(match.group(1)), lines))
    return pages


def _ink_below(pdf: Path, number: int, top: float, height: float) -> bool:
    """Whether anything (text or chart) is drawn on page `number` below y = `top` (pt)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-r", "36", "-gray", "-singlefile", "-f", str(number), "-l", str(number)]
            + [str(pdf), str(stem)],
            check=True,
        )
        with Image.open(stem.with_suffix(".pgm")) as image:
            scale = image.height / height
            box = (0, min(image.height, int((top + 3) * scale) + 1), image.width, image.height)
            if box[1] >= box[3]:
                return False
            return image.crop(box).getextrema()[0] < 200


def stranded_headings(pdf: Path, titles: list[str]) -> list[tuple[int, str]]:
    """Pages (but the last) whose lowest text is a heading (or a piece of a wrapped one) with
    nothing drawn below it: the heading is cut off from its content by the page break."""
    found = []
    pages = _page_lines(pdf)
    for number, (height, lines) in enumerate(pages[:-1], start=1):
        lines = [(y, " ".join(t.split())) for y, t in lines if t.strip() and BANNER not in t]
        if not lines:
            continue
        bottom, last = max(lines)
        piece = _compact(last)  # pdftotext may split a word at a combining mark: compare unspaced
        matches = [t for t in titles if len(piece) >= 6 and piece in _compact(t)]
        if matches and not _ink_below(pdf, number, bottom, height):
            found.append((number, matches[0]))
    return found


def inspect_pdf(pdf: Path, page: Path) -> Printed:
    """Read a printed `page` back: page count, paper, per-page text, stranded headings."""
    pages, a4, texts = pdf_texts(pdf)
    return Printed(pages, a4, texts, stranded_headings(pdf, headings(page)))


def print_folder(folder: Path, out: Path) -> dict[str, Printed]:
    """Print every HTML page of a period folder with one browser; {file name: Printed}."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for path in sorted(folder.glob("*.html")):
                pdf = print_pdf(browser, path, out / f"{path.stem}.pdf")
                results[path.name] = inspect_pdf(pdf, path)
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> None:
    """Command line: a period folder of reports/; one line per page, PDFs in /tmp."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        raise SystemExit("usage: python -m analysis.publish.printing reports/<period>")
    with tempfile.TemporaryDirectory() as tmp:
        results = print_folder(Path(args[0]), Path(tmp))
    for name, printed in results.items():
        problems = [] if printed.a4 else ["not A4"]
        if printed.pages_without(BANNER):
            problems.append(f"no banner on pages {printed.pages_without(BANNER)}")
        problems += [f"heading at the foot of page {n}: {t!r}" for n, t in printed.stranded]
        print(f"{name}: {printed.pages} pages {'; '.join(problems)}".rstrip())
    counts = [r.pages for r in results.values()]
    print(f"{len(counts)} pages printed; pages min {min(counts)} max {max(counts)}")


if __name__ == "__main__":
    main()
