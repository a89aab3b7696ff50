"""STATE leaves the target only after every record received before it is in the warehouse.

In the style of singer-sdk's ``TargetMultipleStateMessages``, but against the emulator and
while the target is still running: the target runs as a process reading a pipe, and each STATE
line it prints is checked against the tables at the moment it is read. Batches are small
(``batch_size_rows``) so sinks fill and load on their own, which must not release STATE, and
``batch_max_age_seconds`` makes a long run checkpoint while input is still arriving.
"""

from __future__ import annotations

import json
import pathlib
import time
import typing as t
import uuid

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.names import quote_table
from tests.target.emulator_runs import TargetProcess

# Long enough that a batch's own load (a few tenths of a second) never reaches it.
AGE = 3
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "metric": {"type": "integer"}},
    "required": ["id"],
}


def wait_for(condition: t.Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def ids_if_exists(connector: AzureSQLDWConnector, table: str) -> set[int]:
    """The committed ids, or none while the target has not created the table yet."""
    if not connector.table_columns("dbo", table):
        return set()
    return committed_ids(connector, table)


def committed_ids(connector: AzureSQLDWConnector, table: str) -> set[int]:
    rows = connector.query(Statement(f"SELECT [id] FROM {quote_table('dbo', table)}"))
    return {int(r[0]) for r in rows}


def test_state_is_emitted_periodically_and_only_after_its_records_are_committed(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    suffix = uuid.uuid4().hex[:6]
    a, b = f"state_a_{suffix}", f"state_b_{suffix}"
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-state",
        "batch_size_rows": 3,
        "batch_max_age_seconds": AGE,
        "add_record_metadata": False,
    }
    sent = {a: 0, b: 0}

    def records(stream: str, count: int) -> list[dict]:
        out = []
        for _ in range(count):
            sent[stream] += 1
            out.append({"type": "RECORD", "stream": stream, "record": {"id": sent[stream]}})
        return out

    def state() -> dict:
        return {"type": "STATE", "value": {a: sent[a], b: sent[b]}}

    connector = AzureSQLDWConnector(sqldw_config)
    target = TargetProcess(config, tmp_path)
    seen: list[dict] = []

    def check(line: str) -> None:
        value = json.loads(line)
        seen.append(value)
        # Every record received before this STATE is committed, in both streams.
        assert set(range(1, value[a] + 1)) <= committed_ids(connector, a), value
        assert set(range(1, value[b] + 1)) <= committed_ids(connector, b), value

    try:
        schemas = [
            {"type": "SCHEMA", "stream": s, "schema": SCHEMA, "key_properties": ["id"]}
            for s in (a, b)
        ]
        target.send(schemas)
        # Three records of input (b's first, a's first two) load every stream; a's next two
        # wait, so the STATE after them must not go out yet.
        target.send([*records(b, 1), *records(a, 4), state()])
        wait_for(lambda: ids_if_exists(connector, a) == {1, 2})
        # The age counts from the target's start (or last full load), before a's first load.
        time.sleep(AGE + 0.5)
        # The first record after the age limit loads every sink, then the STATE goes out,
        # while the input is still open: a long run checkpoints as it goes.
        target.send([*records(a, 1), *records(b, 5), state()])
        line = target.next_line(timeout=60)
        assert line is not None, target.stderr_path.read_text()[-2000:]
        check(line)
        assert seen[0] == {a: 4, b: 1}
        time.sleep(AGE + 0.5)
        target.send([*records(a, 2), state(), *records(b, 1)])
        line = target.next_line(timeout=60)
        assert line is not None, target.stderr_path.read_text()[-2000:]
        check(line)
        target.send([state()])
        for rest in target.finish():
            check(rest)
    finally:
        target.stop()
        connector.close()
    assert target.process.returncode == 0, target.stderr_path.read_text()[-2000:]
    # singer-sdk may repeat an unchanged STATE after a later full load; that is harmless.
    distinct = [value for i, value in enumerate(seen) if i == 0 or value != seen[i - 1]]
    # {a: 7, b: 6} goes out once b's next record completes three records of input since the
    # last load of every stream (batch_size_rows): interleaved streams checkpoint as they go.
    assert distinct == [{a: 4, b: 1}, {a: 5, b: 6}, {a: 7, b: 6}, {a: 7, b: 7}]
