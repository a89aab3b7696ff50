"""Staging processes through the CLI: the same rows in the warehouse, and none left behind.

The target runs as a user runs it (stdin, a config file) against Azurite and the SQL DW
emulator, with ``staging_processes`` set, and its tables are read back; a target killed
with SIGKILL must not leave its staging processes running.
"""

from __future__ import annotations

import json
import signal
import time
import typing as t
import uuid

import pytest

from tests.target.emulator_runs import (
    interleaved,
    proc_text,
    run_cli,
    running,
    start_target,
    table_rows,
    write_config,
)

if t.TYPE_CHECKING:
    import pathlib


def children(pid: int) -> list[int]:
    """The processes ``pid`` forked that still run (Linux ``/proc``)."""
    try:
        text = proc_text(f"/proc/{pid}/task/{pid}/children")
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_interleaved_streams_load_the_same_rows_with_staging_processes(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, method: str
) -> None:
    """A parent and its child stream, 2,400 groups, batches of 2,000: every row, once."""
    tag = uuid.uuid4().hex[:6]
    tables = {}
    for processes in (0, 2):
        parents, kids = f"sp_parents_{tag}_{processes}", f"sp_parts_{tag}_{processes}"
        config = {
            **sqldw_config,
            "bulk_load_method": method,
            "staging_processes": processes,
            "batch_size_rows": 2000,
            "storage_prefix": f"sp-{tag}-{processes}",
        }
        result = run_cli(config, interleaved(parents, kids, 2400), tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert json.loads(result.stdout.splitlines()[-1]) == {"offset": 2400}
        started = f"{kids}: 2 staging processes decode, check and encode its full chunks"
        assert (started in result.stderr) == (processes == 2)
        tables[processes] = (
            table_rows(config, parents, "[id], [n]"),
            table_rows(config, kids, "[id], [parent_id], [body]"),
        )
    assert tables[2] == tables[0]
    parent_rows, child_rows = tables[2]
    assert parent_rows == [(i, i) for i in range(2400)]
    assert len(child_rows) == 4800
    assert ("1234-2", 1234, "part 2 of 1234") in child_rows


def test_a_killed_target_leaves_no_staging_process_behind(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    stream = f"sp_killed_{uuid.uuid4().hex[:6]}"
    config = {**sqldw_config, "staging_processes": 2, "storage_prefix": f"sp-{stream}"}
    target = start_target(write_config(config, tmp_path))
    assert target.stdin is not None
    lines = interleaved(stream, f"{stream}_parts", 3000)
    for line in lines[:-1000]:
        target.stdin.write(line + "\n")
    target.stdin.flush()
    deadline = time.monotonic() + 60
    while len(children(target.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    staging = children(target.pid)
    assert len(staging) >= 2, "the target started no staging processes"
    target.send_signal(signal.SIGKILL)
    out, _ = target.communicate(timeout=30)
    # Their socket closed with the target: they end on their own, and init reaps them.
    deadline = time.monotonic() + 20
    while any(map(running, staging)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, staging))
    assert out == ""  # nothing was committed, so no STATE
