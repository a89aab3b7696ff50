"""Pipeline tests leave the session warehouse as they found it.

Every table a test lands in the session devstack's SQL DW emulator is dropped after the test:
the emulator's per-table work (its catalog views, each load's lookups) grows with the number of
tables it holds, so a full 36-stream run late in the session took several times as long as the
same run in an empty warehouse (about 155 s against 20-30 s on this project's 2-core CI).
Each test lands in schemas of its own, so nothing a later test reads is dropped.
"""

from __future__ import annotations

import typing as t

import pyodbc
import pytest

if t.TYPE_CHECKING:
    from collections.abc import Iterator

TABLES = "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES"


def warehouse_tables(connection: pyodbc.Connection) -> set[tuple[str, str]]:
    """(schema, table) of every table the warehouse holds."""
    return {(str(row[0]), str(row[1])) for row in connection.execute(TABLES).fetchall()}


@pytest.fixture(autouse=True)
def drop_landed_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Drop the tables a test using the session devstack created, after the test."""
    if "devstack_env" not in request.fixturenames:
        yield
        return
    env: dict[str, str] = request.getfixturevalue("devstack_env")
    connection = pyodbc.connect(env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    try:
        before = warehouse_tables(connection)
        yield
        for schema, table in sorted(warehouse_tables(connection) - before):
            connection.execute(f"DROP TABLE [{schema}].[{table}]")
    finally:
        connection.close()
