"""Exact round trips of edge values for every type a loader meets, through both drivers.

Parameters go driver → server (decoded to the declared type) and come back as a result of
that type (``SELECT ?`` echoes them); server-only values (datetimeoffset, 100 ns, decimal(38))
come from result sets the test registers with the engine.
"""

from __future__ import annotations

import datetime
import decimal
import struct
import typing as t
import uuid

import pyodbc
import pytest

from devstack.sqldw_emulator.api import Column, ResultSet, SQLType, Timestamp100ns
from tests.devstack.tds_support import MS, DuckEngine, connect, driver_params, running_server

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.server import SQLDWEmulatorServer

D = decimal.Decimal
UTC = datetime.timezone.utc
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
PST = datetime.timezone(datetime.timedelta(hours=-8))


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SQLDWEmulatorServer, DuckEngine]]:
    with running_server() as pair:
        yield pair


@pytest.fixture(params=driver_params())
def connection(
    served: tuple[SQLDWEmulatorServer, DuckEngine], request: pytest.FixtureRequest
) -> Iterator[pyodbc.Connection]:
    connection = connect(served[0], request.param)
    try:
        yield connection
    finally:
        connection.close()


PARAMETER_VALUES = [
    0,
    -(2**31),
    2**31 - 1,
    2**63 - 1,
    -(2**63),
    True,
    False,
    1.7976931348623157e308,
    -2.25e10,
    5e-324,
    0.1,
    D("12345678901234567890.123456789012345678"),
    D("-0.000001"),
    D("0"),
    D("99999999999999999999999999999999999999"),
    "",
    "plain ascii",
    "Unicode: é ü 中文 𝄞 😀",
    "embedded\x00nul",
    "x" * 5000,
    b"",
    b"\x00\xff\x10",
    bytes(range(256)) * 40,
    datetime.date(1, 1, 1),
    datetime.date(9999, 12, 31),
    datetime.datetime(1, 1, 1, 0, 0, 0),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 997000),
    datetime.datetime(2024, 2, 29, 12, 30, 45, 123000),
    uuid.UUID("12345678-1234-5678-9abc-def012345678"),
    None,
]


@pytest.mark.parametrize("value", PARAMETER_VALUES, ids=lambda v: type(v).__name__)
def test_parameter_round_trip(connection: pyodbc.Connection, value: t.Any) -> None:
    driver = connection.getinfo(pyodbc.SQL_DRIVER_NAME)
    if "tdsodbc" in driver and isinstance(value, datetime.date) and value.year == 1:
        # FreeTDS encodes 0001-01-01 as day 0xFFFFFF; SQL Server rejects that with 8023.
        with pytest.raises(pyodbc.Error, match=r"8023"):
            connection.cursor().execute("SELECT ?", value)
        return
    got = connection.cursor().execute("SELECT ?", value).fetchone()[0]
    if isinstance(value, uuid.UUID):
        # pyodbc returns uniqueidentifier as text unless pyodbc.native_uuid is set.
        got = uuid.UUID(got)
    assert got == value
    assert type(got) is type(value)


def test_datetime_parameters_travel_at_millisecond_precision(
    connection: pyodbc.Connection,
) -> None:
    # pyodbc sizes datetime parameters from sp_datatype_info_100 (datetime, 23 characters),
    # so against SQL Server, and here, microseconds beyond the millisecond are dropped.
    value = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
    got = connection.cursor().execute("SELECT ?", value).fetchone()[0]
    assert got == datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)


def test_time_parameter(connection: pyodbc.Connection) -> None:
    got = connection.cursor().execute("SELECT ?", datetime.time(23, 59, 59)).fetchone()[0]
    assert got == datetime.time(23, 59, 59)


RESULT_CASES: list[tuple[SQLType, list[t.Any], list[t.Any]]] = [
    (SQLType("tinyint"), [0, 255, None], [0, 255, None]),
    (SQLType("smallint"), [-32768, 32767], [-32768, 32767]),
    (SQLType("int"), [-(2**31), 2**31 - 1], [-(2**31), 2**31 - 1]),
    (SQLType("bigint"), [-(2**63), 2**63 - 1], [-(2**63), 2**63 - 1]),
    (SQLType("bit"), [True, False, None], [True, False, None]),
    (SQLType("real"), [3.5, -1.25], [3.5, -1.25]),
    (SQLType("float"), [-2.25e10, 1e-300], [-2.25e10, 1e-300]),
    (
        SQLType("decimal", precision=38, scale=0),
        [D("99999999999999999999999999999999999999"), D("-1")],
        [D("99999999999999999999999999999999999999"), D("-1")],
    ),
    (
        SQLType("decimal", precision=38, scale=6),
        [D("12345678901234567890123456789012.123456"), D("-0.000001"), None],
        [D("12345678901234567890123456789012.123456"), D("-0.000001"), None],
    ),
    (SQLType("numeric", precision=5, scale=2), [D("-999.99")], [D("-999.99")]),
    (SQLType("nvarchar", 40), ["", "é𝄞", None], ["", "é𝄞", None]),
    (SQLType("nvarchar", -1), ["z" * 20000, None], ["z" * 20000, None]),
    (SQLType("varchar", 20), ["ascii text"], ["ascii text"]),
    (SQLType("nchar", 4), ["ab"], ["ab  "]),
    (SQLType("varbinary", 16), [b"\x00\x01", None], [b"\x00\x01", None]),
    (SQLType("varbinary", -1), [b"\xab" * 10000], [b"\xab" * 10000]),
    (SQLType("binary", 4), [b"\x01\x02\x03\x04"], [b"\x01\x02\x03\x04"]),
    (
        SQLType("date"),
        [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)],
        [datetime.date(1, 1, 1), datetime.date(9999, 12, 31)],
    ),
    (
        SQLType("datetime2", scale=7),
        [datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)],
        [datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)],
    ),
    (
        SQLType("datetime2", scale=3),
        [datetime.datetime(2020, 1, 2, 3, 4, 5, 678000)],
        [datetime.datetime(2020, 1, 2, 3, 4, 5, 678000)],
    ),
    (
        SQLType("datetime"),
        [datetime.datetime(2020, 1, 2, 3, 4, 5, 670000)],
        [datetime.datetime(2020, 1, 2, 3, 4, 5, 670000)],
    ),
    (
        SQLType("uniqueidentifier"),
        [uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")],
        ["00112233-4455-6677-8899-AABBCCDDEEFF"],
    ),
    (SQLType("money"), [D("-922337203685477.5808")], [D("-922337203685477.5808")]),
]


