"""Rules of the cleaning step on tiny frames: headers, dates, channels, statuses, units, lateness."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.ingest import columns as cols
from analysis.ingest.dates import extract_period_end, parse_dates
from analysis.ingest.dossiers import (
    channel_of,
    classify_outcome,
    fill_missing_due_dates,
    learn_procedure_deadlines,
    online_flag_of,
    online_level_of,
    resolve_units,
    status_of,
)
from analysis.ingest.duplicates import deduplicate_dossiers
from analysis.ingest.headers import find_header_row
from analysis.ingest.noise import classify_noise_rows
from analysis.ingest.privacy import pseudonymize_name
from analysis.ingest.quarantine import make_formula_safe
from analysis.privacy import scrub_values


class TestMapColumns:
    def test_generator_and_heldout_wordings_map_to_the_same_columns(self):
        generator = [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục",
            "Đơn vị tiếp nhận",
            "Hình thức nộp",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
            "Ngày có kết quả",
        ]
        heldout = [
            "Số TT",
            "Số hồ sơ",
            "Thủ tục",
            "Cơ quan tiếp nhận",
            "Kênh nộp",
            "Ngày nhận hồ sơ",
            "Hạn xử lý",
            "Ngày kết thúc xử lý",
        ]
        expected = [
            "row_number",
            "dossier_id",
            "procedure",
            "unit",
            "channel",
            "received_at",
            "due_at",
            "completed_at",
        ]
        assert list(cols.map_columns(generator, cols.DOSSIER_SYNONYMS).values()) == expected
        assert list(cols.map_columns(heldout, cols.DOSSIER_SYNONYMS).values()) == expected

    def test_headers_with_units_in_brackets_and_nfd_still_match(self):
        import unicodedata

        headers = [
            "Mã HS",
            unicodedata.normalize("NFD", "Ngày hẹn trả kết quả (dd/mm/yyyy)"),
            "KenhThucHien",
        ]
        mapping = cols.map_columns(headers, cols.DOSSIER_SYNONYMS)
        assert mapping == {0: "dossier_id", 1: "due_at", 2: "channel"}

    def test_personal_columns_are_never_mapped(self):
        headers = [
            "Chủ hồ sơ",
            "Số CCCD/CMND",
            "Số điện thoại",
            "Địa chỉ thường trú",
            "Ngày sinh",
            "Email",
            "Mã hồ sơ",
        ]
        assert cols.map_columns(headers, cols.DOSSIER_SYNONYMS) == {6: "dossier_id"}

    def test_return_date_is_not_taken_for_the_appointment(self):
        mapping = cols.map_columns(
            ["Ngày hẹn trả", "Ngày trả kết quả", "Hẹn trả"], cols.DOSSIER_SYNONYMS
        )
        assert mapping[0] == "due_at" and mapping[1] == "returned_at" and 2 not in mapping

    def test_header_row_is_found_under_a_title_block(self):
        rows = [
            ["ỦY BAN NHÂN DÂN HUYỆN BA VÌ", None, None],
            ["DANH SÁCH HỒ SƠ TIẾP NHẬN", None, None],
            ["Từ ngày 01/01/2021 đến ngày 31/12/2021", None, None],
            [None, None, None],
            ["STT", "Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận"],
        ]
        assert find_header_row(rows, cols.DOSSIER_SYNONYMS) == (4, 3)

    def test_closest_headers_name_what_was_found(self):
        near = cols.closest_headers(
            "received_at", ["Mã hồ sơ", "Ngày tiếp", "Trạng thái"], cols.DOSSIER_SYNONYMS
        )
        assert near[0] == "Ngày tiếp"


class TestParseDates:
    def test_day_first_text_with_and_without_time(self):
        out = parse_dates(
            pd.Series(
                ["12/10/2021", "12/10/2021 08:15", "1/2/2021 8:05", "12-10-2021"], dtype="string"
            )
        )
        assert list(out) == [
            pd.Timestamp("2021-10-12"),
            pd.Timestamp("2021-10-12 08:15"),
            pd.Timestamp("2021-02-01 08:05"),
            pd.Timestamp("2021-10-12"),
        ]

    def test_never_month_first(self):
        out = parse_dates(pd.Series(["10/13/2021", "02/03/2021"], dtype="string"))
        assert pd.isna(out.iloc[0]) and out.iloc[1] == pd.Timestamp("2021-03-02")

    def test_excel_serial_dates_become_dates(self):
        out = parse_dates(pd.Series([44481.34375, 44481, "44481"], dtype="object"))
        assert list(out) == [
            pd.Timestamp("2021-10-12 08:15"),
            pd.Timestamp("2021-10-12"),
            pd.Timestamp("2021-10-12"),
        ]

    def test_date_cells_and_impossible_dates(self):
        out = parse_dates(
            pd.Series(
                [dt.datetime(2021, 3, 4, 9, 30), "31/02/2021", "không rõ", None, 12.0],
                dtype="object",
            )
        )
        assert out.iloc[0] == pd.Timestamp("2021-03-04 09:30") and out.iloc[1:].isna().all()

    def test_year_first_dates_are_accepted_and_impossible_ones_rejected(self):
        out = parse_dates(
            pd.Series(
                ["2021/10/12", "2021-02-31", "2021/45/10", "29/02/2021", "29/02/2024"],
                dtype="string",
            )
        )
        assert out.iloc[0] == pd.Timestamp("2021-10-12") and out.iloc[1:4].isna().all()
        assert out.iloc[4] == pd.Timestamp("2024-02-29")

    def test_period_end_is_read_from_the_title(self):
        assert extract_period_end(
            ["DANH SÁCH", "Từ ngày 01/01/2021 đến ngày 30/06/2021"]
        ) == pd.Timestamp("2021-06-30")


class TestValueMappings:
    @pytest.mark.parametrize(
        ("raw", "channel"),
        [
            (1, "in_person"),
            ("2", "online"),
            (3.0, "postal"),
            ("Trực tiếp", "in_person"),
            ("TRUC TUYEN", "online"),
            ("Bưu chính công ích", "postal"),
            ("BCCI", "postal"),
            ("Nộp qua Cổng DVC", "online"),
            ("fax", None),
        ],
    )
    def test_channel_codes_and_words(self, raw, channel):
        assert channel_of(raw) == channel

    @pytest.mark.parametrize(
        ("raw", "status"),
        [
            ("Đã trả kết quả", "resolved"),
            ("Đã có kết quả", "resolved"),
            ("Đang xử lý", "pending"),
            ("Chờ bổ sung", "awaiting_supplement"),
            ("Từ chối", "refused"),
            ("Rút hồ sơ", "withdrawn"),
            ("Đang giải quyết quá hạn", "pending"),
            ("Hoàn thành", "resolved"),
        ],
    )
    def test_status_words(self, raw, status):
        assert status_of(raw) == status

    def test_online_levels_old_and_new_are_kept_apart(self):
        assert [
            online_level_of(v)
            for v in ["Mức độ 3", "DVC mức 4", "Toàn trình", "Một phần", "", "Mức 12"]
        ] == ["level_3", "level_4", "full_online", "partial_online", None, None]


class TestResolveUnits:
    def test_spellings_resolve_and_the_district_or_outside_units_do_not(self):
        units = pd.Series(
            [
                "UBND xã Phong Vân",
                "X. Thuỵ An",
                "xa  phong  van",
                "huyện Ba Vì",
                "xã Ba Vì",
                "Xã Phúc Hòa, huyện Phúc Thọ",
                "Xã Tản Lĩnh - Ba Vì",
            ]
        )
        out = resolve_units(units, pd.Series(pd.Timestamp("2021-05-01"), index=units.index))
        assert out["commune_code"].astype(object).fillna("-").tolist() == [
            "09640",
            "09685",
            "09640",
            "-",
            "09703",
            "-",
            "09694",
        ]
        assert "district" in out["unit_reason"].iloc[3]

    def test_units_are_keyed_by_the_received_period(self):
        units = pd.Series(["Phú Hồng", "Phú Hồng"])
        out = resolve_units(units, pd.Series(pd.to_datetime(["2021-05-01", "2025-03-01"])))
        assert out["commune_code"].astype(object).fillna("-").tolist() == ["-", "09646"]


def _dossiers(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name in ("received_at", "due_at", "completed_at", "as_of"):
        if name in frame:
            frame[name] = pd.to_datetime(frame[name])
    return frame


class TestOutcome:
    def test_outcome_compares_calendar_days_and_pending_against_as_of(self):
        frame = _dossiers(
            received_at=["2021-03-01 08:00"] * 5,
            due_at=["2021-03-05 08:00"] * 5,
            completed_at=["2021-03-04 16:00", "2021-03-05 17:30", "2021-03-08 08:00", None, None],
            as_of=["2021-03-31", "2021-03-31", "2021-03-31", "2021-03-31", "2021-03-05"],
        )
        out = classify_outcome(frame)
        assert out["outcome"].tolist() == [
            "early",
            "on_time",
            "late",
            "pending_overdue",
            "pending_in_time",
        ]
        assert out["is_late"].tolist() == [False, False, True, pd.NA, pd.NA]

    def test_missing_appointment_is_computed_in_working_days_over_tet_2021(self):
        # Tết Tân Sửu: 10-16 February 2021 off; a 1-day procedure received Tuesday 9 Feb is due Wednesday 17 Feb
        frame = _dossiers(
            received_at=["2021-02-09 09:00"], due_at=[None], procedure=["Đăng ký khai sinh"]
        )
        out = fill_missing_due_dates(frame, {"dang ky khai sinh": 1})
        assert out["due_at"].iloc[0] == pd.Timestamp("2021-02-17 09:00") and bool(
            out["due_at_computed"].iloc[0]
        )

    def test_deadlines_are_learned_from_exports_that_have_appointments(self):
        frame = _dossiers(
            received_at=["2021-03-01", "2021-03-02", "2021-03-03"],
            due_at=["2021-03-04", "2021-03-05", "2021-03-04"],
            procedure=["Đăng ký kết hôn", "Đăng ký kết hôn", "Đăng ký kết hôn"],
        )
        assert learn_procedure_deadlines(frame) == {"dang ky ket hon": 3}


class TestDuplicates:
    def _frame(self):
        base = {
            "dossier_id": "A",
            "commune_code": "09640",
            "status": "pending",
            "completed_at": pd.NaT,
            "as_of": pd.Timestamp("2021-06-30"),
        }
        rows = [
            {**base, "source_file": "a.csv", "source_row": 5},
            {**base, "source_file": "b.csv", "source_row": 9},  # identical re-export
            {
                **base,
                "status": "resolved",
                "completed_at": pd.Timestamp("2021-07-02"),
                "as_of": pd.Timestamp("2021-07-31"),
                "source_file": "c.csv",
                "source_row": 3,
            },
        ]
        return pd.DataFrame(rows)

    def test_a_reexport_writing_dates_without_time_is_identical_not_conflicting(self):
        rows = pd.DataFrame(
            {
                "dossier_id": ["A", "A"], "commune_code": ["09640", "09640"], "status": ["resolved", "resolved"],
                "received_at": pd.to_datetime(["2021-03-01 08:15", "2021-03-01 00:00"]),
                "completed_at": pd.to_datetime(["2021-03-02 10:00", "2021-03-02 10:00"]),
                "as_of": pd.to_datetime(["2021-03-31", "2021-06-30"]), "source_file": ["a.csv", "b.csv"], "source_row": [5, 7],
            }
        )  # fmt: skip
        kept, identical, conflicting = deduplicate_dossiers(rows)
        assert (
            kept["source_file"].tolist() == ["a.csv"] and len(identical) == 1 and conflicting.empty
        )

    def test_identical_reexports_collapse_and_conflicts_keep_the_most_advanced(self):
        kept, identical, conflicting = deduplicate_dossiers(self._frame())
        assert len(kept) == 1 and kept["source_file"].iloc[0] == "c.csv"
        assert identical["source_file"].tolist() == ["b.csv"] and conflicting[
            "source_file"
        ].tolist() == ["a.csv"]


class TestPrivacyAndQuarantine:
    def test_officer_ids_are_stable_keyed_and_case_insensitive(self):
        a = pseudonymize_name("Trần Thị Cán", b"k1")
        assert a == pseudonymize_name("TRẦN THỊ CÁN", b"k1") and a != pseudonymize_name(
            "Trần Thị Cán", b"k2"
        )
        assert a.startswith("off_") and len(a) == 14

    def test_phone_id_and_email_values_are_redacted_but_dossier_numbers_kept(self):
        out = scrub_values(
            pd.Series(["0912 345 678", "001089012345", "a.b@x.vn", "09640-210105-0003", "Thôn 3"])
        )
        assert out.tolist() == [
            "[số điện thoại]",
            "[số CCCD]",
            "[e-mail]",
            "09640-210105-0003",
            "[địa chỉ]",
        ]

    def test_cells_that_spreadsheets_would_run_are_prefixed(self):
        out = make_formula_safe(pd.Series(["=1+1", "+84", "-3", "@SUM(A1)", "Phong Vân", None]))
        assert out.tolist()[:5] == ["'=1+1", "'+84", "'-3", "'@SUM(A1)", "Phong Vân"] and pd.isna(
            out.iloc[5]
        )


class TestNoiseRows:
    def test_blank_total_label_and_repeated_header_rows_are_skipped(self):
        body = pd.DataFrame(
            {
                "row_number": [None, "Tổng cộng: 2 hồ sơ", "Xã Phong Vân", "STT", "1", None],
                "dossier_id": [None, None, None, "Mã hồ sơ", "A-1", None],
                "received_at": [None, None, None, "Ngày tiếp nhận", "01/03/2021", "01/03/2021"],
                "unit": [None, None, None, "Đơn vị", "Phong Vân", "Phong Vân"],
                "source_row": [1, 2, 3, 4, 5, 6],
            }
        )
        noise = classify_noise_rows(body, ["dossier_id", "received_at"], {"dossier_id": "Mã hồ sơ"})
        # the last row has data but no id: it goes to quarantine, not to the skipped count
        assert noise.tolist() == [True, True, True, True, False, False]

    def test_signature_footer_rows_are_skipped_not_quarantined(self):
        body = pd.DataFrame(
            {
                "row_number": ["1", "Tổng số: 1", None, None, None, "Ba Vì, ngày 31 tháng 12 năm 2021"],
                "dossier_id": ["A-1", None, "Người lập biểu", "(Ký, ghi rõ họ tên)", "Lê Thị Lan", None],
                "received_at": ["01/03/2021", None, None, None, None, None],
                "completed_at": [None, None, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Ký", None],
                "unit": ["Phong Vân", None, None, None, None, None],
                "source_row": [5, 6, 7, 8, 9, 10],
            }
        )  # fmt: skip
        keys = ["dossier_id", "received_at"]
        noise = classify_noise_rows(body, keys, {}, footer_keys=keys)
        assert noise.tolist() == [False, True, True, True, True, True]
        assert noise.attrs["footer_row"] == 6

    def test_a_signature_label_is_noise_even_without_a_total_row(self):
        body = pd.DataFrame(
            {
                "dossier_id": ["A-1", "Thủ trưởng đơn vị", "B-2"],
                "received_at": ["01/03/2021", None, None],
                "unit": ["Phong Vân", "Người lập biểu", "Phong Vân"],
                "source_row": [5, 6, 7],
            }
        )
        keys = ["dossier_id", "received_at"]
        noise = classify_noise_rows(body, keys, {}, footer_keys=keys)
        # a real dossier number below the footer start is still a row to quarantine
        assert noise.tolist() == [False, True, False]

    def test_rows_without_a_key_above_any_total_row_still_go_to_quarantine(self):
        body = pd.DataFrame(
            {
                "dossier_id": [None, "A-1"],
                "received_at": [None, "01/03/2021"],
                "unit": ["Phong Vân", "Phong Vân"],
                "procedure": ["Đăng ký khai sinh", "Đăng ký khai sinh"],
                "source_row": [5, 6],
            }
        )
        keys = ["dossier_id", "received_at"]
        assert classify_noise_rows(body, keys, {}, footer_keys=keys).tolist() == [False, False]

    @pytest.mark.parametrize(
        ("line", "in_footer", "noise"),
        [
            (",,Người lập biểu,,,,KT. CHỦ TỊCH,,", False, True),
            ('"Ba Vì, ngày 31 tháng 12 năm 2021",,,', False, True),
            (",,Lê Thị Lan,,,,Trần Văn Ký,,", True, True),
            (",,Lê Thị Lan,,,,Trần Văn Ký,,", False, False),
            ("1,A-1,Phong Vân,01/03/2021,x,y", True, False),
        ],
    )
    def test_csv_footer_lines_are_noise(self, line, in_footer, noise):
        from analysis.ingest.noise import is_noise_text

        assert is_noise_text(line, in_footer) is noise


class TestReadText:
    @pytest.mark.parametrize(
        ("encoding", "delimiter"),
        [("utf-8", ","), ("utf-8-sig", ";"), ("cp1258", "\t"), ("utf-16", ",")],
    )
    def test_encodings_and_delimiters_are_detected(self, tmp_path, encoding, delimiter):
        from analysis.ingest.read import read_export

        lines = [
            "DANH SÁCH HỒ SƠ",
            "",
            delimiter.join(
                ["STT", "Mã hồ sơ", "Đơn vị tiếp nhận", "Hình thức nộp", "Ngày tiếp nhận"]
            ),
            delimiter.join(["1", "A-1", "Xã Thụy An", "Trực tuyến", "01/03/2021"]),
        ]
        path = tmp_path / "export.csv"
        text = "\r\n".join(lines)
        path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
        (table,) = read_export(path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED)
        assert table.header_row == 3 and table.data["source_row"].tolist() == [4]
        assert fold_unit(table.data["unit"].iloc[0]) == "xa thuy an"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters plus combining tone marks."""
    import unicodedata

    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in parts[1:] if m in "\u0300\u0301\u0303\u0309\u0323")
            rest = "".join(m for m in parts[1:] if m not in tones)
            out.append((unicodedata.normalize("NFC", parts[0] + rest) + tones).encode("cp1258"))
    return b"".join(out)


