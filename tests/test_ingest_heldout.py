"""Held-out dossier exports written blind (other systems' wording and dirt) scored end to end.

Fixtures: tests/fixtures/ingest/heldout/<name>/dossiers/* with <name>/expected.json, written by
tests/fixtures/ingest/heldout/make_heldout.py without looking at the cleaner's synonym lists.
Run this file as a script to print the scores: .venv/bin/python tests/test_ingest_heldout.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.ingest.clean import clean_all
from analysis.ingest.manifest import check_reconciliation

HELDOUT = Path(__file__).parent / "fixtures" / "ingest" / "heldout"
FOLDERS = sorted(p.name for p in HELDOUT.iterdir() if (p / "expected.json").is_file())
REASON_WORDS = {
    "completed before received": "completed before received",
    "unparseable received date": "received date",
    "unknown unit": "unknown unit",
}


def scan(folder: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every value found in any file under folder (bytes and Parquet cells)."""
    hits = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        if path.suffix == ".parquet":
            text += "\n".join(pd.read_parquet(path).astype(str).to_csv(index=False).splitlines())
        text = unicodedata.normalize("NFC", text).lower()
        hits += [(path.name, v) for v in values if unicodedata.normalize("NFC", v).lower() in text]
    return hits


def score(name: str, out: Path) -> dict:
    """Run clean on one held-out folder and compare with its expected.json."""
    expected = json.loads((HELDOUT / name / "expected.json").read_text(encoding="utf-8"))
    result: dict = {"folder": name}
    try:
        manifest = clean_all(HELDOUT / name, out, secret_path=out.parent / "secret")
    except UserError as exc:
        result["error"] = str(exc)
        return result
    dossiers = pd.read_parquet(out / "dossiers.parquet").set_index("dossier_id")
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, encoding="utf-8-sig").fillna("")
    valid = expected["valid"]
    wrong: dict[str, list] = {"missing": [], "unit": [], "channel": [], "outcome": []}
    for did, exp in valid.items():
        if did not in dossiers.index:
            wrong["missing"].append(did)
            continue
        row = dossiers.loc[did]
        if row["commune_code"] != exp["commune_code"]:
            wrong["unit"].append((did, row["commune_code"], exp["commune_code"]))
        if row["channel"] != exp["channel"]:
            wrong["channel"].append((did, row["channel"], exp["channel"]))
        is_late = None if pd.isna(row["is_late"]) else bool(row["is_late"])
        if row["outcome"] != exp["outcome"] or is_late != exp["is_late"]:
            wrong["outcome"].append((did, row["outcome"], exp["outcome"]))
    n = len(valid)
    result["valid"] = n
    for key in ("unit", "channel", "outcome"):
        result[f"{key}_ok"] = n - len(wrong["missing"]) - len(wrong[key])
    result["extra_clean_rows"] = sorted(set(dossiers.index) - set(valid))
    bad_missed = []
    for bad in expected["quarantine"]:
        rows = quarantine[quarantine["source_row"].astype(int) == bad["source_row"]]
        if rows.empty or REASON_WORDS[bad["reason"]] not in rows["reason"].iloc[0]:
            bad_missed.append((bad["source_row"], bad["reason"], list(rows["reason"])))
    result["bad"] = len(expected["quarantine"])
    result["bad_ok"] = len(expected["quarantine"]) - len(bad_missed)
    result["other_quarantined"] = len(quarantine) - result["bad_ok"]
    result["leaks"] = scan(out, expected["personal_values"])
    result["official_leaks"] = scan(out, expected["official_names"])
    try:
        check_reconciliation(manifest["files"])
        result["reconciles"] = True
    except UserError:
        result["reconciles"] = False
    result["wrong"] = {k: v for k, v in wrong.items() if v}
    result["bad_missed"] = bad_missed
    return result


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    return {name: score(name, tmp_path_factory.mktemp(name) / "out") for name in FOLDERS}


# Known failures, marked xfail(strict) until fixed (none at present).
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
        for n in FOLDERS
    ],
)
def test_heldout_export_is_cleaned_right(scores, name):
    s = scores[name]
    assert "error" not in s, s.get("error")
    assert s["reconciles"]
    assert s["leaks"] == []
    assert s["official_leaks"] == []
    assert s["bad_missed"] == []
    assert s["wrong"] == {}
    assert s["extra_clean_rows"] == []


def main() -> int:
    for name in FOLDERS:
        with tempfile.TemporaryDirectory() as tmp:
            s = score(name, Path(tmp) / "out")
        if "error" in s:
            print(f"{name}: ERROR {s['error']}")
            continue
        n = s["valid"]
        print(
            f"{name}: unit {s['unit_ok']}/{n} channel {s['channel_ok']}/{n} "
            f"lateness {s['outcome_ok']}/{n} bad-in-quarantine {s['bad_ok']}/{s['bad']} "
            f"other-quarantined {s['other_quarantined']} leaks {len(s['leaks'])} "
            f"official-name leaks {len(s['official_leaks'])} reconciles {s['reconciles']}"
        )
        if "-v" in sys.argv:
            for key, value in (*s["wrong"].items(), ("bad_missed", s["bad_missed"])):
                if value:
                    print(f"   {key}: {value[:6]}")
            if s["leaks"] or s["official_leaks"]:
                print(f"   leaks: {(s['leaks'] + s['official_leaks'])[:6]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # a receipt number is the dossier id only when no dossier-number column exists
        (["Mã số hồ sơ", "Số biên nhận"], {0: "dossier_id"}),
        (["Số biên nhận", "Mã hồ sơ (mã vạch)"], {1: "dossier_id"}),
        (["Số biên nhận", "Ngày nhận"], {0: "dossier_id", 1: "received_at"}),
        (["Bộ phận tiếp nhận", "Phương thức tiếp nhận"], {0: "unit", 1: "channel"}),
        (
            ["Ngày, giờ nhận", "Deadline", "Result date"],
            {0: "received_at", 1: "due_at", 2: "completed_at"},
        ),
        (["Chuyên viên thụ lý", "Hộ chiếu", "Giới tính", "Quê quán"], {0: "officer"}),
    ],
)
def test_header_wordings_of_other_systems(headers, expected):
    from analysis.ingest.columns import DOSSIER_SYNONYMS, map_columns

    assert map_columns(headers, DOSSIER_SYNONYMS) == expected
