"""Cleaning throughput: 1,000,000 generated dossier rows from csv, as a ratio to pyarrow's plain read.

    .venv/bin/python benchmarks/clean_throughput.py [--rows 1000000] [--keep]

Writes an export-shaped csv (title block, STT, personal columns, mixed date encodings, unit
spelling variants, channel codes, a total row) into benchmarks/out/, then in ONE run measures in
two fresh child processes (a) `pyarrow.csv.read_csv` of the file and (b) `clean_all` on a raw
folder holding it (reading, rules, outputs written). Each is measured --repeat times (alternating,
best kept: the machine is shared). Prints the times, the ratio clean/read and the children's
peak resident memory (ru_maxrss; tracemalloc does not see Arrow's allocations).
The cleaner allocates from jemalloc (analysis.ingest.memory); pyarrow's default pool is
mimalloc, whose read time swings most with the cost of fresh pages on a VM, so the read is also
timed with jemalloc and the ratio to it printed beside the target ratio.
Target: ratio <= 3, peak < 4 GiB. Each measured clean is cold (no kept per-export result); one
more clean of the unchanged export, reusing its kept result, is printed for information.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from analysis.ingest.export_cache import cache_folder

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "clean_throughput"
HEADERS = [
    "STT", "Mã hồ sơ", "Tên thủ tục", "Lĩnh vực", "Đơn vị tiếp nhận", "Chủ hồ sơ", "Số CCCD/CMND",
    "Số điện thoại", "Địa chỉ", "Kênh thực hiện", "Mức độ", "Ngày tiếp nhận", "Ngày hẹn trả",
    "Ngày có kết quả", "Ngày trả kết quả", "Trạng thái", "Cán bộ xử lý", "Thư xin lỗi",
]  # fmt: skip


def build_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """Export-shaped rows, vectorised (numpy choices and strftime over the whole column)."""
    from analysis.ingest.dossiers import load_procedure_deadlines  # noqa: F401  (warm import only)
    from analysis.reference.calendar import add_working_days
    from analysis.reference.units import units_2021

    rng = np.random.default_rng(seed)
    units = units_2021()
    spell = np.array(
        [f"UBND xã {n}" for n in units["name"]] + [f"X. {n}" for n in units["name"]] + list(units["name"].str.upper())
        + ["xã Phúc Hòa", "huyện Ba Vì"]
    )  # fmt: skip
    codes = np.array(list(units["code"]) * 3 + ["00000", "00000"])
    unit_index = rng.integers(0, len(spell), rows)
    procedures = pd.read_csv(ROOT / "src" / "analysis" / "ingest" / "procedure_deadlines.csv")
    proc_index = rng.integers(0, len(procedures), rows)
    received = pd.Timestamp("2021-01-04 07:30") + pd.to_timedelta(
        rng.integers(0, 360 * 24 * 60, rows), unit="min"
    )
    received = pd.Series(received)
    legal = procedures["working_days"].to_numpy()[proc_index]
    due = add_working_days(received, pd.Series(legal))
    completed = add_working_days(
        received, pd.Series(np.maximum(legal + rng.integers(-1, 3, rows), 0))
    )
    done = rng.random(rows) < 0.93
    returned = completed + pd.Timedelta(minutes=20)
    fmt = rng.integers(0, 3, rows)

    def write(dates: pd.Series) -> np.ndarray:
        forms = [
            dates.dt.strftime("%d/%m/%Y %H:%M:%S"),
            dates.dt.strftime("%d/%m/%Y"),
            dates.dt.strftime("%d/%m/%Y %H:%M"),
        ]
        return np.choose(fmt, [f.to_numpy(dtype=object) for f in forms])

    serial = np.char.zfill(np.arange(rows).astype(str), 7)
    frame = pd.DataFrame(
        {
            "STT": np.arange(1, rows + 1),
            "Mã hồ sơ": np.char.add(np.char.add(codes[unit_index], "-"), serial),
            "Tên thủ tục": procedures["procedure"].to_numpy()[proc_index],
            "Lĩnh vực": procedures["field"].to_numpy()[proc_index],
            "Đơn vị tiếp nhận": spell[unit_index],
            "Chủ hồ sơ": "Nguyễn Văn A",
            "Số CCCD/CMND": "001089012345",
            "Số điện thoại": "0912345678",
            "Địa chỉ": "Thôn 1",
            "Kênh thực hiện": rng.choice(np.array(["1", "2", "3"]), rows, p=[0.7, 0.28, 0.02]),
            "Mức độ": rng.choice(np.array(["Mức độ 2", "Mức độ 3", "Mức độ 4"]), rows),
            "Ngày tiếp nhận": write(received),
            "Ngày hẹn trả": write(due),
            "Ngày có kết quả": np.where(done, write(completed), None),
            "Ngày trả kết quả": np.where(done, write(returned), None),
            "Trạng thái": np.where(done, "Đã trả kết quả", "Đang xử lý"),
            "Cán bộ xử lý": rng.choice(np.array([f"Cán bộ {i}" for i in range(200)]), rows),
            "Thư xin lỗi": rng.choice(np.array(["Có", "Không", ""]), rows),
        }
    )
    return frame


def write_export(path: Path, rows: int) -> None:
    """Title block + header + rows (pyarrow's csv writer) + a total row."""
    frame = build_frame(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    blanks = "," * (len(HEADERS) - 1)
    with open(path, "wb") as handle:
        handle.write(
            f"ỦY BAN NHÂN DÂN HUYỆN BA VÌ{blanks}\nDANH SÁCH HỒ SƠ{blanks}\nTừ ngày 01/01/2021 đến ngày 31/12/2021{blanks}\n{blanks}\n".encode()
        )
        table = pa.Table.from_pandas(frame.astype(str).replace({"None": ""}), preserve_index=False)
        pacsv.write_csv(
            table, handle, pacsv.WriteOptions(include_header=True, quoting_style="needed")
        )
        handle.write(f"Tổng cộng: {rows} hồ sơ{blanks}\n".encode())


CHILD_READ = """
import json, resource, sys, time
import pyarrow.csv as pacsv
t = time.perf_counter(); table = pacsv.read_csv(sys.argv[1]); seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows": table.num_rows, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
CHILD_READ_JEMALLOC = """
import json, resource, sys, time
import pyarrow as pa, pyarrow.csv as pacsv
pa.set_memory_pool(pa.jemalloc_memory_pool())
t = time.perf_counter(); table = pacsv.read_csv(sys.argv[1]); seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows": table.num_rows, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
CHILD_CLEAN = """
import json, resource, sys, time
from analysis.ingest.clean import clean_exports as clean_all  # the clean step (no meetings)
t = time.perf_counter(); manifest = clean_all(sys.argv[1], sys.argv[2], secret_path=sys.argv[3]); seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rows": manifest["outputs"]["dossiers.parquet"]["rows"], "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run_child(code: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept export of the same size")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each (best is kept)")
    args = parser.parse_args()
    raw = OUT / "raw"
    export = raw / "dossiers" / "export_1m.csv"
    marker = OUT / f"rows_{args.rows}"
    if not (args.reuse and marker.exists() and export.exists()):
        shutil.rmtree(OUT, ignore_errors=True)
        started = time.perf_counter()
        write_export(export, args.rows)
        marker.touch()
        size = export.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows ({size:.0f} MiB) in {time.perf_counter() - started:.1f} s"
        )
    # alternate the two measurements so both see the same share of a busy (shared) machine
    reads, reads_jemalloc, cleans = [], [], []
    for _ in range(args.repeat):
        # a cold clean: no output and no kept per-export result (analysis.ingest.export_cache)
        shutil.rmtree(OUT / "processed", ignore_errors=True)
        shutil.rmtree(cache_folder(OUT / "processed"), ignore_errors=True)
        reads.append(run_child(CHILD_READ, str(export)))
        reads_jemalloc.append(run_child(CHILD_READ_JEMALLOC, str(export)))
        cleans.append(run_child(CHILD_CLEAN, str(raw), str(OUT / "processed"), str(OUT / "secret")))
    # the last clean's per-export result is kept: a clean of the same export again reuses it
    warm = run_child(CHILD_CLEAN, str(raw), str(OUT / "processed"), str(OUT / "secret"))
    read = min(reads, key=lambda r: r["seconds"])
    read_jemalloc = min(reads_jemalloc, key=lambda r: r["seconds"])
    clean = min(cleans, key=lambda r: r["seconds"])
    peak = max(c["maxrss_kib"] for c in cleans) / 2**20
    ratio = clean["seconds"] / read["seconds"]
    print(
        f"pyarrow.csv.read_csv: best {read['seconds']:.2f} s of {[round(r['seconds'], 2) for r in reads]}"
    )
    print(
        f"clean_all:            best {clean['seconds']:.2f} s of {[round(c['seconds'], 2) for c in cleans]}, {clean['rows']:,} clean rows"
    )
    print(
        f"peak memory: read {max(r['maxrss_kib'] for r in reads) / 2**20:.2f} GiB, clean {peak:.2f} GiB (target < 4)"
    )
    print(
        f"pyarrow.csv.read_csv with the cleaner's allocator (jemalloc): best {read_jemalloc['seconds']:.2f} s "
        f"of {[round(r['seconds'], 2) for r in reads_jemalloc]}"
    )
    print(f"ratio clean/read (best of {args.repeat} each): {ratio:.1f} (target <= 3)")
    print(
        f"ratio clean/read with the same allocator: {clean['seconds'] / read_jemalloc['seconds']:.1f}"
    )
    print(
        f"clean_all again, the export's own result kept: {warm['seconds']:.2f} s (not the target)"
    )
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.rmtree(cache_folder(OUT / "processed"), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
