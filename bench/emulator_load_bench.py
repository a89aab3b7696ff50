"""Load throughput of the SQL DW emulator's engine: COPY INTO and PolyBase from gzip CSV.

Starts its own Azurite (in memory, on a free port), uploads ``--files`` gzip CSV blobs of
``--rows`` rows in total (id bigint, name nvarchar(40), amount decimal(18,4), ts datetime2(6),
flag bit, note nvarchar(200) with quotes and commas), then loads them through the engine's
Session API with COPY INTO and with PolyBase (external table + CTAS) and reports rows/s.

    .venv/bin/python bench/emulator_load_bench.py [--rows 1000000] [--files 8] [--repeat 3]
        [--ts-type 'DATETIME2(7)' | 'DATETIMEOFFSET(7)']   (the ts column's type; text-stored
        temporal types go through the emulator's canonicalizing macros)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import io
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import time
import typing as t

from azure.storage.blob import BlobServiceClient

from devstack.sqldw_emulator.engine import DuckDBEngine, EngineConfig

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "devstoreaccount1"
# Azurite's documented development key: public, not a secret.
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO = pathlib.Path(__file__).resolve().parents[1]
AZURITE = REPO / "devstack" / "node_modules" / ".bin" / "azurite-blob"
COLUMNS = (
    "(id BIGINT NOT NULL, name NVARCHAR(40), amount DECIMAL(18,4), ts DATETIME2(6), flag BIT, "
    "note NVARCHAR(200))"
)


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
    """One gzip CSV part with a header row."""
    base = datetime.datetime(2024, 1, 1)
    out = io.StringIO()
    out.write("id,name,amount,ts,flag,note\n")
    for i in range(start, start + count):
        ts = (base + datetime.timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
        out.write(f'{i},name {i % 997},{i % 100000}.{i % 10000:04d},{ts},{i % 2},'
                  f'"note, ""{i}"" ✓"\n')  # fmt: skip
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=1)


def run(sql: str, session: t.Any) -> int:
    """Execute a batch; returns the last row count."""
    count = 0
    for result in session.execute(sql):
        if result.rowcount is not None:
            count = result.rowcount
    return count


def main() -> None:
    """Run the benchmark and print rows/s per load method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ts-type", default="DATETIME2(6)")
    args = parser.parse_args()
    columns = COLUMNS.replace("DATETIME2(6)", args.ts_type)
    with azurite() as endpoint:
        service = BlobServiceClient.from_connection_string(
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={endpoint};"
        )
        container = service.create_container("stage")
        per_file = args.rows // args.files
        started = time.perf_counter()
        size = 0
        for index in range(args.files):
            data = make_csv(index * per_file, per_file)
            size += len(data)
            container.upload_blob(f"bench/part-{index:05d}.csv.gz", data)
        total = per_file * args.files
        print(f"staged {total:,} rows in {args.files} gzip CSV files ({size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        engine = DuckDBEngine(
            EngineConfig(
                login="bench",
                password="bench",
                database="bench",
                azurite_blob_endpoint=endpoint,
            )
        )
        session = engine.open_session("bench", "bench")
        run(
            f"""
            CREATE MASTER KEY;
            CREATE DATABASE SCOPED CREDENTIAL cred WITH IDENTITY = 'bench', SECRET = '{KEY}';
            CREATE EXTERNAL DATA SOURCE src WITH (TYPE = HADOOP,
                LOCATION = 'wasbs://stage@{ACCOUNT}.blob.core.windows.net', CREDENTIAL = cred);
            CREATE EXTERNAL FILE FORMAT gz WITH (FORMAT_TYPE = DELIMITEDTEXT,
                FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"', FIRST_ROW = 2),
                DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec');
            CREATE EXTERNAL TABLE dbo.ext {columns} WITH (LOCATION = '/bench/',
                DATA_SOURCE = src, FILE_FORMAT = gz, REJECT_TYPE = VALUE, REJECT_VALUE = 0);
            """,
            session,
        )
        timings: dict[str, list[float]] = {"COPY INTO": [], "PolyBase CTAS": []}
        for attempt in range(args.repeat):
            run(f"CREATE TABLE dbo.c{attempt} {columns} WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
                session)  # fmt: skip
            began = time.perf_counter()
            loaded = run(
                f"COPY INTO dbo.c{attempt} FROM 'https://{ACCOUNT}.blob.core.windows.net/stage/"
                f"bench/*.csv.gz' WITH (FILE_TYPE = 'CSV', CREDENTIAL = (IDENTITY = "
                f"'Storage Account Key', SECRET = '{KEY}'), COMPRESSION = 'Gzip', FIRSTROW = 2)",
                session,
            )
            timings["COPY INTO"].append(time.perf_counter() - began)
            assert loaded == total, (loaded, total)
            began = time.perf_counter()
            loaded = run(
                f"CREATE TABLE dbo.p{attempt} WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) "
                "AS SELECT * FROM dbo.ext",
                session,
            )
            timings["PolyBase CTAS"].append(time.perf_counter() - began)
            assert loaded == total, (loaded, total)
        session.close()
        engine.close()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, ts {args.ts_type}")
    for name, values in timings.items():
        best = min(values)
        print(f"{name:14s} {total / best:>12,.0f} rows/s (best of {len(values)}: {best:.2f} s; "
              f"median {statistics.median(values):.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
