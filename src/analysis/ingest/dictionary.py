"""The generated parts of docs/data_dictionary.md, so the dictionary follows the code.

Column tables come from `contract` (the declared tables), the quarantine reasons from
`rules`' rule lists (in the order rules are tried) and the manifest keys from `manifest`'s
declarations. `python -m analysis.ingest.dictionary` rewrites them; `tests/test_ingest_dictionary.py`
checks that the file holds exactly the generated text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.ingest import contract, rules
from analysis.ingest.manifest import CLEAN_MANIFEST, FILE_ENTRY, MEETINGS_MANIFEST, Key
from analysis.ingest.rows import MALFORMED_REASON

# wording of the reasons that depend on the row (their `Rule.reason` is a function), per list
ROW_DEPENDENT_REASONS = {
    "unknown_unit": "unknown unit: <why> (outside the district, the district itself, ambiguous, "
    "empty)",
    "ROSTER_RULES.unknown_unit": "why the unit is unknown (outside the district, the district "
    "itself, ambiguous), else `unknown unit`",
    "date_outside_window": "received date outside the plausible window FROM..TO (likewise due, "
    "completed, returned: years such as 1951 or 2099; the window is a setting, default "
    "2000-01-01..2035-12-31, changed with `clean --plausible-dates FROM..TO` or "
    "`$ANALYSIS_PLAUSIBLE_DATES`); received date after the export's end date DD/MM/YYYY (đến ngày)",
}
# checked once every export is read (analysis.ingest.clean.clean_dossiers), then per csv line
LATER_REASONS = (
    ("all exports", rules.NO_DEADLINE),
    ("all exports", rules.COMPUTED_DUE_BEFORE_RECEIVED + " (a computed appointment)"),
    ("csv", MALFORMED_REASON + " (no raw values kept)"),
)


def marker(name: str) -> tuple[str, str]:
    return f"<!-- generated: {name} -->\n", f"<!-- end generated: {name} -->\n"


def render_reasons(rule_list: str = "DOSSIER_RULES", later=LATER_REASONS) -> str:
    """A table's reasons in the order its rules are tried (a row gets the first one it fails)."""
    lines = ["| order | rule | reason |", "|---|---|---|"]
    for n, rule in enumerate(getattr(rules, rule_list), 1):
        own = f"{rule_list}.{rule.name}"  # a wording for this list only, else the shared one
        if isinstance(rule.reason, str):
            reason = rule.reason
        elif own in ROW_DEPENDENT_REASONS or rule.name in ROW_DEPENDENT_REASONS:
            reason = ROW_DEPENDENT_REASONS.get(own, ROW_DEPENDENT_REASONS.get(rule.name))
        else:
            raise KeyError(f"rule {rule.name}: word its reason in ROW_DEPENDENT_REASONS")
        lines.append(f"| {n} | `{rule.name}` | {reason} |")
    lines += [f"| then | {where} | {reason} |" for where, reason in later]
    return "\n".join(lines) + "\n"


def render_keys(keys: tuple[Key, ...]) -> str:
    lines = ["| key | type | meaning |", "|---|---|---|"]
    lines += [f"| `{k.name}` | {k.type} | {k.meaning} |" for k in keys]
    return "\n".join(lines) + "\n"


GENERATED = {
    "quarantine reasons": render_reasons,
    "roster quarantine reasons": lambda: render_reasons("ROSTER_RULES", ()),
    "register quarantine reasons": lambda: render_reasons("REGISTER_RULES", ()),
    "manifest.json keys": lambda: render_keys(CLEAN_MANIFEST),
    "manifest files entry": lambda: render_keys(FILE_ENTRY),
    "meetings_manifest.json keys": lambda: render_keys(MEETINGS_MANIFEST),
}


def documented_block(text: str, name: str) -> str:
    """What the dictionary holds between a block's markers."""
    begin, end = marker(name)
    return text.split(begin, 1)[1].split(end, 1)[0]


def generate(text: str) -> str:
    """The dictionary's text with every generated part rendered afresh."""
    for table in contract.TABLES.values():
        text = text.replace(contract.documented_table(text, table.file), contract.render(table), 1)
    for name, render in GENERATED.items():
        begin, end = marker(name)
        text = text.replace(begin + documented_block(text, name) + end, begin + render() + end, 1)
    return text


def write_dictionary(path: Path = contract.DICTIONARY) -> bool:
    """Rewrite the generated parts of the dictionary; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = generate(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("rewritten" if write_dictionary() else "up to date", contract.DICTIONARY)
    sys.exit(0)
