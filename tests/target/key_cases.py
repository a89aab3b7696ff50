"""Keys a collation would merge, and the messages and query of the exact-keys runs.

Shared by test_emulator_exact_keys and test_emulator_fabric.
"""

from __future__ import annotations

import typing as t

from tests.target.emulator_runs import query

#: Keys a case- or accent-insensitive comparison, or one ignoring trailing spaces, would merge.
KEYS = ["ABC", "abc", "Abc", "e", "é", "É", "x", "x ", "x  "]


def schema(stream: str, keys: list[str]) -> dict[str, t.Any]:
    properties = {"k": {"type": "string"}, "n": {"type": "integer"}, "v": {"type": "string"}}
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": keys,
    }


def record(stream: str, k: str, v: str, n: int = 1, **extra: t.Any) -> dict[str, t.Any]:
    return {"type": "RECORD", "stream": stream, "record": {"k": k, "n": n, "v": v, **extra}}


def landed(config: dict[str, t.Any], stream: str) -> list[tuple[t.Any, ...]]:
    table = f"[{config['default_target_schema']}].[{stream}]"
    # DATALENGTH shows the trailing spaces pyodbc would show anyway; sorted in Python (the
    # emulator's ORDER BY under the database collation is not binary).
    rows = query(config, f"SELECT [k], DATALENGTH([k]), [n], [v] FROM {table}")
    return sorted(rows)
