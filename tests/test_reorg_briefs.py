"""Briefs after the 2025 reorganisation, through the real chain on a small 2025 demo (issue 14).

2025-04..2025-12 at a small scale: 2025-Q2 has the 29 units with Phú Hồng, 2025-Q4 the 8 new xã.
Two of the 8 briefs are built (a unit with divided predecessors and the one with the Phú Hồng
step) with the overview and the index; that "all" means the 8 is checked in
tests/test_reference_lineage.py. One 2025-Q2 brief (the district still stands) checks that the
district's wording is kept where it is still true.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.publish.batch import build_briefs
from analysis.publish.tiles import read_tile_grid, tile_grid_of_period
from analysis.reference.lineage import units_of_period
from analysis.report.frame import build_frame
from analysis.report.scope import scope_terms
from analysis.report.settings import DEFAULTS

PERIOD = "2025-Q4"
CODES = ["09619", "09634"]  # Quảng Oai (with divided units), Cổ Đô (with Phú Hồng)


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all

    root = tmp_path_factory.mktemp("reorg")
    raw, out = root / "raw", root / "processed"
    generate_demo_data(
        raw, start="2025-04-01", end="2025-12-31", scale=0.03, truth_path=raw / "truth.json"
    )
    clean_all(raw, out, meetings_dirs=[raw / "meetings"])
    analyse_all(out, bootstrap_reps=0, dossier_logit_rows=2_000)
    return out


@pytest.fixture(scope="module")
def reports(processed, tmp_path_factory) -> Path:
    """2025-Q4: two briefs, the overview and the index; 2025-Q2: one brief (district standing)."""
    out = tmp_path_factory.mktemp("reorg-reports")
    summary = build_briefs(processed, out, communes=CODES, period=PERIOD)
    assert summary["ok"], summary
    summary = build_briefs(processed, out, communes=["09619"], period="2025-Q2", overview=False)
    assert summary["ok"], summary
    return out


def reader_text(page: Path) -> str:
    """What a reader sees of a page: its text, <title> and alt/title attributes (NFC, plain spaces)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    attributes = [
        str(tag.get(name))
        for tag in soup.find_all(True)
        for name in ("alt", "title", "aria-label")
        if tag.get(name)
    ]
    text = unicodedata.normalize("NFC", " ".join([soup.get_text(" "), *attributes]))
    return text.replace("\xa0", " ")  # numbers are bound to their unit by no-break spaces


def test_each_period_is_counted_for_its_units(processed):
    table = pd.read_parquet(processed / "indicators_period.parquet")
    units = table[table["commune_code"] != "district"].groupby("period")["commune_code"]
    assert set(units.unique()[PERIOD]) == set(units_of_period(PERIOD)["code"])
    assert units.nunique()["2025-Q2"] == 29
    names = table[table["period"] == PERIOD].set_index("commune_code")["commune_name"]
    assert names["09619"] == "Quảng Oai"
    # second path: the 2025-Q4 received count of Cổ Đô is its dossiers received in the quarter
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    quarter = dossiers["received_at"].dt.to_period("Q") == pd.Period("2025Q4")
    plain = int((quarter & (dossiers["commune_code"] == "09634")).sum())
    assert (
        table[(table["period"] == PERIOD)].set_index("commune_code").loc["09634", "received"]
        == plain
    )


def test_rebuilt_quarters_sum_whole_predecessors(processed):
    history = pd.read_parquet(processed / "indicators_reconstructed.parquet")
    quarters = history[history["period_type"] == "quarter"].set_index(["commune_code", "period"])
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    q2 = dossiers[dossiers["received_at"].dt.to_period("Q") == pd.Period("2025Q2")]
    # Yên Bài (new) = Vân Hòa + Yên Bài (2021), both whole
    plain = int(q2["commune_code"].isin(["09706", "09709"]).sum())
    assert quarters.loc[("09706", "2025-Q2"), "received"] == plain
    assert quarters.loc[("09706", "2025-Q2"), "reconstructed"]
    assert not quarters.loc[("09706", PERIOD), "reconstructed"]


