"""The examples in tap_intercom's docstrings are correct."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "tap_intercom.pagination",
        "tap_intercom.windows",
        "tap_intercom.settings",
        "tap_intercom.sliced",
        "tap_intercom.widening",
        "tap_intercom.bookmarks",
        "tap_intercom.cli_input",
        "tap_intercom.timestamps",
        "tap_intercom.reporting_datasets",
        "tap_intercom.streams.reporting",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
