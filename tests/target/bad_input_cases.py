"""The bad Singer inputs the target must refuse, each with the one error line it must print.

Shared by test_bad_input_cli (the CLI against the emulator) and test_record_pipelines (the
same cases through every record pipeline); ``LINE`` parses a line of the target's log format.
"""

from __future__ import annotations

import json
import re
import typing as t

LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| (?P<level>[A-Z]+) +\| "
    r"(?P<logger>\S+) +\| (?P<message>.*)"
)


def schema_line(stream: str, properties: dict[str, t.Any], keys: list[str]) -> str:
    schema = {"type": "object", "properties": properties}
    return json.dumps(
        {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": keys}
    )


def record_line(stream: str, record: dict[str, t.Any]) -> str:
    return json.dumps({"type": "RECORD", "stream": stream, "record": record})


STATE = json.dumps({"type": "STATE", "value": {"bookmark": 1}})
USERS = {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}}
NESTED = {
    "id": {"type": "integer"},
    "doc": {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
    },
}


def cases(stream: str) -> dict[str, tuple[list[str], str]]:
    """Each bad input (as lines) and the error line the target must print."""
    users = schema_line(stream, USERS, ["id"])
    good = record_line(stream, {"id": 1, "name": "a"})
    wide = {f"c{i}": {"type": "integer"} for i in range(1018)}
    return {
        "malformed-json": (
            [users, good, STATE, '{"type": "RECORD", "stream": "x", "record": {"id": 2}, "x":'],
            "input line 4 is not valid JSON: Expecting value at character 60",
        ),
        "schema-violation": (
            [users, good, STATE, record_line(stream, {"id": "two", "name": "b"})],
            f"stream {stream!r}, record 2, field 'id': must be integer",
        ),
        "nested-schema-violation": (
            [
                schema_line(stream, NESTED, ["id"]),
                record_line(stream, {"id": 1, "doc": {"tags": ["a"]}}),
                STATE,
                record_line(stream, {"id": 2, "doc": {"tags": ["a", 3]}}),
            ],
            f"stream {stream!r}, record 2, field 'doc.tags[1]': must be string",
        ),
        "key-not-in-schema": (
            [schema_line(stream, {"name": {"type": "string"}}, ["id"])],
            f"stream {stream!r}: key property 'id' is not a property of its schema",
        ),
        "too-many-columns": (
            [schema_line(stream, wide, [])],
            f"stream {stream!r} needs 1025 columns (its properties and the target's _sdc_* "
            "columns); a table holds at most 1024",
        ),
        "message-without-type": (
            [users, good, STATE, json.dumps({"stream": stream, "schema": {"properties": {}}})],
            'input line 4 is a message without "type"',
        ),
        "schema-without-properties": (
            [json.dumps({"type": "SCHEMA", "stream": stream, "schema": {"type": "object"}})],
            'input line 1 has a schema without "properties"',
        ),
        "record-before-schema": (
            [record_line(stream, {"id": 1})],
            f"input line 1: A record for stream {stream!r} was encountered before a "
            "corresponding schema. Check that the Tap correctly implements the Singer spec.",
        ),
    }