def fold_unit(value):
    from analysis.text import fold

    return fold(value)


class TestHeaderShapes:
    def test_headers_split_over_two_rows_are_combined(self, tmp_path):
        from analysis.ingest.read import read_export

        lines = [
            "DANH SÁCH HỒ SƠ,,,,,",
            "STT,Số hồ sơ,Đơn vị,Kênh nộp,Ngày,",
            ",,,,Tiếp nhận,Hẹn trả",
            "1,A-1,Phong Vân,1,01/03/2021,02/03/2021",
        ]
        path = tmp_path / "two_rows.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        (table,) = read_export(path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED)
        assert {"received_at", "due_at"} <= set(table.data.columns)
        assert table.data["source_row"].tolist() == [4] and table.rows_read == 1

    def test_a_summary_sheet_without_the_columns_is_passed_over(self, tmp_path):
        import openpyxl

        from analysis.ingest.read import read_export

        wb = openpyxl.Workbook()
        wb.active.title = "Tổng hợp"
        wb.active.append(["Đơn vị", "Tổng số", "Trực tuyến", "Trạng thái"])
        data = wb.create_sheet("Chi tiết")
        data.append(["Mã hồ sơ", "Đơn vị tiếp nhận", "Hình thức nộp", "Ngày tiếp nhận"])
        data.append(["A-1", "Phong Vân", "Trực tiếp", "01/03/2021"])
        wb.save(tmp_path / "book.xlsx")
        tables = read_export(tmp_path / "book.xlsx", cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED)
        assert [t.sheet for t in tables] == ["Chi tiết"]

    def test_result_delivery_and_notes_columns_do_not_take_real_columns(self):
        mapping = cols.map_columns(
            ["Hình thức trả kết quả", "Hình thức nộp", "Ghi chú", "Hạn trả"], cols.DOSSIER_SYNONYMS
        )
        assert mapping == {1: "channel", 3: "due_at"}


