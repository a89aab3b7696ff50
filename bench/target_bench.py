"""Throughput of target-azure-sqldw on several input mixes, next to two references, in one run.

For each input mix of ``target_mixes.py`` (contacts, typed, wide, intercom-parts,
intercom-contacts) it writes the Singer messages to a file, and feeds the file on stdin to:

- **floor**: a bare loop that parses each line with orjson and writes gzip CSV;
- **sdk discard**: a minimal singer-sdk target whose sink drops every record (the framework's
  own per-record overhead: parsing, validation, batching);
- **target copy** / **target polybase**: target-azure-sqldw loading into its own devstack
  (Azurite and the SQL DW emulator) with each ``bulk_load_method``, end to end: staging,
  upload, COPY INTO or PolyBase, merge, STATE.

The target and the sdk discard run in a virtualenv of their own holding only
``target-azure-sqldw`` and its dependencies (``.venv-plugins/bench-target-<hash>``, built once),
as ``meltano install`` makes for a loader. The development venv also holds numpy, aiohttp and
other test clients, which singer-sdk's joblib and the Azure SDK import when they are present
(about 0.15 s more at each start), and pins SQLAlchemy below the version a user gets. The
target's own modules are compiled to bytecode first, as ``pip install`` does.

It reports records/s of each (medians), the target's ratios to both references, and peak
RSS (from ``wait4``). The floor and the targets alternate ``--repeat`` times, so that all see
the same machine; the framework's overhead is steady and slow, and measured once per mix.

    .venv/bin/python bench/target_bench.py [--records 200000] [--mix typed ...]
        [--method copy|polybase ...] [--repeat 3] [--compare OTHER_CHECKOUT]

``--compare`` also runs the target of another checkout of this repository (its
``target-azure-sqldw`` folder first on ``PYTHONPATH``), alternating with this one, and reports
this tree's records/s over the other's for each mix and method: a before/after ratio measured
on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from target_mixes import MIX_NAMES, Mix, mixes, write_input

from tests.pipeline.plugin_venvs import plugin_venv

REPO = pathlib.Path(__file__).resolve().parents[1]


def plugin_python() -> str:
    """The Python of a virtualenv holding only target-azure-sqldw (editable), as a user's.

    Its name carries a hash of the package's ``pyproject.toml``, so a change of dependencies
    builds a new one.
    """
    import hashlib

    package = REPO / "target-azure-sqldw"
    digest = hashlib.sha1((package / "pyproject.toml").read_bytes()).hexdigest()[:10]
    return str(plugin_venv(f"bench-target-{digest}", "-e", str(package)) / "python")


def compile_package(python: str, package_root: pathlib.Path) -> None:
    """Write the package's bytecode, as ``pip install`` does for a user's install.

    An editable install leaves it to the first import, and none is written where
    ``PYTHONDONTWRITEBYTECODE`` is set (as in some CI and sandbox shells): every run would
    then compile the package's modules again at start-up, which a user's run does not.

    Args:
        python: The interpreter the target runs with.
        package_root: The folder holding ``target_azure_sqldw``.
    """
    subprocess.run(
        [python, "-m", "compileall", "-q", str(package_root / "target_azure_sqldw")], check=True
    )


# Child modes ----------------------------------------------------------------------------------


def floor_main() -> None:
    """Parse stdin's lines with orjson and write the records as gzip CSV (the floor)."""
    import orjson

    out_dir = pathlib.Path(tempfile.mkdtemp(prefix="bench-floor-"))
    with gzip.open(out_dir / "part.csv.gz", "wt", compresslevel=1, newline="") as raw:
        writer = csv.writer(raw)
        columns: list[str] = []
        for line in sys.stdin.buffer:
            message = orjson.loads(line)
            if message["type"] == "SCHEMA":
                columns = list(message["schema"]["properties"])
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
        ended = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{label} failed with status {process.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    result = {
        "seconds": seconds,
        "records_per_s": records / seconds,
        # Records per second of the child's own CPU time: on a shared machine this moves far
        # less with the load than wall time (the emulator's and Azurite's time is not in it).
        "records_per_cpu_s": records / cpu if cpu else 0.0,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    after = seconds_after_input(log, ended)
    if after is not None:
        result["after_input_s"] = after
    print(
        f"{label:16s} {seconds:8.1f} s {result['records_per_s']:10.0f} rec/s "
        f"{result['records_per_cpu_s']:10.0f} rec/cpu-s peak RSS {result['peak_rss_mb']:6.0f} MB"
        + ("" if after is None else f"  after input {after:5.2f} s"),
        flush=True,
    )
    return result


def seconds_after_input(log: pathlib.Path, ended: float) -> float | None:
    """Seconds from the target's "completed processing" log line (input read) to its exit.

    That is the time the run waits for its last batch's load (upload, COPY INTO or PolyBase,
    merge) and STATE: the warehouse's share of the wall time, which no reading overlaps.
    """
    stamp = None
    for line in log.read_text(errors="replace").splitlines():
        if "completed processing" in line:
            stamp = line[:23]
    if stamp is None:
        return None
    try:
        read_at = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
    except ValueError:
        return None
    return max(0.0, ended - read_at)


def count_rows(env: dict[str, str], schema: str, table: str) -> int:
    """Rows in the loaded table."""
    import pyodbc

    connection = pyodbc.connect(env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    try:
        return int(connection.execute(f"SELECT COUNT(*) FROM [{schema}].[{table}]").fetchval())
    finally:
        connection.close()


def main() -> None:
    """Parse arguments, start the devstack, measure every mix and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="per mix (wide: a tenth)")
    parser.add_argument("--mix", choices=MIX_NAMES, action="append", help="default: all")
    parser.add_argument(
        "--method", choices=["copy", "polybase"], action="append", help="default: both"
    )
    parser.add_argument("--batch-size", type=int, default=0, help="batch_size_rows (0: default)")
    parser.add_argument("--only", choices=["floor", "discard", "target"], action="append")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the floor and the target (medians)"
    )
    parser.add_argument(
        "--compare",
        type=pathlib.Path,
        help="another checkout whose target runs next to this one (before/after ratio)",
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
    methods = args.method or ["copy", "polybase"]
    chosen = mixes(args.mix or MIX_NAMES)
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="target-bench-") as tmp:
        work = pathlib.Path(tmp)
        stack: t.Any = None
        values: dict[str, str] = {}
        try:
            if "target" in only:
                from devstack.stack import Stack, StackOptions

                stack = Stack(work / "devstack")
                values = stack.up(StackOptions(services=("azurite", "sqldw")))
                if "ODBCSYSINI" in values:
                    os.environ["ODBCSYSINI"] = values["ODBCSYSINI"]
            for mix in chosen:
                results[mix.name] = measure_mix(mix, args, work, only, methods, values)
        finally:
            if stack is not None:
                stack.down()
    print()
    for name, runs in results.items():
        report(name, runs)


def measure_mix(
    mix: Mix,
    args: argparse.Namespace,
    work: pathlib.Path,
    only: set[str],
    methods: list[str],
    values: dict[str, str],
) -> dict[str, list[dict[str, float]]]:
    """Write the mix's input, then run the references and the targets on it."""
    records = max(1, int(args.records * mix.share))
    input_path = work / f"{mix.name}.jsonl"
    started = time.perf_counter()
    write_input(input_path, mix, records)
    size_mb = input_path.stat().st_size / 1e6
    print(
        f"mix {mix.name}: {records} records, {len(mix.schema['properties'])} properties, "
        f"{size_mb:.0f} MB, written in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_")}
    me = [sys.executable, str(pathlib.Path(__file__).resolve())]
    python = plugin_python() if only & {"discard", "target"} else sys.executable
    if "target" in only:
        compile_package(python, REPO / "target-azure-sqldw")
        if args.compare is not None:
            compile_package(python, args.compare.resolve() / "target-azure-sqldw")
    runs: dict[str, list[dict[str, float]]] = {}

    def measure(name: str, argv: list[str], env: dict[str, str]) -> None:
        runs.setdefault(name, []).append(run_child(name, argv, input_path, env, records))

    if "discard" in only:
        measure("sdk discard", [python, *me[1:], "--mode", "discard"], base_env)
    for repeat in range(args.repeat):
        if "floor" in only:
            measure("floor", [*me, "--mode", "floor"], base_env)
        if "target" not in only:
            continue
        for method in methods:
            schema = f"bench_{mix.name.replace('-', '_')}_{method}_{int(time.time())}_{repeat}"
            env = {
                **base_env,
                **values,
                "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
                "TARGET_AZURE_SQLDW_BULK_LOAD_METHOD": method,
            }
            if args.batch_size:
                env["TARGET_AZURE_SQLDW_BATCH_SIZE_ROWS"] = str(args.batch_size)
            argv = [python, "-m", "target_azure_sqldw", "--config", "ENV"]
            trees: list[tuple[str, pathlib.Path | None]] = [("target", None)]
            if args.compare is not None:
                trees.append(("other", args.compare.resolve() / "target-azure-sqldw"))
            for label, package_root in trees:
                run_env = {**env, "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": f"{schema}_{label}"}
                if package_root is not None:
                    run_env["PYTHONPATH"] = os.pathsep.join(
                        [str(package_root), *filter(None, [env.get("PYTHONPATH")])]
                    )
                measure(f"{label} {method}", argv, run_env)
                rows = count_rows(values, f"{schema}_{label}", mix.stream)
                if rows != records:
                    raise SystemExit(f"{mix.name}: expected {records} rows, found {rows}")
    input_path.unlink()
    return runs


def report(mix: str, runs: dict[str, list[dict[str, float]]]) -> None:
    """Print each measurement's median records/s and peak RSS, and the targets' ratios."""
    medians = {
        name: statistics.median(r["records_per_s"] for r in results)
        for name, results in runs.items()
    }
    counts = {name: len(results) for name, results in runs.items()}
    print(f"{mix}: medians of {counts} runs")
    cpu_medians = {
        name: statistics.median(r["records_per_cpu_s"] for r in results)
        for name, results in runs.items()
    }
    for name, results in runs.items():
        rss = max(r["peak_rss_mb"] for r in results)
        line = f"  {name:16s} {medians[name]:10.0f} rec/s  peak RSS {rss:6.0f} MB"
        if name.startswith("target"):
            for reference in ("floor", "sdk discard"):
                if reference in medians:
                    line += f"  / {reference}: {medians[name] / medians[reference]:.2f}x"
            if "floor" in cpu_medians:
                # The target's own CPU (all its threads) against the floor's: the wall-time
                # ratio without the warehouse's share.
                own = cpu_medians[name] / cpu_medians["floor"]
                line += f"  (per CPU second / floor: {own:.2f}x"
                afters = [r["after_input_s"] for r in results if "after_input_s" in r]
                if afters:
                    line += f"; after input {statistics.median(afters):.2f} s"
                line += ")"
            other = name.replace("target", "other")
            if other in medians:
                line += (
                    f"  / {other}: {medians[name] / medians[other]:.2f}x"
                    f" (per CPU second: {cpu_medians[name]:.0f} / {cpu_medians[other]:.0f}"
                    f" = {cpu_medians[name] / cpu_medians[other]:.3f}x)"
                )
        print(line)


if __name__ == "__main__":
    main()
