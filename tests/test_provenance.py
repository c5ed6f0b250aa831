"""Checksums and code version recorded with every output."""

import hashlib

from analysis.provenance import code_version, file_sha256


def test_checksum_matches_hashlib_across_block_boundaries(tmp_path):
    data = bytes(range(256)) * 40_000 + b"tail"  # 10 MB, many read buffers, an odd end
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty.csv").write_bytes(b"")
    assert file_sha256(tmp_path / "empty.csv") == hashlib.sha256(b"").hexdigest()


def test_code_version_names_git_or_the_package():
    version = code_version()
    assert version.startswith(("git ", "analysis ")) or version == "unknown"
    assert version != "unknown"  # the tests run from a checkout or an installed package
