"""Reading meeting reports: plain text in any common Vietnamese encoding, or Word .docx."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from analysis.errors import UserError

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
# Vietnamese text files come as UTF-8 (with or without BOM), UTF-16 (Windows "Unicode")
# or Windows-1258 (legacy, with combining tone marks); NFC unifies the last with the others.
FALLBACK_ENCODINGS = ("utf-8", "cp1258")


def decode_report_bytes(data: bytes) -> str:
    """Decode bytes by BOM, then UTF-16 by its zero bytes, then UTF-8, then Windows-1258."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be")
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_docx_text(path: Path) -> str:
    """Paragraphs and table cells of a .docx, one per line, in document order."""
    import docx  # python-docx; imported here so text-only use does not need it

    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises several types for a damaged package
        raise UserError(f"{path}: not a readable .docx ({error.__class__.__name__})") from error
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def read_report_text(path: str | Path) -> str:
    """The NFC text of a report file; UserError for a missing file or an unknown format."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such meeting report")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        text = read_docx_text(path)
    elif suffix in TEXT_SUFFIXES:
        try:
            text = decode_report_bytes(path.read_bytes())
        except UnicodeDecodeError as error:  # UTF-16 by its zero bytes or BOM, yet not whole
            raise UserError(
                f"{path}: not valid {error.encoding.upper()} text at byte {error.start:,} "
                "(a truncated file, or not a text report?)"
            ) from None
    else:
        raise UserError(f"{path}: meeting reports must be .txt or .docx, not '{suffix}'")
    return unicodedata.normalize("NFC", text)
