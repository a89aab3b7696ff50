"""Test helpers for the TDS front end: a small DuckDB-backed engine, servers, driver set-up.

The engine here stands in for the real dialect engine so the protocol can be tested on its
own: it runs plain SQL on DuckDB and adds a few statements that make protocol behaviour
observable (``SELECT @P1, ...`` echoes parameters with their declared types; ``fixture.NAME``
returns a result set registered by the test; ``THROW``, ``PRINT``, ``WAITFOR DELAY``).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import tempfile
import threading
import typing as t

import duckdb
import pyodbc

from devstack import odbc
from devstack.sqldw_emulator.api import (
    Column,
    ConnectionDropped,
    Parameter,
    ResultSet,
    SQLError,
    SQLType,
    StatementResult,
    Timestamp100ns,
)
from devstack.sqldw_emulator.server import SQLDWEmulatorServer

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

USER = "loader"
PASSWORD = "S3cret;pass={word"
DATABASE = "dw"

_ECHO = re.compile(r"^\s*select\s+(@\w+(?:\s+as\s+\w+)?(?:\s*,\s*@\w+(?:\s+as\s+\w+)?)*)\s*$", re.I)
_FIXTURE = re.compile(r"^\s*select\s+\*\s+from\s+fixture\.(\w+)\s*$", re.I)
_THROW = re.compile(r"^\s*throw\s+(\d+)\s*,\s*'([^']*)'\s*,\s*(\d+)\s*$", re.I)
_PRINT = re.compile(r"^\s*print\s+'([^']*)'\s*$", re.I)
_WAITFOR = re.compile(r"^\s*waitfor\s+delay\s+'(\d+):(\d+):(\d+(?:\.\d+)?)'\s*$", re.I)
_BEGIN = re.compile(r"^\s*begin\s+tran(saction)?\s*$", re.I)
_COMMIT = re.compile(r"^\s*commit(\s+tran(saction)?)?\s*$", re.I)
_ROLLBACK = re.compile(r"^\s*rollback(\s+tran(saction)?)?\s*$", re.I)
_INFO_SCHEMA = re.compile(r"information_schema\.columns", re.I)

_DUCK_TYPES = {
    "INTEGER": SQLType("int"),
    "BIGINT": SQLType("bigint"),
    "SMALLINT": SQLType("smallint"),
    "TINYINT": SQLType("tinyint"),
    "BOOLEAN": SQLType("bit"),
    "DOUBLE": SQLType("float"),
    "FLOAT": SQLType("real"),
    "VARCHAR": SQLType("nvarchar", -1),
    "BLOB": SQLType("varbinary", -1),
    "DATE": SQLType("date"),
    "TIME": SQLType("time", scale=6),
    "TIMESTAMP": SQLType("datetime2", scale=6),
    "UUID": SQLType("uniqueidentifier"),
    "HUGEINT": SQLType("decimal", precision=38, scale=0),
}
_TSQL_NAMES = {
    "INTEGER": "int", "BIGINT": "bigint", "SMALLINT": "smallint", "BOOLEAN": "bit",
    "DOUBLE": "float", "FLOAT": "real", "VARCHAR": "nvarchar", "BLOB": "varbinary",
    "DATE": "date", "TIMESTAMP": "datetime2", "UUID": "uniqueidentifier",
}  # fmt: skip


def _duck_type(type_code: t.Any) -> SQLType:
    text = str(type_code).upper()
    match = re.match(r"DECIMAL\((\d+),\s*(\d+)\)", text)
    if match:
        return SQLType("decimal", precision=int(match.group(1)), scale=int(match.group(2)))
    return _DUCK_TYPES.get(text, SQLType("nvarchar", -1))


def _duck_value(value: t.Any) -> t.Any:
    return value.value if isinstance(value, Timestamp100ns) else value


def _map_error(exc: duckdb.Error) -> SQLError:
    text = str(exc).splitlines()[0]
    if isinstance(exc, duckdb.CatalogException):
        if "already exists" in text:
            return SQLError(2714, f"There is already an object named in the database. {text}")
        return SQLError(208, f"Invalid object name. {text}")
    if isinstance(exc, duckdb.ParserException):
        return SQLError(102, f"Incorrect syntax. {text}", state=1, severity=15)
    if isinstance(exc, duckdb.ConstraintException):
        if "NOT NULL" in text:
            return SQLError(515, f"Cannot insert the value NULL. {text}", state=2)
        return SQLError(2627, f"Violation of PRIMARY KEY constraint. {text}")
    if isinstance(exc, duckdb.ConversionException):
        return SQLError(245, f"Conversion failed. {text}")
    return SQLError(50000, text)


def split_batch(sql: str) -> list[str]:
    """Split on semicolons outside single-quoted strings."""
    parts = re.findall(r"(?:'(?:[^']|'')*'|[^;'])+", sql)
    return [p for p in parts if p.strip()]


class DuckSession:
    """One session of :class:`DuckEngine`."""

    def __init__(self, engine: DuckEngine) -> None:
        self.engine = engine
        self.cursor = engine.db.cursor()
        self._in_transaction = False
        self._interrupted = threading.Event()

    def interrupt(self) -> None:
        """Stop the running statement (WAITFOR here; a real engine interrupts DuckDB)."""
        self._interrupted.set()

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    def begin_transaction(self) -> None:
        if self._in_transaction:
            return
        self.cursor.execute("BEGIN TRANSACTION")
        self._in_transaction = True

    def commit(self) -> None:
        self.cursor.execute("COMMIT")
        self._in_transaction = False

    def rollback(self) -> None:
        self.cursor.execute("ROLLBACK")
        self._in_transaction = False

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            if self._in_transaction:
                self.cursor.execute("ROLLBACK")
        self.cursor.close()
        self.engine.closed_sessions += 1

    def execute(self, sql: str, params: Sequence[Parameter] = ()) -> Iterator[StatementResult]:
        self.engine.batches.append((sql, list(params)))
        for statement in split_batch(sql):
            yield self._statement(statement.strip(), params)

    def _statement(self, sql: str, params: Sequence[Parameter]) -> StatementResult:
        by_name = {p.name.lower(): p for p in params}
        if (match := _ECHO.match(sql)) is not None:
            columns, values = [], []
            for item in match.group(1).split(","):
                name, _, alias = item.strip().partition(" ")
                param = by_name[name.lower()]
                alias = alias.split()[-1] if alias else ""
                columns.append(Column(alias, param.type))
                values.append(param.value)
            return StatementResult(result_set=ResultSet(columns, [tuple(values)]))
        if (match := _FIXTURE.match(sql)) is not None:
            return StatementResult(result_set=self.engine.fixtures[match.group(1)])
        if (match := _THROW.match(sql)) is not None:
            raise SQLError(int(match.group(1)), match.group(2), state=int(match.group(3)))
        if (match := _PRINT.match(sql)) is not None:
            return StatementResult(messages=[match.group(1)])
        if (match := _WAITFOR.match(sql)) is not None:
            hours, minutes, seconds = match.groups()
            self._interrupted.clear()
            if self._interrupted.wait(int(hours) * 3600 + int(minutes) * 60 + float(seconds)):
                raise SQLError(3617, "Query was cancelled by the user.", severity=25)
            return StatementResult()
        if sql.upper() == "SELECT LAST_PARAMETER_TYPES":
            typed = [b for b in self.engine.batches[:-1] if b[1]]
            rows = [(p.name, p.type.name) for p in (typed[-1][1] if typed else [])]
            columns = [
                Column("name", SQLType("nvarchar", 128)),
                Column("type", SQLType("nvarchar", 128)),
            ]
            return StatementResult(result_set=ResultSet(columns, rows))
        if sql.upper().startswith("RAISE PYTHON ERROR"):
            raise RuntimeError("a bug in the engine")
        if sql.upper() == "DROP CONNECTION":
            raise ConnectionDropped
        if _BEGIN.match(sql):
            self.begin_transaction()
            return StatementResult()
        if _COMMIT.match(sql):
            if not self._in_transaction:
                raise SQLError(
                    3902, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."
                )
            self.commit()
            return StatementResult()
        if _ROLLBACK.match(sql):
            if not self._in_transaction:
                raise SQLError(
                    3903, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."
                )
            self.rollback()
            return StatementResult()
        if _INFO_SCHEMA.search(sql):
            return self._columns(sql)
        return self._duck(sql, by_name)

    def _duck(self, sql: str, by_name: dict[str, Parameter]) -> StatementResult:
        names = re.findall(r"@(\w+)", sql)
        duck_sql = re.sub(r"@(\w+)", r"$\1", sql)
        values = {n: _duck_value(by_name[f"@{n}".lower()].value) for n in names}
        try:
            self.cursor.execute(duck_sql, values or None)
            keyword = sql.split(None, 1)[0].upper()
            if keyword in ("INSERT", "UPDATE", "DELETE"):
                row = self.cursor.fetchone()
                return StatementResult(rowcount=int(row[0]) if row else 0)
            if self.cursor.description is None or keyword in ("CREATE", "DROP", "ALTER"):
                return StatementResult()
            columns = [Column(d[0], _duck_type(d[1])) for d in self.cursor.description]
            return StatementResult(result_set=ResultSet(columns, self.cursor.fetchall()))
        except duckdb.Error as exc:
            raise _map_error(exc) from exc

    def _columns(self, sql: str) -> StatementResult:
        table = re.search(r"TABLE_NAME\s*=\s*N?'([^']*)'", sql, re.I)
        rows = self.cursor.execute(
            "SELECT column_name, data_type, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table.group(1) if table else ""],
        ).fetchall()
        out = []
        for name, data_type, precision, scale in rows:
            duck = str(data_type).upper()
            base = "decimal" if duck.startswith("DECIMAL") else _TSQL_NAMES.get(duck, "nvarchar")
            length = -1 if base in ("nvarchar", "varbinary") else None
            out.append((name, base, length, precision, scale, None))
        columns = [
            Column("COLUMN_NAME", SQLType("nvarchar", 128)),
            Column("DATA_TYPE", SQLType("nvarchar", 128)),
            Column("CHARACTER_MAXIMUM_LENGTH", SQLType("int")),
            Column("NUMERIC_PRECISION", SQLType("tinyint")),
            Column("NUMERIC_SCALE", SQLType("int")),
            Column("DATETIME_PRECISION", SQLType("smallint")),
        ]
        return StatementResult(result_set=ResultSet(columns, out))


class DuckEngine:
    """A protocol-test engine over one in-memory DuckDB database."""

    utf8_varchar = False

    def __init__(self, user: str = USER, password: str = PASSWORD, database: str = DATABASE):
        self.user = user
        self.password = password
        self.database = database
        self.db = duckdb.connect(":memory:")
        self.fixtures: dict[str, ResultSet] = {}
        self.batches: list[tuple[str, list[Parameter]]] = []
        self.closed_sessions = 0
        self._lock = threading.Lock()

    def check_login(self, user: str, password: str) -> bool:
        return user == self.user and password == self.password

    def open_session(self, user: str, database: str | None) -> DuckSession:
        if database not in (None, "", self.database):
            raise SQLError(4060, f'Cannot open database "{database}" requested by the login.')
        with self._lock:
            return DuckSession(self)


_ODBC_DIR: str | None = None


def ensure_odbc() -> list[str]:
    """Register both drivers in a private odbcinst.ini (once) and return the drivers found."""
    global _ODBC_DIR
    if _ODBC_DIR is None:
        directory = os.environ.get("ODBCSYSINI")
        if not directory or not os.path.exists(os.path.join(directory, "odbcinst.ini")):
            directory = tempfile.mkdtemp(prefix="tds-odbc-")
            odbc.register_drivers(directory)
            os.environ["ODBCSYSINI"] = directory
        _ODBC_DIR = directory
    return list(odbc.available_drivers())


def connect(
    server: SQLDWEmulatorServer,
    driver: str,
    *,
    encrypt: bool = True,
    password: str = PASSWORD,
    database: str = DATABASE,
    autocommit: bool = True,
    timeout: int = 10,
) -> pyodbc.Connection:
    """Connect through a real ODBC driver, with the datetimeoffset converter registered."""
    ensure_odbc()
    conn_str = odbc.connection_string(
        driver=driver,
        host="127.0.0.1",
        port=server.port,
        database=database,
        user=USER,
        password=password,
        encrypt=encrypt,
    )
    connection = pyodbc.connect(conn_str, autocommit=autocommit, timeout=timeout)
    connection.add_output_converter(-155, datetimeoffset_from_odbc)
    return connection


def datetimeoffset_from_odbc(raw: bytes) -> datetime.datetime:
    """Decode SQL_SS_TIMESTAMPOFFSET_STRUCT (year..fraction in ns, offset hours/minutes)."""
    import struct

    year, month, day, hour, minute, second, fraction, tz_h, tz_m = struct.unpack("<6hI2h", raw)
    zone = datetime.timezone(datetime.timedelta(hours=tz_h, minutes=tz_m))
    return datetime.datetime(year, month, day, hour, minute, second, fraction // 1000, zone)


MS = odbc.MS_DRIVER
FREETDS = odbc.FREETDS_DRIVER


def driver_params() -> list[t.Any]:
    """Both drivers as pytest params; FreeTDS is optional on machines without root."""
    import pytest

    found = odbc.available_drivers()
    return [
        pytest.param(MS, id="msodbc18", marks=pytest.mark.skipif(
            MS not in found, reason="mssql-python-odbc is not installed")),
        pytest.param(FREETDS, id="freetds", marks=pytest.mark.skipif(
            FREETDS not in found, reason="FreeTDS (tdsodbc) is not installed")),
    ]  # fmt: skip


@contextlib.contextmanager
def running_server(
    engine: t.Any | None = None, *, tls: bool = True
) -> Iterator[tuple[SQLDWEmulatorServer, t.Any]]:
    """A started server on a free loopback port, stopped on exit."""
    engine = engine if engine is not None else DuckEngine()
    server = SQLDWEmulatorServer(engine, "127.0.0.1", 0, tls=tls, default_database=DATABASE)
    server.start()
    try:
        yield server, engine
    finally:
        server.stop()


class ServerProcess:
    """A :class:`DuckEngine` server in a child process (what ``devstack up`` does too).

    pyodbc keeps the GIL during some driver calls (SQLDescribeParam before fast_executemany),
    which deadlocks a server running in the test's own process; a child process avoids that
    and gives benchmarks honest numbers.
    """

    def __init__(self, process: t.Any, port: int) -> None:
        self.process = process
        self.port = port
        self.logins: list[t.Any] = []


@contextlib.contextmanager
def server_process(*, tls: bool = True) -> Iterator[ServerProcess]:
    """Start ``python tds_support.py`` and yield once it reports its port."""
    import subprocess
    import sys

    command = [sys.executable, __file__] + ([] if tls else ["--no-tls"])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"test server did not start: {line!r}")
        yield ServerProcess(process, int(line.split()[1]))
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _main() -> None:
    import sys

    server = SQLDWEmulatorServer(
        DuckEngine(), "127.0.0.1", 0, tls="--no-tls" not in sys.argv, default_database=DATABASE
    )
    server.start()
    print(f"ready {server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    _main()