def test_two_new_xa_briefs_name_their_predecessors(reports):
    pages = {p.name: p.read_text(encoding="utf-8") for p in (reports / PERIOD).glob("0*.html")}
    assert sorted(pages) == ["09619-xa-quang-oai.html", "09634-xa-co-do.html"]
    quang_oai = unicodedata.normalize("NFC", pages["09619-xa-quang-oai.html"])
    text = re.sub(r"<[^>]+>", " ", quang_oai)
    assert "Xã Quảng Oai được thành lập từ ngày 01/07/2025" in text
    for name in ("Cam Thượng", "Đông Quang", "Tiên Phong", "Tây Đằng", "Chu Minh", "Thụy An"):
        assert name in text
    assert "dựng lại từ đơn vị cũ" in text
    assert "thị trấn Tây Đằng —" not in text  # the title names the new xã, not the old code's unit
    co_do = re.sub(r"<[^>]+>", " ", pages["09634-xa-co-do.html"])
    assert "đã hợp nhất thành xã Phú Hồng" in unicodedata.normalize("NFC", co_do)


def test_2025_pages_speak_of_no_district(reports):
    pages = sorted((reports / PERIOD).glob("*.html"))
    names = {p.name for p in pages}
    assert {"index.html", "tong-quan-huyen.html", "09619-xa-quang-oai.html"} <= names
    for page in pages:
        text = reader_text(page)
        assert "huyện Ba Vì cũ" in text, page.name  # the area is named, as the former district
        leftover = re.sub(r"huyện Ba Vì cũ", "", text, flags=re.IGNORECASE)
        found = [m.group(0) for m in re.finditer(r".{0,40}huyện.{0,20}", leftover, re.I)]
        assert not found, (page.name, found)
        assert "thị trấn huyện" not in text and "xã, thị trấn của" not in text
    brief = reader_text(reports / PERIOD / "09619-xa-quang-oai.html")
    assert re.search(r"so với \d\sxã trên địa bàn huyện Ba Vì cũ\.", brief)
    assert "SỞ NỘI VỤ" in brief and "Tổng quan toàn địa bàn" in brief
    overview = reader_text(reports / PERIOD / "tong-quan-huyen.html")
    assert "Toàn địa bàn tiếp nhận" in overview and "Xếp hạng 8 xã" in overview


def test_pages_of_a_period_with_the_district_still_say_huyen(reports):
    (page,) = (reports / "2025-Q2").glob("09619-*.html")
    brief = reader_text(page)
    assert "xã, thị trấn của huyện Ba Vì" in brief and "UBND HUYỆN BA VÌ" in brief
    assert "huyện Ba Vì cũ" not in brief and "toàn địa bàn" not in brief
    index = reader_text(reports / "2025-Q2" / "index.html")
    assert "Cải cách hành chính các xã, thị trấn huyện Ba Vì" in index


def test_2025_index_maps_the_8_xa_at_their_predecessors_mean_position(reports):
    page = (reports / PERIOD / "index.html").read_text(encoding="utf-8")
    assert page.count('<g class="tile"') == 2 * 8
    assert "vị trí trung bình của các xã, thị trấn trước khi sắp xếp" in page
    grid = tile_grid_of_period(PERIOD).set_index("code")
    assert not grid.duplicated(["col", "row"]).any()
    assert set(grid.index) == set(units_of_period(PERIOD)["code"])
    assert grid["source"].str.startswith("approximate").all()
    # north on top, west on the left, as the 2021 tiles of their predecessors
    assert grid.loc["09634", "row"] == grid["row"].min()  # Cổ Đô: the northern xã
    assert grid.loc[["09700", "09706"], "row"].eq(grid["row"].max()).all()  # Ba Vì, Yên Bài
    assert grid.loc["09676", "col"] == grid["col"].min()  # Bất Bạt: the western xã
    assert tile_grid_of_period("2021-Q4").equals(read_tile_grid())


