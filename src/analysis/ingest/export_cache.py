"""Per-export clean results kept between runs: an unchanged export is not read or cleaned again.

What is kept for one dossier export (`PreparedExport`) is everything `clean` learns from that file
alone: its rows still valid after the per-row rules, its quarantine rows, its counts. Rules that
look across exports (deadlines learned from all exports, duplicates, the "seen in >= 3 communes"
allow-list) always run on the combined rows, so a warm clean writes the same bytes as a cold one.

An entry is keyed by the export's SHA-256, the cleaning code (every file of the `analysis`
package), the pseudonym secret (as a hash) and the cleaning settings: any change there is a miss.
Entries live beside the output folder, in `.<out_dir name>-clean-cache/` (for `data/processed`:
`data/.processed-clean-cache/`, git-ignored), not inside it: the output folder holds only what a
clean publishes. Entries not used by the last clean are removed: one entry per current export. They are pickles written by this code for this code
(a private working file like a Parquet output, never data from elsewhere).

Entries hold pseudonymous rows, scrubbed quarantine rows and procedure names not yet restricted
to the allow-list: less than the raw exports hold, more than the published tables.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.provenance import PACKAGE_DIR, file_sha256


def cache_folder(out_dir: Path) -> Path:
    """Where the per-export results of the clean writing `out_dir` are kept."""
    return out_dir.parent / f".{out_dir.name}-clean-cache"


FORMAT = 1  # bump when PreparedExport changes shape


@dataclass
class SheetResult:
    """One sheet after its per-row rules."""

    rows: pd.DataFrame  # rows no rule failed, parsed (categoricals as read)
    quarantine: list[pd.DataFrame]  # rows a rule failed, malformed csv lines
    # quarantine rows of the open rows without an appointment, reason not yet known: only they
    # can fail a rule of the combination (built now, so no raw cell is kept)
    pending: pd.DataFrame


@dataclass
class PreparedExport:
    """One export after its own rules: what the cross-export steps need, nothing raw beyond it."""

    source: str
    rows_read: int = 0
    rows_skipped: int = 0
    rows_quarantined: int = 0
    sheets: list[SheetResult] = field(default_factory=list)


def code_fingerprint() -> str:
    """SHA-256 over the `analysis` package's files (code, lexicons, reference tables)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_key(secret: bytes, **settings: object) -> str:
    """What besides the file decides its clean result: code, secret (hashed), settings."""
    parts = [f"format={FORMAT}", code_fingerprint(), hashlib.sha256(secret).hexdigest()]
    parts += [f"{k}={settings[k]!r}" for k in sorted(settings)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


class ExportCache:
    """Lookup and storage of `PreparedExport`s under one folder for one settings key."""

    def __init__(self, folder: Path, key: str):
        self.folder, self.key = Path(folder), key
        self.used: set[str] = set()

    def _name(self, size: int, sha256: str | None, source: str) -> str:
        # the name the rows carry (source_file) is part of the key: a renamed export is a miss
        named = hashlib.sha256(f"{self.key}\n{source}".encode()).hexdigest()[:24]
        return f"{size}-{sha256 or '*'}-{named}.pkl"

    def lookup(self, path: Path, source: str) -> tuple[PreparedExport | None, str | None]:
        """(the kept result, the file's SHA-256) — the file is hashed only when an entry of its
        size exists (a new export costs no extra read); (None, None) when nothing can match."""
        size = path.stat().st_size
        if not any(self.folder.glob(self._name(size, None, source))):
            return None, None
        sha256 = file_sha256(path)
        entry = self.folder / self._name(size, sha256, source)
        if not entry.is_file():
            return None, sha256
        try:
            with open(entry, "rb") as handle:
                prepared = pickle.load(handle)  # noqa: S301 - written by `store` below
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None, sha256  # unreadable (killed while written elsewhere): clean again
        self.used.add(entry.name)
        return prepared, sha256

    def store(self, path: Path, sha256: str, prepared: PreparedExport) -> None:
        """Keep one export's result (written to a temporary name, then renamed: never half an entry)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = self._name(path.stat().st_size, sha256, prepared.source)
        temp = self.folder / f"{name}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            pickle.dump(prepared, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, self.folder / name)
        self.used.add(name)

    def prune(self) -> None:
        """Remove entries this run did not use (replaced or removed exports, old code)."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.glob("*.pkl"):
            if entry.name not in self.used:
                entry.unlink(missing_ok=True)
