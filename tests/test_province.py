"""The synthetic province: districts generated and cleaned one partition at a time, read as one."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from analysis.ingest.clean import clean_all
from analysis.province import build_province, district_code, district_name, read_province
from analysis.reference.units import load_unit_table, units_on
from analysis.text import fold

SCALE = 0.01  # ~700 dossiers per district: the shape, not the size, is under test


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("province")
    report = build_province(root / "raw", root / "out", districts=2, scale=SCALE)
    return root / "out", report


@pytest.fixture(scope="module")
def raw(province) -> Path:
    return province[0].parent / "raw"


def _table(raw: Path, code: str):
    return load_unit_table(raw / "units" / code)


def test_each_partition_is_a_whole_processed_folder(province):
    out, report = province
    assert list(report["district_code"]) == ["S01", "S02"]
    for code, rows in zip(report["district_code"], report["rows"], strict=True):
        manifest = json.loads((out / "districts" / code / "manifest.json").read_text())
        assert manifest["synthetic"] is True
        assert manifest["outputs"]["dossiers.parquet"]["rows"] == rows > 0


def test_the_province_reads_as_one_table_with_distinct_synthetic_units(province):
    out, report = province
    dossiers = read_province(out, columns=["district_code", "commune_code"])
    assert len(dossiers) == report["rows"].sum()
    assert dossiers["commune_code"].nunique() == 2 * 31  # 31 units of its own in each district
    assert dossiers.groupby("commune_code")["district_code"].nunique().max() == 1


def test_each_district_is_cleaned_with_its_own_unit_table(province, raw):
    out, _ = province
    ba_vi = set(units_on("2021-12-31")["name"].map(fold))
    seen: set[str] = set()
    for index, code in enumerate(["S01", "S02"]):
        table = _table(raw, code)
        assert table.district_name == district_name(index)
        names = set(table.units["name"].map(fold))
        assert not names & ba_vi and not names & seen  # synthetic and distinct per district
        seen |= names
        dossiers = pd.read_parquet(out / "districts" / code / "dossiers.parquet")
        assert set(dossiers["commune_code"]) == set(units_on("2021-12-31", table)["code"])


def test_a_name_of_another_district_is_quarantined_naming_the_district(raw, tmp_path):
    copy = tmp_path / "S02"  # one export of the district is enough
    source = sorted((raw / "S02" / "dossiers").glob("*.csv"))[0]
    export = copy / "dossiers" / source.name
    export.parent.mkdir(parents=True)
    shutil.copyfile(source, export)
    rows = list(csv.reader(export.read_text(encoding="utf-8-sig").splitlines()))
    header = next(i for i, row in enumerate(rows) if "Đơn vị tiếp nhận" in row)
    column = rows[header].index("Đơn vị tiếp nhận")
    s01 = _table(raw, "S01").units["name"].iloc[5]
    rows[header + 1][column] = "UBND xã Phong Vân"  # Ba Vì's
    rows[header + 2][column] = f"xã {s01}"  # the neighbouring synthetic district's
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    clean_all(copy, tmp_path / "out", units=raw / "units" / "S02")
    reasons = pd.read_csv(tmp_path / "out" / "quarantine.csv")["reason"]
    for written in ("UBND xã Phong Vân", f"xã {s01}"):
        hits = reasons[reasons.str.contains(written, regex=False)]
        assert len(hits) == 1
        assert f"is not a unit of huyện {district_name(1)}" in hits.iloc[0]


def test_a_filter_reads_one_district_only(province):
    out, report = province
    one = read_province(out, columns=["commune_code"], filter=ds.field("district_code") == "S02")
    assert len(one) == report.loc[report["district_code"] == "S02", "rows"].item()


def test_partitions_report_their_own_peak_memory(province):
    _, report = province
    assert (report["peak_rss_mib"] > 50).all()  # a Python with pandas and pyarrow loaded
    assert (report["generate_s"] > 0).all() and (report["clean_s"] > 0).all()


def test_district_codes_are_marked_synthetic():
    assert [district_code(i) for i in (0, 18)] == ["S01", "S19"]
