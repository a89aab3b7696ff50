"""Bad input through the CLI: one line on stderr naming stream, record and field, exit 1, no STATE.

Each case runs the target's command against the emulator twice: with ``LOGLEVEL=ERROR``,
where the whole stderr must be that one line, and with the default log level, where every
other line must be an INFO line (progress, metrics) and no traceback may appear.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import typing as t
import uuid

import pytest

from tests.target.emulator_runs import message_text, write_config

if t.TYPE_CHECKING:
    import pathlib

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


CASES = list(cases("s"))


@pytest.mark.parametrize("log_level", ["ERROR", None], ids=["errors-only", "default-log"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_ends_with_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, case: str, log_level: str | None
) -> None:
    stream = f"bad_{uuid.uuid4().hex[:6]}"
    lines, expected = cases(stream)[case]
    config = {**sqldw_config, "storage_prefix": f"bad-{stream}"}
    env = {key: value for key, value in os.environ.items() if key != "LOGLEVEL"}
    if log_level:
        env["LOGLEVEL"] = log_level
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "target_azure_sqldw",
            "--config",
            str(write_config(config, tmp_path)),
        ],
        input=message_text(lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-3000:]
    others = [(m["logger"], m["message"]) for m in parsed if m is not None and m["level"] != "INFO"]
    assert others == [("target-azure-sqldw", expected)], result.stderr[-3000:]
    if log_level:
        assert len(parsed) == 1
