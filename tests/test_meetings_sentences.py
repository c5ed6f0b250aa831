"""One-sentence specifications in the many ways district news words a judgement."""

from __future__ import annotations

import pytest

from analysis.meetings.extract import extract_meeting

NEG, POS = "negative", "positive"
CASES = [
    # (sentence, topic, polarity, communes)
    (
        "Đến nay, tỷ lệ số hóa hồ sơ của các xã Cổ Đô, Phú Sơn, Tản Hồng mới đạt dưới 30%.",
        "digitization",
        NEG,
        ["Cổ Đô", "Phú Sơn", "Tản Hồng"],
    ),
    (
        "Trong đó, một số xã có tỷ lệ hồ sơ trực tuyến cao như: Thụy An 85%, Cam Thượng 80%, Tây Đằng 78%.",
        "online_services",
        POS,
        ["Thụy An", "Cam Thượng", "Tây Đằng"],
    ),
    (
        "Các xã Minh Quang, Ba Trại, Khánh Thượng là những xã có số hồ sơ trễ hạn nhiều nhất.",
        "late_dossiers",
        NEG,
        ["Minh Quang", "Ba Trại", "Khánh Thượng"],
    ),
    (
        "UBND huyện đánh giá cao sự nỗ lực của xã Phú Châu và xã Thái Hòa trong việc duy trì làm việc sáng thứ Bảy.",
        "saturday_service",
        POS,
        ["Phú Châu", "Thái Hòa"],
    ),
    (
        "Có 5 xã chưa bố trí công chức chuyên trách tại bộ phận một cửa, gồm: Chu Minh, Đông Quang, Phú Phương, Sơn Đà và Minh Châu.",
        "officer_arrangement",
        NEG,
        ["Chu Minh", "Đông Quang", "Phú Phương", "Sơn Đà", "Minh Châu"],
    ),
    (
        "Trang thông tin điện tử của các xã Tiên Phong, Vật Lại không được cập nhật thường xuyên.",
        "commune_website",
        NEG,
        ["Tiên Phong", "Vật Lại"],
    ),
    (
        "Một số xã như Cẩm Lĩnh, Thuần Mỹ đã bố trí phòng tiếp công dân riêng, khang trang.",
        "citizen_reception",
        POS,
        ["Cẩm Lĩnh", "Thuần Mỹ"],
    ),
    (
        "Đề nghị UBND các xã Phong Vân, Ba Trại khẩn trương xử lý dứt điểm các hồ sơ còn tồn đọng.",
        "late_dossiers",
        NEG,
        ["Phong Vân", "Ba Trại"],
    ),
    (
        "Hiện còn 3 xã chưa có Ban biên tập trang thông tin điện tử là Sơn Đà, Thuần Mỹ, Minh Quang.",
        "commune_website",
        NEG,
        ["Sơn Đà", "Thuần Mỹ", "Minh Quang"],
    ),
    (
        "Một số xã như Khánh Thượng, Minh Quang thuộc vùng núi nên hạ tầng mạng còn hạn chế, ảnh hưởng tới tỷ lệ DVC trực tuyến.",
        "online_services",
        NEG,
        ["Khánh Thượng", "Minh Quang"],
    ),
    (
        "Tuyên dương xã Phú Cường, Đồng Thái đạt điểm tuyệt đối về số hóa hồ sơ.",
        "digitization",
        POS,
        ["Phú Cường", "Đồng Thái"],
    ),
    (
        "Một số xã (Phong Vân, Ba Trại) còn để hồ sơ trễ hẹn.",
        "late_dossiers",
        NEG,
        ["Phong Vân", "Ba Trại"],
    ),
    (
        "TT.Tây Đằng và X.Phú Sơn có nhiều cách làm hay trong tuyên truyền cải cách hành chính.",
        "communication",
        POS,
        ["Tây Đằng", "Phú Sơn"],
    ),
    (
        "Ở các xã Phú Sơn, Thái Hòa, việc tiếp nhận hồ sơ trực tuyến vẫn còn hạn chế.",
        "online_services",
        NEG,
        ["Phú Sơn", "Thái Hòa"],
    ),
    (
        "Số hồ sơ trễ hẹn tập trung chủ yếu ở các xã: Tản Lĩnh 25 hồ sơ; Minh Quang 19 hồ sơ; Ba Vì 11 hồ sơ.",
        "late_dossiers",
        NEG,
        ["Tản Lĩnh", "Minh Quang", "Ba Vì"],
    ),
    (
        "Nhiều xã chưa hoàn thành việc niêm yết công khai thủ tục hành chính, nổi bật là Vân Hòa, Yên Bài.",
        "communication",
        NEG,
        ["Vân Hòa", "Yên Bài"],
    ),
    (
        "Xã Cổ Đô và Đông Quang; Tiên Phong chưa hoàn thành kế hoạch số hóa.",
        "digitization",
        NEG,
        ["Cổ Đô", "Đông Quang", "Tiên Phong"],
    ),
    (
        "Đặc biệt, xã Khánh Thượng là xã miền núi nhưng đã dẫn đầu huyện về tỷ lệ hồ sơ trực tuyến.",
        "online_services",
        POS,
        ["Khánh Thượng"],
    ),
    (
        "Xã Sơn Đà, Thuần Mỹ: chưa bố trí đủ công chức tại bộ phận một cửa.",
        "officer_arrangement",
        NEG,
        ["Sơn Đà", "Thuần Mỹ"],
    ),
    (
        "Đứng cuối bảng xếp hạng là xã Yên Bài và xã Khánh Thượng.",
        "other",
        NEG,
        ["Yên Bài", "Khánh Thượng"],
    ),
    (
        "MỘT SỐ XÃ TỶ LỆ HỒ SƠ TRỄ HẸN CÒN CAO NHƯ PHONG VÂN, BA TRẠI.",
        "late_dossiers",
        NEG,
        ["Phong Vân", "Ba Trại"],
    ),
    (
        "Các xã Phú Châu, Thái Hòa duy trì làm việc sáng thứ Bảy hàng tuần.",
        "saturday_service",
        POS,
        ["Phú Châu", "Thái Hòa"],
    ),
]
NOTHING = [
    "Đại biểu các xã Phú Sơn, Cổ Đô, Tản Hồng đã phát biểu ý kiến tại hội nghị.",
    "Đoàn công tác đã kiểm tra tại các xã Minh Châu, Chu Minh, Đông Quang.",
    "Xã Phú Phương, xã Tản Hồng và xã Châu Sơn sẽ sáp nhập thành một xã.",
    "Xã Thụy An tiếp nhận 1.250 hồ sơ, xã Cam Thượng tiếp nhận 980 hồ sơ.",
    "UBND huyện Ba Vì có nhiều chuyển biến tích cực trong cải cách hành chính.",
    "Vườn quốc gia Ba Vì và núi Ba Vì thu hút khách du lịch.",
    "Đồng chí Chủ tịch UBND huyện dẫn đầu đoàn công tác kiểm tra tại xã Phú Sơn, xã Cổ Đô.",
    "Xã Minh Quang là xã miền núi nằm dưới chân núi Ba Vì.",
]


