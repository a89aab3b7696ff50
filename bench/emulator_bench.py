"""Per-statement overhead of the SQL DW emulator's TDS front end, through pyodbc.

Measures simple statements per driver (MS ODBC 18, FreeTDS), with TLS on and off: ``SELECT 1``,
a one-row parameterized INSERT, a SELECT by key, a one-row UPDATE and ``sp_executesql`` (an ODBC
``{call}``, i.e. an RPC). ``--engine stub`` serves from a do-nothing engine (the front end's own
cost); ``--engine real`` runs ``python -m devstack.sqldw_emulator`` (front end + dialect engine +
DuckDB). The server always runs in a child process, as under ``devstack up``.

``--compare DIR`` also starts the emulator from another checkout (``DIR/devstack`` first on
PYTHONPATH, e.g. a clone of an older commit) and alternates rounds between the two servers, so
both see the same machine load; it prints both medians and their ratio.

``--load ROWS`` measures a bulk load instead: ROWS rows in ``--files`` gzip CSV blobs in an
Azurite of its own (the rows of ``emulator_load_bench.py``), one ``COPY INTO`` through pyodbc
into a fresh emulator per setting, reporting rows/s and the emulator process's peak RSS
(VmHWM) after the load, first with DuckDB's default memory limit, then with
``--memory-limit`` (the emulator's ``--memory-limit`` / ``devstack up --sqldw-memory-limit``),
and their ratio.

    .venv/bin/python bench/emulator_bench.py [--engine stub|real] [--n 2000] [--compare DIR]
    .venv/bin/python bench/emulator_bench.py --load 1000000 [--files 8] [--memory-limit 1GB]
        [--ts-type 'DATETIME2(7)' | 'DATETIMEOFFSET(7)']
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
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


KEYS = 1000  # rows in the table read and updated by key


@contextlib.contextmanager
def server(
    engine: str, checkout: str | None = None, extra: t.Sequence[str] = ()
) -> t.Iterator[tuple[int, int]]:
    """Start an emulator child process (from ``checkout`` when given); yield its port and pid."""
    if engine == "stub":
        command = [sys.executable, __file__, "--serve-stub"]
    else:
        command = [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0"]
        command += ["--user", USER, "--database", DATABASE, *extra]
    env = dict(os.environ, DEVSTACK_SQLDW_PASSWORD=PASSWORD)
    if checkout is not None:
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(checkout, "devstack"), *sys.path])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"emulator did not start: {line!r}")
        yield int(line.split(" on ")[1].split()[0].split(",")[1]), process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def statements(cursor: t.Any, engine: str, table: str) -> dict[str, t.Callable[[], object]]:
    """The statements measured, as calls on ``cursor`` (tables created first on a real engine)."""
    counter = iter(range(10**9))
    if engine == "real":
        cursor.execute(f"CREATE TABLE {table}_ins (id int, name nvarchar(50))")
        cursor.execute(
            f"CREATE TABLE {table}_key WITH (DISTRIBUTION = HASH(id), HEAP) "
            f"AS SELECT CAST(i AS int) AS id, CAST(CONCAT('name ', i) AS nvarchar(50)) AS name "
            f"FROM (SELECT value AS i FROM GENERATE_SERIES(1, {KEYS}) AS s(value)) AS g"
        )
    by_key = f"SELECT name FROM {table}_key WHERE id = ?"
    by_key_named = f"SELECT name FROM {table}_key WHERE id = @id"
    return {
        "SELECT 1": lambda: cursor.execute("SELECT 1").fetchall(),
        "INSERT (?, ?)": lambda: cursor.execute(
            f"INSERT INTO {table}_ins (id, name) VALUES (?, ?)", next(counter), "x"
        ),
        "SELECT by key": lambda: cursor.execute(by_key, next(counter) % KEYS + 1).fetchall(),
        "UPDATE by key": lambda: cursor.execute(
            f"UPDATE {table}_key SET name = ? WHERE id = ?", "y", next(counter) % KEYS + 1
        ),
        "sp_executesql": lambda: cursor.execute(
            "{call sp_executesql(?, ?, ?)}", by_key_named, "@id int", next(counter) % KEYS + 1
        ).fetchall(),
    }


def samples(fn: t.Callable[[], object], n: int) -> list[float] | str:
    """Milliseconds of n calls, or the error's first line when the statement fails."""
    out = []
    try:
        for _ in range(n):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    except Exception as exc:  # a statement one of the servers does not support
        return str(exc).splitlines()[0][:70]
    return out


def summary(values: list[float] | str) -> str:
    if isinstance(values, str):
        return f"error: {values}"
    values = sorted(values)
    p95 = values[int(len(values) * 0.95)]
    return f"median {statistics.median(values):6.3f} ms   p95 {p95:6.3f} ms"


