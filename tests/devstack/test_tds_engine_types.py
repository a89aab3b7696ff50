"""Type fidelity of the real dialect engine through pyodbc and both drivers.

datetime2(7)/time(7) at 100 ns over 0001-9999 (what the wire carries, read with an output
converter that keeps the nanosecond fraction), datetimeoffset compared by instant with its
offset kept, case-insensitive database collation next to binary ones, and result types of
computed expressions.
"""

from __future__ import annotations

import datetime
import struct
import typing as t

import pyodbc
import pytest

from devstack.sqldw_emulator.engine import DuckDBEngine, EngineConfig
from tests.devstack.tds_support import PASSWORD, USER, connect, driver_params, running_server

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.server import SQLDWEmulatorServer

SQL_TYPE_TIMESTAMP = 93
SQL_SS_TIME2 = -154


def _timestamp_text(raw: bytes) -> str:
    """SQL_TIMESTAMP_STRUCT as text with all 9 fraction digits the driver received."""
    year, month, day, hour, minute, second, fraction = struct.unpack("<6hI", raw)
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}.{fraction:09d}"


def _time_text(raw: bytes) -> str:
    """SQL_SS_TIME2_STRUCT (hour, minute, second, 4 bytes padding, fraction in ns) as text."""
    hour, minute, second, fraction = struct.unpack("<3H2xI", raw[:12])
    return f"{hour:02d}:{minute:02d}:{second:02d}.{fraction:09d}"


@pytest.fixture(scope="module")
def served() -> Iterator[SQLDWEmulatorServer]:
    engine = DuckDBEngine(EngineConfig(login=USER, password=PASSWORD, database="dw"))
    with running_server(engine) as (server, _engine):
        yield server
    engine.close()


@pytest.fixture(params=driver_params())
def connection(served: SQLDWEmulatorServer, request: pytest.FixtureRequest) -> Iterator[t.Any]:
    connection = connect(served, request.param)
    suffix = request.param.split()[0].lower()
    table = f"dbo.types_{suffix}"
    cursor = connection.cursor()
    cursor.execute(f"IF OBJECT_ID('{table}') IS NOT NULL DROP TABLE {table}")
    cursor.execute(
        f"CREATE TABLE {table} (id int NOT NULL, d datetime2(7), tm time(7), "
        "o datetimeoffset(7), name nvarchar(40), code nvarchar(20) COLLATE Latin1_General_100_BIN2)"
        " WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
    )
    try:
        yield connection, table
    finally:
        cursor.execute(f"DROP TABLE {table}")
        connection.close()


EDGE_TEXTS = [
    "0001-01-01 00:00:00.0000000",
    "0001-01-01 00:00:00.0000001",
    "2024-01-01 12:00:00.1234567",
    "9999-12-31 23:59:59.9999999",
]


def test_datetime2_7_edges_on_the_wire(connection: tuple[pyodbc.Connection, str]) -> None:
    conn, table = connection
    cursor = conn.cursor()
    for number, text in enumerate(EDGE_TEXTS):
        # Text parameters: pyodbc's datetime cannot carry 100 ns.
        cursor.execute(f"INSERT INTO {table} (id, d, tm) VALUES (?, ?, ?)", number, text, text[11:])
    conn.add_output_converter(SQL_TYPE_TIMESTAMP, _timestamp_text)
    conn.add_output_converter(SQL_SS_TIME2, _time_text)
    try:
        found = cursor.execute(f"SELECT d, tm FROM {table} ORDER BY d").fetchall()
        assert [tuple(row) for row in found] == [
            (text + "00", text[11:] + "00") for text in EDGE_TEXTS
        ]
        cast = cursor.execute("SELECT CAST('2024-01-01 12:00:00.1234567' AS datetime2)").fetchone()
        assert cast[0] == "2024-01-01 12:00:00.123456700"
    finally:
        conn.clear_output_converters()
        conn.add_output_converter(-155, _offset_converter())
    later = cursor.execute(
        f"SELECT id FROM {table} WHERE d > ? ORDER BY id", "2024-01-01 12:00:00.1234566"
    ).fetchall()
    assert [row[0] for row in later] == [2, 3]
    as_text = cursor.execute(f"SELECT CAST(d AS nvarchar(27)) FROM {table} WHERE id = 1")
    assert as_text.fetchone()[0] == EDGE_TEXTS[1]
    # pyodbc's own datetime: microseconds, the tick truncated by the driver.
    value = cursor.execute(f"SELECT d FROM {table} WHERE id = 2").fetchone()[0]
    assert value == datetime.datetime(2024, 1, 1, 12, 0, 0, 123456)
    # A datetime parameter into a datetime2(7) column.
    cursor.execute(
        f"INSERT INTO {table} (id, d) VALUES (?, ?)", 9, datetime.datetime(2030, 5, 6, 7, 8, 9)
    )
    assert cursor.execute(f"SELECT d FROM {table} WHERE id = 9").fetchone()[0] == (
        datetime.datetime(2030, 5, 6, 7, 8, 9)
    )