class TestMoreWordings:
    @pytest.mark.parametrize(
        ("raw", "status"),
        [
            ("Đã có kết quả, chưa trả", "resolved"),
            ("Chưa có kết quả", "pending"),
            ("Hồ sơ đã được giải quyết", "resolved"),
            # the result exists and only awaits hand-over: resolved (DOMAIN.md, end of processing)
            ("Đang chờ trả kết quả", "resolved"),
        ],
    )
    def test_negated_and_passive_status_words(self, raw, status):
        assert status_of(raw) == status

    def test_two_digit_years_fractions_and_dashed_times(self):
        out = parse_dates(
            pd.Series(["12/10/21", "2021-10-12 08:15:00.000", "12/10/2021 - 08:15"], dtype="string")
        )
        assert out.tolist() == [
            pd.Timestamp("2021-10-12"),
            pd.Timestamp("2021-10-12 08:15"),
            pd.Timestamp("2021-10-12 08:15"),
        ]


def test_every_generator_wording_maps_to_its_column():
    """The demo generator's header variants (one system's wording) all land on the right column."""
    dirt = pytest.importorskip("analysis.demo.dirt")
    expected = {
        "stt": "row_number", "dossier_id": "dossier_id", "procedure": "procedure", "field": "field", "unit": "unit",
        "channel": "channel", "channel_code": "channel", "level": "online_level", "received": "received_at",
        "due": "due_at", "completed": "completed_at", "returned": "returned_at", "status": "status",
        "officer": "officer", "apology": "apology_letter",
    }  # fmt: skip
    for key, wordings in dirt.HEADER_WORDINGS.items():
        for wording in wordings:
            mapped = cols.map_columns(
                [wording, "Ngày trả kết quả" if key != "returned" else "Mã hồ sơ"],
                cols.DOSSIER_SYNONYMS,
            )
            assert mapped.get(0) == expected.get(key), (key, wording, mapped)