def test_a_new_subject_after_va_viec_starts_a_new_judgement():
    """A long sentence: the topic of the second judgement is its own, not the first one's."""
    sentence = (
        "Xã Vân Hòa chưa hoàn thành chỉ tiêu dịch vụ công trực tuyến và việc bố trí cán bộ "
        "một cửa tại xã Yên Bài còn kiêm nhiệm, chưa phù hợp."
    )
    mentions = extract_meeting(sentence)["mentions"]
    assert {(m["commune_name"], m["topic"], m["polarity"]) for m in mentions} == {
        ("Vân Hòa", "online_services", NEG),
        ("Yên Bài", "officer_arrangement", NEG),
    }


@pytest.mark.parametrize(
    ("sentence", "topic", "polarity", "communes"), CASES, ids=[c[0][:40] for c in CASES]
)
def test_sentence_gives_its_communes_topic_and_polarity(sentence, topic, polarity, communes):
    mentions = extract_meeting(sentence)["mentions"]
    assert {(m["commune_name"], m["topic"], m["polarity"]) for m in mentions} == {
        (c, topic, polarity) for c in communes
    }


@pytest.mark.parametrize("sentence", NOTHING, ids=[s[:40] for s in NOTHING])
def test_sentence_without_a_judgement_of_a_commune_gives_nothing(sentence):
    assert extract_meeting(sentence)["mentions"] == []
