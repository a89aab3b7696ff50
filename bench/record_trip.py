"""The trip of one RECORD through target-azure-sqldw's modules, from the reader to the merge.

Starts the devstack (Azurite and the SQL DW emulator), then runs the target in a child
process on a SCHEMA and N RECORDs (the last one is traced), with a profile hook on every
thread (the merge runs on the loader's thread) that records the module of each call inside
``target_azure_sqldw``: from the reader's parsing of the RECORD line to the end of
``_merge`` (in ``sinks``, or ``staged_batches`` since sinks.py was split). Consecutive calls
in the same module are collapsed; a "return" is a step into a module the record had left.

    .venv/bin/python bench/record_trip.py [--compare OTHER_CHECKOUT] [--record N] [--calls]

``--compare`` traces the target of another checkout too (its ``target-azure-sqldw`` folder
first on ``PYTHONPATH``); ``--calls`` also prints the functions called in each module.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    from types import FrameType

PACKAGE = "target_azure_sqldw"
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
}


#: The package of each module before they were moved into packages by role (issue 15).
FORMER_PACKAGE = {
    "reader": "ingest",
    "fastpath": "ingest",
    "chunkpath": "ingest",
    "validation": "ingest",
    "columncheck": "ingest",
    "badinput": "ingest",
    "values": "encode",
    "linecode": "encode",
    "chunkcode": "encode",
    "temporal": "encode",
    "longtext": "encode",
    "staging": "stage",
    "splitting": "stage",
    "blobstore": "stage",
    "bigrows": "stage",
    "loader": "load",
    "bulkload": "load",
    "connector": "load",
    "odbc": "load",
    "auth": "load",
    "tables": "load",
    "evolution": "load",
    "sql": "load",
    "typemap": "schema",
    "sqltypes": "schema",
    "names": "schema",
    "flavor": "schema",
}


def package_of(module: str) -> str:
    """The role package of a module (``ingest``, ``encode``, ...), or the module itself."""
    head = module.split(".")[0]
    return FORMER_PACKAGE.get(head, head)


def messages(stream: str, records: int) -> str:
    """A SCHEMA and ``records`` RECORD messages of ``stream``."""
    lines: list[dict[str, t.Any]] = [
        {"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]}
    ]
    lines += [
        {
            "type": "RECORD",
            "stream": stream,
            "record": {"id": n, "name": "Ada", "updated_at": "2026-12-07T01:00:00Z"},
        }
        for n in range(1, records + 1)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


class Trip:
    """Collects (module, function) of calls inside the package between start and end marks."""

    def __init__(self, record: int) -> None:
        self.record = record
        self.calls: list[tuple[str, str]] = []
        self.parses = 0
        self.on = False
        self.done = False

    def hook(self, frame: FrameType, event: str, arg: t.Any) -> None:
        """The profile function (``sys.setprofile`` and ``threading.setprofile``)."""
        if event not in ("call", "return") or self.done:
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(PACKAGE):
            return
        name = frame.f_code.co_name
        if event == "call":
            if name == "parse" and module.endswith(".reader"):
                self.parses += 1
                # Line 1 is the SCHEMA; the trip starts with the traced RECORD's line.
                self.on = self.on or self.parses == 1 + self.record
            if self.on:
                self.calls.append((module.removeprefix(PACKAGE + ".") or PACKAGE, name))
        elif self.on and name == "_merge" and module.endswith((".sinks", ".staged_batches")):
            self.done = True


def child_main() -> None:
    """Run the target on the messages with the profile hook; print the calls as JSON."""
    from target_azure_sqldw.target import TargetAzureSQLDW

    target = TargetAzureSQLDW(config=None, parse_env_config=True)
    record = int(os.environ["RECORD_TRIP_RECORD"])
    trip = Trip(record)
    stdout = sys.stdout
    sys.stdout = io.StringIO()  # STATE lines
    threading.setprofile(trip.hook)
    sys.setprofile(trip.hook)
    try:
        target.listen(io.StringIO(messages(os.environ["RECORD_TRIP_STREAM"], record)))
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        sys.stdout = stdout
    print(json.dumps({"calls": trip.calls, "complete": trip.done}))


def collapse(calls: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Consecutive calls in one module as one step: (module, functions called there)."""
    steps: list[tuple[str, list[str]]] = []
    for module, function in calls:
        if steps and steps[-1][0] == module:
            if function not in steps[-1][1]:
                steps[-1][1].append(function)
        else:
            steps.append((module, [function]))
    return steps