def test_unit_written_with_its_code_or_a_district_tail_resolves():
    units = pd.Series(
        [
            "09640 - Phong Vân",
            "Phong Vân (09640)",
            "Phong Vân - Ba Vì - Hà Nội",
            "UBND xã Cổ Đô, H. Ba Vì",
            "BA VÌ",
            "UBND huyện Ba Vì",
        ]
    )
    out = resolve_units(units, pd.Series(pd.Timestamp("2021-05-01"), index=units.index))
    assert out["commune_code"].astype(object).fillna("-").tolist() == [
        "09640",
        "09640",
        "09640",
        "09628",
        "09703",
        "-",
    ]


def test_a_deadline_column_holding_dates_is_the_appointment(tmp_path):
    from analysis.ingest.prepare import prepare_dossier_table
    from analysis.ingest.read import read_export

    lines = [
        "Mã hồ sơ,Đơn vị tiếp nhận,Kênh nộp,Ngày tiếp nhận,Thời hạn giải quyết",
        "A-1,Phong Vân,1,01/03/2021,05/03/2021",
        "A-2,Phong Vân,1,01/03/2021,3 ngày",
    ]
    path = tmp_path / "deadline.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (table,) = read_export(path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED)
    _, frame, reasons = prepare_dossier_table(table, "deadline.csv", b"k")
    assert frame["due_at"].iloc[0] == pd.Timestamp("2021-03-05")
    assert reasons.iloc[1] == "unparseable due date"


