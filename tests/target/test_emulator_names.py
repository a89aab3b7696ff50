"""Awkward names, composite keys and long strings through the target into the emulator."""

from __future__ import annotations

import typing as t
import uuid

import pytest

from target_azure_sqldw.schema.names import (
    conform_column_names,
    quote_identifier,
    quote_table,
    table_name_for_stream,
)
from tests.target.emulator_runs import query, run_target

WEIRD_STREAM = "we]ird 'stream' \"x\""
WEIRD_COLUMNS = ["id]", "it's", '"q"', "a.b", "Ünïcode ключ", "tenant id"]


def select(config: dict[str, t.Any], stream: str, properties: list[str]) -> list[tuple]:
    columns = conform_column_names(properties)
    table = quote_table(config["default_target_schema"], table_name_for_stream(stream))
    cols = ", ".join(quote_identifier(columns[p]) for p in properties)
    return sorted(query(config, f"SELECT {cols} FROM {table}"))


@pytest.fixture(params=["copy", "polybase"])
def config(request: pytest.FixtureRequest, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        **sqldw_config,
        "bulk_load_method": request.param,
        "storage_prefix": "names",
        "default_target_schema": f"n]_{uuid.uuid4().hex[:8]}",
    }


def test_brackets_quotes_and_unicode_in_names_with_a_composite_key(
    config: dict[str, t.Any],
) -> None:
    schema = {
        "type": "object",
        "properties": {
            name: {"type": "integer"} if name in ("id]", "tenant id") else {"type": "string"}
            for name in WEIRD_COLUMNS
        },
    }
    keys = ["id]", "tenant id"]

    def record(ident: int, tenant: int, text: str) -> dict[str, t.Any]:
        values = {"id]": ident, "tenant id": tenant}
        values.update({n: f"{text}:{n}" for n in WEIRD_COLUMNS if n not in values})
        return {"type": "RECORD", "stream": WEIRD_STREAM, "record": values}

    head = {"type": "SCHEMA", "stream": WEIRD_STREAM, "schema": schema, "key_properties": keys}
    # (1, 2) and (2, 1) are different keys; the last record of (1, 2) wins within the run
    # and across runs.
    run_target(config, [head, record(1, 2, "a"), record(2, 1, "b"), record(1, 2, "c")])
    run_target(config, [head, record(2, 1, "d"), record(3, 3, "e")])
    landed = select(config, WEIRD_STREAM, ["id]", "tenant id", "it's", "Ünïcode ключ"])
    assert landed == [
        (1, 2, "c:it's", "c:Ünïcode ключ"),
        (2, 1, "d:it's", "d:Ünïcode ключ"),
        (3, 3, "e:it's", "e:Ünïcode ключ"),
    ]


@pytest.mark.parametrize("policy", ["error", "truncate", "heap"])
def test_4000_and_4001_characters_under_each_string_overflow_policy(
    config: dict[str, t.Any], policy: str
) -> None:
    stream = "notes"
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "body": {"type": ["string", "null"]}},
    }
    messages = [
        {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": stream, "record": {"id": 1, "body": "é" * 4000}},
        {"type": "RECORD", "stream": stream, "record": {"id": 2, "body": "😀" * 2000 + "x"}},
    ]
    config = {**config, "string_overflow": policy}
    if policy == "error":
        with pytest.raises(ValueError, match="4001 UTF-16 code units"):
            run_target(config, messages)
        found = query(
            config,
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?",
            (config["default_target_schema"],),
        )
        # The table may exist (set-up runs first) but holds nothing.
        if found[0][0]:
            assert select(config, stream, ["id"]) == []
        return
    run_target(config, messages)
    landed = dict(select(config, stream, ["id", "body"]))
    assert landed[1] == "é" * 4000
    if policy == "heap":
        assert landed[2] == "😀" * 2000 + "x"
    else:
        # Truncated to 4000 UTF-16 code units without splitting a surrogate pair, and flagged.
        assert landed[2] == "😀" * 2000
        flags = dict(select(config, stream, ["id", "_sdc_truncated"]))
        assert flags == {1: False, 2: True}
