"""The generator measures its covariates with its own code, and that code agrees with the analysis'."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.analyse.staffing import compute_staffing_by_month
from analysis.demo.desk import count_desk_officer_days

DEMO = Path(__file__).resolve().parents[1] / "src" / "analysis" / "demo"


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, by absolute name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


class TestNoAnalysisCodeInTheGenerator:
    @pytest.mark.parametrize("path", sorted(DEMO.glob("*.py")), ids=lambda p: p.name)
    def test_demo_module_imports_nothing_from_analysis_analyse(self, path):
        found = {m for m in imported_modules(path) if m.startswith("analysis.analyse")}
        assert not found, f"{path.name} imports {found}"

    def test_the_check_sees_a_real_import(self, tmp_path):
        source = tmp_path / "x.py"
        source.write_text("from analysis.analyse.staffing import compute_staffing_by_month\n")
        assert "analysis.analyse.staffing" in imported_modules(source)


@pytest.fixture()
def roster() -> pd.DataFrame:
    """Two communes: a rotation with a gap, a concurrent officer, an officer still there."""
    return pd.DataFrame(
        {
            "commune_code": ["09619", "09619", "09619", "09622", "09622"],
            "officer_id": ["a", "b", "c", "d", "e"],
            "is_concurrent": [False, True, True, False, True],
            "start_date": pd.to_datetime(
                ["2020-06-01", "2021-01-01", "2021-03-15", "2021-01-01", "2021-02-10"]
            ),
            "end_date": pd.to_datetime(["2021-02-26", None, None, "2021-04-30", None]),
        }
    )


class TestTwoCountsAgree:
    """The generator's count and the analysis' count: written apart, equal on the same roster."""

    COLUMNS = ["officer_days", "concurrent_share", "vacancy_officer_days", "rotations"]

    def test_officer_days_concurrent_share_vacancy_and_rotations_match(self, roster):
        communes = ["09619", "09622", "09625"]
        ours = count_desk_officer_days(roster, "2021-01-01", "2021-06-30", communes)
        theirs = compute_staffing_by_month(roster, "2021-01-01", "2021-06-30", communes)
        merged = ours.merge(theirs, on=["commune_code", "month"], suffixes=("", "_analysis"))
        assert len(merged) == 3 * 6
        for column in self.COLUMNS:
            np.testing.assert_allclose(
                merged[column].astype(float), merged[f"{column}_analysis"].astype(float)
            )

    def test_a_commune_with_nobody_has_no_concurrent_share(self, roster):
        ours = count_desk_officer_days(roster, "2021-01-01", "2021-01-31", ["09625"])
        assert ours["officer_days"].iloc[0] == 0 and np.isnan(ours["concurrent_share"].iloc[0])

    def test_a_rotation_is_counted_in_the_month_it_ends(self, roster):
        ours = count_desk_officer_days(roster, "2021-01-01", "2021-06-30", ["09619"])
        assert ours.set_index(ours["month"].dt.month)["rotations"].to_dict()[2] == 1


def test_the_generated_covariates_equal_the_analysis_count_of_the_generated_roster():
    from analysis.demo import params
    from analysis.demo.generate import build_dataset

    data = build_dataset(params.DEFAULT_SEED, params.DEFAULT_START, params.DEFAULT_END, 0.02)
    roster, covariates = data["roster"], data["covariates"]
    communes = sorted(covariates["commune_code"].unique())
    theirs = compute_staffing_by_month(
        roster, params.DEFAULT_START, params.DEFAULT_END, communes, params.SATURDAY_COUNTS
    )
    merged = covariates.merge(theirs, on=["commune_code", "month"], suffixes=("", "_analysis"))
    assert len(merged) == len(covariates) == len(theirs)
    for column in ("officer_days", "concurrent_share", "vacancy_officer_days", "rotations"):
        np.testing.assert_allclose(
            merged[column].astype(float), merged[f"{column}_analysis"].astype(float)
        )
