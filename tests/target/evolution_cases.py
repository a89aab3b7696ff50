"""The ``ledger`` stream whose ``n`` changes type, run through the target, and its columns.

Shared by test_emulator_evolution and test_emulator_fabric.
"""

from __future__ import annotations

import typing as t

from tests.target.emulator_runs import column_types, query, run_target

STREAM = "ledger"


def run(
    config: dict[str, t.Any], n: dict[str, t.Any], records: list[dict[str, t.Any]], key: str = "id"
) -> None:
    properties = {"id": {"type": "integer"}, "code": {"type": "string", "maxLength": 10}, "n": n}
    head = {
        "type": "SCHEMA",
        "stream": STREAM,
        "schema": {"type": "object", "properties": properties},
        "key_properties": [key],
    }
    run_target(
        config, [head, *({"type": "RECORD", "stream": STREAM, "record": r} for r in records)]
    )


def columns(config: dict[str, t.Any]) -> dict[str, str]:
    return column_types(config, STREAM)


def landed(config: dict[str, t.Any], names: str) -> list[tuple[t.Any, ...]]:
    table = f"[{config['default_target_schema']}].[{STREAM}]"
    return sorted(query(config, f"SELECT {names} FROM {table}"))


INTEGER = {"type": ["integer", "null"]}
CENTS = {"type": ["number", "null"], "multipleOf": 0.01}
