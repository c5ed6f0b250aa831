"""Every figure embedded in the 31 briefs equals a recomputation from dossiers.parquet.

The recomputation below is plain pandas written for this test: it imports nothing from
`analysis.analyse` or `analysis.report` (only the pipeline that builds the briefs and the reader
of the embedded JSON), so a bug in the indicator code cannot hide itself.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

PERIOD = "2021-Q4"
START, END = pd.Timestamp("2021-10-01"), pd.Timestamp("2021-12-31")


@pytest.fixture(scope="session")
def built_briefs(tmp_path_factory) -> tuple[Path, Path]:
    """Synthetic data -> clean -> analyse -> all 31 briefs, once per test session."""
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all
    from analysis.publish.batch import build_briefs

    root = tmp_path_factory.mktemp("brief_figures")
    raw, processed, reports = root / "raw", root / "processed", root / "reports"
    generate_demo_data(raw, scale=0.05, truth_path=raw / "truth.json")
    clean_all(raw, processed, meetings_dirs=[raw / "meetings"])
    analyse_all(processed, bootstrap_reps=19, dossier_logit_rows=2_000)
    summary = build_briefs(processed, reports, period=PERIOD, workers=2, overview=False)
    assert not summary["failed"], summary["failed"]
    return processed, reports / PERIOD


@pytest.fixture(scope="session")
def embedded(built_briefs) -> dict[str, dict]:
    from analysis.report.brief_figures import read_brief_figures

    _, folder = built_briefs
    found = {}
    for path in sorted(folder.glob("[0-9]*.html")):
        figures = read_brief_figures(path)
        assert figures, f"{path.name} has no brief-figures block"
        found[figures["commune_code"]] = figures
    return found


def recompute(dossiers: pd.DataFrame, code: str) -> dict:
    """The brief's figures from the dossiers, by the definitions in DOMAIN.md (calendar days)."""
    mine = dossiers[dossiers["commune_code"] == code]
    cover = mine["as_of"].max().normalize()
    last = min(END, cover)
    received_day = mine["received_at"].dt.normalize()
    completed_day = mine["completed_at"].dt.normalize()
    due_day = mine["due_at"].dt.normalize()
    received = (received_day >= START) & (received_day <= last)
    completed = (completed_day >= START) & (completed_day <= last)
    resolved = completed & (mine["status"] == "resolved")
    late = resolved & (completed_day > due_day)
    early = resolved & (completed_day < due_day)
    open_at_end = (received_day <= last) & (mine["completed_at"].isna() | (completed_day > last))
    open_at_start = (received_day < START) & (
        mine["completed_at"].isna() | (completed_day >= START)
    )
    online = received & (mine["channel"] == "online")
    n_resolved = int(resolved.sum())
    return {
        "commune_code": code,
        "period_start": START.date().isoformat(),
        "period_end": END.date().isoformat(),
        "carried_over": int(open_at_start.sum()),
        "received": int(received.sum()),
        "received_online": int(online.sum()),
        "received_level_3": int((online & (mine["online_level"] == "level_3")).sum()),
        "received_level_4": int((online & (mine["online_level"] == "level_4")).sum()),
        "resolved": n_resolved,
        "resolved_early": int(early.sum()),
        "resolved_on_time": int((resolved & (completed_day == due_day)).sum()),
        "resolved_late": int(late.sum()),
        "closed_other": int((completed & (mine["status"] != "resolved")).sum()),
        "pending_at_end": int(open_at_end.sum()),
        "pending_overdue_at_end": int((open_at_end & (due_day < last)).sum()),
        "late_rate": late.sum() / n_resolved if n_resolved else None,
        "on_time_rate": (n_resolved - late.sum()) / n_resolved if n_resolved else None,
        "online_share": online.sum() / received.sum() if received.sum() else None,
    }


def test_every_commune_has_a_brief_with_figures(embedded):
    assert len(embedded) == 31


def test_every_figure_equals_an_independent_recomputation(built_briefs, embedded):
    processed, _ = built_briefs
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    mismatches = []
    for code, figures in embedded.items():
        expected = recompute(dossiers, code)
        assert figures["late_rate_convention"] == "late_rate_resolved"
        for key, value in expected.items():
            got = figures[key]
            if isinstance(value, float) or isinstance(got, float):
                same = (value is None and got is None) or (
                    value is not None and got is not None and abs(float(value) - got) < 1e-12
                )
            else:
                same = got == value
            if not same:
                mismatches.append((code, key, got, value))
    assert mismatches == []