def _offset_converter() -> t.Callable[[bytes], datetime.datetime]:
    from tests.devstack.tds_support import datetimeoffset_from_odbc

    return datetimeoffset_from_odbc


def test_datetimeoffset_by_instant_with_offsets_kept(
    connection: tuple[pyodbc.Connection, str],
) -> None:
    conn, table = connection
    cursor = conn.cursor()
    values = ["2024-01-01T10:00:00+02:00", "2024-01-01 08:00:00Z", "2024-01-01 03:30:00 -05:00"]
    for number, text in enumerate(values):
        cursor.execute(f"INSERT INTO {table} (id, o) VALUES (?, ?)", number, text)
    same = cursor.execute(
        f"SELECT id FROM {table} WHERE o = CAST(? AS datetimeoffset) ORDER BY id",
        "2024-01-01T08:00:00Z",
    ).fetchall()
    assert [row[0] for row in same] == [0, 1]
    ordered = cursor.execute(f"SELECT id, o FROM {table} ORDER BY o DESC, id").fetchall()
    assert [row[0] for row in ordered] == [2, 0, 1]
    offsets = {row[0]: row[1].utcoffset() for row in ordered}
    assert offsets == {
        0: datetime.timedelta(hours=2),
        1: datetime.timedelta(0),
        2: datetime.timedelta(hours=-5),
    }
    # CAST(text AS datetimeoffset) inside CTAS (the target's PolyBase decode).
    cursor.execute(f"UPDATE {table} SET name = N'2024-06-01 12:00:00.1234567 +05:30'")
    copy = f"{table}_copy"
    cursor.execute(
        f"CREATE TABLE {copy} WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        f"SELECT id, CAST(name AS datetimeoffset(7)) AS o FROM {table}"
    )
    try:
        text = cursor.execute(f"SELECT TOP 1 CAST(o AS nvarchar(40)) FROM {copy}").fetchone()[0]
        assert text == "2024-06-01 12:00:00.1234567 +05:30"
    finally:
        cursor.execute(f"DROP TABLE {copy}")


def test_database_collation_is_case_insensitive_and_bin2_is_not(
    connection: tuple[pyodbc.Connection, str],
) -> None:
    conn, table = connection
    cursor = conn.cursor()
    for number, text in enumerate(["abc", "ABC", "Abd"]):
        cursor.execute(f"INSERT INTO {table} (id, name, code) VALUES (?, ?, ?)", number, text, text)
    ci = cursor.execute(f"SELECT id FROM {table} WHERE name = ? ORDER BY id", "aBc").fetchall()
    assert [row[0] for row in ci] == [0, 1]
    assert cursor.execute(f"SELECT COUNT(DISTINCT name) FROM {table}").fetchone()[0] == 2
    like = cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE name LIKE N'AB%'").fetchone()[0]
    assert like == 3
    binary = cursor.execute(f"SELECT id FROM {table} WHERE code = ?", "ABC").fetchall()
    assert [row[0] for row in binary] == [1]
    collated = cursor.execute(
        f"SELECT id FROM {table} WHERE name COLLATE Latin1_General_100_BIN2 = N'abc'"
    ).fetchall()
    assert [row[0] for row in collated] == [0]
    grouped = cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT name FROM {table} GROUP BY name) AS g"
    ).fetchone()[0]
    assert grouped == 2
