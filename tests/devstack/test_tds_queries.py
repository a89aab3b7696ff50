"""Batches, parameterized statements, row counts, messages and errors through both drivers."""

from __future__ import annotations

import typing as t

import pyodbc
import pytest

from tests.devstack.tds_support import MS, connect, driver_params, running_server

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.server import SQLDWEmulatorServer
    from tests.devstack.tds_support import DuckEngine


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SQLDWEmulatorServer, DuckEngine]]:
    with running_server() as pair:
        yield pair


@pytest.fixture(params=driver_params())
def cursor(
    served: tuple[SQLDWEmulatorServer, DuckEngine], request: pytest.FixtureRequest
) -> Iterator[pyodbc.Cursor]:
    connection = connect(served[0], request.param)
    try:
        yield connection.cursor()
    finally:
        connection.close()


def _table(cursor: pyodbc.Cursor, name: str) -> str:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TABLE {name} (id INTEGER NOT NULL, name VARCHAR)")
    return name


def test_select_batch_with_description(cursor: pyodbc.Cursor) -> None:
    cursor.execute("SELECT 1 AS one, 'x' AS letter")
    assert [d[0] for d in cursor.description] == ["one", "letter"]
    assert [tuple(r) for r in cursor.fetchall()] == [(1, "x")]


def test_dml_row_counts_and_ddl(cursor: pyodbc.Cursor) -> None:
    name = _table(cursor, f"t_counts_{id(cursor)}")
    assert cursor.execute(f"INSERT INTO {name} VALUES (1, 'a'), (2, 'b'), (3, 'c')").rowcount == 3
    assert cursor.execute(f"UPDATE {name} SET name = 'z' WHERE id > 1").rowcount == 2
    assert cursor.execute(f"DELETE FROM {name} WHERE id = 1").rowcount == 1
    assert cursor.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] == 2


def test_parameterized_insert_and_select(cursor: pyodbc.Cursor) -> None:
    name = _table(cursor, f"t_params_{id(cursor)}")
    assert cursor.execute(f"INSERT INTO {name} VALUES (?, ?)", 7, "seven").rowcount == 1
    assert cursor.execute(f"INSERT INTO {name} VALUES (?, ?)", 8, None).rowcount == 1
    rows = cursor.execute(f"SELECT id, name FROM {name} WHERE id >= ? ORDER BY id", 7).fetchall()
    assert [tuple(r) for r in rows] == [(7, "seven"), (8, None)]


def test_odbc_call_of_sp_executesql(cursor: pyodbc.Cursor) -> None:
    # An ODBC {call} is an RPC by name: FreeTDS calls sp_executesql directly; MS ODBC wraps it
    # in sp_prepexecrpc and repeats it with sp_execute on the returned handle.
    call = "{call sp_executesql(?, ?, ?)}"
    for value in (5, 6, 7):
        row = cursor.execute(call, "SELECT @id AS v", "@id int", value).fetchone()
        assert row[0] == value
    with pytest.raises(pyodbc.Error, match="2812"):
        cursor.execute("{call sp_no_such_procedure(?)}", 1)


def test_executemany_without_fast_path(cursor: pyodbc.Cursor) -> None:
    name = _table(cursor, f"t_many_{id(cursor)}")
    cursor.executemany(f"INSERT INTO {name} VALUES (?, ?)", [(i, f"n{i}") for i in range(50)])
    assert tuple(cursor.execute(f"SELECT COUNT(*), SUM(id) FROM {name}").fetchone()) == (50, 1225)


def test_multiple_result_sets_and_nextset(cursor: pyodbc.Cursor) -> None:
    cursor.execute("SELECT 1 AS a; SELECT 'two' AS b, 3 AS c")
    assert [tuple(r) for r in cursor.fetchall()] == [(1,)]
    assert cursor.nextset()
    assert [tuple(r) for r in cursor.fetchall()] == [("two", 3)]
    assert not cursor.nextset()


