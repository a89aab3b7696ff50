"""Keys compare exactly, whatever the database collation: case, accents, trailing spaces.

The emulator's database collation is the pool's usual ``SQL_Latin1_General_CP1_CI_AS``
(case-insensitive), so a merge comparing keys under it keeps one row of ``'ABC'`` and ``'abc'``.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest

from tests.target.emulator_runs import run_target
from tests.target.key_cases import KEYS, landed, record, schema


@pytest.fixture(params=["copy", "polybase"])
def config(request: pytest.FixtureRequest, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        **sqldw_config,
        "bulk_load_method": request.param,
        "storage_prefix": "exact-keys",
        "default_target_schema": f"k_{uuid.uuid4().hex[:8]}",
        "add_record_metadata": True,
    }


def test_keys_differing_in_case_accents_and_trailing_spaces_stay_apart(
    config: dict[str, t.Any],
) -> None:
    stream = "accounts"
    # In one batch (dedupe) and across runs (delete + insert): each key keeps its last value.
    first = [record(stream, k, f"first {i}") for i, k in enumerate(KEYS)]
    run_target(config, [schema(stream, ["k"]), *first, record(stream, "abc", "again")])
    run_target(config, [schema(stream, ["k"]), record(stream, "É", "second")])
    expected = {k: f"first {i}" for i, k in enumerate(KEYS)}
    expected["abc"] = "again"
    expected["É"] = "second"
    assert landed(config, stream) == sorted((k, 2 * len(k), 1, v) for k, v in expected.items())


def test_composite_keys_compare_exactly_in_each_part(config: dict[str, t.Any]) -> None:
    stream = "members"
    head = schema(stream, ["k", "n"])
    run_target(config, [head, *(record(stream, k, "first", n=7) for k in ("a", "A", "a "))])
    run_target(config, [head, record(stream, "A", "second", n=7), record(stream, "A", "x", n=8)])
    assert landed(config, stream) == [
        ("A", 2, 7, "second"),
        ("A", 2, 8, "x"),
        ("a", 2, 7, "first"),
        ("a ", 4, 7, "first"),
    ]


def test_hard_delete_removes_only_the_exact_key(config: dict[str, t.Any]) -> None:
    stream = "contacts"
    config = {**config, "hard_delete": True}
    run_target(config, [schema(stream, ["k"]), *(record(stream, k, "kept") for k in KEYS)])
    gone = record(stream, "abc", "gone", _sdc_deleted_at="2026-01-02T03:04:05Z")
    run_target(config, [schema(stream, ["k"]), gone, record(stream, "x ", "new")])
    expected = {k: "kept" for k in KEYS if k != "abc"}
    expected["x "] = "new"
    assert landed(config, stream) == sorted((k, 2 * len(k), 1, v) for k, v in expected.items())


def test_activate_version_keeps_every_exact_key_of_the_new_version(
    config: dict[str, t.Any],
) -> None:
    stream = "tags"

    def activate(version: int) -> dict[str, t.Any]:
        return {"type": "ACTIVATE_VERSION", "stream": stream, "version": version}

    def versioned(k: str, v: str, version: int) -> dict[str, t.Any]:
        return {**record(stream, k, v), "version": version}

    config = {**config, "hard_delete": True}
    run_target(
        config,
        [schema(stream, ["k"]), activate(1), *(versioned(k, "v1", 1) for k in KEYS), activate(1)],
    )
    second = ["ABC", "é", "x "]
    run_target(
        config,
        [schema(stream, ["k"]), activate(2), *(versioned(k, "v2", 2) for k in second), activate(2)],
    )
    assert landed(config, stream) == sorted((k, 2 * len(k), 1, "v2") for k in second)
