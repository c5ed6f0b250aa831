"""Column helpers that keep cleaning vectorised: each distinct value is handled once.

Exports repeat a few dozen spellings (units, channels, statuses) over a million rows, so rules
written for one value run on the distinct values (`factorize`: Arrow's dictionary encoding for
text) and are spread back with one integer take.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STRING = pd.StringDtype("pyarrow")


def map_distinct(
    values: pd.Series, rule: Callable[[object], object], dtype: object = None
) -> pd.Series:
    """Apply `rule` to each distinct value (and once to a missing value) and spread it back.

    Text from a categorical stays a categorical (see `map_categories`) when the rule leaves a
    missing value missing; `as_text_column` turns it into text where text is needed."""
    if dtype is STRING and is_categorical(values) and rule(None) is None:
        return map_categories(values, rule)
    codes, uniques = factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        mapped[i] = rule(value)
    mapped[-1] = rule(None)
    if dtype is STRING and _unchanged(values, uniques, mapped):
        return pd.Series(values.array, index=values.index, dtype=STRING)  # no copy at all
    if dtype is STRING:  # build the Arrow column directly: one take over the distinct results
        dictionary = pa.array(
            [None if v is None or v is pd.NA else str(v) for v in mapped], type=pa.string()
        )
        taken = pc.take(dictionary, pa.array(np.where(codes < 0, len(uniques), codes)))
        return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index, dtype=STRING)
    if dtype == "boolean":  # convert the distinct results once, spread them with an integer take
        spread = pd.array(mapped, dtype="boolean").take(np.where(codes < 0, len(uniques), codes))
        return pd.Series(spread, index=values.index)
    out = pd.Series(mapped[codes], index=values.index, dtype=object)
    if dtype is not None:
        out = out.astype(dtype)
    return out


def map_categories(values: pd.Series, rule: Callable[[object], object]) -> pd.Series:
    """`map_distinct` for a categorical that stays one: the rule renames the categories (texts
    it merges share one; those it blanks become missing). A long text repeated over a million
    rows is then copied once, when the kept rows are written, not at every step. The rule must
    leave a missing value missing."""
    mapped = [rule(c) for c in values.cat.categories]
    if all(
        isinstance(m, str) and m == c for m, c in zip(mapped, values.cat.categories, strict=True)
    ):
        return values
    new_codes, categories = pd.factorize(
        pd.Series([m if isinstance(m, str) else None for m in mapped], dtype=object),
        use_na_sentinel=True,
    )
    codes = values.cat.codes.to_numpy()
    recoded = np.where(codes < 0, -1, np.append(new_codes, -1)[codes])
    return pd.Series(
        pd.Categorical.from_codes(recoded, categories=pd.Index(categories, dtype=object)),
        index=values.index,
    )


def as_text_column(values: pd.Series) -> pd.Series:
    """A categorical of texts as Arrow-backed strings (one take); anything else as it is."""
    if is_categorical(values):
        return pd.Series(
            pd.arrays.ArrowStringArray(as_arrow_strings(values)), index=values.index, dtype=STRING
        )
    return values


def _unchanged(values: pd.Series, uniques: list, mapped: np.ndarray) -> bool:
    """True when the rule leaves every text of an Arrow text column as it was (already clean)."""
    if not is_arrow_text(values):
        return False
    if mapped[-1] is not None:
        return False
    return all(isinstance(m, str) and m == u for m, u in zip(mapped[:-1], uniques, strict=True))


def factorize(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 for missing) and distinct values; Arrow's dictionary encoding for text."""
    if is_categorical(values):  # encoded already (unused categories only cost a rule call)
        return values.cat.codes.to_numpy().astype(np.int64), list(values.cat.categories)
    if is_arrow_text(values):
        codes, dictionary = _encode(arrow_strings(values))
        return codes, dictionary.to_pylist()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, list(uniques)


def factorize_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes (-1 for missing) and how many distinct values, without materialising them."""
    if is_arrow_text(values):
        codes, dictionary = _encode(arrow_strings(values))
        return codes, len(dictionary)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, len(uniques)


def _encode(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Arrow's dictionary encoding: integer codes (-1 for missing) and the distinct values (one
    dictionary shared by every chunk)."""
    encoded = pc.dictionary_encode(arr)
    if isinstance(encoded, pa.ChunkedArray):
        if not encoded.num_chunks:
            return np.zeros(0, dtype=np.int64), pa.array([], type=arr.type)
        dictionary = encoded.chunk(0).dictionary
        indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    codes = pc.fill_null(indices, -1).to_numpy().astype(np.int64)
    return codes, dictionary


