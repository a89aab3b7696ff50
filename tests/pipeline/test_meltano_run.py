"""`meltano run tap-intercom target-azure-sqldw` against the devstack, twice, from stored state."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import typing as t
import urllib.request

import pyodbc
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
STATE_ID = "devstack:tap-intercom-to-target-azure-sqldw"


def meltano(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "meltano"), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def count(connection: pyodbc.Connection, sql: str) -> int:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.slow
def test_meltano_run_then_incremental_from_stored_state(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    env = {
        **devstack_env,
        # A private system database: the test's state never mixes with a user's `make demo`.
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": "meltano_run",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    meltano(env, "install")
    meltano(env, "run", "tap-intercom", "target-azure-sqldw")
    state = json.loads(meltano(env, "state", "get", STATE_ID).stdout)
    assert "contacts" in state["singer_state"]["bookmarks"]

    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    contacts = count(connection, "SELECT COUNT(*) FROM [meltano_run].[contacts]")
    conversations = count(connection, "SELECT COUNT(*) FROM [meltano_run].[conversations]")
    assert contacts > 0
    assert conversations > 0
    batched_sql = "SELECT id, _sdc_batched_at FROM [meltano_run].[contacts]"
    first_batches = dict(connection.execute(batched_sql).fetchall())

    request = urllib.request.Request(
        devstack_env["DEVSTACK_INTERCOM_URL"] + "/_sandbox/control",
        data=json.dumps({"mutations": [{"op": "update", "kind": "contacts", "n": 4}]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, t.Any] = json.load(response)
    updated = set(answer["results"][0])
    assert len(updated) == 4

    meltano(env, "run", "tap-intercom", "target-azure-sqldw")
    second_batches = dict(connection.execute(batched_sql).fetchall())
    reloaded = {key for key, batched in second_batches.items() if batched != first_batches[key]}
    # Only the changed contacts (and at most the few sharing the bookmark's second, which
    # the inclusive window re-reads) moved; nothing was duplicated.
    assert updated <= reloaded
    assert len(reloaded) < contacts // 4
    assert count(connection, "SELECT COUNT(*) FROM [meltano_run].[contacts]") == contacts
