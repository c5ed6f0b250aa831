"""The real path: demo data -> clean -> analyse -> papermill + nbconvert briefs, on a small scale."""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analysis.outputs import record_checksums
from analysis.publish.batch import build_briefs, build_folder, content_digest

SCRIPT = "<script>alert('xss')</script> Hộ tịch"
CODES = ["09640", "09625"]
PERIOD = "2021-Q4"


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """Small synthetic dataset through the real chain, with a `<script>` planted in data strings."""
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    root = tmp_path_factory.mktemp("pipeline")
    raw, out = root / "raw", root / "processed"
    generate_demo_data(raw, scale=0.05, truth_path=raw / "truth.json")
    clean_all(raw, out, meetings_dirs=[raw / "meetings"])
    dossiers = pd.read_parquet(out / "dossiers.parquet")
    mine = (dossiers["commune_code"] == "09640") & (dossiers["field"] == "Hộ tịch")
    dossiers.loc[mine, "field"] = SCRIPT
    dossiers.to_parquet(out / "dossiers.parquet", index=False)
    record_checksums(out)  # a deliberate edit: the manifest must vouch for it, or analyse refuses
    analyse_all(out, bootstrap_reps=99, dossier_logit_rows=5_000)
    return out


@pytest.fixture(scope="module")
def built(processed, tmp_path_factory) -> tuple[dict, Path]:
    """Two communes and a unit that does not exist, plus the overview."""
    out = tmp_path_factory.mktemp("reports")
    summary = build_briefs(processed, out, communes=[*CODES, "09999"], period=PERIOD, workers=2)
    return summary, out / PERIOD


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        for name in ("src", "href"):
            if values.get(name):
                self.urls.append(values[name])


def parse(html_text: str) -> _Links:
    parser = _Links()
    parser.feed(html_text)
    return parser


def brief_html(folder: Path, code: str) -> str:
    return next(folder.glob(f"{code}-*.html")).read_text(encoding="utf-8")


def test_failing_unit_is_reported_while_the_others_are_built(built):
    summary, folder = built
    assert summary["ok"] is False
    assert set(summary["failed"]) == {"09999"}
    assert "09999" in summary["failed"]["09999"]
    assert set(summary["built"]) == {*CODES, "district"}


def test_index_lists_every_unit_with_a_link_or_its_error(built):
    _, folder = built
    index = (folder / "index.html").read_text(encoding="utf-8")
    for code in CODES:
        assert f'href="{next(folder.glob(f"{code}-*.html")).name}"' in index
    assert "09999" in index and "lỗi" in index
    assert 'href="tong-quan-huyen.html"' in index


def test_executed_notebooks_are_kept_for_audit_in_the_build_folder(built):
    _, folder = built
    names = {p.name for p in (build_folder(folder.parent, PERIOD) / "notebooks").glob("*.ipynb")}
    assert {
        "09640-xa-phong-van.ipynb",
        "09625-xa-phu-cuong.ipynb",
        "tong-quan-huyen.ipynb",
    } <= names


def test_parameters_keep_the_commune_code_a_string(built):
    _, folder = built
    notebook = build_folder(folder.parent, PERIOD) / "notebooks" / "09640-xa-phong-van.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["commune_code"] == "09640"


@pytest.mark.parametrize("code", CODES)
def test_brief_html_is_offline_vietnamese_and_small(built, code):
    _, folder = built
    html_text = brief_html(folder, code)
    links = parse(html_text)
    assert links.html_lang == "vi"
    external = [u for u in links.urls if re.match(r"^(https?:)?//", u)]
    assert external == []
    # the only script is the brief's figures as inert JSON (never executed)
    scripts = re.findall(r"<script\b[^>]*>", html_text.lower())
    assert len(scripts) == 1 and 'type="application/json"' in scripts[0]
    assert len(html_text.encode()) < 1_000_000
    assert "data:image/svg+xml;base64," in html_text
    assert unicodedata.is_normalized("NFC", html_text)
    assert "DỮ LIỆU MÔ PHỎNG" in html_text


