"""Status words are data: status_words.csv beside analysis.ingest.status_words."""

import csv

import pytest

from analysis.errors import UserError
from analysis.ingest.status_words import STATUS_WORDS_FILE, load_status_words, status_of


def _copy_with(tmp_path, *extra_rows):
    rows = STATUS_WORDS_FILE.read_text(encoding="utf-8").rstrip("\n").split("\n")
    path = tmp_path / "status_words.csv"
    path.write_text("\n".join([*rows, *extra_rows]) + "\n", encoding="utf-8")
    return path


def test_a_new_status_wording_is_one_csv_row(tmp_path):
    assert status_of("Đã bàn giao") is None
    words = load_status_words(_copy_with(tmp_path, "resolved,contains,ban giao,,handed over"))
    assert status_of("Đã bàn giao", words) == "resolved"
    assert status_of("Đang xử lý", words) == "pending"  # the rows before it still decide


def test_the_first_matching_row_decides_and_unless_vetoes():
    # "tra lai" (refused) precedes "da tra" (resolved); "tam dung" vetoes the stop row
    assert status_of("Đã trả lại hồ sơ") == "refused"
    assert status_of("Dừng xử lý") == "withdrawn"
    assert status_of("Tạm dừng xử lý") == "pending"


def test_every_row_decides_its_own_text():
    """No row is shadowed by an earlier one for the very wording it names (regexes excepted)."""
    words = load_status_words()
    for word in words:
        if word.match != "regex":
            assert status_of(word.text, words) == word.status, word


def test_a_misspelt_status_names_the_line(tmp_path):
    with pytest.raises(UserError, match="line 42"):
        load_status_words(_copy_with(tmp_path, "resovled,contains,xong roi,,"))


def test_the_csv_is_folded_text():
    with open(STATUS_WORDS_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert row["text"] == row["text"].lower() and row["text"].isascii(), row
