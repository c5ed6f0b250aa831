"""Delimited text exports read with pyarrow: encoding and delimiter sniffed, known columns only.

UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258/1252, with `,` `;` tab or `|`
delimiters (sniffed on the header line); rows with too few fields are padded, rows with too many
are kept aside as malformed (their line numbers known).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas.api.types import union_categoricals

from analysis.errors import UserError
from analysis.ingest.columns import header_match_count, map_columns
from analysis.ingest.headers import (
    HEADER_SCAN_ROWS,
    MAX_HEADER_CELL,
    MIN_HEADER_MATCHES,
    RawTable,
    check_duplicate_headers,
    combine_header_rows,
    describe,
    require_columns,
    required_names,
)
from analysis.ingest.vector import STRING, dictionary_categorical
from analysis.text import normalize_text

HEAD_BYTES = 200_000  # what is read to find the header and the encoding of a text export
DELIMITERS = (",", ";", "\t", "|")
_DICTIONARY = pa.dictionary(pa.int32(), pa.large_string())


def decode_bytes(
    data: bytes, path: Path, skip_utf8: bool = False, final: bool = True
) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1258.

    Decoding is on whole characters: with `final=False` (a head cut from a longer file) a
    character cut at the end of `data` is left out instead of failing (a UTF-16 head cut after a
    `\\n` byte has an odd length; a UTF-8 head can end inside a letter)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return codecs.getincrementaldecoder("utf-16")().decode(data, final=final), "utf-16"
        except UnicodeDecodeError as error:
            raise UserError(
                f"{path.name}: not valid UTF-16 at byte {error.start:,} (a truncated or damaged file?)"
            ) from None
    for encoding in ("cp1258", "cp1252") if skip_utf8 else ("utf-8-sig", "cp1258", "cp1252"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=final), encoding
        except UnicodeDecodeError:
            continue
    raise UserError(f"{path.name}: cannot decode the file as UTF-8, UTF-16 or Windows-1258")


def sniff_header(lines: list[str], synonyms: dict) -> tuple[int, str, list[str], int]:
    """Header line index, delimiter and header cells: the (line, delimiter) with most known names."""
    best = (-1, ",", [], 0)
    for index, line in enumerate(lines[:HEADER_SCAN_ROWS]):
        for delimiter in DELIMITERS:
            if delimiter not in line or len(line) > MAX_HEADER_CELL * 100:
                continue
            try:
                cells = next(csv.reader([line], delimiter=delimiter))
            except csv.Error:  # a field over csv's limit: no header line
                continue
            score = header_match_count(cells, synonyms)
            if score > best[3]:
                best = (index, delimiter, cells, score)
    return best


def read_text_table(
    path: Path, synonyms: dict, required: tuple[str, ...], repeated: frozenset[str] = frozenset()
) -> list[RawTable]:
    """A delimited text export read with pyarrow as strings, loading only the known columns.

    Columns named in `repeated` (a few dozen spellings over a million rows: units, procedures,
    statuses) are read dictionary-encoded and handed on as pandas categoricals: each distinct
    text is stored once, and the rules run on the categories."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head or (size <= len(head) and head.isspace()):
        raise UserError(f"{path.name}: the file is empty")
    partial = size > len(head)
    text, encoding = decode_bytes(head, path, final=not partial)
    if partial:  # whole lines only (decoded first: a UTF-16 newline is two bytes)
        cut = text.rfind("\n")
        if cut < 0:
            raise UserError(
                f"{path.name}: line 1 is longer than {HEAD_BYTES:,} bytes: no title or header "
                f"line is this long (no header cell is longer than {MAX_HEADER_CELL:,} characters)"
            )
        text = text[: cut + 1]
    if encoding != "utf-8-sig" and partial:
        text, encoding = decode_bytes(path.read_bytes(), path)
    head_lines = text[:HEAD_BYTES].splitlines()
    index, delimiter, cells, score = sniff_header(head_lines, synonyms)
    if score < MIN_HEADER_MATCHES:
        long_line = next(
            (
                f"; line {n} is {len(line):,} characters long"
                for n, line in enumerate(head_lines[:HEADER_SCAN_ROWS], start=1)
                if len(line) > MAX_HEADER_CELL * 10
            ),
            "",
        )
        raise UserError(
            f"{path.name}: no header row with the required columns {required_names(required)} "
            f"in the first {HEADER_SCAN_ROWS} lines{long_line}"
        )
    below = (
        next(csv.reader([head_lines[index + 1]], delimiter=delimiter))
        if index + 1 < len(head_lines)
        else []
    )
    headers, header_rows = combine_header_rows(cells, below, synonyms)
    check_duplicate_headers(headers, synonyms, describe(path, None), index + 1)
    index += header_rows - 1  # data starts after the last header line
    mapping = map_columns(headers, synonyms)
    require_columns(mapping, headers, required, synonyms, describe(path, None))
    # UTF-8: Arrow reads the file itself (no copy in Python); else the decoded text re-encoded
    payload: str | bytes = str(path) if encoding == "utf-8-sig" else text.encode("utf-8")
    names = [f"c{i}" for i in range(len(headers))]
    keep = [names[i] for i in mapping]
    bad_lines: list[int] = []

    def on_invalid(row) -> str:
        bad_lines.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    def read(use_threads: bool) -> pa.Table:
        bad_lines.clear()
        # a memory map, not a file read: Arrow parses the page cache in place instead of copying
        # the whole file into fresh buffers (new memory is what costs most on a busy machine)
        source = pa.memory_map(payload) if isinstance(payload, str) else io.BytesIO(payload)
        with source:
            return _read_csv(source, use_threads)

    def _read_csv(source, use_threads: bool) -> pa.Table:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                skip_rows=index + 1, column_names=names, use_threads=use_threads, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={  # large strings: pandas' own string type
                    n: _DICTIONARY if mapping[int(n[1:])] in repeated else pa.large_string()
                    for n in keep
                },
                include_columns=keep,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    try:
        try:
            table = read(True)
        except pa.ArrowInvalid as error:
            if "utf8" not in str(error).lower() or encoding != "utf-8-sig":
                raise
            # the head was UTF-8 but a later line is not: a Windows-1258 export after all
            text, encoding = decode_bytes(path.read_bytes(), path, skip_utf8=True)
            payload = text.encode("utf-8")
            table = read(True)
        if bad_lines:
            table = read(False)  # line numbers are only known single-threaded
    except pa.ArrowInvalid as error:
        raise UserError(
            f"{path.name}: cannot parse as '{delimiter}'-delimited text ({arrow_reason(error)})"
        ) from None
    if repeated:
        table = table.unify_dictionaries()  # one dictionary per column, shared by its chunks
    body = arrow_strings_frame(table, [mapping[int(n[1:])] for n in table.column_names])
    header_line = index + 1
    total = len(body) + len(bad_lines)
    lines = np.arange(header_line + 1, header_line + 1 + total, dtype="int64")
    if bad_lines:
        lines = lines[~np.isin(lines, np.asarray([n for n, _ in bad_lines]))]
    body["source_row"] = lines[: len(body)]
    short, long = split_short_rows(bad_lines, delimiter, len(headers))
    if short:
        # exports that trim trailing empty cells: pad the row, it is data like any other
        extra = pd.DataFrame(
            {
                name: pd.Series([cells[i] or None for _, cells in short], dtype=STRING)
                for i, name in mapping.items()
            }
        )
        extra["source_row"] = np.array([n for n, _ in short], dtype="int64")
        for name in body.columns[body.dtypes == "category"]:  # joined as categoricals, not objects
            joined = union_categoricals(
                [body[name].array, pd.Categorical(extra[name].astype(object))]
            )
            body[name] = pd.Series(joined[: len(body)], index=body.index)
            extra[name] = pd.Series(joined[len(body) :], index=extra.index)
        body = pd.concat([body, extra], ignore_index=True).sort_values("source_row", kind="stable")
        body = body.reset_index(drop=True)
    titles = [
        normalize_text(line.replace(delimiter, " "))
        for line in head_lines[: index + 1 - header_rows]
    ]
    return [
        RawTable(
            path,
            None,
            header_line,
            headers,
            body,
            rows_read=total,
            title_lines=[t for t in titles if t],
            malformed_rows=long,
        )
    ]


