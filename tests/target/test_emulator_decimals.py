"""Decimals to 38 digits, exact: the edges of ``decimal(38,s)`` both ways, through the CLI.

A ``multipleOf`` of ``1e-s`` maps to ``decimal(38,s)``. The largest value of each scale loads
digit for digit; one digit more, before or after the point, ends the run with one line.
"""

from __future__ import annotations

import decimal
import json
import typing as t
import uuid

import pytest

from tests.target.emulator_runs import query, run_cli

if t.TYPE_CHECKING:
    import pathlib

SCALES = (0, 2, 9, 18, 30, 38)
STREAM = "amounts"


def largest(scale: int) -> str:
    """The largest value of ``decimal(38,scale)``, as JSON number text."""
    whole = "9" * (38 - scale) or "0"
    return whole + ("." + "9" * scale if scale else "")


@pytest.fixture(params=["copy", "polybase"])
def config(request: pytest.FixtureRequest, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        **sqldw_config,
        "bulk_load_method": request.param,
        "storage_prefix": "decimals",
        "default_target_schema": f"d_{uuid.uuid4().hex[:8]}",
    }


def lines(records: list[str]) -> str:
    """SCHEMA and RECORD lines; records are JSON texts, so numbers keep every digit."""
    properties: dict[str, t.Any] = {"id": {"type": "integer"}}
    for scale in SCALES:
        # The multipleOf text has up to 38 digits after the point: 1e-30 is 0.00...01.
        properties[f"d{scale}"] = {"type": ["number", "null"], "multipleOf": f"@{scale}@"}
    schema = json.dumps(
        {
            "type": "SCHEMA",
            "stream": STREAM,
            "schema": {"type": "object", "properties": properties},
            "key_properties": ["id"],
        }
    )
    for scale in SCALES:
        schema = schema.replace(f'"@{scale}@"', format(decimal.Decimal(1).scaleb(-scale), "f"))
    body = "".join(
        f'{{"type": "RECORD", "stream": "{STREAM}", "record": {record}}}\n' for record in records
    )
    return schema + "\n" + body


def test_the_largest_value_of_each_scale_loads_digit_for_digit(
    config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    top = ", ".join(f'"d{s}": {largest(s)}' for s in SCALES)
    bottom = ", ".join(f'"d{s}": -{largest(s)}' for s in SCALES)
    # 38 significant digits with a 30-digit multipleOf: beyond Python's default 28 digits.
    mixed = '"d30": 12345678.123456789012345678901234567890, "d9": 0.000000001'
    records = [f'{{"id": 1, {top}}}', f'{{"id": 2, {bottom}}}', f'{{"id": 3, {mixed}}}']
    result = run_cli(config, lines(records), tmp_path)
    assert result.returncode == 0, result.stderr
    columns = ", ".join(f"[d{s}]" for s in SCALES)
    table = f"[{config['default_target_schema']}].[{STREAM}]"
    landed = sorted(query(config, f"SELECT [id], {columns} FROM {table}"))
    none = [None] * len(SCALES)
    assert [row[0] for row in landed] == [1, 2, 3]
    assert list(landed[0][1:]) == [decimal.Decimal(largest(s)) for s in SCALES]
    assert list(landed[1][1:]) == [decimal.Decimal("-" + largest(s)) for s in SCALES]
    third = dict(zip(SCALES, landed[2][1:], strict=True))
    assert third[30] == decimal.Decimal("12345678.123456789012345678901234567890")
    assert third[9] == decimal.Decimal("0.000000001")
    assert [third[s] for s in SCALES if s not in (9, 30)] == none[:4]


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if "| ERROR" in line]


@pytest.mark.parametrize("scale", SCALES)
def test_one_more_whole_digit_ends_the_run_with_one_line(
    config: dict[str, t.Any], tmp_path: pathlib.Path, scale: int
) -> None:
    value = "1" + "0" * (38 - scale)
    result = run_cli(config, lines([f'{{"id": 1, "d{scale}": {value}}}']), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    # decimal(38,0) holds whole numbers, whose encoder speaks of a range.
    reason = "is outside the range of" if scale == 0 else "is too large for"
    assert errors[0].endswith(
        f"stream '{STREAM}', column 'd{scale}', record 1 (id=1): "
        f"value {value} {reason} decimal(38,{scale})"
    ), errors[0]


@pytest.mark.parametrize("scale", [0, 9, 30])
def test_one_more_fraction_digit_is_refused_by_the_schema_check(
    config: dict[str, t.Any], tmp_path: pathlib.Path, scale: int
) -> None:
    value = format(decimal.Decimal(1).scaleb(-scale - 1), "f")
    result = run_cli(config, lines([f'{{"id": 1, "d{scale}": {value}}}']), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    # The schema check refuses it, in exact arithmetic: no DivisionImpossible at 30 digits.
    # (The one-line form of schema violations is the record-error work's, not checked here.)
    assert "DivisionImpossible" not in result.stderr
    assert f"multiple of {decimal.Decimal(1).scaleb(-scale)}" in result.stderr
