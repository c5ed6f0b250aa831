"""Command-line arguments checked before any work starts (a bad one: one line, exit 2).

A period is used in file names, so it must be strictly `YYYY`, `YYYY-Qn` or `YYYY-MM`
(`--period ../../2021-10` once wrote outside `--out`); commune codes are checked against the
unit table of the period before any kernel starts; output folders must be writable and must
not lie inside the raw folder (the next run would read them as raw data); the processed
tables a step reads must be whole (a truncated Parquet file or manifest is named, not traced).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from analysis.errors import UserError

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")
PARQUET_MAGIC = b"PAR1"


def add_units_argument(parser: argparse.ArgumentParser) -> None:
    """`--units DIR` of the steps that resolve unit names (demo-data, clean)."""
    parser.add_argument(
        "--units",
        type=Path,
        default=None,
        metavar="DIR",
        help="the district's unit table: a folder with units_2021.csv and optionally "
        "units_2025.csv, crosswalk_2025.csv, aliases.csv (default: huyện Ba Vì's)",
    )


def check_period(period: str | None, option: str = "--period") -> str | None:
    """The period as given when it is `YYYY`, `YYYY-Qn` or `YYYY-MM`; UserError otherwise."""
    if period is None:
        return None
    if not PERIOD_PATTERN.fullmatch(str(period)):
        raise UserError(
            f"{option} {str(period)[:40]!r} is not a period like 2021, 2021-Q4 or 2021-10"
        )
    return str(period)


def period_bounds(period: str) -> tuple[str, str]:
    """First and last day (ISO text) of a checked period."""
    import pandas as pd

    match = PERIOD_PATTERN.fullmatch(period)
    year = int(match["year"])
    if match["quarter"]:
        span = pd.Period(year=year, quarter=int(match["quarter"]), freq="Q")
    elif match["month"]:
        span = pd.Period(year=year, month=int(match["month"]), freq="M")
    else:
        span = pd.Period(year=year, freq="Y")
    return span.start_time.date().isoformat(), span.end_time.date().isoformat()


def check_commune_codes(communes: str, option: str = "--communes") -> str:
    """'all' or comma-separated 4-5 digit codes, zero-padded (not yet checked against units)."""
    text = str(communes).strip()
    if text.lower() == "all":
        return "all"
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise UserError(f"{option} is empty: give 'all' or codes like 09640,09625")
    bad_form = [c for c in codes if not re.fullmatch(r"\d{4,5}", c)]
    if bad_form:
        shown = ", ".join(repr(c[:12]) for c in bad_form[:3])
        raise UserError(f"{option}: {shown} not a 5-digit commune code (like 09640)")
    return ",".join(c.zfill(5) for c in codes)


def check_communes(communes: str, period: str | None, option: str = "--communes") -> str:
    """'all' or codes that name units of huyện Ba Vì during the period (any day of it).

    Without a period only the form and the unit table as a whole are checked (the period is
    then found in the data, later)."""
    checked = check_commune_codes(communes, option)
    if checked == "all":
        return "all"
    codes = checked.split(",")
    from analysis.reference.units import all_units

    units = all_units()
    if period is not None:
        first, last = period_bounds(period)
        valid = (units["valid_from"] <= last) & (
            units["valid_to"].isna() | (units["valid_to"] >= first)
        )
        units = units[valid]
    known = set(units["code"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        during = f" in {period}" if period else ""
        raise UserError(
            f"{option}: {', '.join(unknown[:5])} {'is not a unit' if len(unknown) == 1 else 'are not units'}"
            f" of huyện Ba Vì{during} (see reference/ba_vi_units_2021.csv)"
        )
    return checked


def check_not_inside(folder: Path, raw: Path, option: str) -> None:
    """An output folder inside the raw folder would be read back as raw data on the next run."""
    folder, raw = Path(folder).resolve(), Path(raw).resolve()
    if folder == raw or raw in folder.parents:
        raise UserError(
            f"{option} {folder} is inside the raw folder {raw}: the next run would read its "
            "outputs as raw data; choose a folder outside it"
        )


def check_writable(folder: Path, option: str) -> None:
    """The folder exists and is writable, or can be created below its first existing parent."""
    folder = Path(folder)
    probe = folder.absolute()
    while not probe.exists():
        if probe.is_symlink():  # a dangling link
            raise UserError(f"{option} {folder}: {probe} is a broken symbolic link")
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{option} {folder}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "folder" if probe == folder.absolute() else "parent folder"
        raise UserError(f"{option} {folder}: the {what} {probe} is not writable")


def check_processed(folder: Path, option: str = "--processed") -> None:
    """Every Parquet file and JSON manifest the step reads is whole (footer and JSON intact)."""
    folder = Path(folder)
    if not folder.is_dir():
        return  # the step itself says which command to run first
    import pyarrow.parquet as pq

    for path in sorted(folder.glob("*.parquet")):
        try:
            with open(path, "rb") as handle:
                head = handle.read(4)
                handle.seek(max(0, path.stat().st_size - 4))
                tail = handle.read(4)
            if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
                raise ValueError("no Parquet header or footer")
            pq.read_metadata(path)
        except Exception as error:  # pyarrow raises several types for a damaged file
            kind = "cannot be read" if isinstance(error, PermissionError) else "is not whole"
            raise UserError(
                f"{option}: {path} {kind} (truncated or not Parquet); rerun "
                "`python -m analysis clean` and `analyse`"
            ) from None
    for path in sorted(folder.glob("*manifest*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            where = f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
            raise UserError(
                f"{option}: {path} is not valid JSON{where} (truncated?); rerun "
                "`python -m analysis clean` and `analyse`"
            ) from None


def check_raw(raw: Path, folders: list[Path], refuse_unreadable: bool = True) -> list[Path]:
    """The dossier exports under `raw/dossiers`; refuse files `clean` cannot read there and
    symlinks leading out of the raw folder; say which hidden or lock files were skipped."""
    from analysis.ingest.read import survey_folder

    raw = Path(raw)
    exports = survey_folder(raw / "dossiers", root=raw)
    if exports.unreadable and refuse_unreadable:
        names = ", ".join(p.relative_to(raw).as_posix() for p in exports.unreadable[:5])
        more = f" and {len(exports.unreadable) - 5} more" if len(exports.unreadable) > 5 else ""
        raise UserError(
            f"{raw / 'dossiers'}: cannot read {names}{more} (readable: .xlsx, .xlsm, .xls, "
            ".ods, .csv, .tsv, .txt); convert or move them out of the raw folder"
        )
    skipped = list(exports.skipped)
    for folder in folders:
        inside = (
            Path(folder).resolve() == raw.resolve()
            or raw.resolve() in Path(folder).resolve().parents
        )
        survey = survey_folder(Path(folder), root=raw if inside else Path(folder))
        skipped += survey.skipped
    hidden = [p for p in skipped if p.name.startswith((".", "~$"))]
    if hidden:
        names = ", ".join(p.name for p in hidden[:5]) + (" …" if len(hidden) > 5 else "")
        print(f"note: skipped {len(hidden)} hidden or lock file(s): {names}", file=sys.stderr)
    return exports.readable


def _latest_period(processed: Path) -> str | None:
    """The briefs' default period (the latest complete quarter), or None when not known yet."""
    try:
        from analysis.report.tables import latest_complete_quarter

        return latest_complete_quarter(processed)
    except (UserError, OSError, ValueError, KeyError):
        return None


