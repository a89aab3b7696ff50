"""Every type, edge values and awkward text, in the keyed ``contacts`` stream, loaded and checked.

Shared by test_emulator_load and test_emulator_fabric.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import typing as t
import uuid

import pytest
import simplejson

from target_azure_sqldw.schema.names import quote_identifier, quote_table
from tests.target.emulator_runs import query, run_target, staged_blobs

D = decimal.Decimal
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ten]ant": {"type": "integer"},
        "the ]name": {"type": ["string", "null"]},
        "amount": {"type": ["number", "null"], "multipleOf": 0.000001},
        "big": {"type": ["integer", "null"]},
        "ratio": {"type": ["number", "null"]},
        "flag": {"type": ["boolean", "null"]},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "day": {"type": ["string", "null"], "format": "date"},
        "doc": {"type": ["object", "null"]},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}
NASTY = "é😀中\x00\n\r\"'|\\,\\n end"


def messages(stream: str, records: list[dict], state: int) -> str:
    out = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": stream,
                "schema": SCHEMA,
                "key_properties": ["id", "ten]ant"],
            }
        )
    ]
    out += [
        simplejson.dumps({"type": "RECORD", "stream": stream, "record": r}, use_decimal=True)
        for r in records
    ]
    out.append(json.dumps({"type": "STATE", "value": {"run": state}}))
    return "\n".join(out) + "\n"


def read_table(config: dict[str, t.Any], table: str) -> list[tuple]:
    cols = ", ".join(quote_identifier(c) for c in SCHEMA["properties"])
    return sorted(
        query(config, f"SELECT {cols} FROM {quote_table('dbo', table)}"),
        key=lambda r: (r[0], r[1]),
    )


def no_table(config: dict[str, t.Any], table: str) -> bool:
    """No ``dbo.<table>``: a table is created by its first batch, so a failed run leaves none."""
    found = query(
        config,
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'dbo' "
        "AND TABLE_NAME = ?",
        (table,),
    )
    return found == [(0,)]


def record(i: int, tenant: int, name: str | None, **extra: t.Any) -> dict:
    return {"id": i, "ten]ant": tenant, "the ]name": name, **extra}


def every_type(i: int, tenant: int) -> dict:
    """A record with a value in every column, edge values and awkward text included."""
    return record(
        i,
        tenant,
        NASTY,
        amount=D("-1234567890123456789012.123456"),
        big=2**63 - 1,
        ratio=D("0.1"),
        flag=True,
        at="2024-03-10T09:30:15.123456+02:00",
        day="0001-01-01",
        doc={"n": D("1.10"), "s": NASTY, "l": [1, None, {}]},
        tags=["a", "b"],
    )


def load_and_check(config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]) -> str:
    """Two runs of every type, edge values and awkward text; the table's name."""
    stream = f"contacts_{uuid.uuid4().hex[:6]}"
    first = [
        every_type(1, 2),
        record(
            2, 1, "", flag=False, big=-(2**63), ratio=D("1E+22"), at="9999-12-31T23:59:59.999999Z"
        ),
        record(1, 2, "dup, not last", flag=None),
        record(1, 2, "composite (1,2) last", amount=D("0.000001")),
    ]
    run_target(config, messages(stream, first, 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    rows = read_table(config, stream)
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, 2, "composite (1,2) last"), (2, 1, "")]
    assert rows[0][3] == D("0.000001")
    two = rows[1]
    assert two[4] == -(2**63)
    assert two[5] == 1e22
    assert two[6] is False
    assert two[7] == dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
    # A second run: dedupe across batches and the full set of types.
    second = [
        every_type(2, 1),
        record(3, 3, None),
    ]
    run_target(config, messages(stream, second, 2))
    assert capsys.readouterr().out.strip() == '{"run": 2}'
    rows = read_table(config, stream)
    assert [(r[0], r[1]) for r in rows] == [(1, 2), (2, 1), (3, 3)]
    full = rows[1]
    assert full[2] == NASTY
    assert full[3] == D("-1234567890123456789012.123456")
    assert full[4] == 2**63 - 1
    assert full[5] == 0.1
    assert full[6] is True
    assert full[7] == dt.datetime(2024, 3, 10, 7, 30, 15, 123456)
    assert full[8] == dt.date(1, 1, 1)
    assert json.loads(full[9], parse_float=D) == {"n": D("1.10"), "s": NASTY, "l": [1, None, {}]}
    assert json.loads(full[10]) == ["a", "b"]
    assert rows[2][2:] == (None,) * 9
    assert staged_blobs(config) == []
    return stream
