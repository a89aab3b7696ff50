"""The ``accounts`` stream of the load-method and version runs: its SCHEMA and RECORD messages.

Shared by test_emulator_versions and test_emulator_fabric.
"""

from __future__ import annotations

import typing as t

STREAM = "accounts"
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "plan": {"type": ["string", "null"]}},
}


def schema_message(keys: list[str]) -> dict[str, t.Any]:
    return {"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": keys}


def record(ident: int, plan: str, version: int | None = None, **extra: t.Any) -> dict[str, t.Any]:
    message: dict[str, t.Any] = {
        "type": "RECORD",
        "stream": STREAM,
        "record": {"id": ident, "plan": plan, **extra},
    }
    if version is not None:
        message["version"] = version
    return message
