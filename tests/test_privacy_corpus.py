"""Planted personal data never reaches an output (Nghị định 13/2023/NĐ-CP; issue 10, item 1).

Citizens' names, ID numbers, phones, e-mails and addresses, and officers' names, are planted in
every text column of a dossier export (recognised, personal and unknown columns, the unit cell,
the procedure name, dates), in an officer roster, in a meeting register and in meeting reports
(.txt and a .docx table). The real chain runs (clean -> analyse -> briefs for two communes) and
EVERY output file is scanned — Parquet read as tables, csv, json, executed notebooks, brief HTML,
overview, index — for every planted value as written, in NFC and NFD, folded (no diacritics,
lower case) and, for numbers, as bare digits.
"""

from __future__ import annotations

import csv
import html
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.text import fold

PERIOD = "2021-Q4"
CODES = ["09619", "09625"]  # Tây Đằng, Phú Cường
# every planted value: names (citizens and officers), ID numbers, phones, e-mails, addresses
NAMES = [
    "Nguyễn Thị Hoa",
    "Trần Văn Bình",
    "Lê Thị Mai",
    "Phạm Quốc Khánh",
    "Hoàng Thị Lan",
    "Đinh Văn Khoa",
    "Vũ Ngọc Diệp",
]
NUMBERS = [
    "001190012345",  # CCCD
    "012345678",  # CMND
    "0912 345 678",
    "+84 983.456.789",
    "024 3825 1234",
    "0987-654-321",
    "0356123987",
]
EMAILS = ["hoa.nguyen88@gmail.com", "binh.tran77@yahoo.com"]
ADDRESSES = ["xóm Gò Mít", "ngõ 72 phố Hoa Sữa", "thôn Đồng Sậy"]
PLACE_WORDS = ["Gò Mít", "Hoa Sữa", "Đồng Sậy"]  # what is left of an address once the cue goes

HEADER = [
    "STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Đơn vị tiếp nhận", "Chủ hồ sơ",
    "Số CCCD/CMND", "Số điện thoại", "Địa chỉ", "Email", "Hình thức nộp", "Mức độ",
    "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Ngày trả kết quả", "Trạng thái",
    "Cán bộ xử lý", "Thư xin lỗi", "Ghi chú", "Nội dung yêu cầu",
]  # fmt: skip
BIRTH = "Đăng ký khai sinh cho con bà Nguyễn Thị Hoa (CCCD 001190012345, ĐT 0912 345 678)"


def _row(n: int, code: str, unit: str, procedure: str, **cells) -> list[str]:
    """One late dossier of October 2021, with personal data in every free-text cell."""
    base = {
        "Mã hồ sơ": f"{code}-2110{n % 28 + 1:02d}-9{n:03d}",
        "Tên thủ tục": procedure,
        "Lĩnh vực": "Hộ tịch",
        "Đơn vị tiếp nhận": unit,
        "Chủ hồ sơ": NAMES[n % len(NAMES)],
        "Số CCCD/CMND": NUMBERS[n % 2],
        "Số điện thoại": NUMBERS[2 + n % 5],
        "Địa chỉ": f"{ADDRESSES[n % 3]}, xã Phú Cường, huyện Ba Vì",
        "Email": EMAILS[n % 2],
        "Hình thức nộp": "Trực tiếp",
        "Mức độ": "Mức độ 3",
        "Ngày tiếp nhận": f"{n % 20 + 1:02d}/10/2021 08:00",
        "Ngày hẹn trả": f"{n % 20 + 2:02d}/10/2021",
        "Ngày có kết quả": f"{n % 20 + 8:02d}/10/2021",
        "Ngày trả kết quả": f"{n % 20 + 9:02d}/10/2021",
        "Trạng thái": "Đã trả kết quả",
        "Cán bộ xử lý": "Đinh Văn Khoa",
        "Thư xin lỗi": "Không",
        "Ghi chú": f"Liên hệ {EMAILS[0]}, bà Lê Thị Mai 0356123987",
        "Nội dung yêu cầu": f"Công dân Vũ Ngọc Diệp, {ADDRESSES[2]}, CMND 012345678",
    }
    base.update(cells)
    return [str(n)] + [base[h] for h in HEADER[1:]]


