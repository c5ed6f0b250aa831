"""Provenance footer of every brief: input checksums, code version, parameters, generation time.

A reader who forwards a brief by e-mail can still tell which exports and which code made it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from analysis.provenance import code_version, file_sha256
from analysis.report.narrative import escape_markdown

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def checksum_files(folder: str | Path, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """SHA-256 of each named file that exists in `folder`."""
    root = Path(folder)
    return {name: file_sha256(root / name) for name in names if (root / name).exists()}


def is_synthetic(manifest: dict) -> bool:
    """True when `clean` recorded that the raw data came from `demo-data`."""
    return bool(manifest.get("synthetic", False))


def select_raw_files(manifest: dict, source_files: set[str] | None = None) -> list[dict]:
    """Raw files behind a brief: the unit's own dossier exports plus every non-dossier file (rosters, meetings)."""
    files = manifest.get("files", [])
    if source_files is None:
        return list(files)
    return [
        f
        for f in files
        if f.get("path") in source_files or "dossier" not in str(f.get("kind", "dossier"))
    ]


def build_provenance(
    manifest: dict, parameters: dict, source_files: set[str] | None = None
) -> dict:
    """Everything the footer shows, as plain data (raw checksums come from clean's manifest.json)."""
    return {
        "raw_files": [
            {"path": f.get("path", "?"), "sha256": f.get("sha256", "")}
            for f in select_raw_files(manifest, source_files)
        ],
        "code_version": code_version(),
        "cleaned_with": manifest.get("code_version", "?"),
        "parameters": parameters,
        "generated_at": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def format_provenance(provenance: dict, max_raw_files: int = 12) -> str:
    """The footer in Markdown (short checksums: the first 12 hex digits)."""
    params = "; ".join(
        f"{escape_markdown(k)} = {escape_markdown(v)}" for k, v in provenance["parameters"].items()
    )
    raw = provenance["raw_files"]
    raw_text = ", ".join(
        f"{escape_markdown(f['path'])} ({f['sha256'][:12]})" for f in raw[:max_raw_files]
    )
    if len(raw) > max_raw_files:
        raw_text += f" và {len(raw) - max_raw_files} tệp khác"
    return (
        "---\n\n"
        "**Nguồn gốc số liệu.** "
        f"Tệp gốc ({len(raw)}, mã SHA-256 rút gọn): {raw_text or 'không có'}. "
        f"Mã nguồn: {escape_markdown(provenance['code_version'])} (làm sạch bởi {escape_markdown(provenance['cleaned_with'])}). "
        f"Tham số: {params}. "
        f"Thời điểm tạo: {provenance['generated_at']}."
    )