def bench(ports: list[int], driver: str, encrypt: bool, n: int, engine: str) -> None:
    """Measure every statement on every server, alternating rounds between servers."""
    import pyodbc

    cursors = []
    connections = []
    for index, port in enumerate(ports):
        text = odbc.connection_string(
            driver=driver, host="127.0.0.1", port=port, database=DATABASE, user=USER,
            password=PASSWORD, encrypt=encrypt,
        )  # fmt: skip
        connection = pyodbc.connect(text, autocommit=True)
        connections.append(connection)
        table = f"bench_{'tls' if encrypt else 'plain'}_{abs(hash(driver)) % 10**6}_{index}"
        cursors.append(statements(connection.cursor(), engine, table))
    label = f"{engine:<4} {driver:<30} {'tls' if encrypt else 'plain':<5}"
    rounds = 10
    for name in cursors[0]:
        collected: list[list[float] | str] = [[] for _ in ports]
        for which, calls in enumerate(cursors):
            collected[which] = samples(calls[name], 50)  # warm-up
            collected[which] = []
        for _ in range(rounds):
            for which, calls in enumerate(cursors):
                if isinstance(collected[which], str):
                    continue
                got = samples(calls[name], max(n // rounds, 1))
                if isinstance(got, str):
                    collected[which] = got
                else:
                    t.cast(list, collected[which]).extend(got)
        line = f"{label} {name:<14} {summary(collected[0])}"
        if len(ports) > 1:
            line += f"   | baseline {summary(collected[1])}"
            if not any(isinstance(c, str) for c in collected):
                ratio = statistics.median(t.cast(list, collected[1])) / statistics.median(
                    t.cast(list, collected[0])
                )
                line += f"   x{ratio:4.2f} faster"
        print(line, flush=True)
    for connection in connections:
        connection.close()


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set (VmHWM) in MB."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    msg = f"no VmHWM for pid {pid}"
    raise RuntimeError(msg)


def load(rows: int, files: int, memory_limit: str, ts_type: str) -> None:
    """COPY INTO ``rows`` rows into a fresh emulator per memory setting; rows/s and peak RSS."""
    import pyodbc
    from azure.storage.blob import BlobServiceClient

    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from emulator_load_bench import ACCOUNT, COLUMNS, KEY, azurite, make_csv

    driver = odbc.MS_DRIVER  # the driver production uses
    figures: list[tuple[str, float, float, float, float]] = []
    with azurite() as endpoint:
        service = BlobServiceClient.from_connection_string(
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={endpoint};"
        )
        container = service.create_container("stage")
        per_file = rows // files
        for index in range(files):
            container.upload_blob(
                f"bench/part-{index:05d}.csv.gz", make_csv(index * per_file, per_file)
            )
        total = per_file * files
        copy = (
            f"COPY INTO dbo.loaded FROM 'https://{ACCOUNT}.blob.core.windows.net/stage/bench/"
            f"*.csv.gz' WITH (FILE_TYPE = 'CSV', CREDENTIAL = (IDENTITY = 'Storage Account Key', "
            f"SECRET = '{KEY}'), COMPRESSION = 'Gzip', FIRSTROW = 2)"
        )
        for limit in (None, memory_limit):
            extra = ["--azurite-blob-endpoint", endpoint]
            extra += ["--memory-limit", limit] if limit else []
            with server("real", extra=extra) as (port, pid):
                text = odbc.connection_string(
                    driver=driver, host="127.0.0.1", port=port, database=DATABASE, user=USER,
                    password=PASSWORD,
                )  # fmt: skip
                with pyodbc.connect(text, autocommit=True) as connection:
                    columns = COLUMNS.replace("DATETIME2(6)", ts_type)
                    connection.execute(
                        f"CREATE TABLE dbo.loaded {columns} WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
                    )
                    began = time.perf_counter()
                    loaded = connection.execute(copy).rowcount
                    elapsed = time.perf_counter() - began
                    assert loaded == total, (loaded, total)
                    after_load = peak_rss_mb(pid)
                    cursor = connection.execute("SELECT * FROM dbo.loaded")
                    began = time.perf_counter()
                    read = 0
                    while batch := cursor.fetchmany(10_000):
                        read += len(batch)
                    read_rate = read / (time.perf_counter() - began)
                    assert read == total, (read, total)
                figures.append(
                    (
                        limit or "DuckDB default",
                        total / elapsed,
                        after_load,
                        read_rate,
                        peak_rss_mb(pid),
                    )
                )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {total:,} rows, {files} files, "
          f"ts {ts_type}")  # fmt: skip
    for label, rate, rss, read_rate, read_rss in figures:
        print(f"memory limit {label:<15} COPY INTO {rate:>9,.0f} rows/s, peak RSS {rss:5.0f} MB; "
              f"SELECT * {read_rate:>9,.0f} rows/s, peak RSS {read_rss:5.0f} MB")  # fmt: skip
    (_, rate0, rss0, _, read0), (_, rate1, rss1, _, read1) = figures
    print(f"with {memory_limit}: x{rate1 / rate0:4.2f} the COPY rows/s, x{rss1 / rss0:4.2f} its "
          f"peak RSS, x{read1 / read0:4.2f} the peak RSS after SELECT *")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["stub", "real"], default="stub")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--compare", metavar="DIR", help="also run the emulator of this checkout")
    parser.add_argument("--load", type=int, metavar="ROWS", help="measure a COPY INTO instead")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--ts-type", default="DATETIME2(6)", help="the ts column's type (--load)")
    parser.add_argument("--serve-stub", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub:
        serve_stub()
        return
    odbc_dir = tempfile.mkdtemp(prefix="bench-odbc-")
    odbc.register_drivers(odbc_dir)
    os.environ["ODBCSYSINI"] = odbc_dir
    if args.load:
        load(args.load, args.files, args.memory_limit, args.ts_type)
        return
    with contextlib.ExitStack() as stack:
        ports = [stack.enter_context(server(args.engine))[0]]
        if args.compare:
            ports.append(stack.enter_context(server(args.engine, args.compare))[0])
        for driver in odbc.available_drivers():
            for encrypt in (True, False):
                bench(ports, driver, encrypt, args.n, args.engine)


if __name__ == "__main__":
    main()
