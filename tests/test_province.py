"""The synthetic province: districts generated and cleaned one partition at a time, read as one."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from analysis.province import build_province, district_code, read_province

SCALE = 0.01  # ~700 dossiers per district: the shape, not the size, is under test


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("province")
    report = build_province(root / "raw", root / "out", districts=2, scale=SCALE)
    return root / "out", report


def test_each_partition_is_a_whole_processed_folder(province):
    out, report = province
    assert list(report["district_code"]) == ["S01", "S02"]
    for code, rows in zip(report["district_code"], report["rows"], strict=True):
        manifest = json.loads((out / "districts" / code / "manifest.json").read_text())
        assert manifest["synthetic"] is True
        assert manifest["outputs"]["dossiers.parquet"]["rows"] == rows > 0


def test_the_province_reads_as_one_table_with_distinct_synthetic_units(province):
    out, report = province
    dossiers = read_province(out, columns=["district_code", "unit_code", "commune_code"])
    assert len(dossiers) == report["rows"].sum()
    assert dossiers["unit_code"].nunique() == 2 * 31  # Ba Vì's 31 units in each district
    prefix = dossiers["unit_code"].str.slice(0, 3)
    assert (prefix == dossiers["district_code"].astype(str)).all()
    assert (dossiers["unit_code"].str.slice(4) == dossiers["commune_code"].astype(str)).all()


def test_a_filter_reads_one_district_only(province):
    out, report = province
    one = read_province(out, columns=["unit_code"], filter=ds.field("district_code") == "S02")
    assert len(one) == report.loc[report["district_code"] == "S02", "rows"].item()


def test_partitions_report_their_own_peak_memory(province):
    _, report = province
    assert (report["peak_rss_mib"] > 50).all()  # a Python with pandas and pyarrow loaded
    assert (report["generate_s"] > 0).all() and (report["clean_s"] > 0).all()


def test_district_codes_are_marked_synthetic():
    assert [district_code(i) for i in (0, 18)] == ["S01", "S19"]
