"""Checkpoints with interleaved streams, as the tap emits conversations and their parts.

A parent record, then its two child records, then a STATE, again and again: neither stream's
batch ever leaves the other empty. The target must still write a STATE (once committed) at
least every ``batch_size_rows`` records of input, so that a killed run re-sends about one
batch per stream, not everything since its start.
"""

from __future__ import annotations

import json
import os
import signal
import typing as t
import uuid

from tests.target.emulator_runs import GROUP, TargetProcess, interleaved, run_target, table_rows

if t.TYPE_CHECKING:
    import pathlib

import pytest


def from_state(lines: list[str], offset: int | None) -> list[str]:
    """What the tap sends when started from ``{"offset": offset}``: schemas, then the rest."""
    if offset is None:
        return lines
    index = lines.index(json.dumps({"type": "STATE", "value": {"offset": offset}}))
    return [*lines[:2], *lines[index + 1 :]]


def expected_rows(groups: int) -> tuple[list[tuple[t.Any, ...]], list[tuple[t.Any, ...]]]:
    parents = [(i, i) for i in range(groups)]
    children = sorted((f"{i}-{j}", i) for i in range(groups) for j in (1, 2))
    return parents, children


def check_tables(config: dict[str, t.Any], parents: str, children: str, groups: int) -> None:
    want_parents, want_children = expected_rows(groups)
    assert table_rows(config, parents, "[id], [n]") == want_parents
    assert table_rows(config, children, "[id], [parent_id]") == want_children


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_interleaved_streams_checkpoint_every_batch_of_input(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str], method: str
) -> None:
    batch = 60
    groups = 200
    config = {
        **sqldw_config,
        "bulk_load_method": method,
        "storage_prefix": f"ckpt-{uuid.uuid4().hex[:6]}",
        "batch_size_rows": batch,
    }
    parents, children = f"conv_{uuid.uuid4().hex[:6]}", f"part_{uuid.uuid4().hex[:6]}"
    run_target(config, interleaved(parents, children, groups))
    offsets = [json.loads(line)["offset"] for line in capsys.readouterr().out.splitlines()]
    assert offsets == sorted(set(offsets))
    assert offsets[-1] == groups
    # From the start and between two STATEs, at most one batch of input records (plus the
    # records of a group, since a STATE only follows a whole group).
    gaps = [b - a for a, b in zip([0, *offsets], offsets, strict=False)]
    assert max(gaps) * GROUP <= batch + GROUP, offsets
    assert len(offsets) >= groups * GROUP // batch
    check_tables(config, parents, children, groups)


def test_a_killed_interleaved_run_resends_about_one_batch_per_stream(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    batch = 100
    groups = 600
    sent_groups = 300
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": f"ckpt-kill-{uuid.uuid4().hex[:6]}",
        "batch_size_rows": batch,
        "add_record_metadata": False,
    }
    parents, children = f"conv_{uuid.uuid4().hex[:6]}", f"part_{uuid.uuid4().hex[:6]}"
    lines = interleaved(parents, children, groups)
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
    target = TargetProcess(config, tmp_path / "first")
    last: int | None = None
    try:
        # Half the input; the run stays open (a tap still reading), then is killed once the
        # checkpoints have caught up with what it was sent.
        target.send([json.loads(line) for line in lines[: 2 + sent_groups * 4]])
        caught_up = sent_groups - batch // GROUP - 1
        while last is None or last < caught_up:
            line = target.next_line(timeout=60)
            assert line is not None, target.stderr_path.read_text()[-2000:]
            last = json.loads(line)["offset"]
        os.kill(target.process.pid, signal.SIGKILL)
        target.process.wait(timeout=30)
    finally:
        target.stop()
    assert last is not None
    resent = (sent_groups - last) * GROUP
    # At most one batch per stream (here two streams).
    assert resent <= 2 * batch, (last, resent)

    second = TargetProcess(config, tmp_path / "second")
    try:
        second.send([json.loads(line) for line in from_state(lines, last)])
        rest = second.finish()
    finally:
        second.stop()
    assert second.process.returncode == 0, second.stderr_path.read_text()[-2000:]
    assert json.loads(rest[-1]) == {"offset": groups}
    check_tables(config, parents, children, groups)