@pytest.mark.parametrize(("sql_type", "values", "expected"), RESULT_CASES, ids=lambda c: str(c))
def test_result_column_round_trip(
    served: tuple[SQLDWEmulatorServer, DuckEngine],
    connection: pyodbc.Connection,
    sql_type: SQLType,
    values: list[t.Any],
    expected: list[t.Any],
) -> None:
    name = f"r{abs(hash((sql_type, repr(values))))}"
    served[1].fixtures[name] = ResultSet([Column("v", sql_type)], [(v,) for v in values])
    rows = connection.cursor().execute(f"SELECT * FROM fixture.{name}").fetchall()
    got = [r[0] for r in rows]
    if sql_type.name == "uniqueidentifier":
        got = [str(g).upper() for g in got]
    assert got == expected


def _timestamp_struct(raw: bytes) -> tuple[int, ...]:
    return struct.unpack("<6hI", raw)


def test_datetime2_keeps_100ns_ticks(
    served: tuple[SQLDWEmulatorServer, DuckEngine], connection: pyodbc.Connection
) -> None:
    value = Timestamp100ns(datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), 7)
    served[1].fixtures["ticks"] = ResultSet(
        [Column("v", SQLType("datetime2", scale=7))], [(value,)]
    )
    connection.add_output_converter(pyodbc.SQL_TYPE_TIMESTAMP, _timestamp_struct)
    raw = connection.cursor().execute("SELECT * FROM fixture.ticks").fetchone()[0]
    assert raw == (2024, 1, 2, 3, 4, 5, 123456700)


def test_datetimeoffset_keeps_its_offset(
    served: tuple[SQLDWEmulatorServer, DuckEngine], connection: pyodbc.Connection
) -> None:
    values = [
        datetime.datetime(2024, 6, 1, 12, 0, 0, 500000, tzinfo=IST),
        datetime.datetime(1, 1, 1, 0, 0, 0, tzinfo=UTC),
        datetime.datetime(9999, 12, 31, 15, 59, 59, 999999, tzinfo=PST),
        None,
    ]
    served[1].fixtures["dto"] = ResultSet(
        [Column("v", SQLType("datetimeoffset", scale=7))], [(v,) for v in values]
    )
    rows = connection.cursor().execute("SELECT * FROM fixture.dto").fetchall()
    got = [r[0] for r in rows]
    assert got == values
    assert [g.utcoffset() for g in got[:3]] == [v.utcoffset() for v in values[:3]]


def test_column_metadata_describes_declared_types(
    served: tuple[SQLDWEmulatorServer, DuckEngine], connection: pyodbc.Connection
) -> None:
    served[1].fixtures["meta"] = ResultSet(
        [
            Column("id", SQLType("bigint"), nullable=False),
            Column("name", SQLType("nvarchar", 40)),
            Column("amount", SQLType("decimal", precision=18, scale=4)),
            Column("at", SQLType("datetime2", scale=7)),
        ],
        [],
    )
    cursor = connection.cursor().execute("SELECT * FROM fixture.meta")
    described = [(d[0], d[1], d[4], d[5]) for d in cursor.description]
    assert described == [
        ("id", int, 19, 0),
        ("name", str, 40, 0),
        ("amount", D, 18, 4),
        ("at", datetime.datetime, 27, 7),
    ]
    assert cursor.fetchall() == []


def test_typed_parameters_with_setinputsizes(
    served: tuple[SQLDWEmulatorServer, DuckEngine],
) -> None:
    with connect(served[0], MS) as connection:
        cursor = connection.cursor()
        cursor.setinputsizes([(pyodbc.SQL_WVARCHAR, 10, 0), (pyodbc.SQL_DECIMAL, 10, 3)])
        row = cursor.execute("SELECT ?, ?", "abc", D("1234567.125")).fetchone()
        assert tuple(row) == ("abc", D("1234567.125"))
    sent = served[1].batches[-1][1]
    assert [p.type.name for p in sent] == ["nvarchar", "decimal"]
    assert (sent[1].type.precision, sent[1].type.scale) == (10, 3)
