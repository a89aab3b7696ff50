"""Throughput of target-azure-sqldw next to two references, measured in the same run.

Writes ``--records`` contacts-like Singer RECORD messages (Unicode strings, ints, floats,
booleans, timestamps, a nested object, an array) to a file, starts its own devstack (Azurite
and the SQL DW emulator), and feeds the file on stdin to three processes:

- **floor**: a bare loop that parses each line with orjson and writes gzip CSV;
- **sdk discard**: a minimal singer-sdk target whose sink drops every record (the framework's
  own per-record overhead: parsing, validation, batching);
- **target**: target-azure-sqldw loading into the emulator (``bulk_load_method`` copy by
  default), end to end: staging, upload, COPY INTO, merge, STATE.

It reports records/s of each, the ratios, and each process's peak RSS (from ``wait4``).

    .venv/bin/python bench/target_bench.py [--records 1000000] [--method copy] [--repeat 3]

With ``--repeat N`` the floor and the target run N times, alternating, and the medians are
compared: a single run of the floor takes seconds and varies by a third on a shared machine.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

REPO = pathlib.Path(__file__).resolve().parents[1]
STREAM = "contacts"

SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "external_id": {"type": ["integer", "null"]},
        "name": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "role": {"type": ["string", "null"]},
        "score": {"type": ["number", "null"]},
        "unsubscribed": {"type": ["boolean", "null"]},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "location": {
            "type": ["object", "null"],
            "properties": {
                "city": {"type": ["string", "null"]},
                "country": {"type": ["string", "null"]},
            },
        },
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
    "required": ["id"],
}
NAMES = ["Zoë", "José", "Łukasz", "李雷", "Ana María", "Søren", "Ærøskøbing", "O'Brien", "Émile"]
CITIES = ["Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "Dublin", "New York, NY"]


def write_input(path: pathlib.Path, records: int) -> None:
    """Write SCHEMA, ``records`` RECORD messages and a final STATE to ``path``.

    Args:
        path: The file to write.
        records: How many records.
    """
    import json

    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            json.dumps({"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA,
                        "key_properties": ["id"]}) + "\n"
        )  # fmt: skip
        for i in range(records):
            base = 1_500_000_000 + i * 7
            record = {
                "id": f"c{i:08d}",
                "external_id": i * 13,
                "name": f"{rng.choice(NAMES)} {i} 😀",
                "email": f"user{i}@example.com",
                "role": rng.choice(["user", "lead", None]),
                "score": round(rng.random() * 1000, 3),
                "unsubscribed": rng.random() < 0.1,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base)) + ".123456Z",
                "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + 60)) + "Z",
                "location": {"city": rng.choice(CITIES), "country": "CH"},
                "tags": ["vip", "new\nline"] if i % 3 == 0 else [],
            }
            out.write(
                json.dumps({"type": "RECORD", "stream": STREAM, "record": record},
                           ensure_ascii=False) + "\n"
            )  # fmt: skip
        out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: i}}}) + "\n")


# Child modes ----------------------------------------------------------------------------------


def floor_main() -> None:
    """Parse stdin's lines with orjson and write the records as gzip CSV (the floor)."""
    import orjson

    out_dir = pathlib.Path(tempfile.mkdtemp(prefix="bench-floor-"))
    with gzip.open(out_dir / "part.csv.gz", "wt", compresslevel=1, newline="") as raw:
        writer = csv.writer(raw)
        columns = list(SCHEMA["properties"])
        for line in sys.stdin.buffer:
            message = orjson.loads(line)
            if message["type"] != "RECORD":
                continue
            record = message["record"]
            row = []
            for name in columns:
                value = record.get(name)
                if isinstance(value, (dict, list)):
                    value = orjson.dumps(value).decode()
                row.append(value)
            writer.writerow(row)
    for child in out_dir.iterdir():
        child.unlink()
    out_dir.rmdir()


def discard_main() -> None:
    """Run a minimal singer-sdk target whose sink discards every record."""
    from singer_sdk import Target
    from singer_sdk.sinks import BatchSink

    class DiscardSink(BatchSink):
        def process_batch(self, context: dict) -> None:
            """Drop the batch."""

        def process_record(self, record: dict, context: dict) -> None:
            """Drop the record."""

    class DiscardTarget(Target):
        name = "target-discard"
        config_jsonschema: t.ClassVar[dict] = {"type": "object", "properties": {}}
        default_sink_class = DiscardSink

    DiscardTarget.cli(["--config", "ENV"], standalone_mode=False)