class TestScopeTerms:
    def test_a_period_after_the_district_speaks_of_the_former_area(self):
        terms = scope_terms("2025-Q4")
        assert not terms.district_standing
        assert terms.group(8) == "8 xã trên địa bàn huyện Ba Vì cũ"
        assert "huyện" not in terms.whole + terms.median + terms.other_units + terms.meeting

    def test_2021_and_the_first_half_of_2025_keep_the_district_wording(self):
        assert scope_terms("2021-Q4").group(31) == "31 xã, thị trấn của huyện Ba Vì"
        assert scope_terms("2025-Q2").whole == "toàn huyện"  # the district stood until 30/6/2025
        assert scope_terms("2025-07").whole == "toàn địa bàn"

    def test_after_the_district_the_frame_has_another_issuer(self):
        frame = build_frame({"commune_code": "09619", "period": "2025-Q4"}, DEFAULTS)
        assert frame["parent"] == "UBND THÀNH PHỐ HÀ NỘI"
        assert frame["recipients"][0] == "Chủ tịch UBND xã Quảng Oai (để thực hiện)"
        assert build_frame({"period": "2021-Q4"}, DEFAULTS)["parent"] == "UBND HUYỆN BA VÌ"

    def test_a_new_xa_keeping_an_old_name_gets_no_old_terrain(self):
        from analysis.report.frame import unit_terrain

        # xã Vật Lại of 1/7/2025 is five old xã, not the 2021 xã Vật Lại
        assert unit_terrain("09664", "2025-Q4") == ""
        assert unit_terrain("09664", "2021-Q4") == unit_terrain("09664") != ""


def test_models_use_one_set_of_units_and_2025_q4_says_8_are_too_few(processed, reports):
    fit = json.loads((processed / "model_fit.json").read_text())
    # the latest set with at least 20 units: the 29 of 2025-01-01, in its own months (Apr-Jun)
    assert (fit["units_from"], fit["n_units"]) == ("2025-01-01", 29)
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    before = dossiers[
        (dossiers["received_at"] >= "2025-04-01") & (dossiers["received_at"] < "2025-07-01")
    ]
    panel = fit["panel_binomial_glm"]
    assert panel["n_clusters"] == before["commune_code"].nunique() == 29
    late = int(before["outcome"].isin(["late", "pending_overdue"]).sum())
    assert round(panel["mean_late_rate"] * panel["n_dossiers"]) == late  # no July-on dossier
    overview = reader_text(reports / PERIOD / "tong-quan-huyen.html")
    assert "Phần này không tính cho 8 xã của kỳ: 8 đơn vị là quá ít" in overview
    assert "cần ít nhất 20 đơn vị" in overview and "Với 29 đơn vị" not in overview


def test_a_meeting_after_the_reorganisation_ranks_the_8_new_xa(processed):
    from analysis.analyse.indicators import list_communes
    from analysis.analyse.meeting_check import check_mentions

    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    officers = pd.read_parquet(processed / "officers.parquet")
    mention = pd.DataFrame(
        {
            "meeting_id": ["m1"],
            "meeting_date": [pd.Timestamp("2025-10-15")],
            "source_file": ["bien_ban.docx"],
            "commune_code": ["09664"],
            "commune_name": ["Vật Lại"],
            "topic": ["online_services"],
            "polarity": ["negative"],
            "evidence": ["tỷ lệ trực tuyến thấp"],
        }
    )
    row = check_mentions(mention, dossiers, officers, list_communes(dossiers)).iloc[0]
    assert row["window"] == "2025-04..2025-09" and row["n_ranked"] == 8
    assert "rebuilt for the units of 01/07/2025" in row["reason"]
    # second path: Vật Lại (new) = Phú Châu, Thái Hòa, Đồng Thái, Phú Sơn and Vật Lại, all whole
    window = dossiers[
        (dossiers["received_at"] >= "2025-04-01") & (dossiers["received_at"] < "2025-10-01")
    ]
    mine = window[window["commune_code"].isin(["09649", "09652", "09655", "09658", "09664"])]
    assert row["value"] == pytest.approx((mine["channel"] == "online").mean())
