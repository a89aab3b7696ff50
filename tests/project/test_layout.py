"""The repository has the layout DESIGN.md §2 names, and each distribution installs."""

from __future__ import annotations

import importlib.metadata
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("folder", "dist", "package"),
    [
        ("tap-intercom", "tap-intercom", "tap_intercom"),
        ("target-azure-sqldw", "target-azure-sqldw", "target_azure_sqldw"),
        ("devstack", "devstack", "devstack"),
    ],
)
def test_distribution_is_installed_from_its_folder(folder: str, dist: str, package: str) -> None:
    assert (ROOT / folder / "pyproject.toml").is_file()
    assert (ROOT / folder / package / "__init__.py").is_file()
    distribution = importlib.metadata.distribution(dist)
    assert distribution.metadata["Name"] == dist
    module = __import__(package)
    assert pathlib.Path(module.__file__).resolve().is_relative_to(ROOT / folder)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in (ROOT / "README.md").read_text()
