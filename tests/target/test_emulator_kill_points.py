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
import sys
import threading
import typing as t
import uuid

import pytest

from target_azure_sqldw.connector import AzureSQLDWConnector
from target_azure_sqldw.names import quote_table
from target_azure_sqldw.sql.statement import Statement

SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "v": {"type": "integer"}},
}
RECORDS = 360
BATCH = 60
STATE_EVERY = 40


def tap_output(stream: str) -> list[str]:
    """Records whose keys repeat (the last of each key must win), with STATE every 40."""
    lines = [
        json.dumps({"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]})
    ]
    for i in range(RECORDS):
        lines.append(
            json.dumps({"type": "RECORD", "stream": stream, "record": {"id": i % 100, "v": i}})
        )
        if (i + 1) % STATE_EVERY == 0:
            lines.append(json.dumps({"type": "STATE", "value": {"sent": i + 1}}))
    return lines


def after_state(lines: list[str], state: dict[str, t.Any] | None) -> list[str]:
    """What the tap sends when restarted from ``state``."""
    if state is None:
        return lines
    index = lines.index(json.dumps({"type": "STATE", "value": state}))
    return [lines[0], *lines[index + 1 :]]


def start_target(config_file: pathlib.Path) -> subprocess.Popen[str]:
    env = {**os.environ, "LOGLEVEL": "DEBUG"}
    return subprocess.Popen(
        [sys.executable, "-m", "target_azure_sqldw", "--config", str(config_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def feed(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdin is not None
    try:
        for line in lines:
            process.stdin.write(line + "\n")
        process.stdin.close()
    except (BrokenPipeError, ValueError):
        pass  # killed while reading: expected


def table(config: dict[str, t.Any], stream: str) -> list[tuple]:
    connector = AzureSQLDWConnector(config)
    try:
        sql = f"SELECT [id], [v] FROM {quote_table('dbo', stream)}"
        return sorted(tuple(r) for r in connector.query(Statement(sql)))
    finally:
        connector.close()


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
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    stream = f"kill_{uuid.uuid4().hex[:6]}"
    lines = tap_output(stream)
    expected = sorted({i % 100: (i % 100, i) for i in range(RECORDS)}.values())

    process = start_target(config_file)
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

    second = start_target(config_file)
    out, err = second.communicate("\n".join(after_state(lines, last_state)) + "\n", timeout=180)
    assert second.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"sent": RECORDS}
    assert table(config, stream) == expected
