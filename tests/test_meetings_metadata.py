"""Specification of the meeting facts read from a report."""

from __future__ import annotations

from analysis.meetings.metadata import (
    extract_chair,
    extract_connection_points,
    extract_format,
    extract_meeting_date,
    extract_opinions,
    extract_plans,
)


class TestExtractMeetingDate:
    def test_day_without_year_takes_the_post_year(self):
        assert (
            extract_meeting_date(
                "Ngày đăng 12/10/2021 | 13:25\nSáng ngày 12/10 UBND huyện tổ chức họp."
            )
            == "2021-10-12"
        )

    def test_day_after_the_post_date_belongs_to_the_year_before(self):
        assert (
            extract_meeting_date("Ngày đăng 05/01/2022\nChiều 29/12, UBND huyện tổ chức hội nghị.")
            == "2021-12-29"
        )

    def test_date_written_in_words(self):
        assert (
            extract_meeting_date("Ngày 14 tháng 7 năm 2023, UBND huyện tổ chức hội nghị.")
            == "2023-07-14"
        )

    def test_a_cited_plan_date_is_not_the_meeting_date(self):
        text = "Ngày đăng 12/10/2021\nThực hiện Kế hoạch 198 ngày 21/6/2021, sáng 11/10 huyện họp trực tuyến."
        assert extract_meeting_date(text) == "2021-10-11"

    def test_without_a_meeting_day_the_post_date_is_used(self):
        assert (
            extract_meeting_date(
                "Ngày đăng 15/11/2021\nTừ ngày 1/11 đến ngày 12/11/2021 đoàn kiểm tra."
            )
            == "2021-11-15"
        )

    def test_file_name_date_is_the_last_resort(self):
        assert extract_meeting_date("Không có ngày.", source="2022-03-04_hop.txt") == "2022-03-04"


class TestExtractFormat:
    def test_online_services_are_not_an_online_meeting(self):
        assert (
            extract_format("Tại phòng họp UBND huyện, hội nghị bàn về dịch vụ công trực tuyến.")
            == "in_person"
        )

    def test_connection_points_mean_online(self):
        assert extract_format("Hội nghị với điểm cầu 31 xã, thị trấn.") == "online"

    def test_in_person_combined_with_online_is_both(self):
        assert extract_format("Hội nghị theo hình thức trực tiếp kết hợp trực tuyến.") == "both"

    def test_nothing_said_is_unknown(self):
        assert extract_format("Huyện tổ chức kiểm tra công tác cải cách hành chính.") is None


class TestCounts:
    def test_connection_points_after_or_before_the_number(self):
        assert extract_connection_points("họp trực tuyến với điểm cầu 31 xã, thị trấn") == 31
        assert extract_connection_points("kết nối 32 điểm cầu") == 32

    def test_opinions_in_several_wordings(self):
        assert extract_opinions("Tại cuộc họp đã có 17 ý kiến phát biểu") == 17
        assert extract_opinions("Hội nghị nghe 5 tham luận") == 5
        assert extract_opinions("Không có số liệu") is None


class TestExtractChair:
    def test_chair_as_published_with_role(self):
        chair, role = extract_chair(
            "Đồng chí Nguyễn Đức Anh - Phó Chủ tịch UBND huyện huyện chủ trì cuộc họp."
        )
        assert chair == "Đồng chí Nguyễn Đức Anh - Phó Chủ tịch UBND huyện"
        assert role == "Phó Chủ tịch UBND huyện"

    def test_chair_named_after_the_verb(self):
        chair, role = extract_chair(
            "Chủ trì hội nghị có đồng chí Phạm Quang Huy, Phó Chủ tịch UBND huyện."
        )
        assert chair == "đồng chí Phạm Quang Huy, Phó Chủ tịch UBND huyện"
        assert role == "Phó Chủ tịch UBND huyện"

    def test_role_drops_a_trailing_personal_name(self):
        _, role = extract_chair("Đồng chí Chủ tịch UBND huyện Lê Thị Mai chủ trì hội nghị.")
        assert role == "Chủ tịch UBND huyện"


class TestExtractPlans:
    def test_plan_number_and_date(self):
        assert extract_plans("Kế hoạch số 198/KH-UBND ngày 21/6/2021 của UBND huyện") == [
            {"number": "198", "date": "2021-06-21"}
        ]

    def test_plan_without_date_and_durations_that_are_not_numbers(self):
        assert extract_plans("triển khai Kế hoạch 45; kế hoạch 3 tháng cuối năm") == [
            {"number": "45", "date": None}
        ]


class TestExtractChairVariants:
    def test_who_attended_and_directed_when_nobody_chaired(self):
        _, role = extract_chair(
            "Dự và chỉ đạo hội nghị có đồng chí Đỗ Thị Hạnh - Phó Chủ tịch UBND huyện."
        )
        assert role == "Phó Chủ tịch UBND huyện"

    def test_district_name_in_a_role_is_not_a_person(self):
        _, role = extract_chair("Đồng chí Lê Văn An - Chủ tịch UBND huyện Ba Vì chủ trì hội nghị.")
        assert role == "Chủ tịch UBND huyện Ba Vì"
