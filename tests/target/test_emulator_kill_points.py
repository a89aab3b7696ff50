"""SIGKILL the target at several points of a load, re-run from its last STATE: same table.

The target runs with ``LOGLEVEL=DEBUG`` so every statement it sends shows on stderr; the
test kills it the moment a chosen statement (the second batch's COPY INTO, its merge DELETE
or INSERT, the first CREATE TABLE) appears, i.e. while that statement may be running on the
server. Whatever STATE it printed before dying must be safe to resume from.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import threading
import typing as t
import uuid

import pytest

from tests.target.emulator_runs import (
    keyed_tap_output,
    resume_lines,
    start_target,
    table_rows,
    write_config,
)

RECORDS = 360
BATCH = 60
STATE_EVERY = 40


def feed(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdin is not None
    try:
        for line in lines:
            process.stdin.write(line + "\n")
        process.stdin.close()
    except (BrokenPipeError, ValueError):
        pass  # killed while reading: expected


@pytest.mark.parametrize(
    ("marker", "occurrence"),
    [
        ("SQL: CREATE TABLE [dbo].[kill_", 1),
        ("SQL: COPY INTO", 2),
        ("SQL: DELETE FROM [dbo].[kill_", 2),
        ("SQL: INSERT INTO [dbo].[kill_", 2),
        ("Loaded batch", 3),
    ],
    ids=["create-table", "copy-into", "merge-delete", "merge-insert", "after-third-batch"],
)
def test_killed_at_a_point_of_the_load_then_resumed(
    marker: str,
    occurrence: int,
    sqldw_config: dict[str, t.Any],
    tmp_path: pathlib.Path,
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "kill-points",
        "batch_size_rows": BATCH,
        "add_record_metadata": False,
    }
    config_file = write_config(config, tmp_path)
    stream = f"kill_{uuid.uuid4().hex[:6]}"
    # Keys repeat (the last of each must win), with STATE every 40 records.
    lines = keyed_tap_output(
        stream, records=RECORDS, keys=100, state_every=STATE_EVERY, state_key="sent"
    )
    expected = sorted({i % 100: (i % 100, i) for i in range(RECORDS)}.values())

    process = start_target(config_file, debug=True)
    killed = threading.Event()

    def watch() -> None:
        assert process.stderr is not None
        seen = 0
        for line in process.stderr:
            if marker in line:
                seen += 1
                if seen == occurrence and not killed.is_set():
                    os.kill(process.pid, signal.SIGKILL)
                    killed.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    feeder = threading.Thread(target=feed, args=(process, lines), daemon=True)
    feeder.start()
    assert process.stdout is not None
    with process:
        printed = process.stdout.read()
    watcher.join(timeout=10)
    assert killed.is_set(), f"the target finished before {marker!r} #{occurrence}"
    states = [json.loads(s) for s in printed.splitlines() if s.strip()]
    last_state = states[-1] if states else None
    if marker == "Loaded batch":
        # Three batches (180 records) were committed: a STATE covering some of them is out.
        assert states, "no STATE was printed although three batches were committed"

    second = start_target(config_file, debug=True)
    out, err = second.communicate("\n".join(resume_lines(lines, last_state)) + "\n", timeout=180)
    assert second.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"sent": RECORDS}
    assert table_rows(config, stream) == expected
