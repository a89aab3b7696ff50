"""Shared test configuration: folder-based markers and the devstack fixtures."""

from __future__ import annotations

import pathlib

import pytest

TESTS_DIR = pathlib.Path(__file__).parent
FOLDER_MARKERS = ("tap", "target", "devstack", "pipeline", "project")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the name of its top-level folder (tests/tap -> ``-m tap``)."""
    for item in items:
        relative = pathlib.Path(str(item.path)).relative_to(TESTS_DIR)
        if relative.parts and relative.parts[0] in FOLDER_MARKERS:
            item.add_marker(relative.parts[0])