def test_the_balance_holds_in_every_brief(embedded):
    for figures in embedded.values():
        assert (
            figures["carried_over"] + figures["received"]
            == figures["resolved"] + figures["closed_other"] + figures["pending_at_end"]
        )


def test_recommendations_rest_on_the_briefs_own_figures(built_briefs, embedded):
    processed, _ = built_briefs
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    for code, figures in embedded.items():
        expected = recompute(dossiers, code)
        assert 1 <= len(figures["recommendations"]) <= 5
        for item in figures["recommendations"]:
            assert {"rule", "text", "figures"} <= set(item)
            assert "< 5" not in item["text"]
            for key in ("resolved", "resolved_late", "received", "pending_overdue_at_end"):
                if key in item["figures"]:
                    assert item["figures"][key] == expected[key], (code, item["rule"], key)
            if item["rule"] == "overdue_pending":
                assert f"dứt điểm {expected['pending_overdue_at_end']} hồ sơ" in item["text"]


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, no tags, entities decoded."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


RAW_LABELS = ("2021-Q4", "commune_code =", "late_rate_convention", "điểm %", "ảnh hưởng")


def test_no_raw_label_in_the_visible_text(built_briefs):
    _, folder = built_briefs
    for path in sorted(folder.glob("[0-9]*.html")):
        text = visible_text(path.read_text(encoding="utf-8"))
        body = text.split("Nguồn gốc số liệu")[0]
        for label in RAW_LABELS:
            assert label not in body, (path.name, label)
        assert "Quý IV/2021 (01/10–31/12/2021)" in body
        assert "QĐ 766" not in body and "766/QĐ-TTg" not in body, path.name
        assert "mức độ 3" in body and "mức độ 4" in body


def test_footer_shows_no_git_hash_or_utc_offset(built_briefs):
    _, folder = built_briefs
    for path in sorted(folder.glob("[0-9]*.html")):
        text = visible_text(path.read_text(encoding="utf-8"))
        assert "+0000" not in text and not re.search(r"git [0-9a-f]{7}", text)


def test_funnel_never_says_higher_than_the_district_when_inside(built_briefs, embedded):
    _, folder = built_briefs
    for path in sorted(folder.glob("[0-9]*.html")):
        text = visible_text(path.read_text(encoding="utf-8"))
        if "trong mức chênh lệch thường thấy giữa các xã" in text:
            assert "cao hơn mức chung" not in text, path.name
        assert "có thể chỉ do ngẫu nhiên" not in text


def test_json_cannot_close_its_script_element():
    from analysis.report.brief_figures import embed_brief_figures, read_brief_figures

    block = embed_brief_figures({"commune_code": "09640", "text": "</script><b>x</b>"})
    assert block.count("</script>") == 1
    assert read_brief_figures(f"<html>{block}</html>")["text"] == "</script><b>x</b>"


def test_the_index_shows_the_figures_each_brief_embeds(built_briefs, embedded):
    """Index and brief read one indicator row: received, late rate and online share agree."""
    _, folder = built_briefs
    page = (folder / "index.html").read_text(encoding="utf-8")
    index = page[page.index("<tbody") : page.index("</tbody>")]  # the table, not the tile maps
    rows = re.findall(r'<tr[^>]*><td data-value="[^"]*"><a href="([^"]+)">.*?</tr>', index, re.S)
    assert len(rows) == len(embedded) == 31
    for href in rows:
        row = re.search(rf'<a href="{re.escape(href)}">.*?</tr>', index, re.S).group(0)
        values = [v for v in re.findall(r'data-value="([^"]*)"', row)]
        received, late_rate = float(values[0]), values[1]
        figures = next(f for f in embedded.values() if href.startswith(f["commune_code"]))
        assert received == figures["received"], href
        if figures["late_rate"] is None:
            assert late_rate == ""
        else:
            assert float(late_rate) == pytest.approx(figures["late_rate"], abs=1e-12), href


def test_each_brief_states_its_rank_interval_from_the_analysis_table(built_briefs, embedded):
    processed, folder = built_briefs
    table = pd.read_parquet(processed / "commune_ranks_uncertainty.parquet")
    table = table[table["period"] == PERIOD].set_index("commune_code")
    for code in embedded:
        path = next(folder.glob(f"{code}-*.html"))
        text = visible_text(path.read_text(encoding="utf-8"))
        row = table.loc[code]
        if pd.isna(row["rank_low"]):
            assert "thứ hạng nằm trong khoảng" not in text, code
            continue
        expected = f"từ thứ {int(row['rank_low'])} đến thứ {int(row['rank_high'])}"
        assert expected in text, (code, expected)