def plant_dossier_export(path: Path) -> None:
    rows = [_row(n, "09619", "Thị trấn Tây Đằng", BIRTH) for n in range(8)]  # a late-list leader
    rows += [
        _row(8, "09619", "Thị trấn Tây Đằng", "Chứng thực bản sao cho Trần Văn Bình 0987-654-321"),
        _row(9, "09625", "Xã Phú Cường", f"Cấp bản sao trích lục hộ tịch, gửi {EMAILS[1]}"),
        _row(10, "09625", "Xã Phú Cường", f"Đăng ký kết hôn, địa chỉ: {ADDRESSES[1]}"),
        _row(11, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Lĩnh vực": "Hộ tịch - chị Lê Thị Mai"}),
        _row(12, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Trạng thái": "Đã trả (ĐT 0912 345 678)"}),
        _row(13, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Hình thức nộp": "Trực tiếp - ông Phạm Quốc Khánh"}),
        # rows that go to the quarantine with their raw cells: the unit, dates, the id
        _row(14, "09625", "UBND xã Ba Trại, chị Lê Thị Mai 0987 654 321", "Đăng ký khai tử"),
        _row(15, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Ngày tiếp nhận": "ông Trần Văn Bình 0912345678"}),
        _row(16, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Ngày có kết quả": "gọi +84 983.456.789"}),
        _row(17, "09625", "Xã Phú Cường", "Đăng ký khai tử", **{"Mã hồ sơ": "09625-211018 bà Lê Thị Mai"}),
        _row(18, "09625", "Xã Phú Cường", f"Đăng ký khai sinh, {ADDRESSES[0]}", **{"Hình thức nộp": f"qua {EMAILS[0]}"}),
    ]  # fmt: skip
    more = {"Mức độ": "Mức độ 3, ĐT 0912 345 678", "Thư xin lỗi": "Có, gửi bà Hoàng Thị Lan"}
    rows.append(_row(20, "09625", "Xã Phú Cường", "Đăng ký khai tử", **more))
    later = {"Ngày hẹn trả": "hẹn ông Phạm Quốc Khánh", "Ngày trả kết quả": "gọi 0356123987"}
    rows.append(_row(21, "09625", "Xã Phú Cường", "Đăng ký khai tử", **later))
    nfd = _row(19, "09625", "Xã Phú Cường", unicodedata.normalize("NFD", BIRTH))
    rows.append(nfd)
    title = [
        ["ỦY BAN NHÂN DÂN HUYỆN BA VÌ"],
        ["DANH SÁCH HỒ SƠ TIẾP NHẬN"],
        ["Từ ngày 01/10/2021 đến ngày 31/12/2021"],
        [],
    ]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([*title, HEADER, *rows, ["Tổng cộng: 22 hồ sơ"]])


def plant_roster(path: Path) -> None:
    header = ["STT", "Họ và tên", "Đơn vị", "Chức danh", "Hình thức bố trí", "Ngày bắt đầu"]
    header += ["Số điện thoại", "Email", "Quê quán"]
    rows = [
        ["1", "Đinh Văn Khoa", "Thị trấn Tây Đằng",
         "Công chức Tư pháp - Hộ tịch (ĐT 0912 345 678, nhà ở thôn Đồng Sậy)", "Kiêm nhiệm",
         "01/01/2021", "0987-654-321", EMAILS[1], ADDRESSES[0]],
        ["2", "Vũ Ngọc Diệp", "Xã Phú Cường", "Công chức Văn phòng - Thống kê, chị Hoàng Thị Lan",
         "Chuyên trách", "01/01/2021", "024 3825 1234", EMAILS[0], ADDRESSES[1]],
        ["3", "Phạm Quốc Khánh", "Xã Phú Cường 0356123987", "Công chức Địa chính",
         "Kiêm nhiệm", "01/01/2021", "", "", ""],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])


def plant_meetings(folder: Path) -> None:
    register = folder / "meeting_register.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    lines.append(
        '15/11/2021,"Giao ban CCHC, liên hệ ông Phạm Quốc Khánh 0912 345 678",'
        '"Đ/c Nguyễn Văn An - Phó Chủ tịch UBND huyện, ĐT 0987-654-321",Trực tuyến,31,5'
    )
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = (
        "BÁO CÁO KẾT QUẢ HỘI NGHỊ GIAO BAN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH\n"
        "Sáng ngày 15/11/2021, UBND huyện Ba Vì tổ chức hội nghị trực tuyến với 31 điểm cầu.\n"
        "Thị trấn Tây Đằng còn để nhiều hồ sơ trễ hẹn, bà Nguyễn Thị Hoa (CCCD 001190012345, "
        "xóm Gò Mít) phản ánh qua số 0912 345 678.\n"
        "Xã Phú Cường triển khai tốt dịch vụ công trực tuyến, đồng chí Trần Văn Bình "
        "(binh.tran77@yahoo.com, CMND 012345678, ngõ 72 phố Hoa Sữa) được biểu dương.\n"
    )
    (folder / "2021-11-15_giao_ban_cchc.txt").write_text(report, encoding="utf-8")
    import docx

    document = docx.Document()
    document.add_paragraph("Hội nghị trực tuyến ngày 20/11/2021 về cải cách hành chính")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Thị trấn Tây Đằng"
    table.cell(
        0, 1
    ).text = (
        "Còn để hồ sơ trễ hẹn, ông Phạm Quốc Khánh (ĐT +84 983.456.789, thôn Đồng Sậy) chưa nhận"
    )
    table.cell(1, 0).text = "Xã Phú Cường"
    table.cell(
        1, 1
    ).text = "Chậm cập nhật hồ sơ trễ hẹn, chị Hoàng Thị Lan hoa.nguyen88@gmail.com 024 3825 1234"
    document.save(folder / "2021-11-20_hoi_nghi_truc_tuyen.docx")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """Demo data plus the planted files through clean -> analyse -> briefs (two communes)."""
    from analysis.analyse.run import analyse_all
    from analysis.demo.generate import generate_demo_data
    from analysis.ingest.clean import clean_all
    from analysis.publish.batch import build_briefs

    root = tmp_path_factory.mktemp("privacy_corpus")
    raw, processed, reports = root / "raw", root / "processed", root / "reports"
    generate_demo_data(raw, scale=0.03, truth_path=raw / "truth.json")
    plant_dossier_export(raw / "dossiers" / "xuat_hs_ghi_chu_cong_dan.csv")
    plant_roster(raw / "officers" / "can_bo_bo_sung.csv")
    plant_meetings(raw / "meetings")
    clean_all(raw, processed, meetings_dirs=[raw / "meetings"], secret_path=root / "secret")
    analyse_all(processed, bootstrap_reps=49, dossier_logit_rows=2_000)
    build_briefs(processed, reports, communes=CODES, period=PERIOD, workers=2)
    return {"raw": raw, "processed": processed, "reports": reports}


def readable_text(path: Path) -> str:
    """A file's content as text a reader would see (Parquet as a table, JSON unescaped)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pd.read_parquet(path)
        return " ".join(map(str, table.columns)) + "\n" + table.to_csv(index=False)
    data = path.read_text(encoding="utf-8-sig", errors="replace")
    if suffix in (".json", ".ipynb"):
        data = readable_text_of_json(data)
    if suffix in (".html", ".htm", ".ipynb", ".md"):
        data = html.unescape(data)
    return data


def readable_text_of_json(data: str) -> str:
    return json.dumps(json.loads(data), ensure_ascii=False)


def _digits_only(text: str) -> str:
    return re.sub(r"(?<=\d)[\s.\-()+]+(?=\d)", "", text)


def find_leaks(text: str) -> list[str]:
    """Planted values found in a text, in any of the forms a leak could take."""
    nfc = unicodedata.normalize("NFC", text)
    folded = fold(nfc)
    digits = _digits_only(nfc)
    leaks = []
    for value in NAMES + ADDRESSES + PLACE_WORDS + EMAILS:
        forms = {value, unicodedata.normalize("NFD", value)}
        if any(f in text for f in forms) or value in nfc or fold(value) in folded:
            leaks.append(value)
    for value in EMAILS:
        local = value.split("@")[0]
        if local in nfc:
            leaks.append(local)
    for value in NUMBERS:
        bare = re.sub(r"\D", "", value)
        if value in nfc or bare in digits or bare.removeprefix("84") in digits:
            leaks.append(value)
    return leaks


def all_outputs(outputs: dict[str, Path]) -> list[Path]:
    return sorted(
        p
        for folder in (outputs["processed"], outputs["reports"])
        for p in folder.rglob("*")
        if p.is_file()
    )


def test_the_planted_values_are_found_by_the_scanner():
    """The scanner itself: it sees a planted value in each form a leak could take."""
    assert find_leaks("Chủ hồ sơ: Nguyen Thi Hoa") == ["Nguyễn Thị Hoa"]
    assert find_leaks(unicodedata.normalize("NFD", "ông Trần Văn Bình")) == ["Trần Văn Bình"]
    assert find_leaks("gọi 0912.345.678") == ["0912 345 678"]
    escaped = '{"a": "\\u0110inh V\\u0103n Khoa"}'  # how json.dumps writes it by default
    assert find_leaks(readable_text_of_json(escaped)) == ["Đinh Văn Khoa"]
    assert find_leaks("Dossier 09619-211012-0001, 150.000.000 đồng, 12/10/2021") == []


def test_the_planted_rows_really_travel_through_the_chain(outputs):
    """The corpus is not vacuous: planted rows are cleaned, quarantined and shown in a brief."""
    processed = outputs["processed"]
    dossiers = pd.read_parquet(processed / "dossiers.parquet")
    planted = dossiers[dossiers["source_file"].str.contains("ghi_chu_cong_dan")]
    assert len(planted) >= 12
    # the birth registrations with a mother's name are generalised to the catalogue entry
    tay_dang = planted[planted["commune_code"] == "09619"]
    assert (tay_dang["procedure"] == "Đăng ký khai sinh").sum() == 8
    quarantine = pd.read_csv(processed / "quarantine.csv")
    assert quarantine["source_file"].str.contains("ghi_chu_cong_dan").sum() >= 4
    mentions = pd.read_parquet(processed / "meeting_mentions.parquet")
    from_reports = mentions[mentions["source_file"].str.contains("giao_ban_cchc|hoi_nghi_truc")]
    assert from_reports["evidence"].str.contains(r"\[số điện thoại\]").any()
    assert from_reports["evidence"].str.contains(r"\[họ tên\]").any()
    assert from_reports["evidence"].str.contains(r"\[địa chỉ\]").any()
    brief = next((outputs["reports"] / PERIOD).glob("09619-*.html")).read_text(encoding="utf-8")
    assert "Đăng ký khai sinh" in html.unescape(brief)


def test_no_planted_value_reaches_any_output(outputs):
    files = all_outputs(outputs)
    kinds = {p.suffix.lower() for p in files}
    assert {".parquet", ".csv", ".json", ".html", ".ipynb"} <= kinds
    leaks = {}
    for path in files:
        if path.suffix.lower() in (".png", ".svg", ".jpg", ".woff", ".woff2", ".lock"):
            continue
        found = find_leaks(readable_text(path))
        if found:
            leaks[path.relative_to(path.parents[2]).as_posix()] = sorted(set(found))
    assert leaks == {}


def test_the_demo_data_personal_values_do_not_reach_any_output(outputs):
    """The generator's own personal values (applicants, ID numbers, phones, addresses, officers)."""
    truth = json.loads((outputs["raw"] / "truth.json").read_text(encoding="utf-8"))
    sample = [v for v in truth["personal_values_sample"] if len(str(v)) >= 6]
    assert sample
    texts = [readable_text(p) for p in all_outputs(outputs) if p.suffix.lower() != ".png"]
    found = {v for v in sample for t in texts if str(v) in unicodedata.normalize("NFC", t)}
    assert found == set()