def test_csv_rows_with_trimmed_trailing_cells_are_data_and_longer_rows_are_flagged(tmp_path):
    from analysis.ingest.read import read_export

    lines = [
        "Mã hồ sơ,Đơn vị tiếp nhận,Kênh nộp,Ngày tiếp nhận,Ngày có kết quả,Trạng thái",
        "A-1,Phong Vân,1,01/03/2021,02/03/2021,Đã trả kết quả",
        "A-2,Phong Vân,1,01/03/2021",
        "A-3,Phong Vân,Cổ Đô,1,01/03/2021,02/03/2021,Đã trả kết quả",
        "Tổng cộng: 3 hồ sơ",
    ]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (table,) = read_export(path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED)
    assert table.data["dossier_id"].tolist()[:2] == ["A-1", "A-2"] and table.data[
        "source_row"
    ].tolist() == [2, 3, 5]
    assert [n for n, _ in table.malformed_rows] == [4] and table.rows_read == 4


class TestOnlineFlag:
    @pytest.mark.parametrize(
        "header", ["Nộp trực tuyến (x)", "Hồ sơ trực tuyến", "Trực tuyến", "TRUC TUYEN (X)"]
    )
    def test_online_mark_headers_map_to_online_flag(self, header):
        mapping = cols.map_columns(
            ["Mã hồ sơ", header, "Mức độ DVC trực tuyến"], cols.DOSSIER_SYNONYMS
        )
        assert mapping == {0: "dossier_id", 1: "online_flag", 2: "online_level"}

    def test_a_channel_column_keeps_its_name_beside_a_mark_column(self):
        mapping = cols.map_columns(["Hình thức nộp", "Nộp trực tuyến (x)"], cols.DOSSIER_SYNONYMS)
        assert mapping == {0: "channel", 1: "online_flag"}

    @pytest.mark.parametrize(
        ("raw", "channel"),
        [
            ("x", "online"),
            ("X", "online"),
            ("có", "online"),
            (1, "online"),
            (1.0, "online"),
            ("✓", "online"),
            (True, "online"),
            (None, "in_person"),
            ("", "in_person"),
            ("  ", "in_person"),
            ("0", "in_person"),
            ("Không", "in_person"),
            ("-", "in_person"),
            ("hỏi lại", None),
        ],
    )
    def test_marks_mean_online_and_blanks_in_person(self, raw, channel):
        assert online_flag_of(raw) == channel

    def test_export_with_only_a_mark_column_gets_its_channel(self, tmp_path):
        from analysis.ingest.clean import clean_all

        raw = tmp_path / "raw"
        (raw / "dossiers").mkdir(parents=True)
        (raw / "dossiers" / "so.csv").write_text(
            "Mã hồ sơ,Đơn vị,Ngày nhận,Hạn xử lý,Ngày xử lý xong,Tình trạng,Nộp trực tuyến (x)\n"
            "A-1,Phong Vân,01/03/2021,05/03/2021,04/03/2021,Hoàn thành,x\n"
            "A-2,Phong Vân,01/03/2021,05/03/2021,04/03/2021,Hoàn thành,\n"
            "A-3,Phong Vân,01/03/2021,05/03/2021,04/03/2021,Hoàn thành,✓\n"
            "A-4,Phong Vân,01/03/2021,05/03/2021,04/03/2021,Hoàn thành,hỏi lại\n",
            encoding="utf-8",
        )
        out = tmp_path / "out"
        clean_all(raw, out, meetings_dirs=[tmp_path / "none"], secret_path=tmp_path / "secret")
        dossiers = pd.read_parquet(out / "dossiers.parquet")
        assert dict(zip(dossiers["dossier_id"], dossiers["channel"], strict=True)) == {
            "A-1": "online",
            "A-2": "in_person",
            "A-3": "online",
        }
        quarantine = pd.read_csv(out / "quarantine.csv", dtype=str)
        assert quarantine["reason"].tolist() == ["unknown channel"]

    def test_without_channel_or_mark_column_the_error_names_both(self, tmp_path):
        from analysis.errors import UserError
        from analysis.ingest.read import read_export

        path = tmp_path / "no_channel.csv"
        path.write_text("Mã hồ sơ,Đơn vị,Ngày nhận\nA-1,Phong Vân,01/03/2021\n", encoding="utf-8")
        with pytest.raises(UserError, match="required column 'channel' or 'online_flag'"):
            read_export(
                path, cols.DOSSIER_SYNONYMS, cols.DOSSIER_REQUIRED + ("channel|online_flag",)
            )


