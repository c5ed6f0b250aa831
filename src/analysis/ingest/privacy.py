"""Officer pseudonyms: personal data never leaves data/raw (Nghị định 13/2023/NĐ-CP).

Personal columns are dropped when a file is read (see `columns.map_columns`, a whitelist).
Officer names become stable pseudonymous ids: a keyed hash (HMAC-SHA256) with a local secret
kept out of git, so ids are stable between runs but cannot be recomputed from a list of names
without the secret. Personal data typed into kept columns (and raw values copied to the
quarantine) are masked by the one privacy module, `analysis.privacy`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

import pandas as pd

from analysis.outputs import write_atomic
from analysis.paths import LOCAL_DIR
from analysis.text import fold

DEFAULT_SECRET_PATH = LOCAL_DIR / "pseudonym_secret"
OFFICER_PREFIX = "off_"


def load_secret(path: Path | str | None = None) -> bytes:
    """The local pseudonymisation key, created (random, 32 bytes) on first use."""
    path = Path(path) if path is not None else DEFAULT_SECRET_PATH
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    write_atomic(key + "\n", path, mode=0o600)
    return key.encode("ascii")


def pseudonymize_name(name: object, secret: bytes) -> str | None:
    """`off_` + 10 hex of HMAC-SHA256(secret, folded name); None for an empty name."""
    key = fold(name)
    if not key:
        return None
    digest = hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()
    return OFFICER_PREFIX + digest[:10]


def pseudonymize_officers(names: pd.Series, secret: bytes) -> pd.Series:
    """Officer ids for a column of names, hashing each distinct name once."""
    from analysis.ingest.vector import STRING, map_distinct

    return map_distinct(names, lambda n: pseudonymize_name(n, secret), STRING)