def test_brief_has_no_code_prompts_or_parameters(built):
    _, folder = built
    html_text = brief_html(folder, "09640")
    assert "jp-CodeMirrorEditor" not in html_text and "jp-InputPrompt" not in html_text
    assert "In&nbsp;[" not in html_text and "Out[" not in html_text
    assert "Parameters" not in html_text and "processed_dir" not in html_text
    assert "import " not in html_text


def test_brief_names_the_unit_period_and_late_rate_convention(built):
    _, folder = built
    html_text = brief_html(folder, "09640")
    assert "<title>Bản tin CCHC xã Phong Vân — Quý IV/2021</title>" in html_text
    assert re.search(
        r"<h1[^>]*>Bản tin cải cách hành chính: Xã Phong Vân — Quý IV/2021 \(01/10–31/12/2021\)",
        html_text,
    )
    assert "hồ sơ giải quyết trễ hạn / hồ sơ đã giải quyết" in html_text


def test_data_strings_are_escaped(built):
    _, folder = built
    html_text = brief_html(folder, "09640")
    assert "&lt;script&gt;alert(" in html_text
    assert "<script>alert(" not in html_text


def test_rerun_skips_unchanged_units_and_rebuilds_a_changed_one(processed, tmp_path):
    first = build_briefs(processed, tmp_path, communes=CODES, period=PERIOD, overview=False)
    assert set(first["built"]) == set(CODES)
    again = build_briefs(processed, tmp_path, communes=CODES, period=PERIOD, overview=False)
    assert again["built"] == [] and set(again["cached"]) == set(CODES)
    roster_path = processed / "officers.parquet"
    original = roster_path.read_bytes()
    try:
        roster = pd.read_parquet(roster_path)
        corrected = (
            roster["officer_id"]
            == roster.loc[roster["commune_code"] == "09625", "officer_id"].iloc[0]
        )
        roster.loc[corrected, "title"] = "Công chức Văn phòng - Thống kê"
        roster.to_parquet(roster_path, index=False)
        record_checksums(processed)  # a deliberate correction, vouched for by the manifest
        third = build_briefs(processed, tmp_path, communes=CODES, period=PERIOD, overview=False)
    finally:
        roster_path.write_bytes(original)
        record_checksums(processed)
    assert third["built"] == ["09625"] and third["cached"] == ["09640"]
    forced = build_briefs(
        processed, tmp_path, communes=["09640"], period=PERIOD, overview=False, force=True
    )
    assert forced["built"] == ["09640"]


def test_a_brief_built_in_the_batch_equals_the_brief_built_alone(built, processed, tmp_path):
    _, folder = built
    alone = build_briefs(
        processed, tmp_path, communes=["09625"], period=PERIOD, overview=False, workers=1
    )
    assert alone["ok"]

    # the code version is blanked too: teammates may commit between the two builds of this test
    def stable(text: str) -> str:
        text = re.sub(r"Phiên bản chương trình: [^<]*", "", text)
        return content_digest(re.sub(r"code_version&quot;: &quot;[^&]*", "", text))

    assert stable(brief_html(tmp_path / PERIOD, "09625")) == stable(brief_html(folder, "09625"))


def test_the_shared_folder_holds_only_pages_without_machine_paths(built, processed):
    """reports/<period>/ is what gets forwarded: pages only; notebooks, cache, summary elsewhere."""
    _, folder = built
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(n.endswith(".html") and not n.startswith(".") for n in names), names
    assert "index.html" in names and "tong-quan-huyen.html" in names
    root = str(Path(__file__).resolve().parent.parent)
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8")
        for machine_path in (root, str(processed), str(folder), "/root", "/tmp", "/work"):
            assert machine_path not in text, (path.name, machine_path)
    build = build_folder(folder.parent, PERIOD)
    assert (build / "cache.json").is_file() and (build / "briefs_summary.json").is_file()
