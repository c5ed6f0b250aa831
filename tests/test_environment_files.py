"""pyproject.toml, environment.yml and the lock file name the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r): r.replace(" ", "") for r in requirements}


def _conda_requirements() -> dict[str, str]:
    names = {}
    text = (ROOT / "environment.yml").read_text()
    dependencies, pip_section = text.split("dependencies:", 1)[1].split("  - pip:", 1)
    for line in dependencies.splitlines():
        match = re.match(r"^  - (\S.*?)\s*$", line)
        if match and _name(match.group(1)) not in ("pip", "python"):
            names[_name(match.group(1))] = match.group(1).replace(" ", "")
    for line in pip_section.splitlines():  # packages published on PyPI only
        match = re.match(r"^      - ([A-Za-z]\S*?)\s*$", line)
        if match:
            names[_name(match.group(1))] = match.group(1).replace(" ", "")
    return names


def test_environment_yml_names_the_same_packages_with_the_same_ranges():
    assert _conda_requirements() == _pyproject_requirements()


def test_environment_yml_installs_the_project_itself():
    assert "-e .[dev]" in (ROOT / "environment.yml").read_text()


def test_lock_file_pins_every_declared_package_exactly():
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pinned[_name(match.group(1))] = match.group(2)
    missing = set(_pyproject_requirements()) - set(pinned)
    assert not missing, f"not in requirements.lock: {sorted(missing)} (run `make lock`)"
