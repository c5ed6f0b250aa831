"""A synthetic province (≈ 580 units, ≈ 10 million dossiers a year), generated and cleaned in
partitions so that memory stays bounded by one partition, not by the province.

Shape: 19 synthetic districts ("S01".."S19"), each a copy of Ba Vì's 31-unit table with its own
seed: 589 units. Why copies and not a real province's units (`analysis.reference.national` has
Hà Nội's 126): the cleaner resolves export unit names against Ba Vì's unit table only; a table
for any province is not wired into `clean` yet. The units are therefore SYNTHETIC, coded
`S07-09640` (district, Ba Vì code), and marked so in the dataset (`district_code`).

Partition = one district's year of exports: dossier numbers and re-exported duplicates never
cross districts, so cleaning each district alone gives the same rows as cleaning them together.
Each partition is generated and cleaned in a fresh child process (its memory returns to the
system when it ends), so the peak is one partition's, whatever the number of districts.

Layout under `out`: `districts/S01/` is a whole processed folder (clean's outputs and manifest,
usable by `analyse` and `briefs` for that district); `dossiers/district_code=S01/part-0.parquet`
is the province's dossier table as a Hive-partitioned Parquet dataset with `unit_code` added
(read it with `read_province`, or any Arrow/Dask/DuckDB reader, column by column).
"""

from __future__ import annotations

import multiprocessing
import resource
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


def generate_district(raw_root: Path, index: int, scale: float, seed: int = SEED) -> Path:
    """One district's synthetic raw exports (the demo generator, its own seed) in raw_root/Sxx."""
    from analysis.demo.generate import generate_demo_data

    folder = Path(raw_root) / district_code(index)
    generate_demo_data(folder, seed=seed + index, scale=scale)
    return folder


def clean_district(raw_root: Path, out: Path, index: int) -> int:
    """Clean one district alone; add it to the province dataset; returns its dossier rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from analysis.ingest.clean import clean_all

    code = district_code(index)
    raw = Path(raw_root) / code
    processed = Path(out) / "districts" / code
    clean_all(raw, processed, meetings_dirs=[raw / "meetings"])
    table = pq.read_table(processed / "dossiers.parquet")
    units = pc.binary_join_element_wise(
        pa.scalar(code), table["commune_code"].cast(pa.string()), "-"
    )
    table = table.append_column("unit_code", units)
    part = Path(out) / "dossiers" / f"district_code={code}"
    part.mkdir(parents=True, exist_ok=True)
    tmp = part / "part-0.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(part / "part-0.parquet")
    return table.num_rows


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
