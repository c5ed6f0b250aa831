"""Which bytes and which code made an output: file checksums and the code version.

Every processed table and every brief records both, so a figure forwarded by e-mail can be
traced back to the exact exports and commit that produced it.
"""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in blocks (large exports never sit whole in memory)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()  # one reused buffer


def code_version() -> str:
    """`git describe --always --dirty` of the checkout, else 'analysis <version>' when installed."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=PACKAGE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return f"git {result.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"analysis {metadata.version('analysis')}"
    except metadata.PackageNotFoundError:
        return "unknown"