def test_print_messages_reach_the_cursor(cursor: pyodbc.Cursor) -> None:
    cursor.execute("PRINT 'hello from the server'; SELECT 5")
    rows = []
    while True:
        if cursor.description:
            rows += cursor.fetchall()
        if not cursor.nextset():
            break
    assert [tuple(r) for r in rows] == [(5,)]


def test_large_batch_and_large_result_span_many_packets(cursor: pyodbc.Cursor) -> None:
    values = " UNION ALL ".join(f"SELECT {i} AS n, '{'x' * 50}' AS pad" for i in range(400))
    assert len(values.encode("utf-16-le")) > 4 * 4096
    rows = cursor.execute(f"SELECT SUM(n), COUNT(*) FROM ({values}) AS t").fetchone()
    assert tuple(rows) == (sum(range(400)), 400)
    big = cursor.execute("SELECT range AS n, repeat('y', 100) AS s FROM range(20000)").fetchall()
    assert len(big) == 20000
    assert big[-1][0] == 19999
    assert big[-1][1] == "y" * 100


def test_long_text_parameter_uses_plp_both_ways(cursor: pyodbc.Cursor) -> None:
    text = "é" * 30000 + "𝄞"
    assert cursor.execute("SELECT ? AS t", text).fetchone()[0] == text
    blob = bytes(range(256)) * 200
    assert cursor.execute("SELECT ? AS b", blob).fetchone()[0] == blob


@pytest.mark.parametrize(
    ("sql", "exception", "number"),
    [
        ("SELECT * FROM no_such_table", pyodbc.ProgrammingError, 208),
        ("SELEC 1", pyodbc.ProgrammingError, 102),
        ("THROW 515, 'Cannot insert the value NULL', 2", pyodbc.IntegrityError, 515),
        ("THROW 2627, 'Violation of PRIMARY KEY constraint', 1", pyodbc.IntegrityError, 2627),
        ("THROW 245, 'Conversion failed', 1", pyodbc.DataError, 245),
        ("THROW 8152, 'String or binary data would be truncated', 1", pyodbc.DataError, 8152),
        ("THROW 50000, 'custom', 1", pyodbc.ProgrammingError, 50000),
        ("THROW 1205, 'deadlock victim', 45", pyodbc.Error, 1205),
    ],
)
def test_errors_map_to_pyodbc_exception_classes(
    cursor: pyodbc.Cursor, sql: str, exception: type[Exception], number: int
) -> None:
    with pytest.raises(exception, match=rf"\({number}\)"):
        cursor.execute(sql)
    # The connection survives an error.
    assert cursor.execute("SELECT 1").fetchone()[0] == 1


def test_parameterized_errors_keep_the_connection(cursor: pyodbc.Cursor) -> None:
    with pytest.raises(pyodbc.ProgrammingError, match=r"\(208\)"):
        cursor.execute("SELECT * FROM missing_table WHERE id = ?", 1)
    assert cursor.execute("SELECT ?", 9).fetchone()[0] == 9


def test_error_after_a_result_keeps_earlier_results(
    served: tuple[SQLDWEmulatorServer, DuckEngine],
) -> None:
    with connect(served[0], MS) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT 1; THROW 50001, 'second fails', 1")
        assert [tuple(r) for r in cursor.fetchall()] == [(1,)]
        with pytest.raises(pyodbc.ProgrammingError, match="second fails"):
            cursor.nextset()


def test_engine_bugs_become_errors_not_dropped_connections(cursor: pyodbc.Cursor) -> None:
    with pytest.raises(pyodbc.ProgrammingError, match="Internal error in the SQL DW emulator"):
        cursor.execute("RAISE PYTHON ERROR")
    with pytest.raises(pyodbc.ProgrammingError, match="Internal error in the SQL DW emulator"):
        cursor.execute("RAISE PYTHON ERROR WITH ?", 1)
    assert cursor.execute("SELECT 1").fetchone()[0] == 1
