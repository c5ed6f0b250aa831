"""Which allocator Arrow uses while cleaning.

pyarrow's default pool (mimalloc) hands freed pages back to the operating system at once; the
cleaning allocates and frees some gigabytes of short-lived columns, so every new column then
costs fresh pages, which on virtual machines (where the host backs each page on first touch)
cost more than the copies themselves. jemalloc keeps freed pages for reuse a little longer:
on the 1M-row benchmark it cut system time from ~2.5 s to ~1 s and the whole cleaning by
~0.7 s (benchmarks/clean_throughput.py). A pool chosen by the user (ARROW_DEFAULT_MEMORY_POOL)
is left alone, and the previous pool is restored afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def cleaning_memory_pool() -> Iterator[None]:
    """Arrow allocates from jemalloc inside the block, when available and not chosen otherwise."""
    if (
        os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
        or "jemalloc" not in pa.supported_memory_backends()
    ):
        yield
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.jemalloc_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
