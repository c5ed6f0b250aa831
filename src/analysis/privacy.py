"""One privacy rule for every step that carries text onward (Nghị định 13/2023/NĐ-CP).

Citizens' and officials' personal data must never reach a processed table, the quarantine, a
notebook or a brief. Personal *columns* are dropped when an export is read (a whitelist, see
`ingest.columns`); this module handles personal data typed into the columns that are kept:

- `scrub_text` / `scrub_values`: typed detectors, each replaced by a typed mask —
  e-mails `[e-mail]`; phones in every Vietnamese form (`0` + 9 digits, `+84`/`84`/`0084`,
  spaces, dots or dashes between digits, Hà Nội landlines `024` + 8 digits) `[số điện thoại]`;
  CCCD (12 digits, `PPP G YY NNNNNN`) `[số CCCD]` and CMND (9 digits) `[số CMND]`; addresses
  (số nhà, ngõ, ngách, hẻm, thôn, xóm, tổ dân phố, tổ + number, khu, đường, phố, "địa chỉ:",
  "trú tại" …) `[địa chỉ]`; names after a cue word (ông, bà, anh, chị, em, cháu, cụ, con,
  công dân, đồng chí, đ/c, chủ hồ sơ …) and full names (a Vietnamese surname and two or more
  capitalised words) anywhere `[họ tên]`.
  Look-alikes stay: dossier numbers (`09640-211012-0001`), dates, counts, amounts with dots,
  procedure codes (`1.001234`), roles after đồng chí ("đồng chí Phó Chủ tịch UBND huyện").
- `restrict_to_catalogue`: the allow-list path for free text shown to officials (procedure
  names, fields). A text is kept only when it belongs to the catalogue — a reference list, or
  seen in at least `min_groups` communes (one citizen's dossier is never in three communes) —
  otherwise it is generalised to the longest catalogue entry it starts with, else to an
  "other" label. Detectors can miss a name; the allow-list does not depend on them.

It imports nothing of ours but `analysis.text`, so ingest, meetings and report can all use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.text import fold

MASK_EMAIL = "[e-mail]"
MASK_PHONE = "[số điện thoại]"
MASK_CCCD = "[số CCCD]"
MASK_CMND = "[số CMND]"
MASK_ADDRESS = "[địa chỉ]"
MASK_NAME = "[họ tên]"
MASKS = (MASK_EMAIL, MASK_PHONE, MASK_CCCD, MASK_CMND, MASK_ADDRESS, MASK_NAME)
OTHER_PROCEDURE = "Thủ tục khác"
OTHER_FIELD = "Lĩnh vực khác"
# a procedure name seen in this many communes is a catalogue entry, not one citizen's request
CATALOGUE_MIN_COMMUNES = 3

# Vietnamese capital letters (NFC), listed so that the same class works without \p{Lu}
_UPPER = "".join(
    sorted(
        {
            ch
            for start, end in ((0x41, 0x5A), (0xC0, 0x24F), (0x1EA0, 0x1EF9))
            for ch in map(chr, range(start, end + 1))
            if ch.isupper()
        }
    )
)
_CAP_WORD = rf"[{_UPPER}]\w*"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# a run of digits with single separators; glued to no other digit (a classification follows)
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\(?\+|\()?\d(?:[ \t.\-()]{0,2}\d)*(?!\d)")
_SPACE_SPLIT = re.compile(r"\S+")
_NON_DIGIT = re.compile(r"\D")
_ID_SEPARATOR = re.compile(r"[.\-()]")

_ADDRESS_CUE = (
    r"(?:số\s+nhà|nhà\s+số|ngõ|ngách|hẻm|kiệt|thôn|xóm|tổ\s+dân\s+phố|tdp|khu\s+phố"
    r"|khu\s+dân\s+cư|khu|đường|phố|ấp)"
)
_ADDRESS_VALUE = rf"(?:\d+[\w/\-]*|{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,3}})"
_ADDRESS_PART = rf"(?:(?i:{_ADDRESS_CUE})\s+{_ADDRESS_VALUE}|(?i:tổ|cụm|số)\s+\d+[\w/\-]*(?=\s*,?\s*(?i:{_ADDRESS_CUE})\s))"
_ADDRESS = re.compile(rf"(?<!\w){_ADDRESS_PART}(?:\s*[,\-–]?\s*{_ADDRESS_PART})*")
# a label announcing an address: everything up to the next ';', ')', '|' or line end goes
_ADDRESS_LABEL = re.compile(
    r"(?P<label>(?<!\w)(?:(?i:địa\s+chỉ(?:\s+thường\s+trú|\s+liên\s+hệ)?|hktt|thường\s+trú"
    r"|nơi\s+ở(?:\s+hiện\s+nay)?)\s*:\s*|(?i:(?:thường|cư)?\s*trú\s+tại)\s+))"
    r"(?P<value>[^;)|\n]+)"
)
_NAME_CUE = (
    r"(?:ông|bà|anh|chị|em|cháu|cụ|con|công\s+dân|đồng\s+chí|đ/c|chủ\s+hồ\s+sơ|người\s+nộp"
    r"|người\s+yêu\s+cầu|người\s+đề\s+nghị|họ\s+và\s+tên|họ\s+tên|mr\.?|mrs\.?|ms\.?)"
)
_CUED_NAME = re.compile(rf"(?<!\w)(?i:{_NAME_CUE})(\s*:\s*|\s+)({_CAP_WORD}(?:\s+{_CAP_WORD})*)")
_CAP_RUN = re.compile(rf"(?<!\w){_CAP_WORD}(?:\s+{_CAP_WORD})+")
# cheap tests that let most texts skip a detector (run on the lower-cased text)
_NO_DIGITS = str.maketrans("", "", "0123456789")
_DATE_SHAPE = re.compile(
    r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*"
)
_ADDRESS_HINT = re.compile(
    r"nhà|ngõ|ngách|hẻm|kiệt|thôn|xóm|tổ|tdp|khu|đường|phố|ấp|cụm|trú|địa|hktt|nơi"
)
# Arrow (RE2) filters over a column's distinct texts: letters or '@' or 9+ digits, not a bare date
_RE2_LETTER = r"[^\d\s\pP\pS]|@"
_RE2_DATE = r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# common Vietnamese surnames (lower case, NFC): a capitalised run starting with one is a name
SURNAMES = _word_set(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đinh lương trịnh"
    " mai cao lâm hà tạ chu kiều khuất phùng nghiêm đoàn tô vương quách triệu kim thái lưu tống"
    " giang la lại khổng tăng mạc quan thạch mạch nông lục hứa đàm bạch khúc"
)
# written without diacritics only these are read as surnames ("Dang" may be Đăng, "Ha" many words)
ASCII_SURNAMES = _word_set("nguyen tran pham hoang huynh phan bui trinh nghiem phung khuat quach")
# written in capitals, a run is a name only with one of these (title blocks are in capitals)
CAPITALS_SURNAMES = _word_set(
    "nguyễn trần lê phạm hoàng phan vũ võ đặng bùi đỗ ngô dương đinh trịnh"
)
# a capitalised word after a cue that starts something else than a name (roles, bodies, places);
# lower case NFC with diacritics, so the surname Phan is not "Phần mềm" nor Đặng "Đảng"
NOT_A_NAME_START = _word_set(
    "phó chủ bí trưởng giám chánh ủy uỷ thường huyện xã thị thành tỉnh ubnd hđnd ub phòng ban sở"
    " bộ đảng cục chi hội bệnh trạm công tổ đội nhà ngân quỹ kho hợp trung cơ bưu hệ dịch phần"
    " trang kế quyết nghị thông luật việt vneid dvc cchc tthc mức lĩnh thủ cấp giấy chứng xác"
    " chuyên cán tư văn địa tài kiêm lãnh đại các những trong theo mặt một"
)
# words that end a name run: a role or a body follows the name ("ông Nguyễn Văn An Chủ tịch")
NAME_STOP = _word_set("phó chủ bí trưởng giám chánh ủy uỷ ubnd hđnd ub huyện xã phòng ban sở cán")
# places that start like a name ("Hà Nội", "Hồ Chí Minh" is a public name and a city)
PLACE_NAMES = frozenset(
    {"hà nội", "hà tây", "hà nam", "hà giang", "hà tĩnh", "cao bằng", "lâm đồng"}
)
MIN_FULL_NAME_WORDS = 3  # without a cue word: surname + middle + given name ("Nguyễn Văn An")


def scrub_text(value: object) -> object:
    """Text with personal data replaced by typed masks; missing stays missing, clean text unchanged.

    Detection runs on the NFC form (NFD input is found too); a text with nothing found is
    returned exactly as given.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return value
    text = value if isinstance(value, str) else str(value)
    nfc = unicodedata.normalize("NFC", text)
    out = nfc
    if "@" in out:
        out = _EMAIL.sub(MASK_EMAIL, out)
    if len(out) - len(out.translate(_NO_DIGITS)) >= 9 and not _DATE_SHAPE.fullmatch(out):
        out = mask_numbers(out)
    low = out.lower()
    if _ADDRESS_HINT.search(low):
        out = _ADDRESS_LABEL.sub(_mask_address_label, out)
        out = _ADDRESS.sub(MASK_ADDRESS, out)
    if low != out and (" " in out or ":" in out):  # a capital letter and a word break
        out = _CUED_NAME.sub(_mask_cued_name, out)
        out = _CAP_RUN.sub(_mask_full_name, out)
    return text if out == nfc else out


