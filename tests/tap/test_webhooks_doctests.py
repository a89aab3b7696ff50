"""The examples in the webhook modules' docstrings are correct."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "tap_intercom.webhooks.signature",
        "tap_intercom.webhooks.topics",
        "tap_intercom.webhooks.ordering",
        "devstack.intercom_sandbox.webhooks",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
