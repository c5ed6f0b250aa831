"""Command line: `python -m analysis COMMAND`. The only module that sees every layer."""

from __future__ import annotations

import argparse
import importlib
import sys

from analysis.arguments import validate_arguments
from analysis.errors import UserError

COMMANDS = {
    # name: (module with add_arguments(parser) and run(args) -> int, one-line help)
    "demo-data": (
        "analysis.demo.cli",
        "generate the synthetic Ba Vì dataset (exports, roster, meetings, truth)",
    ),
    "clean": (
        "analysis.ingest.cli",
        "raw exports, rosters and meeting files -> validated Parquet + quarantine",
    ),
    "meetings": (
        "analysis.meetings.step_cli",
        "meeting registers and reports -> meetings and per-commune mentions (after clean)",
    ),
    "analyse": (
        "analysis.analyse.cli",
        "indicators, models and risk-adjusted late rates from processed data",
    ),
    "meeting-extract": (
        "analysis.meetings.cli",
        "extract what a meeting report said about each commune",
    ),
    "briefs": (
        "analysis.publish.cli",
        "run the notebooks per commune with papermill and publish HTML briefs",
    ),
    "run": (
        "analysis.pipeline",
        "the whole job: demo data if needed, clean, meetings, analyse, briefs",
    ),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Parser with one sub-command per step; only the selected step's module is imported.

    Importing lazily keeps `clean` from paying for papermill's imports, and keeps one step's
    broken module from breaking the others.
    """
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="CCHC evidence for the communes of huyện Ba Vì (Hà Nội).",
        epilog="Run `python -m analysis COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if name != selected:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        module = importlib.import_module(module_name)
        command = sub.add_parser(
            name,
            help=help_text,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def _selected_command(argv: list[str]) -> str | None:
    """The sub-command named on the command line, if any (the first non-option word)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    """Run one command; expected failures print one line and return 2."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_selected_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        validate_arguments(args.command, args)
        return int(args._module.run(args) or 0)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # a folder or file the system refused: named, never traced
        if error.filename is None:
            raise
        reason = error.strerror or type(error).__name__
        print(f"error: {error.filename}: {reason}", file=sys.stderr)
        return UserError.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