def contains_personal_data(value: object) -> bool:
    """True when a detector finds something in the text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return False
    return scrub_text(value) != (value if isinstance(value, str) else str(value))


def classify_number(span: str) -> str | None:
    """The mask for a run of digits, or None when it is not a phone or an ID number.

    Phones: 0 + 9 digits (mobile), 02x + 8 digits (landline, Hà Nội 024), 84 / +84 / 0084 before
    9-10 digits. IDs (never written with dots or dashes): 12 digits CCCD, 9 digits CMND.
    """
    digits = _NON_DIGIT.sub("", span)
    international = span.lstrip("(").startswith("+")
    if digits.startswith("0084"):
        digits, international = digits[2:], True
    if digits.startswith("84") and (
        (international and len(digits) in (11, 12))
        or (len(digits) == 11 and digits[2] in "35789")
        or (len(digits) == 12 and digits[2] == "2")
    ):
        return MASK_PHONE
    if international:
        return None
    if digits.startswith("0") and (len(digits) == 10 or (len(digits) == 11 and digits[1] in "12")):
        return MASK_PHONE
    if _ID_SEPARATOR.search(span):
        return None  # amounts (1.500.000.000), dossier numbers, dates: IDs have no such separators
    if len(digits) == 12:
        return MASK_CCCD
    if len(digits) == 9:
        return MASK_CMND
    return None


def mask_numbers(text: str) -> str:
    """Phones and ID numbers masked; other digit runs (dates, counts, dossier numbers) kept.

    A run that is no number as a whole ("0912 345 678 0987 654 321") is read word by word,
    joining the longest stretch of words that makes a phone or an ID.
    """
    pieces, last = [], 0
    for match in _DIGIT_RUN.finditer(text):
        span = match.group(0)
        kind = classify_number(span)
        if kind is not None:
            pieces += [text[last : match.start()], kind]
            last = match.end()
            continue
        words = [(m.start(), m.end()) for m in _SPACE_SPLIT.finditer(span)]
        if len(words) < 2:
            continue
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):
                sub = span[words[i][0] : words[j - 1][1]]
                kind = classify_number(sub)
                if kind is not None:
                    pieces += [text[last : match.start() + words[i][0]], kind]
                    last = match.start() + words[j - 1][1]
                    i = j
                    break
            else:
                i += 1
    return "".join(pieces) + text[last:] if pieces else text


def _mask_address_label(match: re.Match) -> str:
    value = match.group("value")
    if not value.strip() or value.strip() in MASKS:
        return match.group(0)
    return match.group("label") + MASK_ADDRESS + value[len(value.rstrip()) :]


def _lower(word: str) -> str:
    return unicodedata.normalize("NFC", word).lower()


def is_surname(word: str) -> bool:
    """A common Vietnamese surname as written (diacritics matter: Đặng is not Đăng)."""
    if word.isascii():
        return word.lower() in ASCII_SURNAMES
    if word.isupper():
        return _lower(word) in CAPITALS_SURNAMES
    return _lower(word) in SURNAMES


def _name_length(words: list[str]) -> int:
    """How many of a capitalised run's words form the name: it ends at a role or body word."""
    for n, word in enumerate(words):
        if n and _lower(word) in NAME_STOP:
            return n
    return len(words)


