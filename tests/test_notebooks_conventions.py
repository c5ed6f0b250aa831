"""Notebooks stay thin and literal: a parameters cell of literals, no def, class or bare except."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))


def code_cells(path: Path):
    return [c for c in jupytext.read(path).cells if c.cell_type == "code"]


def test_the_three_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"00_explore.py", "10_district_overview.py", "20_commune_brief.py"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_def_class_or_bare_except(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offenders = [
        f"{type(node).__name__} at line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        or (isinstance(node, ast.ExceptHandler) and node.type is None)
    ]
    assert offenders == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_literal_assignments_only(path):
    cells = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    tree = ast.parse(cells[0].source)
    assert tree.body, "the parameters cell is empty"
    for statement in tree.body:
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        assert all(isinstance(t, ast.Name) for t in statement.targets)
        ast.literal_eval(statement.value)  # raises on anything but a literal


def test_commune_brief_takes_the_code_as_a_string():
    cell = next(
        c
        for c in code_cells(NOTEBOOKS[[p.name for p in NOTEBOOKS].index("20_commune_brief.py")])
        if "parameters" in c.metadata.get("tags", [])
    )
    values = {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(cell.source).body}
    assert set(values) == {"commune_code", "period", "processed_dir"}
    assert isinstance(values["commune_code"], str) and len(values["commune_code"]) == 5


def test_a_def_in_a_notebook_would_be_caught(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("# %%\ndef helper():\n    pass\n", encoding="utf-8")
    tree = ast.parse(bad.read_text(encoding="utf-8"))
    assert any(isinstance(n, ast.FunctionDef) for n in ast.walk(tree))