def arrow_reason(error: Exception) -> str:
    """Arrow's parse error without the offending row's text (it may hold personal data)."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = re.sub(r"(got \d+ columns?)\s*:.*", r"\1", text)
    return re.sub(r":\s*'.*$|\s+in\s+CSV\s+row.*$", "", text)[:160]


def arrow_strings_frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    """Arrow string columns wrapped as pandas Series without a copy (to_pandas is ~10x slower);
    dictionary columns become categoricals (their codes, their categories)."""
    columns = {
        name: (
            pd.Series(dictionary_categorical(table.column(i)), copy=False)
            if pa.types.is_dictionary(table.column(i).type)
            else pd.Series(pd.arrays.ArrowStringArray(table.column(i)), dtype=STRING, copy=False)
        )
        for i, name in enumerate(names)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def split_short_rows(
    bad_lines: list[tuple[int, str]], delimiter: str, width: int
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Rows with fewer fields than the header (padded with blanks) and rows with more (malformed)."""
    short, long = [], []
    for number, text in bad_lines:
        cells = next(csv.reader([text], delimiter=delimiter), [])
        if len(cells) <= width:
            short.append((number, [c.strip() for c in cells] + [""] * (width - len(cells))))
        else:
            long.append((number, text))
    return short, sorted(long)
