"""Each recommendation rule fires on its condition and stays silent on the other side of it."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import recommendations as rec

DOCS = Path(__file__).resolve().parents[1] / "docs" / "briefs.md"


def quiet_facts(**changes) -> dict:
    """A commune with no problem in 2021-Q4: every rule but maintenance stays silent."""
    facts = {
        "period": "2021-Q4",
        "period_start": pd.Timestamp("2021-10-01"),
        "period_end": pd.Timestamp("2021-12-31"),
        "received": 600,
        "received_online": 300,
        "resolved": 590,
        "resolved_late": 20,
        "late_rate": 20 / 590,
        "pending_overdue_at_end": 0,
        "pending_overdue_supplement": 0,
        "late_without_letter": 0,
        "late_letter_known": 20,
        "apology_letter_compliance": 1.0,
        "officer_days": 130.0,
        "dedicated_officer_days": 65.0,
        "concurrent_share": 0.5,
        "dossiers_per_officer_day": 4.6,
        "district_median_dossiers_per_officer_day": 3.8,
        "vacancy_officer_days": 0.0,
        "rotations": 0,
        "online_share": 0.5,
        "district_online_share": 0.41,
        "online_target_766": 0.5,
        "points_766_3_3": None,
        "points_766_3_3_max": 12.0,
        "funnel_flag": "within",
        "expected_late": 25.0,
        "late_procedures": ["Đăng ký khai sinh"],
        "counter_only_procedures": [],
        "counter_only_dossiers": 0,
        "shows_766": False,
    }
    facts |= changes
    facts["deadline"] = rec.next_month_end(facts["period_end"])
    return facts


def rules_fired(facts: dict) -> list[str]:
    return [item["rule"] for item in rec.recommend(facts)]


def texts(facts: dict) -> list[str]:
    return [item["text"] for item in rec.recommend(facts)]


class TestQuietCommune:
    def test_only_maintenance_items_when_nothing_is_wrong(self):
        assert rules_fired(quiet_facts()) == ["update_software_promptly", "publish_procedures"]


class TestLateAboveExpected:
    def test_fires_above_the_funnel_and_quotes_the_excess(self):
        facts = quiet_facts(funnel_flag="high", resolved_late=97, expected_late=42.3)
        items = rec.recommend(facts)
        assert items[0]["rule"] == "late_above_expected"
        assert "97 trong 590" in items[0]["text"] and "khoảng 55 hồ sơ" in items[0]["text"]
        assert "Đăng ký khai sinh" in items[0]["text"]

    def test_silent_inside_the_limits_even_in_the_worst_third(self):
        facts = quiet_facts(funnel_flag="within", resolved_late=60, late_rate=0.1)
        assert "late_above_expected" not in rules_fired(facts)
        assert not any("cao hơn mức chung" in t for t in texts(facts))


class TestOverduePending:
    def test_fires_with_the_exact_count_even_when_small(self):
        facts = quiet_facts(pending_overdue_at_end=3, pending_overdue_supplement=2)
        text = next(i["text"] for i in rec.recommend(facts) if i["rule"] == "overdue_pending")
        assert "dứt điểm 3 hồ sơ" in text and "2 hồ sơ đang chờ công dân bổ sung" in text
        assert "< 5" not in text and "31/12/2021" in text

    def test_silent_with_no_overdue_dossier(self):
        assert "overdue_pending" not in rules_fired(quiet_facts(pending_overdue_at_end=0))


class TestApologyLetters:
    def test_fires_when_a_late_dossier_has_no_letter(self):
        facts = quiet_facts(late_without_letter=3, apology_letter_compliance=17 / 20)
        text = next(i["text"] for i in rec.recommend(facts) if i["rule"] == "apology_letters")
        assert "3 trong 20" in text and "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in text

    def test_silent_at_full_compliance(self):
        assert "apology_letters" not in rules_fired(quiet_facts(apology_letter_compliance=1.0))


class TestDedicatedOfficer:
    def test_fires_when_only_concurrent_officers_staff_a_busy_desk(self):
        facts = quiet_facts(dedicated_officer_days=0.0, concurrent_share=1.0)
        assert "dedicated_officer" in rules_fired(facts)

    def test_silent_when_a_dedicated_officer_is_on_the_desk(self):
        facts = quiet_facts(dedicated_officer_days=10.0, concurrent_share=0.92)
        assert "dedicated_officer" not in rules_fired(facts)

    def test_silent_when_the_desk_is_not_busier_than_the_median(self):
        facts = quiet_facts(
            dedicated_officer_days=0.0, concurrent_share=1.0, dossiers_per_officer_day=3.0
        )
        assert "dedicated_officer" not in rules_fired(facts)


class TestVacancyOrRotation:
    def test_a_33_day_vacancy_is_not_cut_by_the_limit(self):
        facts = quiet_facts(
            vacancy_officer_days=33.0,
            funnel_flag="high",
            resolved_late=60,
            pending_overdue_at_end=7,
            late_without_letter=4,
            dedicated_officer_days=0.0,
            concurrent_share=1.0,
            online_share=0.2,
            counter_only_procedures=["Đăng ký kết hôn"],
            counter_only_dossiers=12,
        )
        fired = rules_fired(facts)
        assert "vacancy_or_rotation" in fired and len(fired) <= rec.MAX_ITEMS
        assert not any(r in fired for r in ("update_software_promptly", "publish_procedures"))
        assert "33 ngày công" in texts(facts)[fired.index("vacancy_or_rotation")]

    def test_outranks_maintenance(self):
        fired = rules_fired(quiet_facts(rotations=1))
        assert fired[0] == "vacancy_or_rotation"

    def test_silent_with_a_full_desk_and_no_departure(self):
        assert "vacancy_or_rotation" not in rules_fired(quiet_facts(vacancy_officer_days=0.4))


class TestOnline:
    def test_2021_fires_below_the_district_with_procedures_taken_only_at_the_counter(self):
        facts = quiet_facts(
            online_share=0.3, counter_only_procedures=["Đăng ký kết hôn"], counter_only_dossiers=12
        )
        text = next(
            i["text"] for i in rec.recommend(facts) if i["rule"] == "online_below_yardstick"
        )
        assert "Đăng ký kết hôn" in text and "12 hồ sơ" in text
        assert "766" not in text and "điểm" not in text

    def test_2021_silent_at_or_above_the_district_share(self):
        facts = quiet_facts(
            online_share=0.45, counter_only_dossiers=5, counter_only_procedures=["X"]
        )
        assert "online_below_yardstick" not in rules_fired(facts)

    def test_2022_counts_lost_766_points_read_from_the_figures(self):
        facts = quiet_facts(
            period="2022-Q4",
            period_start=pd.Timestamp("2022-10-01"),
            period_end=pd.Timestamp("2022-12-31"),
            shows_766=True,
            online_share=0.25,
            points_766_3_3=5.0,
            points_766_3_3_max=10.0,
        )
        text = next(
            i["text"] for i in rec.recommend(facts) if i["rule"] == "online_below_yardstick"
        )
        assert "mất 5,0 điểm chỉ tiêu 3.3" in text

    def test_2022_never_says_zero_points_lost(self):
        facts = quiet_facts(
            shows_766=True, online_share=0.4999, points_766_3_3=11.999, points_766_3_3_max=12.0
        )
        assert not any("mất 0,0 điểm" in t for t in texts(facts))
        assert "online_below_yardstick" not in rules_fired(facts)


class TestSharePractice:
    def test_fires_below_the_funnel(self):
        assert rules_fired(quiet_facts(funnel_flag="low"))[0] == "share_practice"

    def test_silent_inside_the_funnel(self):
        assert "share_practice" not in rules_fired(quiet_facts(funnel_flag="within"))


class TestOrderAndShape:
    def test_ordered_by_expected_gain(self):
        facts = quiet_facts(
            funnel_flag="high", resolved_late=60, expected_late=25.0, pending_overdue_at_end=40
        )
        assert rules_fired(facts)[:2] == ["overdue_pending", "late_above_expected"]

    def test_every_item_names_who_acts_and_a_deadline_and_its_figures(self):
        facts = quiet_facts(funnel_flag="high", resolved_late=60, pending_overdue_at_end=2)
        for item in rec.recommend(facts):
            assert item["who"] and item["text"]
            if item["rule"] in ("late_above_expected", "overdue_pending"):
                assert "31/01/2022" in item["text"]
                assert item["figures"]

    def test_no_small_cell_marker_in_any_recommendation(self):
        facts = quiet_facts(pending_overdue_at_end=1, late_without_letter=2, rotations=1)
        assert not any("< 5" in t for t in texts(facts))


def test_docs_rules_table_is_generated_from_the_rules():
    docs = DOCS.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- rules-table:start -->\n(.*?)\n<!-- rules-table:end -->", docs, re.DOTALL
    )
    assert block, "docs/briefs.md lacks the generated rules table"
    assert block.group(1).strip() == rec.render_rules_table().strip()


@pytest.mark.parametrize("rule", rec.RULES, ids=lambda r: r.name)
def test_every_rule_has_who_and_when(rule):
    assert rule.who and rule.when and rule.condition