# Measurement -----------------------------------------------------------------------------------


def run_child(
    label: str, argv: list[str], input_path: pathlib.Path, env: dict[str, str], records: int
) -> dict[str, float]:
    """Run one child on the input file; return its wall time, records/s and peak RSS."""
    log = input_path.parent / f"{label}.log"
    with input_path.open("rb") as stdin, log.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{label} failed with status {process.returncode}:\n{tail}")
    result = {
        "seconds": seconds,
        "records_per_s": records / seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    print(
        f"{label:12s} {seconds:8.1f} s {result['records_per_s']:10.0f} rec/s "
        f"peak RSS {result['peak_rss_mb']:6.0f} MB",
        flush=True,
    )
    return result


def count_rows(env: dict[str, str], schema: str) -> int:
    """Rows in the loaded table."""
    import pyodbc

    connection = pyodbc.connect(env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    try:
        return int(connection.execute(f"SELECT COUNT(*) FROM [{schema}].[{STREAM}]").fetchval())
    finally:
        connection.close()


def main() -> None:
    """Parse arguments, start the devstack, run the three measurements and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--method", choices=["copy", "polybase"], default="copy")
    parser.add_argument("--batch-size", type=int, default=0, help="batch_size_rows (0: default)")
    parser.add_argument("--only", choices=["floor", "discard", "target"], action="append")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the floor and the target (medians)"
    )
    parser.add_argument("--mode", choices=["floor", "discard"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "floor":
        floor_main()
        return
    if args.mode == "discard":
        discard_main()
        return

    only = set(args.only or ["floor", "discard", "target"])
    with tempfile.TemporaryDirectory(prefix="target-bench-") as tmp:
        work = pathlib.Path(tmp)
        input_path = work / "input.jsonl"
        started = time.perf_counter()
        write_input(input_path, args.records)
        size_mb = input_path.stat().st_size / 1e6
        print(
            f"input: {args.records} records, {size_mb:.0f} MB, "
            f"written in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_")}
        me = [sys.executable, str(pathlib.Path(__file__).resolve())]
        runs: dict[str, list[dict[str, float]]] = {}

        def measure(name: str, argv: list[str], env: dict[str, str]) -> None:
            runs.setdefault(name, []).append(run_child(name, argv, input_path, env, args.records))

        stack: t.Any = None
        values: dict[str, str] = {}
        try:
            if "target" in only:
                from devstack.stack import Stack, StackOptions

                stack = Stack(work / "devstack")
                values = stack.up(StackOptions(services=("azurite", "sqldw")))
                if "ODBCSYSINI" in values:
                    os.environ["ODBCSYSINI"] = values["ODBCSYSINI"]
            if "discard" in only:
                # The framework's own overhead is steady and slow: measured once.
                measure("sdk discard", [*me, "--mode", "discard"], base_env)
            # The floor and the target alternate, so that both see the same machine.
            for repeat in range(args.repeat):
                if "floor" in only:
                    measure("floor", [*me, "--mode", "floor"], base_env)
                if "target" in only:
                    schema = f"bench_{int(time.time())}_{repeat}"
                    env = {
                        **base_env,
                        **values,
                        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
                        "TARGET_AZURE_SQLDW_BULK_LOAD_METHOD": args.method,
                    }
                    if args.batch_size:
                        env["TARGET_AZURE_SQLDW_BATCH_SIZE_ROWS"] = str(args.batch_size)
                    argv = [sys.executable, "-m", "target_azure_sqldw", "--config", "ENV"]
                    measure("target", argv, env)
                    rows = count_rows(values, schema)
                    print(f"target table rows: {rows}", flush=True)
                    if rows != args.records:
                        raise SystemExit(f"expected {args.records} rows, found {rows}")
        finally:
            if stack is not None:
                stack.down()
        report(runs)


def report(runs: dict[str, list[dict[str, float]]]) -> None:
    """Print each measurement's median records/s and peak RSS, and the target's ratios."""
    medians = {
        name: statistics.median(r["records_per_s"] for r in results)
        for name, results in runs.items()
    }
    print("median of", {name: len(results) for name, results in runs.items()}, "runs:")
    for name, results in runs.items():
        rss = max(r["peak_rss_mb"] for r in results)
        print(f"  {name:12s} {medians[name]:10.0f} rec/s  peak RSS {rss:6.0f} MB")
    if "target" in medians:
        for name in ("floor", "sdk discard"):
            if name in medians:
                print(f"target / {name}: {medians['target'] / medians[name]:.2f}x")


if __name__ == "__main__":
    main()
