"""Provenance of every brief: which exports and which code made it, and when (local time).

A reader who forwards a brief by e-mail can still tell which exports and which code made it:
the page shows a short Vietnamese "Nguồn số liệu" note; the full record (every raw file with its
SHA-256, the parameters) goes into the page's metadata (`<meta name="cchc-provenance">`), put
there by the exporter from the notebook's PROVENANCE_MIMETYPE output.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from analysis.provenance import code_version, file_sha256
from analysis.report.narrative import escape_markdown
from analysis.report.settings import load_report_settings, local_now, local_zone

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROVENANCE_MIMETYPE = "application/vnd.cchc.provenance+json"
KIND_LABELS = {
    "dossiers": "tệp hồ sơ xuất từ phần mềm một cửa",
    "officers": "danh sách cán bộ",
    "roster": "danh sách cán bộ",
    "meetings": "báo cáo cuộc họp",
    "meeting_register": "sổ theo dõi cuộc họp",
    "meeting_report": "báo cáo, biên bản cuộc họp",
}


def checksum_files(folder: str | Path, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    """SHA-256 of each named file that exists in `folder`."""
    root = Path(folder)
    return {name: file_sha256(root / name) for name in names if (root / name).exists()}


def is_synthetic(manifest: dict) -> bool:
    """True when `clean` recorded that the raw data came from `demo-data`."""
    return bool(manifest.get("synthetic", False))


def synthetic_banner(whose: str = "") -> str:
    """The one wording of the synthetic-data banner (brief, overview, index): 'whose' names what
    the figures are not the real ones of ('của đơn vị'), nothing on the index."""
    tail = f" {whose}" if whose else ""
    return (
        '<div class="synthetic-banner">DỮ LIỆU MÔ PHỎNG — số liệu do máy sinh ra để thử nghiệm, '
        f"không phải số liệu thật{tail}.</div>"
    )


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


def format_local_time(value: str | None, settings: dict | None = None) -> str:
    """An ISO timestamp as local time, Vietnamese style ('14:05 ngày 29/11/2026'); '' if unreadable."""
    from datetime import datetime

    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(local_zone(settings))
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def build_provenance(
    manifest: dict, parameters: dict, source_files: set[str] | None = None
) -> dict:
    """Everything the note and the metadata show, as plain data (raw checksums from manifest.json)."""
    settings = load_report_settings()
    now = local_now(settings)
    return {
        "raw_files": [
            {"path": f.get("path", "?"), "sha256": f.get("sha256", ""), "kind": f.get("kind", "")}
            for f in select_raw_files(manifest, source_files)
        ],
        "code_version": code_version(),
        "cleaned_with": manifest.get("code_version", "?"),
        "cleaned_at": manifest.get("created_at", ""),
        "synthetic": is_synthetic(manifest),
        "parameters": parameters,
        "timezone": str(local_zone(settings)),
        "generated_at": now.isoformat(timespec="seconds"),
    }


def describe_sources(raw_files: list[dict], max_names: int = 3) -> str:
    """'13 tệp hồ sơ xuất từ phần mềm một cửa (a.csv, b.csv, … ), 1 danh sách cán bộ'."""
    groups: dict[str, list[str]] = {}
    for f in raw_files:
        label = KIND_LABELS.get(str(f.get("kind", "")), "tệp khác")
        groups.setdefault(label, []).append(PurePosixPath(str(f.get("path", "?"))).name)
    parts = []
    for label, names in groups.items():
        shown = ", ".join(escape_markdown(n) for n in names[:max_names])
        more = f" và {len(names) - max_names} tệp khác" if len(names) > max_names else ""
        parts.append(f"{len(names)}\u00a0{label} ({shown}{more})")
    return "; ".join(parts) or "không có tệp nào"


def format_provenance(provenance: dict) -> str:
    """The short Vietnamese 'Nguồn số liệu' note in Markdown (the full record is in the metadata)."""
    cleaned = format_local_time(provenance.get("cleaned_at"))
    generated = format_local_time(provenance["generated_at"])
    return (
        "---\n\n"
        f"**Nguồn số liệu.** {describe_sources(provenance['raw_files'])}"
        + (f"; làm sạch lúc {cleaned}" if cleaned else "")
        + ". Danh sách đầy đủ các tệp, mã kiểm tra (SHA-256) và phiên bản chương trình nằm trong "
        "siêu dữ liệu của trang. "
        f"Thời điểm tạo: {generated} (giờ Việt Nam)."
    )


class ProvenanceNote:
    """Display object: the Markdown note for the page plus the JSON record for its metadata."""

    def __init__(self, provenance: dict):
        self.provenance = provenance

    def _repr_mimebundle_(self, include=None, exclude=None):
        record = {k: v for k, v in self.provenance.items() if k != "generated_at"}
        return {
            "text/markdown": format_provenance(self.provenance),
            PROVENANCE_MIMETYPE: json.dumps(record, ensure_ascii=False, default=str),
        }


def provenance_note(provenance: dict) -> ProvenanceNote:
    """What a notebook displays at its foot: `display(provenance_note(build_provenance(...)))`."""
    return ProvenanceNote(provenance)
