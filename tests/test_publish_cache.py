"""A brief's fingerprint moves with everything the brief reads, and with nothing else."""

import shutil

import pandas as pd
import pytest

from analysis.publish.cache import brief_fingerprints, brief_parts, changed_reason, hash_code
from tests.test_publish_fixture import build_processed_fixture

PERIOD = "2021-Q4"
CODES = ["09640", "09625"]


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    return build_processed_fixture(tmp_path_factory.mktemp("cache") / "processed")


@pytest.fixture
def processed(fixture_dir, tmp_path):
    copy = tmp_path / "processed"
    shutil.copytree(fixture_dir, copy)
    return copy


def _prints(folder):
    return brief_fingerprints(folder, CODES, PERIOD, "code")


class TestBriefFingerprints:
    def test_unchanged_inputs_give_the_same_fingerprints(self, processed):
        assert _prints(processed) == _prints(processed)

    def test_a_new_meeting_date_rebuilds_every_brief(self, processed):
        path = processed / "meetings.parquet"
        dates = {"meeting_date": pd.to_datetime(["2021-10-12"])}
        pd.DataFrame(dates).to_parquet(path, index=False)
        before = _prints(processed)
        dates["meeting_date"] = pd.to_datetime(["2021-10-12", "2021-11-30"])
        pd.DataFrame(dates).to_parquet(path, index=False)
        after = _prints(processed)
        assert all(after[c] != before[c] for c in CODES)

    def test_another_communes_online_procedure_rebuilds_every_brief(self, processed):
        """Each brief lists procedures other communes took online (counter-only list)."""
        before = _prints(processed)
        dossiers = pd.read_parquet(processed / "dossiers.parquet")
        other = dossiers["commune_code"].isin(CODES) == False  # noqa: E712
        row = dossiers.index[other][0]
        dossiers.loc[row, "channel"] = (
            "online" if dossiers.loc[row, "channel"] != "online" else "in_person"
        )
        dossiers.to_parquet(processed / "dossiers.parquet", index=False)
        after = _prints(processed)
        assert all(after[c] != before[c] for c in CODES)

    def test_a_communes_rank_interval_rebuilds_that_brief_only(self, processed):
        path = processed / "commune_ranks_uncertainty.parquet"
        table = pd.DataFrame(
            {
                "commune_code": CODES,
                "period": PERIOD,
                "rank_low": [3.0, 5.0],
                "rank_high": [9.0, 12.0],
            }
        )
        table.to_parquet(path, index=False)
        before = _prints(processed)
        table.loc[table["commune_code"] == "09640", "rank_high"] = 10.0
        table.to_parquet(path, index=False)
        after = _prints(processed)
        assert after["09640"] != before["09640"] and after["09625"] == before["09625"]

    def test_a_replaced_export_rebuilds_the_briefs_of_the_units_it_covers(self, processed):
        import json

        dossiers = pd.read_parquet(processed / "dossiers.parquet")
        dossiers.loc[dossiers["commune_code"] == "09640", "source_file"] = "dossiers/b.csv"
        dossiers.to_parquet(processed / "dossiers.parquet", index=False)
        path = processed / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest["files"] += [
            {"path": "dossiers/b.csv", "sha256": "cd" * 32, "kind": "dossiers"},
            {"path": "officers/roster.xlsx", "sha256": "ef" * 32, "kind": "officers"},
        ]
        path.write_text(json.dumps(manifest))
        before = brief_parts(processed, CODES, PERIOD, "code")
        manifest["files"][1]["sha256"] = "00" * 32  # b.csv replaced: only 09640's rows
        path.write_text(json.dumps(manifest))
        after = brief_parts(processed, CODES, PERIOD, "code")
        assert after["09625"] == before["09625"]
        assert changed_reason(before["09640"], after["09640"]) == "its source exports changed"
        manifest["files"][2]["sha256"] = "11" * 32  # the roster: every brief lists it
        path.write_text(json.dumps(manifest))
        again = brief_parts(processed, CODES, PERIOD, "code")
        assert all(again[c]["district"] != after[c]["district"] for c in CODES)


class TestHashCode:
    def test_an_extra_file_such_as_the_settings_file_changes_the_code_hash(self, tmp_path):
        settings = tmp_path / "report_settings.toml"
        settings.write_text('[issuer]\noffice = "A"\n', encoding="utf-8")
        first = hash_code([settings])
        settings.write_text('[issuer]\noffice = "B"\n', encoding="utf-8")
        assert hash_code([settings]) != first
