"""The one privacy module: typed detectors (both sides) and the catalogue allow-list."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.privacy import (
    MASK_ADDRESS,
    MASK_CCCD,
    MASK_CMND,
    MASK_EMAIL,
    MASK_NAME,
    MASK_PHONE,
    OTHER_FIELD,
    OTHER_PROCEDURE,
    _separated_non_phones,
    classify_number,
    contains_personal_data,
    restrict_to_catalogue,
    rows_with_personal_data,
    scrub_text,
    scrub_values,
)

# text that must come out exactly as it went in: look-alikes of personal data
LOOK_ALIKES = [
    "09640-211012-0001",  # a dossier number: {mã đơn vị}-{yymmdd}-{serial}
    "000.00.23.H26-211012-0001",
    "12/10/2021",
    "2021-10-12 08:15:00",
    "12/10/2021 08:15",
    "1.001234",  # a procedure code
    "2.000908.000.00.00.H26",
    "150.000.000 đồng",
    "1.500.000.000",
    "Trễ hẹn 12 hồ sơ, 31 điểm cầu, 17 ý kiến",
    "Kế hoạch số 198/KH-UBND ngày 21/6/2021",
    "Nghị quyết 1286/NQ-UBTVQH15",
    "Số 31 đơn vị",
    "1234567890123",  # 13 digits: neither an ID nor a phone
    "Đăng ký khai sinh",
    "Đăng Ký Khai Sinh",  # Đăng is not the surname Đặng
    "ĐĂNG KÝ KẾT HÔN",
    "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
    "Đăng ký nhận cha, mẹ, con",
    "Xét tặng danh hiệu Gia đình văn hóa",
    "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở",
    "Công chức Văn phòng - Thống kê",
    "đồng chí Phó Chủ tịch UBND huyện",
    "Đảng ủy xã Phú Châu",
    "Cụ thể: Phú Châu (trễ hẹn 12 hồ sơ), Minh Châu (quá hạn 8 hồ sơ).",
    "kết quả của Chu Minh còn thấp",
    "UBND xã Thụy An, thị trấn Tây Đằng",
    "đường truyền chậm, các thôn đều có loa",
    "tổ Một cửa",
    "HỘI NGHỊ TỔNG KẾT CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
    "Hà Nội Việt Nam",
    "",
]


class TestScrubTextKeepsLookAlikes:
    @pytest.mark.parametrize("text", LOOK_ALIKES)
    def test_text_without_personal_data_is_returned_unchanged(self, text):
        assert scrub_text(text) == text and not contains_personal_data(text)

    def test_missing_stays_missing(self):
        assert scrub_text(None) is None and scrub_text(pd.NA) is pd.NA


class TestIdNumbers:
    def test_a_cccd_of_12_digits_is_masked(self):
        assert scrub_text("CCCD 001190012345") == f"CCCD {MASK_CCCD}"
        assert scrub_text("số 001 190 012345 cấp ngày 1/1/2021") == (
            f"số {MASK_CCCD} cấp ngày 1/1/2021"
        )

    def test_a_cmnd_of_9_digits_is_masked(self):
        assert scrub_text("CMND: 012345678") == f"CMND: {MASK_CMND}"

    def test_numbers_with_dots_or_dashes_are_amounts_or_codes_not_ids(self):
        assert classify_number("150.000.000") is None
        assert classify_number("001-190-012345") is None
        assert classify_number("09640-211012-0001") is None


class TestPhones:
    @pytest.mark.parametrize(
        "phone",
        [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "+84 912 345 678",
            "+84912345678",
            "(+84) 912.345.678",
            "84912345678",
            "0084 912 345 678",
            "024 3825 1234",
            "(024) 3825 1234",
            "024.3825.1234",
            "02438251234",
            "+84 24 3825 1234",
        ],
    )
    def test_every_vietnamese_form_is_masked(self, phone):
        assert scrub_text(f"ĐT: {phone}, gặp chị") == f"ĐT: {MASK_PHONE}, gặp chị"

    def test_two_phones_in_a_row_are_both_masked(self):
        assert scrub_text("0912 345 678 0987 654 321") == f"{MASK_PHONE} {MASK_PHONE}"

    def test_dates_counts_and_dossier_numbers_next_to_digits_stay(self):
        text = "09640-211012-0001 nhận 12/10/2021, 1.001234"
        assert scrub_text(text) == text


class TestEmails:
    def test_an_email_is_masked(self):
        assert scrub_text("gửi hoa.nguyen88@gmail.com nhé") == f"gửi {MASK_EMAIL} nhé"

    def test_an_at_sign_without_a_domain_stays(self):
        assert scrub_text("@SUM(A1)") == "@SUM(A1)"


class TestAddresses:
    @pytest.mark.parametrize(
        "address",
        [
            "thôn Yên Khoái",
            "Thôn 3",
            "xóm Gò Mít",
            "số nhà 12, ngõ 34 đường Quảng Oai",
            "ngách 5 ngõ 72 phố Hoa Sữa",
            "Tổ 5, khu Đồng Bãi",
            "tổ dân phố 4",
        ],
    )
    def test_address_patterns_are_masked(self, address):
        assert scrub_text(f"Nhà ở {address}; liên hệ sau") == f"Nhà ở {MASK_ADDRESS}; liên hệ sau"

    def test_a_labelled_address_goes_up_to_the_next_separator(self):
        assert scrub_text("Địa chỉ: Gò Mít, Vân Hòa; ĐT sau") == f"Địa chỉ: {MASK_ADDRESS}; ĐT sau"
        assert scrub_text("trú tại thôn Đông Phú, xã Chu Minh") == f"trú tại {MASK_ADDRESS}"

    def test_words_that_only_look_like_address_cues_stay(self):
        for text in ("đường truyền chậm", "các thôn đều", "tổ chức hội nghị", "khu vực miền núi"):
            assert scrub_text(text) == text


class TestNames:
    @pytest.mark.parametrize(
        "cue", ["ông", "bà", "anh", "chị", "em", "cháu", "con", "công dân", "đồng chí", "Đ/c"]
    )
    def test_a_name_after_a_cue_word_is_masked(self, cue):
        assert scrub_text(f"{cue} Nguyễn Thị Hoa đến nộp") == f"{cue} {MASK_NAME} đến nộp"

    def test_a_single_given_name_after_a_cue_is_masked(self):
        assert scrub_text("cho con bà Hoa") == f"cho con bà {MASK_NAME}"

    def test_a_full_name_without_a_cue_is_masked(self):
        assert scrub_text("Chứng thực cho Trần Văn Bình") == f"Chứng thực cho {MASK_NAME}"
        assert scrub_text("NGUYỄN VĂN AN nộp") == f"{MASK_NAME} nộp"
        assert scrub_text("Nguyen Van Binh") == MASK_NAME

    def test_roles_after_the_name_stay_and_roles_alone_are_no_name(self):
        assert scrub_text("ông Lê Tâm Chủ tịch UBND xã") == f"ông {MASK_NAME} Chủ tịch UBND xã"
        assert scrub_text("đồng chí Phó Chủ tịch UBND huyện") == "đồng chí Phó Chủ tịch UBND huyện"

    def test_nfd_text_is_found_and_comes_back_as_nfc(self):
        nfd = unicodedata.normalize("NFD", "bà Nguyễn Thị Hoa")
        assert scrub_text(nfd) == f"bà {MASK_NAME}"

    def test_the_issue_example(self):
        text = "Đăng ký khai sinh cho con bà Nguyễn Thị Hoa (CCCD 001190012345, ĐT 0912 345 678)"
        assert scrub_text(text) == (
            f"Đăng ký khai sinh cho con bà {MASK_NAME} (CCCD {MASK_CCCD}, ĐT {MASK_PHONE})"
        )


class TestScrubValues:
    def test_each_distinct_value_is_scrubbed_and_missing_stays(self):
        values = pd.Series(["0912345678", None, "Phong Vân", "0912345678", "2021-10-12 08:00:00"])
        out = scrub_values(values)
        assert out.tolist()[0] == MASK_PHONE and out.tolist()[3] == MASK_PHONE
        assert pd.isna(out.iloc[1]) and out.tolist()[2] == "Phong Vân"
        assert out.tolist()[4] == "2021-10-12 08:00:00"

    def test_digit_groups_decided_by_arrow_match_the_detectors_text_by_text(self):
        # dossier-id shapes (the bulk of a quarantine) skip the per-text pass when no phone can
        # hide in them: every length, separator and phone prefix must still agree with scrub_text
        heads = ["0", "84", "0084", "09619", "1", "842", "843", "012", "+84", "(024)"]
        texts = [
            f"{head}{'1' * k}{sep}{'2' * m}"
            for head in heads
            for k in range(0, 8)
            for m in (1, 3, 7)
            for sep in ("-", ".", "--", " ", "/", "")
        ] + ["8-42212-345-678", "0.084.912.345.678"]
        texts += [
            "09619-0001234",
            "0912-345-678",
            "0912.345.678",
            "84-912-345-678",
            "1.500.000.000",
        ]
        out = scrub_values(pd.Series(texts))
        assert out.tolist() == [scrub_text(t) for t in texts]
        assert out.tolist()[-5:] == [
            "09619-0001234",
            MASK_PHONE,
            MASK_PHONE,
            MASK_PHONE,
            "1.500.000.000",
        ]
        assert out.tolist()[-7:-5] == [MASK_PHONE, MASK_PHONE]  # a prefix cut by separators
        digits = np.array([sum(c.isdigit() for c in t) for t in texts])
        assert _separated_non_phones(pa.array(texts), digits).sum() > 100  # the Arrow path is taken

    def test_a_categorical_column_is_scrubbed_too(self):
        out = scrub_values(pd.Series(["unknown unit: xã A, chị Lê Thị Mai", "x"], dtype="category"))
        assert out.tolist() == [f"unknown unit: xã A, chị {MASK_NAME}", "x"]


class TestRestrictToCatalogue:
    @staticmethod
    def _texts(*values):
        return pd.Series(list(values), dtype="string[pyarrow]")

    def test_a_reference_name_stays_as_written(self):
        out = restrict_to_catalogue(
            self._texts("Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH"),
            self._texts("a", "a"),
            ["Đăng ký khai sinh"],
        )
        assert out.tolist() == ["Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH"]

    def test_a_name_seen_in_three_communes_is_a_catalogue_entry(self):
        out = restrict_to_catalogue(
            self._texts("Thủ tục mới", "Thủ tục mới", "Thủ tục mới", "Thủ tục hiếm"),
            self._texts("a", "b", "c", "a"),
        )
        assert out.tolist() == ["Thủ tục mới"] * 3 + [OTHER_PROCEDURE]

    def test_many_rows_in_one_commune_do_not_make_an_entry(self):
        out = restrict_to_catalogue(self._texts(*["Cấp cho ông A"] * 50), self._texts(*["a"] * 50))
        assert set(out) == {OTHER_PROCEDURE}

    def test_a_personal_text_becomes_the_entry_it_starts_with(self):
        out = restrict_to_catalogue(
            self._texts("Đăng ký khai sinh cho con bà Hoa (ĐT 0912345678)", "Đăng ký khai sinh"),
            self._texts("a", "a"),
            ["Đăng ký khai sinh", "Đăng ký"],
        )
        assert out.tolist() == ["Đăng ký khai sinh", "Đăng ký khai sinh"]

    def test_a_name_the_detectors_miss_is_still_not_shown(self):
        out = restrict_to_catalogue(self._texts("Chứng thực Hoa Lan"), self._texts("a"), ["Khác"])
        assert out.tolist() == [OTHER_PROCEDURE]

    def test_fields_get_their_own_other_label_and_missing_stays(self):
        out = restrict_to_catalogue(
            self._texts("Hộ tịch - chị Mai", None),
            self._texts("a", "a"),
            ["Hộ tịch"],
            other=OTHER_FIELD,
        )
        assert out.tolist()[0] == "Hộ tịch" and pd.isna(out.iloc[1])


class TestRowsWithPersonalData:
    def test_ids_with_an_email_or_a_name_are_found_plain_ids_are_not(self):
        ids = pd.Series(
            [
                "09640-211012-0001",
                "hoa@gmail.com",
                "09640 bà Lê Thị Mai",
                None,
                "HS 12",
                "0912345678",
            ],
            dtype="string[pyarrow]",
        )
        assert rows_with_personal_data(ids).tolist() == [False, True, True, False, False, False]
