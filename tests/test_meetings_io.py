"""Specification of reading report files, the tables for `clean`, and the meeting-extract CLI."""

from __future__ import annotations

import argparse
import csv
import io
import json
import unicodedata

import docx
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.meetings import cli
from analysis.meetings.extract import MENTION_COLUMNS, extract_reports, read_meeting_report
from analysis.meetings.read import read_report_text
from analysis.paths import ROOT

SEED = ROOT / "data" / "raw" / "meetings" / "2021-10-12_hop_truc_tuyen_cchc_ke_hoach_198.txt"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: vowel shapes precomposed, tone marks as combining characters."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(m for m in decomposed[1:] if m in TONES)
        shapes = "".join(m for m in decomposed[1:] if m not in TONES)
        out.append(
            unicodedata.normalize("NFC", decomposed[0] + shapes).encode("cp1258")
            + tones.encode("cp1258")
        )
    return b"".join(out)


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


class TestReadReportText:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
    def test_unicode_encodings_read_the_same_text(self, tmp_path, encoding):
        path = tmp_path / "report.txt"
        path.write_bytes(seed_text().encode(encoding))
        assert read_report_text(path) == unicodedata.normalize("NFC", seed_text())

    def test_windows_1258_reads_as_nfc(self, tmp_path):
        path = tmp_path / "report.txt"
        path.write_bytes(encode_cp1258(seed_text()))
        assert read_report_text(path) == unicodedata.normalize("NFC", seed_text())

    def test_windows_1258_seed_gives_the_same_mentions(self, tmp_path):
        path = tmp_path / "2021-10-12_report.txt"
        path.write_bytes(encode_cp1258(seed_text()))
        assert read_meeting_report(path)["mentions"] == read_meeting_report(SEED)["mentions"]

    def test_docx_paragraphs_give_the_same_mentions(self, tmp_path):
        document = docx.Document()
        for line in seed_text().split("\n"):
            document.add_paragraph(line)
        path = tmp_path / "2021-10-12_report.docx"
        document.save(path)
        result = read_meeting_report(path)
        assert len(result["mentions"]) == 17
        assert result["meeting"]["date"] == "2021-10-12"

    def test_docx_tables_are_read(self, tmp_path):
        document = docx.Document()
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Tỷ lệ hồ sơ trễ hẹn còn cao"
        table.cell(0, 1).text = "xã Phong Vân"
        path = tmp_path / "t.docx"
        document.save(path)
        assert "xã Phong Vân" in read_report_text(path)

    def test_unknown_format_is_a_user_error(self, tmp_path):
        path = tmp_path / "report.pdf"
        path.write_bytes(b"%PDF-1.4")
        with pytest.raises(UserError, match="report.pdf"):
            read_report_text(path)

    def test_missing_file_is_a_user_error(self, tmp_path):
        with pytest.raises(UserError, match="no such meeting report"):
            read_report_text(tmp_path / "absent.txt")

    def test_damaged_docx_is_a_user_error(self, tmp_path):
        path = tmp_path / "broken.docx"
        path.write_bytes(b"not a zip")
        with pytest.raises(UserError, match="broken.docx"):
            read_report_text(path)


class TestExtractReports:
    def test_tables_follow_the_contract(self, tmp_path):
        meetings, mentions = extract_reports([SEED], root=ROOT / "data" / "raw")
        assert list(mentions.columns) == MENTION_COLUMNS
        assert len(mentions) == 17 and len(meetings) == 1
        assert mentions["meeting_id"].unique().tolist() == [
            "2021-10-12_hop-truc-tuyen-cchc-ke-hoach-198"
        ]
        assert (
            mentions["source_file"].iloc[0]
            == "meetings/2021-10-12_hop_truc_tuyen_cchc_ke_hoach_198.txt"
        )
        assert str(mentions["meeting_date"].dtype) == "datetime64[ns]"
        assert mentions["commune_code"].str.fullmatch(r"\d{5}").all()
        assert meetings.loc[0, "connection_points"] == 31 and meetings.loc[0, "opinions"] == 17

    def test_meetings_keep_the_role_not_the_name(self):
        meetings, _ = extract_reports([SEED])
        assert meetings.loc[0, "chair_role"] == "Phó Chủ tịch UBND huyện"
        assert not meetings.astype(str).apply(lambda c: c.str.contains("Nguyễn")).any().any()

    def test_tables_survive_parquet(self, tmp_path):
        meetings, mentions = extract_reports([SEED])
        mentions.to_parquet(tmp_path / "m.parquet")
        meetings.to_parquet(tmp_path / "mt.parquet")
        assert pd.read_parquet(tmp_path / "m.parquet").equals(mentions)

    def test_no_reports_give_empty_tables_with_columns(self):
        meetings, mentions = extract_reports([])
        assert mentions.empty and list(mentions.columns) == MENTION_COLUMNS
        assert meetings.empty and "meeting_id" in meetings.columns


class TestCli:
    def test_json_output(self, capsys):
        assert cli.run(argparse.Namespace(file=str(SEED), format="json")) == 0
        printed = capsys.readouterr().out
        result = json.loads(printed)
        assert set(result) == {"meeting", "mentions"} and len(result["mentions"]) == 17
        assert "Phong Vân" in printed  # ensure_ascii=False
        assert unicodedata.is_normalized("NFC", printed)

    def test_csv_output_has_one_row_per_mention(self, capsys):
        assert cli.run(argparse.Namespace(file=str(SEED), format="csv")) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert len(rows) == 17 and list(rows[0]) == MENTION_COLUMNS

    def test_parser_accepts_file_and_format(self):
        parser = argparse.ArgumentParser()
        cli.add_arguments(parser)
        args = parser.parse_args(["report.txt", "--format", "csv"])
        assert (args.file, args.format) == ("report.txt", "csv")
