"""docs/data_dictionary.md lists exactly the columns `clean` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.ingest import columns as cols
from analysis.ingest.clean import DOSSIER_COLUMNS
from analysis.ingest.officers import OFFICER_COLUMNS
from analysis.ingest.quarantine import PERSONAL_RAW, QUARANTINE_COLUMNS, RAW_PREFIX
from analysis.ingest.register import MEETING_COLUMNS
from analysis.meetings.extract import MENTION_COLUMNS

DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"


def documented(section: str) -> list[str]:
    """Backticked names in the first cell of each table row under a '## section' heading (in order)."""
    text = DICTIONARY.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for line in body.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names += [n for n in re.findall(r"`([^`]+)`", first_cell) if n not in names]
    return names


@pytest.mark.parametrize(
    ("section", "columns"),
    [
        ("dossiers.parquet", DOSSIER_COLUMNS),
        ("officers.parquet", OFFICER_COLUMNS),
        ("meetings.parquet", MEETING_COLUMNS),
        ("meeting_mentions.parquet", MENTION_COLUMNS),
    ],
)
def test_parquet_tables_are_documented_column_for_column(section, columns):
    assert documented(section) == list(columns)


def test_quarantine_fixed_and_raw_columns_are_documented():
    names = documented("quarantine.csv")
    assert names[: len(QUARANTINE_COLUMNS)] == QUARANTINE_COLUMNS
    possible_raw = {
        RAW_PREFIX + c
        for synonyms in (cols.DOSSIER_SYNONYMS, cols.ROSTER_SYNONYMS, cols.REGISTER_SYNONYMS)
        for c in synonyms
        if c not in ("row_number", "ignore") and c not in PERSONAL_RAW
    }
    assert set(names[len(QUARANTINE_COLUMNS) :]) == possible_raw


def test_written_outputs_match_the_dictionary(tmp_path):
    """Run clean on the held-out fixture and compare what is on disk with the dictionary."""
    import shutil

    from analysis.ingest.clean import clean_all

    raw = tmp_path / "raw"
    (raw / "dossiers").mkdir(parents=True)
    shutil.copy(
        Path(__file__).parent / "fixtures" / "ingest" / "heldout_export.csv", raw / "dossiers"
    )
    manifest = clean_all(raw, tmp_path / "out", secret_path=tmp_path / "secret")
    for name in ("dossiers", "officers", "meetings", "meeting_mentions"):
        written = list(pd.read_parquet(tmp_path / "out" / f"{name}.parquet").columns)
        assert written == documented(f"{name}.parquet"), name
    quarantine = pd.read_csv(tmp_path / "out" / "quarantine.csv").columns
    assert set(quarantine) <= set(documented("quarantine.csv"))
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert list(on_disk) == documented("manifest.json")[: len(on_disk)] == list(manifest)
    entry_keys = documented("manifest.json")[len(on_disk) :]
    assert all(list(f) == entry_keys for f in on_disk["files"])
    meetings = json.loads((tmp_path / "out" / "meetings_manifest.json").read_text("utf-8"))
    assert list(meetings) == documented("meetings_manifest.json")


def test_generated_parts_are_what_the_code_renders():
    """Column tables (contract), quarantine reasons (rules) and manifest keys (manifest) are
    exactly the generated text: `python -m analysis.ingest.dictionary` after a change."""
    from analysis.ingest import contract, dictionary

    text = DICTIONARY.read_text(encoding="utf-8")
    for table in contract.TABLES.values():
        assert contract.documented_table(text, table.file) == contract.render(table), table.file
    for name, render in dictionary.GENERATED.items():
        assert dictionary.documented_block(text, name) == render(), name
    assert dictionary.generate(text) == text


@pytest.mark.parametrize(
    "rule_list, first",
    [
        ("DOSSIER_RULES", "missing dossier id"),
        ("ROSTER_RULES", "missing officer name"),
        ("REGISTER_RULES", "missing or unparseable meeting date"),
    ],
)
def test_every_rule_is_listed_in_order_with_its_reason(rule_list, first):
    from analysis.ingest import dictionary, rules

    text = dictionary.render_reasons(rule_list, ())
    listed = re.findall(r"^\| (\d+) \| `(\w+)` \| (.+) \|$", text, re.M)
    assert [name for _, name, _ in listed] == [r.name for r in getattr(rules, rule_list)]
    assert listed[0][2] == first


def test_a_rule_worded_per_row_needs_its_wording(monkeypatch):
    from analysis.ingest import dictionary, rules

    rule = rules.Rule("postal_late", lambda ctx: ctx.frame["channel"].isna(), lambda c, r: r)
    monkeypatch.setattr(rules, "DOSSIER_RULES", [*rules.DOSSIER_RULES, rule])
    with pytest.raises(KeyError, match="postal_late"):
        dictionary.render_reasons()


def test_the_writer_refuses_a_table_off_its_contract():
    from analysis.ingest.contract import DOSSIERS, MEETINGS, ContractError, validate
    from analysis.meetings.extract import MEETING_COLUMNS as REPORT_MEETING_COLUMNS

    assert MEETINGS.names == [c for c in REPORT_MEETING_COLUMNS if c != "plans"]
    frame = pd.DataFrame(
        {
            c.name: pd.Series(
                {"string": ["x"], "datetime64[ns]": [pd.Timestamp("2021-01-04")]}.get(c.dtype, [1]),
                dtype="string" if c.dtype == "string" else c.dtype,
            )
            for c in DOSSIERS.columns
        }
    )
    frame["unit_resolution"] = pd.Series(["exact"], dtype="string")
    frame[["channel", "status", "outcome"]] = pd.DataFrame(
        [["postal", "resolved", "late"]], dtype="string"
    )
    assert validate(frame, DOSSIERS) is frame
    empty = validate(frame.iloc[0:0].astype(object), DOSSIERS)
    assert str(empty["source_row"].dtype) == "int64"
    with pytest.raises(ContractError, match="channel holds"):
        validate(frame.assign(channel=pd.Series(["fax"], dtype="string")), DOSSIERS)
    with pytest.raises(ContractError, match="dossier_id has missing"):
        validate(frame.assign(dossier_id=pd.Series([None], dtype="string")), DOSSIERS)
    with pytest.raises(ContractError, match="source_row is"):
        validate(frame.assign(source_row=frame["source_row"].astype("float64")), DOSSIERS)
    with pytest.raises(ContractError, match="columns"):
        validate(frame[frame.columns[::-1]], DOSSIERS)