class TestOtherSystemsVocabulary:
    @pytest.mark.parametrize(
        ("raw", "status"),
        [
            ("Rejected", "refused"),
            ("Trả lại", "refused"),
            ("Trả lại hồ sơ", "refused"),
            ("Đã trả lại hồ sơ", "refused"),
            ("Dừng xử lý", "withdrawn"),
            ("Ngừng giải quyết", "withdrawn"),
            ("Tạm dừng xử lý", "pending"),
            ("Chờ trả kết quả", "resolved"),
            ("Đã có kết quả, chờ trả", "resolved"),
            ("Chờ phê duyệt", "pending"),
            ("Hoàn thành đúng hạn", "resolved"),
            ("Đã trả kết quả", "resolved"),
        ],
    )
    def test_status_words_of_other_systems(self, raw, status):
        assert status_of(raw) == status

    @pytest.mark.parametrize(
        ("raw", "channel"),
        [
            ("VNeID", "online"),
            ("Ứng dụng VNeID", "online"),
            ("Cổng dịch vụ công", "online"),
            ("DVC trực tuyến", "online"),
            ("Online", "online"),
            ("Walk-in", "in_person"),
            ("Tại bộ phận một cửa", "in_person"),
            ("Bưu điện", "postal"),
            ("Qua dịch vụ bưu chính", "postal"),
            ("BCCI", "postal"),
        ],
    )
    def test_channel_words_of_other_systems(self, raw, channel):
        assert channel_of(raw) == channel

    def test_a_tiny_frame_maps_status_and_channel_once_per_spelling(self):
        from analysis.ingest.dossiers import map_channels, map_statuses

        frame = pd.DataFrame(
            {
                "status": ["Rejected", "Dừng xử lý", "Chờ trả kết quả", "Rejected", None],
                "channel": ["VNeID", "Walk-in", "BCCI", "VNeID", None],
            },
            dtype="string[pyarrow]",
        )
        assert map_statuses(frame["status"]).tolist() == [
            "refused", "withdrawn", "resolved", "refused", None,
        ]  # fmt: skip
        assert map_channels(frame["channel"]).tolist() == [
            "online", "in_person", "postal", "online", None,
        ]  # fmt: skip
