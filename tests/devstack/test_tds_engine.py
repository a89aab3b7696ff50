"""The front end with the real dialect engine, started as ``devstack up`` does it:
``python -m devstack.sqldw_emulator`` in a child process, reached through both drivers."""

from __future__ import annotations

import datetime
import decimal
import os
import subprocess
import sys
import typing as t
import uuid

import pyodbc
import pytest

from devstack import odbc
from tests.devstack.tds_support import MS, driver_params, ensure_odbc

if t.TYPE_CHECKING:
    from collections.abc import Iterator

USER, PASSWORD, DATABASE = "sqladmin", "Emulator-pw-1", "sqldw"
D = decimal.Decimal


class Emulator(t.NamedTuple):
    port: int
    ready_line: str


def _start(*extra: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, DEVSTACK_SQLDW_PASSWORD=PASSWORD)
    command = [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0", *extra]
    command += ["--user", USER, "--database", DATABASE]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    return process, process.stdout.readline()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    process, line = _start()
    try:
        assert "ready" in line, line
        yield Emulator(int(line.split(" on ")[1].split()[0].split(",")[1]), line)
    finally:
        _stop(process)


def _connect(port: int, driver: str, **options: t.Any) -> pyodbc.Connection:
    ensure_odbc()
    settings = {"database": DATABASE, "user": USER, "password": PASSWORD} | options
    autocommit = settings.pop("autocommit", True)
    text = odbc.connection_string(driver=driver, host="127.0.0.1", port=port, **settings)
    return pyodbc.connect(text, autocommit=autocommit, timeout=10)


def test_ready_line_names_the_endpoint(emulator: Emulator) -> None:
    assert emulator.ready_line.startswith("sqldw-emulator ready on 127.0.0.1,")
    assert "database=sqldw" in emulator.ready_line
    assert "tls=on" in emulator.ready_line


def test_password_comes_from_the_environment_only() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DEVSTACK_SQLDW_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "--password" in result.stderr


@pytest.mark.parametrize("driver", driver_params())
def test_login_and_wrong_password(emulator: Emulator, driver: str) -> None:
    with _connect(emulator.port, driver) as connection:
        assert connection.execute("SELECT 1").fetchone()[0] == 1
    with pytest.raises(pyodbc.Error, match="18456"):
        _connect(emulator.port, driver, password="not-it")


@pytest.mark.parametrize("driver", driver_params())
def test_typed_round_trip_through_a_table(emulator: Emulator, driver: str) -> None:
    table = "dbo.rt_ms" if driver == MS else "dbo.rt_ftds"
    row = (
        1,
        2**63 - 1,
        True,
        -2.25e10,
        D("12345678901234567890123456789012.123456"),
        "Unicode é 𝄞 and a\x00nul",
        b"\x00\xff" * 100,
        # FreeTDS 1.3 itself shifts early dates (before 1600-03) by a day or two.
        datetime.date(1, 1, 2) if driver == MS else datetime.date(1753, 1, 2),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 997000),
        str(uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")).upper(),
    )
    with _connect(emulator.port, driver) as connection:
        connection.execute(
            f"CREATE TABLE {table} (id int NOT NULL, big bigint, flag bit, f float, "
            "amount decimal(38,6), name nvarchar(100), data varbinary(4000), d date, "
            "ts datetime2(7), g uniqueidentifier) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
        inserted = connection.execute(
            f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", *row
        ).rowcount
        back = connection.execute(f"SELECT * FROM {table}").fetchone()
        nulls = connection.execute(f"INSERT INTO {table} (id) VALUES (?)", 2).rowcount
        count = connection.execute(f"SELECT COUNT(*) FROM {table} WHERE name IS NULL").fetchone()
    assert inserted == 1
    assert nulls == 1
    assert count[0] == 1
    assert tuple(back) == row


@pytest.mark.parametrize("driver", driver_params())
def test_engine_errors_map_to_exception_classes(emulator: Emulator, driver: str) -> None:
    table = "dbo.err_ms" if driver == MS else "dbo.err_ftds"
    with _connect(emulator.port, driver) as connection:
        with pytest.raises(pyodbc.ProgrammingError, match=r"\(208\)"):
            connection.execute("SELECT * FROM dbo.no_such_table")
        connection.execute(
            f"CREATE TABLE {table} (id int NOT NULL, name nvarchar(3)) "
            "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
        with pytest.raises(pyodbc.DataError, match=r"(8152|2628)"):
            connection.execute(f"INSERT INTO {table} VALUES (?, ?)", 1, "toolong")
        with pytest.raises(pyodbc.IntegrityError, match=r"\(515\)"):
            connection.execute(f"INSERT INTO {table} VALUES (?, ?)", None, "x")
        assert connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


@pytest.mark.parametrize("driver", driver_params())
def test_transactions_through_the_engine(emulator: Emulator, driver: str) -> None:
    table = "dbo.tx_ms" if driver == MS else "dbo.tx_ftds"
    with _connect(emulator.port, driver) as connection:
        connection.execute(f"CREATE TABLE {table} (id int) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")
    connection = _connect(emulator.port, driver, autocommit=False)
    try:
        connection.execute(f"INSERT INTO {table} VALUES (?)", 1)
        connection.rollback()
        connection.execute(f"INSERT INTO {table} VALUES (?)", 2)
        connection.commit()
        assert [r[0] for r in connection.execute(f"SELECT id FROM {table}").fetchall()] == [2]
        connection.commit()
    finally:
        connection.close()


def test_fast_executemany_through_the_engine(emulator: Emulator) -> None:
    rows = [
        (i, f"name {i}", D(i) / 8, datetime.datetime(2024, 1, 1, 0, 0, i % 60)) for i in range(200)
    ]
    with _connect(emulator.port, MS) as connection:
        connection.execute(
            "CREATE TABLE dbo.fast (id int NOT NULL, name nvarchar(50), amount decimal(18,4), "
            "ts datetime2(7)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
        cursor = connection.cursor()
        cursor.fast_executemany = True
        cursor.executemany("INSERT INTO dbo.fast (id, name, amount, ts) VALUES (?, ?, ?, ?)", rows)
        back = connection.execute("SELECT * FROM dbo.fast ORDER BY id").fetchall()
    assert [tuple(r) for r in back] == rows
