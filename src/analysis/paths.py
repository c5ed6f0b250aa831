"""Where things live. Every command takes overrides; these are the defaults."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The repository root: $ANALYSIS_ROOT, else the folder holding pyproject.toml above the cwd."""
    env = os.environ.get("ANALYSIS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").exists() and (candidate / "src" / "analysis").exists():
            return candidate
    source_root = PACKAGE_DIR.parent.parent
    if (source_root / "pyproject.toml").exists():
        return source_root
    return here


ROOT = project_root()
RAW_DIR = ROOT / "data" / "raw"
PROCESSED_DIR = ROOT / "data" / "processed"
REPORTS_DIR = ROOT / "reports"
NOTEBOOKS_DIR = ROOT / "notebooks"
LOCAL_DIR = ROOT / ".local"  # secrets and caches that never enter git
