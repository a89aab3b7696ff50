"""The shell pipe `tap-intercom | target-azure-sqldw` through the whole devstack, twice.

The first run lands the selected streams (tests/pipeline/selection.py); the sandbox is then
mutated and the second run, started from the state file the first wrote, moves only what changed.
"""

from __future__ import annotations

import collections
import json
import os
import pathlib
import subprocess
import sys
import typing as t

import pyodbc
import pytest

from tests.pipeline.landed import (
    assert_delta,
    mutate,
    row_counts,
    sandbox_totals,
    snapshot,
)
from tests.pipeline.selection import PIPELINE_STREAMS, selected_catalog

BIN = pathlib.Path(sys.executable).parent


def run_pipe(
    env: dict[str, str],
    workdir: pathlib.Path,
    name: str,
    state: pathlib.Path | None,
    catalog: pathlib.Path,
) -> tuple[list[dict[str, t.Any]], list[dict[str, t.Any]]]:
    """Run the pipe in bash; return the tap's messages and the states the target emitted.

    A Singer target writes each state it has committed as one JSON value per line.
    """
    tap_out = workdir / f"{name}.tap.jsonl"
    target_out = workdir / f"{name}.target.jsonl"
    state_arg = f"--state {state}" if state else ""
    script = (
        f"set -o pipefail; {BIN}/tap-intercom --config ENV --catalog {catalog} {state_arg}"
        f" 2>{workdir}/{name}.tap.log"
        f" | tee {tap_out} | {BIN}/target-azure-sqldw --config ENV"
        f" >{target_out} 2>{workdir}/{name}.target.log"
    )
    done = subprocess.run(
        ["bash", "-c", script], env={**os.environ, **env}, timeout=600, check=False
    )
    log = (workdir / f"{name}.target.log").read_text()[-2000:]
    assert done.returncode == 0, log
    read = lambda path: [json.loads(line) for line in path.read_text().splitlines()]  # noqa: E731
    return read(tap_out), read(target_out)


def keys_per_stream(messages: list[dict[str, t.Any]]) -> dict[str, set[tuple[t.Any, ...]]]:
    """Distinct primary-key tuples of the RECORD messages, per stream."""
    key_properties: dict[str, list[str]] = {}
    keys: dict[str, set[tuple[t.Any, ...]]] = collections.defaultdict(set)
    for message in messages:
        if message["type"] == "SCHEMA":
            key_properties[message["stream"]] = message.get("key_properties") or []
        elif message["type"] == "RECORD":
            record = message["record"]
            fields = key_properties[message["stream"]]
            keys[message["stream"]].add(tuple(record[field] for field in fields))
    return keys


@pytest.mark.slow
@pytest.mark.parametrize("method", ["polybase", "copy"])
def test_shell_pipe_full_then_incremental(
    devstack_env: dict[str, str], tmp_path: pathlib.Path, method: str
) -> None:
    schema = f"pipe_{method}"
    env = {
        **devstack_env,
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
        "TARGET_AZURE_SQLDW_BULK_LOAD_METHOD": method,
        # Mutations below are stamped "now": let the tap read up to now.
        "TAP_INTERCOM_INDEXING_DELAY": "0",
    }
    catalog = selected_catalog(env, tmp_path / "catalog.json")
    tap_messages, target_messages = run_pipe(env, tmp_path, "first", None, catalog)
    tap_states = [m["value"] for m in tap_messages if m["type"] == "STATE"]
    target_states = target_messages
    assert target_states, "the target emitted no STATE"
    assert target_states[-1] == tap_states[-1]
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(target_states[-1]))

    expected = keys_per_stream(tap_messages)
    assert set(expected) == set(PIPELINE_STREAMS)  # the selection, every stream with records
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    for stream, keys in expected.items():
        landed = connection.execute(f"SELECT COUNT(*) FROM [{schema}].[{stream}]").fetchone()
        assert landed is not None
        assert landed[0] == len(keys), stream
    # ... and what the tap sent is everything the sandbox serves.
    totals = sandbox_totals(devstack_env)
    assert row_counts(connection, schema, totals) == totals
    before = snapshot(connection, schema, target_states[-1]["bookmarks"])
    changed = mutate(env, contacts=7, conversations=3)
    second_tap, second_target = run_pipe(env, tmp_path, "second", state_file, catalog)
    second = keys_per_stream(second_tap)
    assert len(second["contacts"]) >= 7
    assert len(second["contacts"]) < len(expected["contacts"])
    assert len(second["conversations"]) >= 3
    assert len(second["conversations"]) < len(expected["conversations"])
    assert second_target, "no STATE after the second run"
    assert second_target[-1] == [m for m in second_tap if m["type"] == "STATE"][-1]["value"]

    contacts = connection.execute(f"SELECT COUNT(*) FROM [{schema}].[contacts]").fetchone()
    assert contacts is not None
    assert contacts[0] == len(expected["contacts"])  # updates replaced rows, none duplicated
    conversations = connection.execute(
        f"SELECT COUNT(*) FROM [{schema}].[conversations]"
    ).fetchone()
    assert conversations is not None
    assert conversations[0] == len(expected["conversations"]) + 3
    # The delta is exactly the mutations plus what sat at the bookmark (re-read inclusively).
    assert_delta(connection, schema, before, changed)
    assert row_counts(connection, schema, totals) == sandbox_totals(devstack_env)