def _mask_run(run: str, n_words: int) -> str:
    """The run with its first n words replaced by the name mask."""
    words = list(re.finditer(r"\S+", run))
    return MASK_NAME + run[words[n_words - 1].end() :]


def _mask_cued_name(match: re.Match) -> str:
    run = match.group(2)
    words = run.split()
    if _lower(words[0]) in NOT_A_NAME_START:
        return match.group(0)
    head = match.group(0)[: match.start(2) - match.start(0)]
    return head + _mask_run(run, _name_length(words))


def _mask_full_name(match: re.Match) -> str:
    run = match.group(0)
    words = run.split()
    if not is_surname(words[0]) or _lower(" ".join(words[:2])) in PLACE_NAMES:
        return run
    titled = all(w[1:] == w[1:].lower() for w in words) or all(w.isupper() for w in words)
    n = _name_length(words)
    if not titled or n < MIN_FULL_NAME_WORDS:
        return run
    return _mask_run(run, n)


def scrub_values(values: pd.Series) -> pd.Series:
    """`scrub_text` on a column of text, once per distinct value (exports repeat cells)."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        scrubbed = [scrub_text(c) for c in categories]
        if all(s == c for s, c in zip(scrubbed, categories, strict=True)):
            return values
        return (
            values.astype(object)
            .map(dict(zip(categories, scrubbed, strict=True)))
            .astype("string[pyarrow]")
        )
    text = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary
    if not len(distinct):
        return values.astype(pd.StringDtype("pyarrow"))
    # texts with no letter and fewer than 9 digits (counts, short codes) and bare dates hold nothing
    lettered = pc.match_substring_regex(distinct, _RE2_LETTER).to_numpy(zero_copy_only=False)
    digits = _digit_counts(distinct)
    candidate = (lettered | (digits >= 9)) & ~pc.match_substring_regex(
        distinct, _RE2_DATE
    ).to_numpy(zero_copy_only=False)
    numbers_only = np.flatnonzero(candidate & ~lettered)
    if len(numbers_only):  # most are ids a regex pass per text would only confirm
        kept = _separated_non_phones(distinct.take(numbers_only), digits[numbers_only])
        candidate[numbers_only[kept]] = False
    positions = np.flatnonzero(candidate)
    if len(positions):
        texts = distinct.take(pa.array(positions)).to_pylist()
        scrubbed = [
            scrub_text(t) if letters else _scrub_numbers_only(t)
            for t, letters in zip(texts, lettered[positions], strict=True)
        ]
        changed = [(p, v) for p, t, v in zip(positions, texts, scrubbed, strict=True) if v != t]
        if changed:
            replaced = distinct.to_pylist()
            for p, v in changed:
                replaced[p] = v
            text = pc.take(pa.array(replaced, type=pa.string()), encoded.indices)
    return pd.Series(
        pd.arrays.ArrowStringArray(text), index=values.index, dtype=pd.StringDtype("pyarrow")
    )


def _digit_counts(texts: pa.Array) -> np.ndarray:
    """ASCII digits in each text of an Arrow string array (RE2's \\d), from its bytes."""
    wide = pa.types.is_large_string(texts.type)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[texts.offset : texts.offset + len(texts) + 1].astype(np.int64)
    buffer = texts.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    running = np.concatenate([[0], np.cumsum((data >= 48) & (data <= 57))])
    return running[offsets[1:]] - running[offsets[:-1]]


def _separated_non_phones(texts: pa.Array, n: np.ndarray) -> np.ndarray:
    """True where a text is digit groups joined by single '.' or '-' that `mask_numbers` keeps,
    decided by Arrow for the whole column (the dossier ids of a million-row quarantine): such a
    text is one digit run with a separator, so no ID number, and too short, too long or of the
    wrong prefix (84, 0084) for a phone (`classify_number`); `n` is its digit count. The rest
    go through `_scrub_numbers_only`."""
    shaped = pc.match_substring_regex(texts, r"^[0-9]+(?:[.\-][0-9]+)+$")
    prefixed = pc.match_substring_regex(texts, r"^(?:0[.\-]?0[.\-]?)?8[.\-]?4")
    phone_length = ((n >= 10) & (n <= 11)) | ((n >= 12) & (n <= 14) & _flags(prefixed))
    return _flags(shaped) & ~phone_length


def _flags(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _scrub_numbers_only(text: str) -> str:
    """`scrub_text` for a text without letters or '@' (ids, numbers): only phone and ID numbers
    can be found, so when none is, the rest of the detectors are skipped (they need letters)."""
    if text.isascii() and mask_numbers(text) == text:
        return text
    return scrub_text(text)


def restrict_to_catalogue(
    texts: pd.Series,
    groups: pd.Series,
    reference: Iterable[str] = (),
    min_groups: int = CATALOGUE_MIN_COMMUNES,
    other: str = OTHER_PROCEDURE,
) -> pd.Series:
    """Free text shown to officials, restricted to a catalogue (the allow-list path).

    The catalogue: `reference` names, plus texts (compared folded) seen in at least `min_groups`
    distinct groups (communes). A text in the catalogue is kept (scrubbed by the detectors all the
    same); any other becomes the longest catalogue entry it starts with ("Đăng ký khai sinh cho
    con bà …" -> "Đăng ký khai sinh"), else `other`. Missing stays missing.
    """
    text_codes, distinct = _dictionary(texts)
    group_codes, groups_distinct = _dictionary(groups)
    keys = [fold(u) for u in distinct]
    key_index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    key_of = np.array([key_index[k] for k in keys] + [-1], dtype=np.int64)
    row_keys = key_of[np.where(text_codes < 0, len(keys), text_codes)]
    present = (row_keys >= 0) & (group_codes >= 0)
    seen_in = np.zeros((len(key_index), max(len(groups_distinct), 1)), dtype=bool)
    seen_in[row_keys[present], group_codes[present]] = True
    spread = seen_in.sum(axis=1)
    rows = np.bincount(text_codes[text_codes >= 0], minlength=len(distinct))
    catalogue: dict[
        str, str
    ] = {}  # folded key -> how the entry is shown when a text is generalised
    best: dict[str, int] = {}
    for text, key, n in zip(distinct, keys, rows, strict=True):
        if key and spread[key_index[key]] >= min_groups and n > best.get(key, -1):
            catalogue[key], best[key] = text, int(n)
    for name in reference:
        catalogue[fold(name)] = unicodedata.normalize("NFC", name)
    by_length = sorted(catalogue, key=len, reverse=True)
    mapped = []
    for text, key in zip(distinct, keys, strict=True):
        if key in catalogue:  # kept as written (two spellings of one entry stay two)
            mapped.append(scrub_text(text))
            continue
        prefix = next((k for k in by_length if k and key.startswith(k + " ")), None)
        mapped.append(scrub_text(catalogue[prefix]) if prefix else other)
    if mapped == distinct:
        return texts  # every text is a catalogue entry with nothing to mask: no copy
    dictionary = pa.array(mapped + [None], type=pa.string())
    taken = pc.take(dictionary, pa.array(np.where(text_codes < 0, len(mapped), text_codes)))
    return pd.Series(
        pd.arrays.ArrowStringArray(taken), index=texts.index, dtype=pd.StringDtype("pyarrow")
    )


def _dictionary(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(code per row, -1 when missing; the distinct texts) with Arrow's dictionary encoding."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    arr = _arrow_text(values)
    if arr is None:  # numbers or mixed cells: their text
        arr = pa.array(values.astype(object).map(lambda v: None if pd.isna(v) else str(v)))
    encoded = pc.dictionary_encode(arr)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    codes = np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, codes)
    return codes.astype(np.int64), [str(v) for v in encoded.dictionary.to_pylist()]


def rows_with_personal_data(values: pd.Series, candidates: np.ndarray | None = None) -> np.ndarray:
    """True where an identifier cell (a dossier number) holds personal data: an e-mail, or words
    with a name, a phone or an address. Only `candidates` are examined (default: the cells with
    '@' or a blank, found by Arrow's regex), so a column of plain ids costs one scan; a bare number
    is read as an id scheme (some systems number dossiers with 9-12 digits), not an ID number."""
    arr = _arrow_text(values)
    if arr is None:
        return np.zeros(len(values), dtype=bool)
    if candidates is None:
        candidates = pc.fill_null(pc.match_substring_regex(arr, r"@|\s"), False).to_numpy(
            zero_copy_only=False
        )
    out = np.zeros(len(values), dtype=bool)
    if not candidates.any():
        return out
    chosen = arr.filter(pa.array(candidates))
    codes, distinct = _dictionary(pd.Series(pd.arrays.ArrowStringArray(chosen)))
    personal = np.array([contains_personal_data(v) for v in distinct] + [False])
    out[candidates] = personal[np.where(codes < 0, len(distinct), codes)]
    return out


def _arrow_text(values: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array (None when it holds no text at all)."""
    try:
        arr = pa.array(values.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        arr = pa.array(values.astype(object), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    return None
