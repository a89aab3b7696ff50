"""`meltano run tap-intercom target-azure-sqldw` against the devstack, twice, from stored state.

The tap's ``select`` extra picks tests/pipeline/selection.py's streams.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pyodbc
import pytest

from tests.pipeline.landed import (
    batches,
    control,
    ids_updated_since,
    rewritten,
    row_counts,
    sandbox_totals,
)
from tests.pipeline.selection import PIPELINE_STREAMS, meltano_select

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
        **meltano_select(),
    }
    meltano(env, "install")
    meltano(env, "run", "tap-intercom", "target-azure-sqldw")
    state = json.loads(meltano(env, "state", "get", STATE_ID).stdout)
    assert "contacts" in state["singer_state"]["bookmarks"]

    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    tables = connection.execute(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'meltano_run'"
    ).fetchall()
    assert {str(row[0]) for row in tables} == set(PIPELINE_STREAMS)  # the select extra
    totals = sandbox_totals(devstack_env)
    assert row_counts(connection, "meltano_run", totals) == totals
    contacts = totals["contacts"]
    first_batches = batches(connection, "meltano_run", "contacts")
    bookmark = state["singer_state"]["bookmarks"]["contacts"]["replication_key_value"]
    reread = ids_updated_since(connection, "meltano_run", "contacts", bookmark)

    answer = control(devstack_env, {"mutations": [{"op": "update", "kind": "contacts", "n": 4}]})
    updated = set(map(str, answer["results"][0]))
    assert len(updated) == 4

    meltano(env, "run", "tap-intercom", "target-azure-sqldw")
    second_batches = batches(connection, "meltano_run", "contacts")
    # Exactly the changed contacts, plus those sitting at the bookmark that the inclusive
    # window re-reads, moved; nothing was duplicated.
    assert rewritten(first_batches, second_batches) == updated | reread
    assert len(reread) < contacts // 10
    assert count(connection, "SELECT COUNT(*) FROM [meltano_run].[contacts]") == contacts
