"""Load throughput of the SQL DW emulator's engine: COPY INTO, PolyBase, the merge, DDL.

Starts its own Azurite (in memory, on a free port), uploads ``--files`` gzip CSV blobs of
``--rows`` rows per shape, then loads them through the engine's Session API (no TDS) and
reports the median seconds of each step:

- **COPY INTO** into a typed HEAP staging table;
- **PolyBase CTAS** from an external table: for ``narrow`` the external table is typed over
  the CSV files; for ``wide``, ``parts`` and ``contacts`` it is text (``nvarchar``) over the
  same rows in target-azure-sqldw's ``escaped`` format (``|`` between fields, no string
  delimiter, backslash escapes), and the CTAS decodes each text column with the target's own
  REPLACE chain and casts each column, as the target stages a batch;
- **merge**: the target's keyed merge of a batch whose keys the final table already holds:
  ``DELETE ... WHERE EXISTS`` of the staged keys, then ``INSERT ... SELECT`` of the newest row
  per key (``ROW_NUMBER() OVER (PARTITION BY key ORDER BY seq DESC) = 1``) from the COPY
  staging table; a text key (``contacts``) compares binary and by ``DATALENGTH``, as the
  target's;
- **CREATE+DROP**: creating and dropping a staging table of the shape's columns beside
  ``--tables`` other tables, then reading ``INFORMATION_SCHEMA.COLUMNS`` (catalog views).

Shapes: ``narrow`` (id bigint, name nvarchar(40), amount decimal(18,4), ts datetime2(6), flag bit,
note nvarchar(200) with quotes and commas); ``wide`` (200 columns of eight kinds, a tenth of
``--rows``); ``parts`` (31 columns as tap-intercom's conversation_parts: HTML bodies of 200 to
3,900 characters, JSON text, timestamps, bits, bigints); ``contacts`` (19 columns as
target_bench.py's contacts mix stages them: Unicode names, e-mails, a float, a bit, two
timestamps, JSON object and array text, the ``_sdc`` columns).

    .venv/bin/python bench/emulator_load_bench.py [--shape narrow|wide|parts|contacts ...]
        [--rows 1000000] [--files 8] [--repeat 3] [--tables 100] [--compare DIR]
        [--ts-type 'DATETIME2(7)' | 'DATETIMEOFFSET(7)']   (narrow's ts column type; text-stored
        temporal types go through the emulator's canonicalizing macros)

``--compare DIR`` runs every step also with the emulator of another checkout (``DIR/devstack``
first on ``PYTHONPATH``), alternating the two in child processes on the same blobs, and prints
the ratio of the medians (this checkout's over DIR's: below 1 is faster).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import io
import json
import os
import pathlib
import random
import socket
import statistics
import subprocess
import sys
import time
import typing as t

from azure.storage.blob import BlobServiceClient

from target_azure_sqldw.encode.formats import escape_field, escaped_decode_sql
from target_azure_sqldw.load.sql.merge import key_equals, key_partition

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ACCOUNT = "devstoreaccount1"
# Azurite's documented development key: public, not a secret.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO = pathlib.Path(__file__).resolve().parents[1]
AZURITE = REPO / "devstack" / "node_modules" / ".bin" / "azurite-blob"
COLUMNS = (
    "(id BIGINT NOT NULL, name NVARCHAR(40), amount DECIMAL(18,4), ts DATETIME2(6), flag BIT, "
    "note NVARCHAR(200))"
)
STEPS = ("COPY INTO", "PolyBase CTAS", "merge", "CREATE+DROP")
#: The collation target-azure-sqldw compares text keys under.
BINARY = "Latin1_General_100_BIN2"


@contextlib.contextmanager
def azurite() -> Iterator[str]:
    """Azurite's blob service on a free port, stopped (by pid) afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port),
         "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        else:
            msg = "azurite did not start"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{port}/{ACCOUNT}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_csv(start: int, count: int) -> bytes:
    """One gzip CSV part of the narrow shape, with a header row."""
    base = datetime.datetime(2024, 1, 1)
    out = io.StringIO()
    out.write("id,name,amount,ts,flag,note\n")
    for i in range(start, start + count):
        ts = (base + datetime.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
        out.write(f'{i},name {i % 997},{i % 100000}.{i % 10000:04d},{ts},{i % 2},'
                  f'"note, ""{i}"" ✓"\n')  # fmt: skip
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=1)


# Shapes ------------------------------------------------------------------------------------

