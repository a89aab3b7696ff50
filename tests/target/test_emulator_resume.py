"""Kill the target mid-run and re-run from its last STATE: the table ends as a clean run's."""

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

from target_azure_sqldw.blobstore import BlobStage
from target_azure_sqldw.connector import AzureSQLDWConnector
from target_azure_sqldw.names import quote_table
from target_azure_sqldw.sql.statement import Statement

SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "v": {"type": "integer"}},
}
RECORDS = 400
STATE_EVERY = 50


def messages(stream: str) -> list[str]:
    out = [
        json.dumps({"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]})
    ]
    for i in range(RECORDS):
        # Keys repeat, so the last version of each key must win after any resume.
        out.append(
            json.dumps({"type": "RECORD", "stream": stream, "record": {"id": i % 150, "v": i}})
        )
        if (i + 1) % STATE_EVERY == 0:
            out.append(json.dumps({"type": "STATE", "value": {"offset": i + 1}}))
    return out


def start(config_file: pathlib.Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "target_azure_sqldw", "--config", str(config_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def table_rows(config: dict[str, t.Any], stream: str) -> list[tuple]:
    connector = AzureSQLDWConnector(config)
    try:
        return sorted(
            connector.query(Statement(f"SELECT [id], [v] FROM {quote_table('dbo', stream)}"))
        )
    finally:
        connector.close()


def staged_blobs(config: dict[str, t.Any]) -> list[str]:
    stage = BlobStage(
        account=config["storage_account"],
        container=config["storage_container"],
        account_key=config["storage_account_key"],
        endpoint=config["storage_blob_endpoint"],
    )
    return stage.list_names(config["storage_prefix"])


def resume_lines(lines: list[str], state: dict | None) -> list[str]:
    """What a tap sends when started from ``state``: the schema, then what follows it."""
    if state is None:
        return lines
    index = lines.index(json.dumps({"type": "STATE", "value": state}))
    return [lines[0], *lines[index + 1 :]]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_kill_and_resume_gives_a_clean_runs_table(
    sig: signal.Signals, sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": f"e2e-resume-{sig.name}",
        "batch_size_rows": 60,
        "add_record_metadata": False,
    }
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    stream = f"resume_{uuid.uuid4().hex[:6]}"
    lines = messages(stream)
    expected = sorted({i % 150: (i % 150, i) for i in range(RECORDS)}.values())

    process = start(config_file)
    assert process.stdin is not None
    assert process.stderr is not None
    loaded = threading.Event()
    stderr: list[str] = []

    def watch() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr.append(line)
            if "Loaded batch" in line:
                loaded.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for sent, line in enumerate(lines, start=1):
        process.stdin.write(line + "\n")
        process.stdin.flush()
        if sent > len(lines) // 2 and loaded.wait(timeout=0.01):
            break
    assert loaded.wait(timeout=60), "no batch was loaded before the kill"
    os.kill(process.pid, sig)
    try:
        out, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    watcher.join(timeout=5)
    states = [json.loads(s) for s in out.splitlines() if s.strip()]
    last_state = states[-1] if states else None
    if sig == signal.SIGTERM:
        # SIGTERM drains or aborts cleanly: no traceback, no staged file left behind.
        assert "Traceback" not in "".join(stderr), "".join(stderr)[-2000:]
        assert staged_blobs(config) == []

    second = start(config_file)
    out2, err2 = second.communicate("\n".join(resume_lines(lines, last_state)) + "\n", timeout=120)
    assert second.returncode == 0, err2[-2000:]
    assert json.loads(out2.splitlines()[-1]) == {"offset": RECORDS}
    assert table_rows(config, stream) == [tuple(r) for r in expected]
