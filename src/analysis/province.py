"""A synthetic province (≈ 580 units, ≈ 10 million dossiers a year), generated and cleaned in
partitions so that memory stays bounded by one partition, not by the province.

Shape: 19 synthetic districts ("S01".."S19") of 31 units each: 589 units. Each district has its
own unit table (`write_district_units`): Ba Vì's table relabelled, with the same structure (one
town, the same 2025 mergers and splits, the same terrain) but SYNTHETIC names ("An Phát") and
codes (`90100`..`91930`: the GSO list has no 9xxxx commune codes), distinct across districts,
in a district named "Mô phỏng G" (S07). Each district is generated and cleaned against its own
table (`--units`), so a name from another district is quarantined, not matched.

Partition = one district's year of exports: dossier numbers and re-exported duplicates never
cross districts, so cleaning each district alone gives the same rows as cleaning them together.
Each partition is generated and cleaned in a fresh child process (its memory returns to the
system when it ends), so the peak is one partition's, whatever the number of districts.

Layout under `out`: `units/S01/` is the district's unit table; `districts/S01/` is a whole
processed folder (clean's outputs and manifest); `dossiers/district_code=S01/part-0.parquet` is
the province's dossier table as a Hive-partitioned Parquet dataset (read it with
`read_province`, or any Arrow/Dask/DuckDB reader, column by column).
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import time
from pathlib import Path

import pandas as pd

DISTRICTS = 19  # 19 × 31 = 589 commune-level units
DEMO_DOSSIERS_PER_YEAR = 67_500  # the demo generator at scale 1 (analysis.demo.params)
FULL_SCALE = 10_000_000 / (DISTRICTS * DEMO_DOSSIERS_PER_YEAR)  # ≈ 7.8: 10 M dossiers a year
SEED = 20250701


def district_code(index: int) -> str:
    """'S01' for the first synthetic district."""
    return f"S{index + 1:02d}"


def district_name(index: int) -> str:
    """'Mô phỏng A' for the first synthetic district: letters, since a digit beside the dates of a
    quarantine reason ('S02 (2008-08-01') reads as a phone number to the privacy scrub."""
    if not 0 <= index < 26:
        raise ValueError(f"synthetic district {index}: at most 26 are named")
    return f"Mô phỏng {chr(ord('A') + index)}"


# syllables of the synthetic names, none used in Ba Vì's names; first syllables tell the units of
# a district apart, second ones (shifted per district) the districts
_FIRST = (
    "An", "Bình", "Cao", "Đại", "Đức", "Gia", "Hải", "Hòa", "Hưng", "Kim", "Lạc", "Lam",
    "Liên", "Long", "Mỹ", "Nam", "Ngọc", "Nhân", "Phúc", "Quế", "Tân", "Thanh", "Thịnh",
    "Trung", "Trường", "Văn", "Việt", "Xuân", "Hà", "Lương", "Hiệp", "Nghĩa", "Kỳ", "Lộc",
    "Hạnh", "Định", "Đoàn", "Hữu", "Kiến", "Lê",
)  # fmt: skip
_SECOND = (
    "Lâm", "Thành", "Phát", "Tiến", "Lợi", "Thuận", "Hợp", "Điền", "Giang", "Hiền", "Khê",
    "Lập", "Mai", "Nguyên", "Phố", "Quý", "Tường", "Trạch", "Vinh", "Xá", "Dương", "Hậu",
    "Hoàn",
)  # fmt: skip


def write_district_units(folder: Path, index: int) -> Path:
    """District `index`'s synthetic unit table: Ba Vì's files with every code and name replaced."""
    from analysis.reference.units import DATA_DIR
    from analysis.text import fold

    tables = {
        name: pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False)
        for name in (
            "units_2021.csv",
            "units_2025.csv",
            "crosswalk_2025.csv",
            "split_weights_2025.csv",
            "terrain_2021.csv",
        )
    }
    columns = [t[c] for t in tables.values() for c in t.columns]
    codes = sorted(
        {c for col in columns if col.name in ("code", "old_code", "new_code") for c in col}
    )
    code_of = {c: f"9{index + 1:02d}{k:02d}" for k, c in enumerate(codes)}
    names = [n for col in columns if col.name in ("name", "old_name", "new_name") for n in col]
    names = list(dict.fromkeys(map(fold, names)))
    if len(names) > len(_FIRST):
        raise ValueError(f"{len(names)} unit names, {len(_FIRST)} synthetic first syllables")
    name_of = {n: f"{_FIRST[k]} {_SECOND[(k + index) % len(_SECOND)]}" for k, n in enumerate(names)}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for file, table in tables.items():
        table = table.copy()
        for col in ("code", "old_code", "new_code"):
            if col in table:
                table[col] = table[col].map(code_of)
        for col in ("name", "old_name", "new_name"):
            if col in table:
                table[col] = table[col].map(lambda n: name_of[fold(n)])
        if "district_code" in table:
            table["district_code"] = district_code(index)
            table["district_name"] = district_name(index)
            table["province_code"] = "S"
            table["province_name"] = "Tỉnh mô phỏng"
        for col in ("legal_basis", "basis"):
            if col in table:
                table[col] = "synthetic: Ba Vì's structure relabelled (analysis.province)"
        table.to_csv(folder / file, index=False)
    return folder


def generate_district(raw_root: Path, index: int, scale: float, seed: int = SEED) -> Path:
    """One district's synthetic raw exports (the demo generator with the district's own unit
    table and seed) in raw_root/Sxx; its unit table in raw_root/units/Sxx."""
    from analysis.demo.generate import generate_demo_data

    units = write_district_units(Path(raw_root) / "units" / district_code(index), index)
    folder = Path(raw_root) / district_code(index)
    generate_demo_data(folder, seed=seed + index, scale=scale, units=units)
    return folder


def clean_district(raw_root: Path, out: Path, index: int) -> int:
    """Clean one district alone against its own unit table; add it to the province dataset;
    returns its dossier rows."""
    import pyarrow.parquet as pq

    from analysis.ingest.clean import clean_all

    code = district_code(index)
    raw = Path(raw_root) / code
    processed = Path(out) / "districts" / code
    units = Path(raw_root) / "units" / code
    clean_all(raw, processed, meetings_dirs=[raw / "meetings"], units=units)
    part = Path(out) / "dossiers" / f"district_code={code}"
    part.mkdir(parents=True, exist_ok=True)
    tmp = part / "part-0.parquet.tmp"
    shutil.copyfile(processed / "dossiers.parquet", tmp)
    tmp.replace(part / "part-0.parquet")
    return pq.read_metadata(part / "part-0.parquet").num_rows


def _generate_and_clean(raw_root: str, out: str, index: int, scale: float, seed: int) -> dict:
    """The work of one partition (runs in a fresh child process): times and its own peak RSS."""
    tick = time.perf_counter()
    generate_district(Path(raw_root), index, scale, seed)
    generated = time.perf_counter()
    rows = clean_district(Path(raw_root), Path(out), index)
    return {
        "district_code": district_code(index),
        "rows": rows,
        "generate_s": round(generated - tick, 2),
        "clean_s": round(time.perf_counter() - generated, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def build_province(
    raw_root: Path,
    out: Path,
    districts: int = DISTRICTS,
    scale: float = FULL_SCALE,
    seed: int = SEED,
    first: int = 0,
) -> pd.DataFrame:
    """Generate and clean districts first..first+districts-1, one fresh child process each.

    Returns one row per partition (rows, seconds, the child's peak resident memory).
    """
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited memory
    rows = []
    for index in range(first, first + districts):
        with context.Pool(1, maxtasksperchild=1) as pool:
            rows.append(
                pool.apply(_generate_and_clean, (str(raw_root), str(out), index, scale, seed))
            )
    return pd.DataFrame(rows)


def read_province(out: Path, columns: list[str] | None = None, filter=None) -> pd.DataFrame:
    """The province's dossiers (only `columns`, optionally an Arrow filter), with district_code."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(Path(out) / "dossiers", format="parquet", partitioning="hive")
    return dataset.to_table(columns=columns, filter=filter).to_pandas()
