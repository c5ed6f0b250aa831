"""Personal data never leaves data/raw (Nghị định 13/2023/NĐ-CP).

Personal columns are dropped when a file is read (see `columns.map_columns`, a whitelist).
Officer names become stable pseudonymous ids: a keyed hash (HMAC-SHA256) with a local secret
kept out of git, so ids are stable between runs but cannot be recomputed from a list of names
without the secret. Raw values copied to quarantine are scrubbed of anything that looks like
a phone number, an ID number or an e-mail address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from analysis.paths import LOCAL_DIR
from analysis.text import fold

DEFAULT_SECRET_PATH = LOCAL_DIR / "pseudonym_secret"
OFFICER_PREFIX = "off_"
# CMND 9 digits, CCCD 12 digits, mobiles 0/+84 + 9 digits, Hà Nội landlines 024 + 8 digits,
# e-mail addresses. RE2 syntax (Arrow's regex engine: no look-behind), so a number must stand
# alone, i.e. not be glued to letters, digits or hyphens (a dossier number keeps its digits).
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_NUMBER = r"(^|[^\w-])(?:(?:\+84|0)(?:[\s.]?\d){9,10}|\d{9}(?:\d{3})?)($|[^\w-])"
REDACTED = "[redacted]"


def load_secret(path: Path | str | None = None) -> bytes:
    """The local pseudonymisation key, created (random, 32 bytes) on first use."""
    path = Path(path) if path is not None else DEFAULT_SECRET_PATH
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key + "\n", encoding="ascii")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
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


def scrub_personal_values(values: pd.Series) -> pd.Series:
    """Replace phone-, ID- and e-mail-looking substrings in raw text with '[redacted]'."""
    from analysis.ingest.vector import STRING, as_arrow_strings

    # raw cells repeat (dates, units, procedures): the regexes run once per distinct text
    encoded = pc.dictionary_encode(as_arrow_strings(values))
    text = encoded.dictionary
    if pc.any(pc.match_substring(text, "@")).as_py():  # no '@', no e-mail address
        text = pc.replace_substring_regex(text, _EMAIL, REDACTED)
    for _ in range(2):  # adjacent numbers share a separator: a second pass catches the neighbour
        scrubbed = pc.replace_substring_regex(text, _NUMBER, rf"\1{REDACTED}\2")
        if scrubbed.equals(text):
            break  # nothing replaced: no neighbour left for a second pass either
        text = scrubbed
    scrubbed = pc.take(text, encoded.indices)
    return pd.Series(pd.arrays.ArrowStringArray(scrubbed), index=values.index, dtype=STRING)