Column = tuple[str, str, "Callable[[int, random.Random], str]"]
_BASE = datetime.datetime(2024, 1, 1)
_WORDS = ["Thanks", "for", "getting", "back", "Zoë", "São Paulo", "東京", "reply", "order",
          "\"quoted\"", "a, b", "<b>bold</b>", "🙂", "invoice", "O'Brien"]  # fmt: skip


def _stamp(i: int, rng: random.Random) -> str:
    moment = _BASE + datetime.timedelta(seconds=i * 7, microseconds=rng.randrange(10**6))
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _words(count: int, rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _body(_i: int, rng: random.Random) -> str:
    """An email-style HTML reply with quoted history, 200 to 3,900 characters."""
    size = rng.randrange(200, 3900)
    text = "<p>" + _words(size // 5, rng) + "</p><blockquote>" + _words(size // 6, rng)
    return (text + "</blockquote>")[:size]


def _parts_columns() -> list[Column]:
    json_author = '{"type": "admin", "id": "%d", "name": "Zoë %d", "email": "a%d@example.com"}'
    columns: list[Column] = [
        ("id", "NVARCHAR(4000)", lambda i, _r: f"part-{i}"),
        ("type", "NVARCHAR(4000)", lambda _i, _r: "conversation_part"),
        ("part_type", "NVARCHAR(4000)", lambda i, _r: ("comment", "note", "assignment")[i % 3]),
        ("body", "NVARCHAR(4000)", _body),
        ("created_at", "DATETIME2(6)", _stamp),
        ("updated_at", "DATETIME2(6)", _stamp),
        ("notified_at", "DATETIME2(6)", _stamp),
        ("assigned_to", "NVARCHAR(4000)", lambda i, _r: "" if i % 4 else '{"type": "team"}'),
        ("author", "NVARCHAR(4000)", lambda i, _r: json_author % (i % 50, i % 50, i % 50)),
        ("attachments", "NVARCHAR(4000)", lambda _i, _r: "[]"),
        ("external_id", "NVARCHAR(4000)", lambda i, _r: "" if i % 5 else f"ext-{i}"),
        ("redacted", "BIT", lambda i, _r: str(i % 2)),
        ("email_message_metadata", "NVARCHAR(4000)",
         lambda i, rng: '{"subject": "' + _words(6, rng).replace('"', "'") + '"}'),
        ("metadata", "NVARCHAR(4000)", lambda _i, _r: "{}"),
        ("state", "NVARCHAR(4000)", lambda i, _r: ("open", "closed")[i % 2]),
        ("tags", "NVARCHAR(4000)", lambda _i, _r: '["vip", "new"]'),
        ("event_details", "NVARCHAR(4000)", lambda _i, _r: ""),
        ("app_package_code", "NVARCHAR(4000)", lambda _i, _r: ""),
        ("conversation_id", "NVARCHAR(4000)", lambda i, _r: str(i // 10)),
        ("conversation_created_at", "DATETIME2(6)", _stamp),
        ("conversation_updated_at", "DATETIME2(6)", _stamp),
        ("conversation_total_parts", "BIGINT", lambda i, _r: str(i % 40)),
        ("conversation_parts_truncated", "BIT", lambda _i, _r: "0"),
    ]  # fmt: skip
    return _with_metadata(columns)


_NAMES = ["Zoë", "José", "Łukasz", "李雷", "Ana María", "Søren", "O'Brien", "Émile"]
_CITIES = ["Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "New York, NY"]


def _contacts_columns() -> list[Column]:
    def location(i: int, rng: random.Random) -> str:
        return json.dumps({"city": rng.choice(_CITIES), "country": "XX"}, ensure_ascii=False)

    columns: list[Column] = [
        ("id", "NVARCHAR(4000)", lambda i, _r: f"contact-{i:08d}"),
        ("external_id", "BIGINT", lambda i, _r: "" if i % 7 == 0 else str(i * 13)),
        ("name", "NVARCHAR(4000)", lambda i, rng: f"{rng.choice(_NAMES)} {i % 1000}"),
        ("email", "NVARCHAR(4000)", lambda i, _r: f"user{i}@example.com"),
        ("role", "NVARCHAR(4000)", lambda i, _r: ("user", "lead")[i % 2]),
        ("score", "FLOAT", lambda _i, rng: repr(rng.random() * 100)),
        ("unsubscribed", "BIT", lambda i, _r: str(i % 2)),
        ("created_at", "DATETIME2(6)", _stamp),
        ("updated_at", "DATETIME2(6)", _stamp),
        ("location", "NVARCHAR(4000)", location),
        ("tags", "NVARCHAR(4000)", lambda i, _r: '["vip", "new"]' if i % 3 else "[]"),
    ]  # fmt: skip
    return _with_metadata(columns)


def _with_metadata(columns: list[Column]) -> list[Column]:
    """The columns followed by the target's ``_sdc_*`` metadata columns."""
    for name in ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "_sdc_deleted_at"):
        columns.append((name, "DATETIME2(6)", _stamp if name != "_sdc_deleted_at" else _none))
    for name in ("_sdc_sequence", "_sdc_table_version", "_sdc_sync_started_at"):
        columns.append((name, "BIGINT", lambda i, _r: str(1_700_000_000_000 + i)))
    return columns


def _none(_i: int, _rng: random.Random) -> str:
    return ""


def _wide_columns() -> list[Column]:
    kinds: list[tuple[str, str, Callable[[int, random.Random], str]]] = [
        ("s", "NVARCHAR(4000)", lambda i, rng: f"text {i} " + _words(3, rng)),
        ("i", "BIGINT", lambda i, _r: str(i * 31)),
        ("f", "FLOAT", lambda _i, rng: repr(rng.random() * 1e6)),
        ("b", "BIT", lambda i, _r: str(i % 2)),
        ("t", "DATETIME2(6)", _stamp),
        ("d", "DECIMAL(38,4)", lambda i, _r: f"{i}.{i % 10000:04d}"),
        ("day", "DATE", lambda i, _r: str(_BASE.date() + datetime.timedelta(days=i % 9000))),
        ("e", "NVARCHAR(64)", lambda i, _r: f"enum-{i % 7}"),
    ]  # fmt: skip
    columns: list[Column] = [("id", "BIGINT", lambda i, _r: str(i))]
    for n in range(1, 200):
        prefix, sql, make = kinds[n % len(kinds)]
        columns.append((f"{prefix}{n:03d}", sql, _sometimes_null(make)))
    return columns


def _sometimes_null(
    make: Callable[[int, random.Random], str],
) -> Callable[[int, random.Random], str]:
    def value(i: int, rng: random.Random) -> str:
        return "" if rng.random() < 0.1 else make(i, rng)

    return value


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def shape_columns(shape: str) -> list[Column]:
    """The columns (name, T-SQL type, value maker) of a wide or parts row; the last is the
    staging sequence, ``_sdc_stage_seq bigint NOT NULL``."""
    makers = {"wide": _wide_columns, "parts": _parts_columns, "contacts": _contacts_columns}
    return [*makers[shape](), ("_sdc_stage_seq", "BIGINT NOT NULL", lambda i, _r: str(i))]


def _escaped_field(text: str, sql: str) -> str:
    """A field of the ``escaped`` format: text escaped, other values as they are, NULL empty."""
    if not text:
        return ""
    return escape_field(text) if sql.startswith("NVARCHAR") else text


def make_shape_csv(shape: str, start: int, count: int, *, escaped: bool = False) -> bytes:
    """One gzip part of a wide, parts or contacts shape: CSV with a header row, or the
    ``escaped`` format without one (the same rows)."""
    columns = shape_columns(shape)
    rng = random.Random(start)
    out = io.StringIO()
    if not escaped:
        out.write(",".join(name for name, _sql, _make in columns) + "\n")
    for i in range(start, start + count):
        texts = [(make(i, rng), sql) for _name, sql, make in columns]
        if escaped:
            out.write("|".join(_escaped_field(text, sql) for text, sql in texts) + "\n")
        else:
            out.write(",".join(_csv_field(text) for text, _sql in texts) + "\n")
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=1)


def shape_rows(shape: str, rows: int) -> int:
    """Rows of a shape for ``--rows`` (a wide row is many values: a tenth as many)."""
    return max(1, rows // 10) if shape == "wide" else rows


# One measurement (in this process, with whichever emulator is importable) -------------------


def _run(sql: str, session: t.Any) -> int:
    """Execute a batch; returns the last row count."""
    count = 0
    for result in session.execute(sql):
        if result.rowcount is not None:
            count = result.rowcount
    return count


def _timed(sql: str, session: t.Any, expected: int | None = None) -> float:
    began = time.perf_counter()
    count = _run(sql, session)
    elapsed = time.perf_counter() - began
    if expected is not None and count != expected:
        msg = f"{sql[:60]}...: {count} rows, expected {expected}"
        raise AssertionError(msg)
    return elapsed


def measure(endpoint: str, shape: str, total: int, tables: int, ts_type: str) -> dict[str, float]:
    """Seconds of each step for one shape, on a new engine."""
    from devstack.sqldw_emulator.engine import DuckDBEngine, EngineConfig

    if shape == "narrow":
        typed = COLUMNS.replace("DATETIME2(6)", ts_type)
        names = ["id", "name", "amount", "ts", "flag", "note"]
        external, selects = typed, "*"
        key, seq = "[id]", "[id]"
    else:
        columns = shape_columns(shape)
        typed = "(" + ", ".join(f"[{name}] {sql}" for name, sql, _make in columns) + ")"
        names = [name for name, _sql, _make in columns]
        external = "(" + ", ".join(
            f"[{name}] {'NVARCHAR(MAX)' if sql.startswith('NVARCHAR(4000)') else 'NVARCHAR(128)'}"
            for name, sql, _make in columns
        ) + ")"  # fmt: skip
        # target-azure-sqldw's CTAS (load/sql/polybase.py): decode, cast, database collation.
        selects = ", ".join(
            f"CAST({escaped_decode_sql(f'[{name}]')} AS {sql}) COLLATE DATABASE_DEFAULT AS [{name}]"
            if sql.startswith("NVARCHAR")
            else f"CAST([{name}] AS {sql.removesuffix(' NOT NULL')}) AS [{name}]"
            for name, sql, _make in columns
        )
        key, seq = "[id]", "[_sdc_stage_seq]"
    cols = ", ".join(f"[{name}]" for name in names)
    # The narrow shape's PolyBase reads its CSV files; the others read the escaped copies.
    folder, file_format = (
        (f"bench/{shape}", "gz") if shape == "narrow" else (f"bench/{shape}-escaped", "escaped")
    )
    engine = DuckDBEngine(
        EngineConfig(login="bench", password="bench", database="bench",
                     azurite_blob_endpoint=endpoint)
    )  # fmt: skip
    session = engine.open_session("bench", "bench")
    heap = "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
    try:
        _run(
            f"""
            CREATE MASTER KEY;
            CREATE DATABASE SCOPED CREDENTIAL cred WITH IDENTITY = 'bench', SECRET = '{KEY}';
            CREATE EXTERNAL DATA SOURCE src WITH (TYPE = HADOOP,
                LOCATION = 'wasbs://stage@{ACCOUNT}.blob.core.windows.net', CREDENTIAL = cred);
            CREATE EXTERNAL FILE FORMAT gz WITH (FORMAT_TYPE = DELIMITEDTEXT,
                FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"', FIRST_ROW = 2),
                DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec');
            CREATE EXTERNAL FILE FORMAT escaped WITH (FORMAT_TYPE = DELIMITEDTEXT,
                FORMAT_OPTIONS (FIELD_TERMINATOR = '|', USE_TYPE_DEFAULT = FALSE,
                    ENCODING = 'UTF8'),
                DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec');
            CREATE EXTERNAL TABLE dbo.ext {external} WITH (LOCATION = '/{folder}/',
                DATA_SOURCE = src, FILE_FORMAT = {file_format}, REJECT_TYPE = VALUE,
                REJECT_VALUE = 0);
            CREATE TABLE dbo.stage {typed} {heap};
            CREATE TABLE dbo.final {typed} {heap};
            """,
            session,
        )
        for index in range(tables):
            _run(f"CREATE TABLE dbo.other{index} {typed} {heap}", session)
        found: dict[str, float] = {}
        found["COPY INTO"] = _timed(
            f"COPY INTO dbo.stage FROM 'https://{ACCOUNT}.blob.core.windows.net/stage/"
            f"bench/{shape}/*.csv.gz' WITH (FILE_TYPE = 'CSV', CREDENTIAL = (IDENTITY = "
            f"'Storage Account Key', SECRET = '{KEY}'), COMPRESSION = 'Gzip', FIRSTROW = 2)",
            session,
            total,
        )
        found["PolyBase CTAS"] = _timed(
            f"CREATE TABLE dbo.polybase {heap} AS SELECT {selects} FROM dbo.ext", session, total
        )
        # The target's merge (load/sql/merge.py): text keys compare binary with DATALENGTH.
        text_key = shape == "contacts"
        partition = key_partition(key, text=text_key, collation=BINARY)
        insert = (
            f"INSERT INTO dbo.final ({cols}) SELECT {cols} FROM (SELECT {cols}, ROW_NUMBER() "
            f"OVER (PARTITION BY {partition} ORDER BY {seq} DESC) AS [__rank] FROM dbo.stage) "
            "AS s WHERE s.[__rank] = 1"
        )
        _run(insert, session)  # the batch's keys are in the table: the DELETE finds them all
        match = key_equals("s.[id]", "dbo.final.[id]", text=text_key, collation=BINARY)
        began = time.perf_counter()
        _run(f"DELETE FROM dbo.final WHERE EXISTS (SELECT 1 FROM dbo.stage AS s WHERE {match})",
             session)  # fmt: skip
        _timed(insert, session, total)
        found["merge"] = time.perf_counter() - began
        began = time.perf_counter()
        _run(f"CREATE TABLE dbo.stage2 {typed} {heap}", session)
        _run("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'stage2'",
             session)  # fmt: skip
        _run("DROP TABLE dbo.stage2", session)
        _run("SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'stage'",
             session)  # fmt: skip
        found["CREATE+DROP"] = time.perf_counter() - began
        return found
    finally:
        session.close()
        engine.close()


# Driver ------------------------------------------------------------------------------------


def _child(checkout: pathlib.Path, job: dict[str, t.Any]) -> dict[str, float]:
    """One measurement in a child process whose ``devstack`` comes from ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "devstack")}
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        msg = f"child for {checkout} failed:\n{done.stderr}"
        raise RuntimeError(msg)
    return t.cast("dict[str, float]", json.loads(done.stdout.strip().splitlines()[-1]))


def _stage(endpoint: str, shapes: list[str], rows: int, files: int) -> dict[str, int]:
    service = BlobServiceClient.from_connection_string(
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint={endpoint};"
    )
    container = service.create_container("stage")
    totals: dict[str, int] = {}
    for shape in shapes:
        count = shape_rows(shape, rows)
        per_file = max(1, count // files)
        started = time.perf_counter()
        size = 0
        for index in range(files):
            start = index * per_file
            data = (
                make_csv(start, per_file)
                if shape == "narrow"
                else make_shape_csv(shape, start, per_file)
            )
            size += len(data)
            container.upload_blob(f"bench/{shape}/part-{index:05d}.csv.gz", data)
            if shape != "narrow":
                escaped = make_shape_csv(shape, start, per_file, escaped=True)
                container.upload_blob(f"bench/{shape}-escaped/part-{index:05d}.txt.gz", escaped)
        totals[shape] = per_file * files
        elapsed = time.perf_counter() - started
        print(f"{shape}: staged {totals[shape]:,} rows in {files} gzip CSV files "
              f"({size / 1e6:.1f} MB) in {elapsed:.1f} s", flush=True)  # fmt: skip
    return totals


def main() -> None:
    """Run the benchmark and print the median seconds per step (and ratios with --compare)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", action="append", choices=("narrow", "wide", "parts", "contacts"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables", type=int, default=100, help="other tables beside the load")
    parser.add_argument("--ts-type", default="DATETIME2(6)")
    parser.add_argument("--compare", metavar="DIR", type=pathlib.Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        print(json.dumps(measure(**job)))
        return
    shapes = args.shape or ["narrow"]
    checkouts = [REPO] + ([args.compare.resolve()] if args.compare else [])
    timings: dict[tuple[str, str, str], list[float]] = {}
    with azurite() as endpoint:
        totals = _stage(endpoint, shapes, args.rows, args.files)
        for _attempt in range(args.repeat):
            for shape in shapes:
                for checkout in checkouts:
                    job = {"endpoint": endpoint, "shape": shape, "total": totals[shape],
                           "tables": args.tables, "ts_type": args.ts_type}  # fmt: skip
                    for step, seconds in _child(checkout, job).items():
                        timings.setdefault((shape, step, str(checkout)), []).append(seconds)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.repeat} runs, "
          f"{args.tables} other tables, narrow ts {args.ts_type}")  # fmt: skip
    header = f"{'shape':7s} {'step':14s} {'rows':>9s} " + " ".join(
        f"{'median s (' + checkout.name + ')':>24s}" for checkout in checkouts
    )
    print(header + ("  ratio" if args.compare else ""))
    for shape in shapes:
        for step in STEPS:
            medians = [statistics.median(timings[(shape, step, str(c))]) for c in checkouts]
            line = f"{shape:7s} {step:14s} {totals[shape]:>9,} " + " ".join(
                f"{median:>24.3f}" for median in medians
            )
            if args.compare:
                line += f"  x{medians[0] / medians[1]:.2f}"
            print(line)


if __name__ == "__main__":
    main()