def validate_arguments(command: str, args) -> None:
    """Check a command's arguments before it starts any work (UserError: one line, exit 2)."""
    if getattr(args, "workers", 1) is not None and getattr(args, "workers", 1) < 1:
        raise UserError(f"--workers {args.workers}: give 1 or more")
    units = getattr(args, "units", None)
    if units is not None and not (Path(units) / "units_2021.csv").is_file():
        raise UserError(f"--units {units}: no units_2021.csv there (the district's unit table)")
    if command in ("clean", "run"):
        given = [
            ("--plausible-dates", getattr(args, "plausible_dates", None)),
            ("$ANALYSIS_PLAUSIBLE_DATES", os.environ.get("ANALYSIS_PLAUSIBLE_DATES")),
        ]
        given = [(option, value) for option, value in given if value]
        if given:  # the parser imports pandas: only when there is something to check
            from analysis.ingest.dates import parse_plausible_window

        for option, value in given:
            try:
                parse_plausible_window(value)
            except ValueError as error:
                raise UserError(f"{option}: {error}") from None
    if command == "clean":
        check_not_inside(args.out, args.raw, "--out")
        check_writable(args.out, "--out")
        if Path(args.raw).is_dir():
            check_raw(Path(args.raw), [Path(args.raw) / "officers"])
    elif command == "meetings":
        check_not_inside(args.out, args.raw, "--out")
        check_writable(args.out, "--out")
    elif command == "run":
        check_not_inside(args.processed, args.raw, "--processed")
        check_not_inside(args.out, args.raw, "--out")
        check_writable(args.processed, "--processed")
        check_writable(args.out, "--out")
        args.period = check_period(args.period)
        # the form only: the unit table needs pandas, the briefs step checks the codes
        args.communes = check_commune_codes(args.communes)
    elif command == "analyse":
        check_processed(Path(args.processed))
        if Path(args.processed).is_dir():
            check_writable(args.processed, "--processed")
    elif command == "briefs":
        args.period = check_period(args.period)
        check_writable(args.out, "--out")
        check_processed(Path(args.processed))
        # the codes' form before any table is read (a refused command starts no Arrow threads)
        args.communes = check_commune_codes(args.communes)
        period = args.period or _latest_period(Path(args.processed))
        args.communes = check_communes(args.communes, period)
