"""An unparsable date, time or date-time ends the run with one line naming stream, record, field.

singer-sdk raises a bare ValueError for a date-time it cannot parse and a TypeError traceback
for a value that is not text (with ``validate_records`` off nothing stops it earlier). The target
reports both as one line, exits 1 and writes no STATE, on its own record path and on
singer-sdk's (taken by streams with a stream map).
"""

from __future__ import annotations

import pathlib
import subprocess
import typing as t
import uuid

import pytest

from tests.target.emulator_runs import run_cli

#: A valid value of each format, sent before the bad one.
GOOD = {"date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "12:30:00"}


def run_target(
    config: dict[str, t.Any],
    stream: str,
    fmt: str,
    values: list[t.Any],
    tmp_path: pathlib.Path,
) -> subprocess.CompletedProcess[str]:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "at": {"type": ["string", "null"], "format": fmt},
        },
    }
    lines = [{"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]}]
    lines += [
        {"type": "RECORD", "stream": stream, "record": {"id": str(n), "at": value}}
        for n, value in enumerate(values)
    ]
    lines.append({"type": "STATE", "value": {"done": True}})
    return run_cli(config, lines, tmp_path)


@pytest.mark.parametrize("mapped", [False, True], ids=["target-path", "singer-sdk-path"])
@pytest.mark.parametrize(
    ("fmt", "bad", "shown"),
    [
        ("date-time", "2024-13-01T00:00:00Z", "2024-13-01T00:00:00Z"),
        ("date-time", 5, "5"),
        ("date", "2024-02-30", "2024-02-30"),
        ("date", True, "True"),
        ("time", 5, "5"),
    ],
)
def test_an_unparsable_date_is_one_line_and_no_state(
    sqldw_config: dict[str, t.Any],
    tmp_path: pathlib.Path,
    mapped: bool,
    fmt: str,
    bad: t.Any,
    shown: str,
) -> None:
    stream = f"dates_{uuid.uuid4().hex[:6]}"
    config = {
        **sqldw_config,
        "storage_prefix": "e2e-dates",
        "validate_records": False,
        "add_record_metadata": False,
    }
    if mapped:
        config["stream_maps"] = {stream: {"copy_of_id": "id"}}
    result = run_target(config, stream, fmt, [GOOD[fmt], bad], tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        f"stream {stream!r}, record 2: Could not parse value '{shown}' for field 'at'."
    )