def arrow_strings(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column's Arrow strings as stored, chunks left as they are (no copy); the helpers below
    take either form."""
    if is_arrow_text(values):
        chunked = values.array.__arrow_array__()  # the Arrow protocol: no copy
        return chunked.chunk(0) if chunked.num_chunks == 1 else chunked
    return as_arrow_strings(values)


def per_chunk(function: Callable[[pa.Array], np.ndarray], arr: pa.Array | pa.ChunkedArray):
    """`function` (from one Arrow array to numpy arrays) applied chunk by chunk, joined."""
    if not isinstance(arr, pa.ChunkedArray):
        return function(arr)
    chunks = arr.chunks or [pa.array([], type=arr.type)]
    parts = [function(chunk) for chunk in chunks]
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))
    return np.concatenate(parts)


def dictionary_categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A dictionary-encoded Arrow column (one dictionary for all chunks) as a pandas categorical."""
    if column.num_chunks:
        dictionary = column.chunk(0).dictionary
        codes = pc.fill_null(
            pa.chunked_array([c.indices for c in column.chunks], type=pa.int32()), -1
        ).to_numpy()
    else:
        dictionary, codes = pa.array([], pa.large_string()), np.zeros(0, dtype=np.int32)
    categories = pd.Index(dictionary.to_pylist(), dtype=object)
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def is_categorical(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype)


def is_arrow_text(values: pd.Series) -> bool:
    """Text held by Arrow (pandas' "string[pyarrow]"): its buffers can be read directly."""
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def by_category(values: pd.Series, test: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """A per-text test run once per category of a categorical and spread to its rows (missing:
    False)."""
    categories = pa.array(list(values.cat.categories), type=pa.large_string())
    answers = np.append(test(categories) if len(categories) else np.zeros(0, bool), False)
    codes = values.cat.codes.to_numpy()
    return answers[np.where(codes < 0, len(categories), codes)]


def present(values: pd.Series) -> np.ndarray:
    """`values.notna()` as numpy; for Arrow text read from the validity bitmaps directly."""
    if is_arrow_text(values):
        return per_chunk(_valid, arrow_strings(values))
    return values.notna().to_numpy()


def _valid(arr: pa.Array) -> np.ndarray:
    if not arr.null_count:
        return np.ones(len(arr), dtype=bool)
    bits = np.unpackbits(np.frombuffer(arr.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + len(arr)].astype(bool)


def as_arrow_strings(values: pd.Series) -> pa.Array:
    """The column as one Arrow string array (zero-copy for one-chunk Arrow-backed strings)."""
    if is_arrow_text(values):
        chunked = pa.chunked_array(values.array.__arrow_array__())
        return chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
    if is_categorical(values) and values.cat.categories.inferred_type in ("string", "empty"):
        categories = pa.array(list(values.cat.categories), type=pa.large_string())
        codes = values.cat.codes.to_numpy()
        return pc.take(categories, pa.array(codes, mask=codes < 0))
    objects = values.astype("object")
    try:  # text and blanks only (the usual case): Arrow converts them without a Python call each
        return pa.array(objects, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(objects.map(cell_text), type=pa.string(), from_pandas=True)


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as text: whole numbers without '.0', dates in ISO form, blanks as None."""
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    ):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def filled(values: pd.Series) -> pd.Series:
    """True where a cell holds something other than blanks."""
    if is_categorical(values):
        return pd.Series(by_category(values, has_non_blank), index=values.index)
    if is_arrow_text(values):
        return pd.Series(has_non_blank(arrow_strings(values)), index=values.index)
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.notna()
    as_obj = values.astype("object")
    is_text = as_obj.map(type).eq(str)
    blank_text = is_text & as_obj.where(is_text, "x").astype(str).str.strip().eq("")
    return as_obj.notna() & ~blank_text


def string_layout(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, byte length, bytes) of each text of an Arrow (large_)string array, without a copy."""
    wide = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    buffer = arr.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    if not data.size:
        data = np.zeros(1, dtype=np.uint8)
    return offsets[:-1], np.diff(offsets), data


def _first_byte(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first byte, byte length, non-empty and present) of every text."""
    start, length, data = string_layout(arr)
    present = length > 0
    if arr.null_count:
        present &= arr.is_valid().to_numpy(zero_copy_only=False)
    return data[np.minimum(start, len(data) - 1)], length, present


_ASCII_BLANK = np.zeros(256, dtype=bool)
_ASCII_BLANK[[9, 10, 11, 12, 13, 32]] = True


def has_non_blank(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a text matches RE2's \\S: decided by the first byte for nearly every text, Arrow's
    kernels only for texts that start with a blank."""
    if isinstance(arr, pa.ChunkedArray):
        return per_chunk(has_non_blank, arr)
    first, _, present = _first_byte(arr)
    unsure = present & _ASCII_BLANK[first]  # starts with an ASCII blank: look at the whole text
    out = present & ~unsure
    if unsure.any():
        rest = arr.filter(pa.array(unsure))
        spaces = pc.fill_null(pc.ascii_is_space(rest), False)  # also \v, which \S counts as filled
        mask = pc.and_(pc.greater(pc.binary_length(rest), 0), pc.invert(spaces))
        if pc.any(spaces).as_py():
            mask = pc.or_(mask, pc.and_(spaces, pc.match_substring_regex(rest, r"\S")))
        out[unsure] = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return out


def has_digit(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a text holds an ASCII digit: the first byte decides most (ids, dates)."""
    if isinstance(arr, pa.ChunkedArray):
        return per_chunk(has_digit, arr)
    first, length, present = _first_byte(arr)
    out = present & ((first - np.uint8(48)) < 10)  # wraps below '0'
    unsure = present & ~out & (length > 1)
    if unsure.any():
        rest = arr.filter(pa.array(unsure))
        out[unsure] = pc.fill_null(pc.match_substring_regex(rest, r"\d"), False).to_numpy(
            zero_copy_only=False
        )
    return out


def rows_containing(arr: pa.Array | pa.ChunkedArray, characters: bytes) -> np.ndarray:
    """True for each text holding any of the given ASCII characters (one scan of the bytes)."""
    if isinstance(arr, pa.ChunkedArray):
        return per_chunk(lambda chunk: rows_containing(chunk, characters), arr)
    start, length, data = string_layout(arr)
    positions = np.flatnonzero(_byte_table(characters)[data])
    out = np.zeros(len(arr), dtype=bool)
    if positions.size:
        row = np.searchsorted(start, positions, side="right") - 1
        row, positions = row[row >= 0], positions[row >= 0]
        inside = positions < start[row] + length[row]  # not in the bytes of a hidden (sliced) text
        out[row[inside]] = True
    if arr.null_count:
        out &= arr.is_valid().to_numpy(zero_copy_only=False)
    return out


def _byte_table(characters: bytes) -> np.ndarray:
    """A 256-entry lookup, True at the given bytes (indexing by the bytes is faster than np.isin)."""
    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(characters, dtype=np.uint8)] = True
    return table


def starts_with_any(arr: pa.Array | pa.ChunkedArray, characters: bytes) -> np.ndarray:
    """True for each text whose first byte is one of the given ASCII characters."""
    if isinstance(arr, pa.ChunkedArray):
        return per_chunk(lambda chunk: starts_with_any(chunk, characters), arr)
    first, _, present = _first_byte(arr)
    return present & _byte_table(characters)[first]


def clean_text_column(values: pd.Series) -> pd.Series:
    """NFC, trimmed, internal whitespace collapsed; empty -> missing (Arrow kernels, no Python loop)."""
    arr = arrow_strings(values)
    if per_chunk(_plain_ascii, arr).all():
        # printable ASCII without any blank (ids, codes): nothing to normalise, only '' to drop
        empty = per_chunk(lambda chunk: string_layout(chunk)[1] == 0, arr)
        if empty.any():
            arr = pc.if_else(pa.array(empty), pa.scalar(None, arr.type), arr)
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index, dtype=STRING)
    arr = pc.utf8_normalize(arr, form="NFC")
    arr = pc.replace_substring_regex(arr, r"\s+", " ")
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index, dtype=STRING)


_HASH_WIDTH = 32  # texts up to this many bytes are hashed from a fixed-width window


def short_text_hashes(arr: pa.Array, width: int = _HASH_WIDTH) -> np.ndarray | None:
    """A 64-bit hash of each text (0 for missing), or None when a text is longer than `width`
    bytes (a multiple of 8, at most 32; equal texts hash alike only under one width).

    Equal texts get equal hashes, so texts whose hashes are all distinct are all distinct:
    a cheap test for "no id repeats" that saves hashing a million ids into a dictionary.
    """
    start, length, data = string_layout(arr)
    if length.size and length.max() > width:
        return None
    padded = np.concatenate([data, np.zeros(width, dtype=np.uint8)])
    window = np.lib.stride_tricks.sliding_window_view(padded, width)[start]
    window *= np.arange(width) < length[:, None]  # bytes past the text's end count as 0
    words = window.view("<u8")
    mixed = length.astype(np.uint64)
    for k in range(words.shape[1]):
        mixed = (mixed ^ words[:, k]) * np.uint64(0x9E3779B97F4A7C15)
        mixed ^= mixed >> np.uint64(29)
    if arr.null_count:
        mixed[~arr.is_valid().to_numpy(zero_copy_only=False)] = 0
    return mixed


def _plain_ascii(arr: pa.Array) -> np.ndarray:
    """[True] when every byte of the array's texts is printable ASCII other than a space."""
    data = string_layout(arr)[2]
    return np.array([not (data < 33).any() and not (data > 126).any()])


def filter_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """`frame[keep]` for a boolean mask, Arrow-backed text filtered by Arrow (no index gather)."""
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame
    index = frame.index[keep]
    mask = pa.array(keep)
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if is_arrow_text(values):
            kept = pc.filter(values.array.__arrow_array__(), mask)
            columns[name] = pd.Series(pd.arrays.ArrowStringArray(kept), index=index, dtype=STRING)
        else:
            columns[name] = pd.Series(values.array[keep], index=index, name=name)
    return pd.DataFrame(columns, index=index, copy=False)