def returns(steps: list[tuple[str, list[str]]]) -> int:
    """Steps into a module the trip had already left."""
    seen: set[str] = set()
    count = 0
    for module, _ in steps:
        if module in seen:
            count += 1
        seen.add(module)
    return count


def trace(label: str, env: dict[str, str], *, show_calls: bool) -> None:
    """Run one child, print its trip."""
    result = subprocess.run(
        [sys.executable, str(pathlib.Path(__file__).resolve()), "--child"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{label} failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    steps = collapse([tuple(call) for call in report["calls"]])
    modules = [module for module, _ in steps]
    print(
        f"{label}: {len(report['calls'])} calls, {len(steps)} steps, "
        f"{len(set(modules))} modules, {returns(steps)} returns to a module it had left"
        + ("" if report["complete"] else " (no merge reached)")
    )
    print("  " + " → ".join(modules))
    # Up to the loader's thread the record is this record; after, it is a batch being loaded.
    cut = next((i for i, m in enumerate(modules) if m.endswith("loader")), len(modules))
    print(
        f"  reader to the loader: {cut} steps, {returns(steps[:cut])} returns; "
        f"loader to the merge: {len(steps) - cut} steps, {returns(steps[cut:])} returns"
    )
    # The same trip by package: calls into the adapter (singer-sdk's private API) and the
    # schema helpers (names, types) left out, consecutive steps in one package collapsed.
    packages = [package_of(m) for m in modules if package_of(m) not in {"sdk_adapter", "schema"}]
    coarse = collapse([(p, "") for p in packages])
    print(
        f"  by package, adapter and schema helpers left out: {len(coarse)} steps, "
        f"{returns(coarse)} returns: " + " → ".join(p for p, _ in coarse)
    )
    if show_calls:
        for module, functions in steps:
            print(f"    {module}: {', '.join(functions)}")


def main() -> None:
    """Start the devstack and trace this checkout's target (and another's)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=pathlib.Path, help="another checkout to trace too")
    parser.add_argument("--calls", action="store_true", help="print the functions of each step")
    parser.add_argument(
        "--record",
        type=int,
        default=1,
        help="trace the stream's Nth record (1: the first, which also sets up its pipeline)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main()
        return
    from devstack.stack import Stack, StackOptions

    with tempfile.TemporaryDirectory(prefix="record-trip-") as tmp:
        stack = Stack(pathlib.Path(tmp) / "devstack")
        values = stack.up(StackOptions(services=("azurite", "sqldw")))
        try:
            base = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_")}
            trees: list[tuple[str, pathlib.Path | None]] = [("this checkout", None)]
            if args.compare is not None:
                trees.insert(0, (str(args.compare), args.compare.resolve()))
            for label, root in trees:
                stream = f"trip_{int(time.time() * 1000)}"
                env = {
                    **base,
                    **values,
                    "RECORD_TRIP_STREAM": stream,
                    "RECORD_TRIP_RECORD": str(args.record),
                }
                env["TARGET_AZURE_SQLDW_BULK_LOAD_METHOD"] = "copy"
                env["TARGET_AZURE_SQLDW_ADD_RECORD_METADATA"] = "false"
                if root is not None:
                    env["PYTHONPATH"] = str(root / "target-azure-sqldw")
                trace(label, env, show_calls=args.calls)
        finally:
            stack.down()


if __name__ == "__main__":
    main()
