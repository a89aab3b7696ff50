"""A tap that goes quiet still gets its records loaded and its STATE written by age.

singer-sdk checks ``batch_max_age_seconds`` only when a record arrives; the target also checks
it while stdin is idle, so records wait at most about that long and the STATE after them goes
out while the input is still open.
"""

from __future__ import annotations

import pathlib
import time
import typing as t
import uuid

from tests.target.emulator_runs import TargetProcess, table_rows

AGE = 2
SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "metric": {"type": "integer"}},
    "required": ["id"],
}


def test_idle_input_is_drained_and_checkpointed_by_age(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    stream = f"idle_{uuid.uuid4().hex[:6]}"
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-idle",
        "batch_max_age_seconds": AGE,
        "add_record_metadata": False,
    }
    target = TargetProcess(config, tmp_path)
    try:
        target.send(
            [
                {"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]},
                *(
                    {"type": "RECORD", "stream": stream, "record": {"id": i, "metric": i}}
                    for i in (1, 2, 3)
                ),
                {"type": "STATE", "value": {"sent": 3}},
            ]
        )
        started = time.monotonic()
        # Nothing more is sent, and stdin stays open.
        line = target.next_line(timeout=60)
        waited = time.monotonic() - started
        assert line == '{"sent": 3}', target.stderr_path.read_text()[-2000:]
        assert table_rows(config, stream, "[id]") == [(1,), (2,), (3,)]
        assert waited < 30
        assert target.process.poll() is None  # still running, input still open
        assert target.finish() == []
    finally:
        target.stop()
    assert target.process.returncode == 0, target.stderr_path.read_text()[-2000:]
