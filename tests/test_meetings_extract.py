"""Specification of meeting-report extraction: the seed, hand-labelled reports, and the rules."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from analysis.meetings.extract import extract_meeting, read_meeting_report
from analysis.paths import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "meetings"
SEED = ROOT / "data" / "raw" / "meetings" / "2021-10-12_hop_truc_tuyen_cchc_ke_hoach_198.txt"
LABELLED = sorted(FIXTURES.glob("*.expected.json"))


def triples(result: dict) -> set[tuple[str, str, str]]:
    """(commune name, topic, polarity) of every mention."""
    return {(m["commune_name"], m["topic"], m["polarity"]) for m in result["mentions"]}


def only(text: str) -> set[tuple[str, str, str]]:
    """Mentions of a small text."""
    return triples(extract_meeting(text))


class TestSeed:
    def test_seed_gives_exactly_the_seventeen_mentions(self):
        result = read_meeting_report(SEED)
        expected = {
            *(
                (n, "document_software", "positive")
                for n in [
                    "Châu Sơn",
                    "Phú Cường",
                    "Đồng Thái",
                    "Khánh Thượng",
                    "Tây Đằng",
                    "Vạn Thắng",
                    "Cam Thượng",
                ]
            ),
            *(
                (n, "commune_website", "positive")
                for n in ["Tòng Bạt", "Vật Lại", "Khánh Thượng", "Tây Đằng"]
            ),
            *((n, "late_dossiers", "negative") for n in ["Phong Vân", "Ba Trại", "Cẩm Lĩnh"]),
            *((n, "online_services", "negative") for n in ["Vạn Thắng", "Phú Đông", "Chu Minh"]),
        }
        assert len(result["mentions"]) == 17
        assert triples(result) == expected

    def test_seed_meeting_facts(self):
        meeting = read_meeting_report(SEED)["meeting"]
        assert meeting["date"] == "2021-10-12"
        assert meeting["format"] == "online"
        assert meeting["connection_points"] == 31
        assert meeting["opinions"] == 17
        assert meeting["chair"] == "Đồng chí Nguyễn Đức Anh - Phó Chủ tịch UBND huyện"
        assert meeting["plans"] == [{"number": "198", "date": "2021-06-21"}]

    def test_seed_mentions_carry_codes_and_the_clause_as_evidence(self):
        mentions = read_meeting_report(SEED)["mentions"]
        phong_van = next(m for m in mentions if m["commune_name"] == "Phong Vân")
        assert phong_van["commune_code"] == "09640"
        assert (
            phong_van["evidence"]
            == "Một số xã tỷ lệ hồ sơ trễ hẹn còn cao như Phong Vân, Ba Trại, Cẩm Lĩnh"
        )


@pytest.mark.parametrize("expected_path", LABELLED, ids=[p.name.split(".")[0] for p in LABELLED])
class TestLabelledReports:
    def test_mentions_match_the_hand_labels(self, expected_path):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        result = read_meeting_report(
            expected_path.with_name(expected_path.name.replace(".expected.json", ".txt"))
        )
        got, want = triples(result), {tuple(m) for m in expected["mentions"]}
        precision = len(got & want) / len(got) if got else 1.0
        recall = len(got & want) / len(want) if want else 1.0
        assert (precision, recall) == (1.0, 1.0), f"extra {got - want}, missing {want - got}"

    def test_meeting_facts_match_the_hand_labels(self, expected_path):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))["meeting"]
        result = read_meeting_report(
            expected_path.with_name(expected_path.name.replace(".expected.json", ".txt"))
        )
        assert {k: result["meeting"][k] for k in expected} == expected


class TestCommuneNames:
    def test_district_ba_vi_is_not_the_commune(self):
        assert only("UBND huyện Ba Vì đã làm tốt công tác số hóa hồ sơ.") == set()

    def test_xa_ba_vi_is_the_commune(self):
        assert only("Xã Ba Vì đã làm tốt công tác số hóa hồ sơ.") == {
            ("Ba Vì", "digitization", "positive")
        }

    def test_ba_vi_in_a_list_of_communes_is_the_commune(self):
        assert ("Ba Vì", "late_dossiers", "negative") in only(
            "Tỷ lệ hồ sơ trễ hẹn còn cao như Ba Trại, Ba Vì, Yên Bài."
        )

    def test_count_of_communes_is_not_a_list(self):
        assert (
            only(
                "Hội nghị trực tuyến tới 31 xã, thị trấn; các xã đã làm tốt công tác tuyên truyền."
            )
            == set()
        )

    def test_upper_case_unaccented_and_old_tone_spellings_match(self):
        got = only("Các xã làm tốt công tác số hóa như PHONG VÂN, Thuan My, Thuỵ An.")
        assert {n for n, _, _ in got} == {"Phong Vân", "Thuần Mỹ", "Thụy An"}

    def test_nfd_text_matches_like_nfc(self):
        text = "Tỷ lệ hồ sơ trễ hẹn còn cao như Phong Vân, Cẩm Lĩnh."
        assert only(unicodedata.normalize("NFD", text)) == only(text)

    def test_common_word_in_lower_case_is_not_a_commune(self):
        assert only("Cán bộ phải đi đầu, tiên phong và làm tốt công tác số hóa.") == set()

    def test_figures_after_names_keep_the_list_together(self):
        got = only(
            "Hồ sơ quá hạn vẫn còn nhiều, nổi bật là Phong Vân (15 hồ sơ), Ba Trại 12,5% và Cẩm Lĩnh 9 hồ sơ."
        )
        assert got == {
            (n, "late_dossiers", "negative") for n in ["Phong Vân", "Ba Trại", "Cẩm Lĩnh"]
        }


class TestJudgements:
    def test_list_takes_the_nearest_preceding_cue(self):
        assert only("Việc cập nhật trang thông tin điện tử còn chậm ở các xã Sơn Đà, Cổ Đô.") == {
            ("Sơn Đà", "commune_website", "negative"),
            ("Cổ Đô", "commune_website", "negative"),
        }

    def test_subject_list_takes_the_predicate_after_it(self):
        assert only("Các xã Tản Lĩnh và Yên Bài chưa hoàn thành số hóa hồ sơ.") == {
            ("Tản Lĩnh", "digitization", "negative"),
            ("Yên Bài", "digitization", "negative"),
        }

    def test_contrast_splits_praise_from_criticism(self):
        assert only(
            "Xã Cổ Đô làm tốt công tác tiếp công dân, còn xã Phú Sơn chưa bố trí phòng tiếp công dân riêng."
        ) == {
            ("Cổ Đô", "citizen_reception", "positive"),
            ("Phú Sơn", "citizen_reception", "negative"),
        }

    def test_semicolon_starts_a_new_judgement(self):
        got = only(
            "Một số xã làm tốt số hóa như Vật Lại; tỷ lệ hồ sơ trực tuyến còn thấp như Minh Châu."
        )
        assert got == {
            ("Vật Lại", "digitization", "positive"),
            ("Minh Châu", "online_services", "negative"),
        }

    def test_high_late_rate_is_negative_and_high_online_rate_positive(self):
        assert only("Tỷ lệ hồ sơ trễ hạn cao nhất là xã Phú Châu.") == {
            ("Phú Châu", "late_dossiers", "negative")
        }
        assert only("Tỷ lệ nộp hồ sơ trực tuyến cao nhất là xã Phú Châu.") == {
            ("Phú Châu", "online_services", "positive")
        }

    def test_heading_with_colon_judges_the_bullets_under_it(self):
        text = "Các xã chưa làm tốt việc tiếp nhận hồ sơ ngày thứ 7:\n- Xã Chu Minh\n- Xã Vân Hòa\n"
        assert only(text) == {
            ("Chu Minh", "saturday_service", "negative"),
            ("Vân Hòa", "saturday_service", "negative"),
        }

    def test_a_name_without_any_judgement_gives_no_mention(self):
        assert (
            only("Hội nghị được tổ chức tại xã Tản Lĩnh với sự tham dự của lãnh đạo các phòng.")
            == set()
        )

    def test_judgement_without_a_known_topic_is_other(self):
        assert only("UBND huyện khen thưởng xã Đông Quang.") == {
            ("Đông Quang", "other", "positive")
        }

    def test_each_commune_topic_polarity_is_reported_once(self):
        result = extract_meeting(
            "Xã Cổ Đô làm tốt số hóa hồ sơ. Xã Cổ Đô tiếp tục làm tốt số hóa kết quả."
        )
        assert len(result["mentions"]) == 1

    def test_evidence_has_no_officer_names(self):
        result = extract_meeting("Đồng chí Nguyễn Văn An phê bình xã Minh Quang chậm số hóa hồ sơ.")
        assert "Nguyễn Văn An" not in result["mentions"][0]["evidence"]


class TestCueRules:
    def test_negated_praise_is_criticism(self):
        assert only("Xã Vân Hòa chưa làm tốt công tác tiếp công dân.") == {
            ("Vân Hòa", "citizen_reception", "negative")
        }

    def test_low_online_rate_is_criticism_and_falling_late_rate_is_praise(self):
        assert only("Tỷ lệ hồ sơ trực tuyến của xã Sơn Đà mới đạt dưới 20%.") == {
            ("Sơn Đà", "online_services", "negative")
        }
        assert only("Đối với xã Phong Vân, tỷ lệ hồ sơ trễ hẹn đã giảm mạnh.") == {
            ("Phong Vân", "late_dossiers", "positive")
        }

    def test_directive_to_do_well_singles_out_a_lagging_commune(self):
        assert only("Yêu cầu xã Phú Sơn hoàn thành số hóa hồ sơ trước ngày 30/6.") == {
            ("Phú Sơn", "digitization", "negative")
        }

    def test_directive_to_keep_up_is_praise(self):
        assert only("Đề nghị xã Cổ Đô tiếp tục phát huy kết quả số hóa hồ sơ.") == {
            ("Cổ Đô", "digitization", "positive")
        }

    def test_neutral_words_containing_cue_words_are_not_judgements(self):
        # "báo cáo" contains "cao", "hạ tầng" contains "tầng", "yêu cầu" contains "yêu"
        assert only("Xã Phú Đông báo cáo về hạ tầng mạng theo yêu cầu của huyện.") == set()

    def test_topic_is_the_first_cue_of_the_clause_not_a_later_purpose(self):
        got = only(
            "Trang thông tin điện tử được dùng để tuyên truyền, một số xã làm tốt như Vật Lại."
        )
        assert got == {("Vật Lại", "commune_website", "positive")}

    def test_topic_carries_over_a_semicolon_inside_a_sentence(self):
        got = only(
            "Các xã đã triển khai số hóa hồ sơ; một số đơn vị thực hiện tốt, tiêu biểu là xã Thuần Mỹ."
        )
        assert got == {("Thuần Mỹ", "digitization", "positive")}

    def test_a_cited_plan_frames_the_sentence_but_is_not_its_topic(self):
        got = only("Thực hiện Kế hoạch 198, tỷ lệ hồ sơ trễ hẹn còn cao như Phong Vân.")
        assert got == {("Phong Vân", "late_dossiers", "negative")}

    def test_lagging_on_a_plan_is_plan_execution(self):
        got = only("UBND xã Đồng Thái chậm ban hành kế hoạch cải cách hành chính năm 2024.")
        assert got == {("Đồng Thái", "plan_execution", "negative")}

    def test_words_spanning_two_words_do_not_make_a_topic(self):
        # "ghi nhận sự" folds to "... nhan su ..." but is not about staffing
        got = only("Ghi nhận sự cố gắng của UBND xã Thuần Mỹ trong công tác tiếp công dân.")
        assert got == {("Thuần Mỹ", "citizen_reception", "positive")}


class TestUnitsOfTheMeetingDay:
    def test_a_2025_report_names_the_merged_commune(self):
        result = extract_meeting(
            "Ngày 10/3/2025, UBND huyện họp trực tuyến. Xã Phú Hồng làm tốt công tác số hóa hồ sơ."
        )
        assert [(m["commune_code"], m["commune_name"]) for m in result["mentions"]] == [
            ("09646", "Phú Hồng")
        ]

    def test_a_2021_report_does_not_know_later_units(self):
        assert (
            only("Ngày 10/3/2021, huyện họp. Xã Phú Hồng làm tốt công tác số hóa hồ sơ.") == set()
        )


class TestContextAcrossSentences:
    def test_that_is_sentence_takes_the_judgement_of_the_sentence_before(self):
        got = only("Một số xã còn để hồ sơ trễ hẹn. Đó là các xã Phong Vân, Ba Trại.")
        assert got == {
            ("Phong Vân", "late_dossiers", "negative"),
            ("Ba Trại", "late_dossiers", "negative"),
        }

    def test_an_unrelated_next_sentence_is_not_judged(self):
        assert only("Một số xã còn để hồ sơ trễ hẹn. Xã Phong Vân tiếp nhận 20 hồ sơ.") == set()


class TestRedactPeople:
    def test_names_after_honorifics_go_roles_stay(self):
        from analysis.meetings.extract import redact_people

        text = (
            "đồng chí Phó Chủ tịch UBND huyện và đồng chí Nguyễn Văn An, ông Lê Tâm, gọi 0912345678"
        )
        assert (
            redact_people(text)
            == "đồng chí Phó Chủ tịch UBND huyện và đồng chí [họ tên], ông [họ tên], gọi [số điện thoại]"
        )

    def test_a_judgement_inside_the_figures_of_a_list(self):
        got = only("Cụ thể: Phú Châu (trễ hẹn 12 hồ sơ), Minh Châu (quá hạn 8 hồ sơ).")
        assert got == {
            ("Phú Châu", "late_dossiers", "negative"),
            ("Minh Châu", "late_dossiers", "negative"),
        }
