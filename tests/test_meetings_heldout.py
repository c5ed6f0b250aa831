"""Held-out meeting reports: written blind (before reading the extractor), then scored.

`tests/fixtures/meetings/heldout/*.txt` are eight reports in styles the rules were not written
for (in-person sơ kết, hybrid quarterly review, an inspection visit by the Chủ tịch, a numbered
list of limitations, "- Xã X: …" rows, Saturday service and reception rooms, digitisation and
online payment, ALL CAPS / unaccented names in one long sentence, "huyện Ba Vì" beside
"Vườn quốc gia Ba Vì" and "xã Ba Vì"). Each `*.expected.json` holds a human annotation.

Blind scores (before the fixes of docs/meeting_extraction.md, "Held-out reports"): micro
precision 0.909, recall 0.926 on 54 mentions; 44/48 meeting facts. After: 1.0 / 1.0 and 48/48.
The thresholds below are the ones reached; lower one only with a written reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analysis.meetings.extract import read_meeting_report
from analysis.text import fold

HELDOUT = Path(__file__).parent / "fixtures" / "meetings" / "heldout"
REPORTS = sorted(HELDOUT.glob("*.txt"))
# Per-file thresholds actually reached on every held-out report (after the fixes).
MIN_PRECISION = 1.0
MIN_RECALL = 1.0
FACTS = ("date", "format", "connection_points", "opinions", "chair_role", "plans")


def load_expected(report: Path) -> dict:
    """The hand annotation beside a report."""
    return json.loads(report.with_suffix(".expected.json").read_text(encoding="utf-8"))


def mention_keys(mentions: list[dict]) -> set[tuple[str, str, str]]:
    """Mentions as (commune_code, topic, polarity)."""
    return {(m["commune_code"], m["topic"], m["polarity"]) for m in mentions}


def score_mentions(got: set, expected: set) -> tuple[float, float]:
    """(precision, recall); an empty side scores 1.0."""
    hits = len(got & expected)
    precision = hits / len(got) if got else 1.0
    recall = hits / len(expected) if expected else 1.0
    return precision, recall


def comparable_fact(name: str, value):
    """Facts as an annotator compares them: the district's own name after a role is the same role
    ("Chủ tịch UBND huyện Ba Vì" = "Chủ tịch UBND huyện"); plans by number and date."""
    if name == "chair_role" and value is not None:
        return re.sub(r"\s+ba vi$", "", fold(value).strip())
    if name == "plans":
        return [{"number": p["number"], "date": p.get("date")} for p in value or []]
    return value


def test_there_are_eight_held_out_reports_with_annotations():
    assert len(REPORTS) == 8
    assert all(r.with_suffix(".expected.json").exists() for r in REPORTS)


@pytest.mark.parametrize("report", REPORTS, ids=lambda p: p.stem)
class TestHeldOutReport:
    def test_mentions_reach_the_precision_and_recall_thresholds(self, report):
        got = mention_keys(read_meeting_report(report)["mentions"])
        expected = mention_keys(load_expected(report)["mentions"])
        precision, recall = score_mentions(got, expected)
        assert precision >= MIN_PRECISION, f"extra: {sorted(got - expected)}"
        assert recall >= MIN_RECALL, f"missed: {sorted(expected - got)}"

    def test_mentions_are_exactly_the_annotated_ones(self, report):
        got = mention_keys(read_meeting_report(report)["mentions"])
        assert got == mention_keys(load_expected(report)["mentions"])

    def test_meeting_facts_match_the_annotation(self, report):
        meeting = read_meeting_report(report)["meeting"]
        expected = load_expected(report)["meeting"]
        for name in FACTS:
            assert comparable_fact(name, meeting[name]) == comparable_fact(name, expected[name]), (
                name
            )

    def test_evidence_names_the_commune(self, report):
        for mention in read_meeting_report(report)["mentions"]:
            assert fold(mention["commune_name"]) in fold(mention["evidence"])


def test_ba_vi_the_district_and_the_national_park_are_not_the_commune():
    """h3 names "huyện Ba Vì" and "Vườn quốc gia Ba Vì" (a slow land procedure) beside xã Ba Vì."""
    report = HELDOUT / "h3_chu_tich_kiem_tra_xa.txt"
    ba_vi = [m for m in read_meeting_report(report)["mentions"] if m["commune_code"] == "09703"]
    assert {(m["topic"], m["polarity"]) for m in ba_vi} == {
        ("citizen_reception", "positive"),
        ("online_services", "negative"),
    }


def test_a_row_clause_without_the_name_is_still_about_the_row_commune():
    """'- Xã Tòng Bạt: còn 12 hồ sơ quá hạn; chưa bố trí phòng tiếp công dân riêng.'"""
    report = HELDOUT / "h5_danh_sach_xa_gach_dau_dong.txt"
    got = mention_keys(read_meeting_report(report)["mentions"])
    assert ("09670", "citizen_reception", "negative") in got
    assert ("09640", "commune_website", "positive") in got
