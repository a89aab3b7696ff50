"""Per-statement overhead of the SQL DW emulator's TDS front end, through pyodbc.

Measures ``SELECT 1`` and a one-row parameterized INSERT per driver (MS ODBC 18, FreeTDS),
with TLS on and off. ``--engine stub`` serves from a do-nothing engine (the front end's own
cost); ``--engine real`` runs ``python -m devstack.sqldw_emulator`` (front end + dialect
engine + DuckDB). The server always runs in a child process, as under ``devstack up``.

    .venv/bin/python bench/emulator_bench.py [--engine stub|real] [--n 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

from devstack import odbc
from devstack.sqldw_emulator.api import Column, ResultSet, SQLType, StatementResult

USER, PASSWORD, DATABASE = "bench", "Bench-pass-1", "benchdb"


class StubSession:
    """Answers every statement instantly: SELECT with one int row, anything else a count."""

    in_transaction = False
    _one = ResultSet([Column("", SQLType("int"))], [(1,)])

    def execute(self, sql: str, params: t.Sequence[t.Any] = ()) -> t.Iterator[StatementResult]:
        if sql.lstrip()[:6].upper() == "SELECT":
            yield StatementResult(result_set=self._one)
        else:
            yield StatementResult(rowcount=1)

    def begin_transaction(self) -> None:
        self.in_transaction = True

    def commit(self) -> None:
        self.in_transaction = False

    def rollback(self) -> None:
        self.in_transaction = False

    def close(self) -> None:
        pass


class StubEngine:
    def check_login(self, user: str, password: str) -> bool:
        return (user, password) == (USER, PASSWORD)

    def open_session(self, user: str, database: str | None) -> StubSession:
        return StubSession()


def serve_stub() -> None:
    from devstack.sqldw_emulator.server import SQLDWEmulatorServer

    server = SQLDWEmulatorServer(StubEngine(), "127.0.0.1", 0, default_database=DATABASE)
    server.start()
    print(f"sqldw-emulator ready on 127.0.0.1,{server.port}", flush=True)
    server.serve_forever()


@contextlib.contextmanager
def server(engine: str) -> t.Iterator[int]:
    if engine == "stub":
        command = [sys.executable, __file__, "--serve-stub"]
    else:
        command = [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0"]
        command += ["--user", USER, "--database", DATABASE]
    env = dict(os.environ, DEVSTACK_SQLDW_PASSWORD=PASSWORD)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"emulator did not start: {line!r}")
        yield int(line.split(" on ")[1].split()[0].split(",")[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def timed(fn: t.Callable[[], object], n: int) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds, of n calls (after 50 warm-up calls)."""
    for _ in range(50):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def bench(port: int, driver: str, encrypt: bool, n: int, engine: str) -> None:
    import pyodbc

    text = odbc.connection_string(
        driver=driver, host="127.0.0.1", port=port, database=DATABASE, user=USER,
        password=PASSWORD, encrypt=encrypt,
    )  # fmt: skip
    connection = pyodbc.connect(text, autocommit=True)
    cursor = connection.cursor()
    table = f"bench_{abs(hash((driver, encrypt)))}"
    if engine == "real":
        cursor.execute(f"CREATE TABLE {table} (id int, name nvarchar(50))")
    results = {
        "SELECT 1": timed(lambda: cursor.execute("SELECT 1").fetchall(), n),
        "INSERT (?, ?)": timed(
            lambda: cursor.execute(f"INSERT INTO {table} (id, name) VALUES (?, ?)", 1, "x"), n
        ),
    }
    connection.close()
    label = f"{driver:<30} {'tls' if encrypt else 'plain':<5}"
    for name, (median, p95) in results.items():
        print(f"{engine:<4} {label} {name:<14} median {median:6.3f} ms   p95 {p95:6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["stub", "real"], default="stub")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--serve-stub", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub:
        serve_stub()
        return
    odbc_dir = tempfile.mkdtemp(prefix="bench-odbc-")
    odbc.register_drivers(odbc_dir)
    os.environ["ODBCSYSINI"] = odbc_dir
    with server(args.engine) as port:
        for driver in odbc.available_drivers():
            for encrypt in (True, False):
                bench(port, driver, encrypt, args.n, args.engine)


if __name__ == "__main__":
    main()
