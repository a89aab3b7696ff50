"""Texts of every character width, and the ``id, title, body, source`` stream that loads them.

Shared by test_emulator_long_text and test_emulator_fabric.
"""

from __future__ import annotations

import json
import typing as t

from target_azure_sqldw.schema.names import quote_table
from tests.target.emulator_runs import query, run_target

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": ["string", "null"], "maxLength": 200},
        "body": {"type": ["string", "null"]},
        "source": {"type": ["object", "null"]},
    },
}
#: Characters of every width: 1, 2 and 3 UTF-8 bytes, and a pair of UTF-16 code units.
MIXED = "aé中😀|\\\n\"'"


def text_of(length: int, seed: str) -> str:
    """A text of exactly ``length`` characters mixing every width, starting with ``seed``."""
    body = seed + MIXED * (length // len(MIXED) + 1)
    return body[:length]


def run(config: dict[str, t.Any], stream: str, records: list[dict]) -> str:
    lines = [{"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]}]
    lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    lines.append({"type": "STATE", "value": {"done": stream}})
    run_target(config, lines)
    return stream


def rows(config: dict[str, t.Any], stream: str) -> dict[int, tuple[t.Any, ...]]:
    found = query(
        config, f"SELECT id, title, body, source FROM {quote_table('dbo', stream)} ORDER BY id"
    )
    return {
        row[0]: (row[1], row[2], None if row[3] is None else json.loads(row[3])) for row in found
    }
