"""Kill the target mid-run and re-run from its last STATE: the table ends as a clean run's."""

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
    staged_blobs,
    start_target,
    table_rows,
    write_config,
)

RECORDS = 400
STATE_EVERY = 50


@pytest.mark.fabric_too
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
    config_file = write_config(config, tmp_path)
    stream = f"resume_{uuid.uuid4().hex[:6]}"
    lines = keyed_tap_output(
        stream, records=RECORDS, keys=150, state_every=STATE_EVERY, state_key="offset"
    )
    expected = sorted({i % 150: (i % 150, i) for i in range(RECORDS)}.values())

    process = start_target(config_file)
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

    second = start_target(config_file)
    out2, err2 = second.communicate("\n".join(resume_lines(lines, last_state)) + "\n", timeout=120)
    assert second.returncode == 0, err2[-2000:]
    assert json.loads(out2.splitlines()[-1]) == {"offset": RECORDS}
    assert table_rows(config, stream) == [tuple(r) for r in expected]
