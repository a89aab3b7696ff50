"""A conversation deleted in Intercom leaves (or is marked in) the warehouse's conversations table.

``tap-intercom | target-azure-sqldw`` through the devstack's warehouse and Azurite, with a
private Intercom sandbox (its deletions must not change what other tests see): a first run
lands the conversations, the sandbox deletes some, a second run from the target's STATE sends
them as ``{id, _sdc_deleted_at}``; with ``hard_delete: true`` the rows are gone, by default they
stay, with ``_sdc_deleted_at`` set and the rest of their columns as they were.
"""

from __future__ import annotations

import json
import pathlib

import pyodbc
import pytest

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from tests.pipeline.landed import pipe_once
from tests.pipeline.selection import selected_catalog

TOKEN = "deletes-token"
DELETED_AT = 1_790_000_000  # 2026-09-21, after the generated history, before "now"


@pytest.mark.parametrize("hard_delete", [True, False], ids=["hard_delete", "soft_delete"])
def test_deleted_conversations_reach_the_warehouse(
    devstack_env: dict[str, str], tmp_path: pathlib.Path, hard_delete: bool
) -> None:
    schema = f"deletes_{'hard' if hard_delete else 'soft'}"
    sandbox = Sandbox(SandboxConfig(seed=11, size="tiny", access_token=TOKEN, port=0)).start()
    try:
        env = {
            **devstack_env,
            "TAP_INTERCOM_API_URL": sandbox.url,
            "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
            "TAP_INTERCOM_INDEXING_DELAY": "0",
            "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
            "TARGET_AZURE_SQLDW_HARD_DELETE": "true" if hard_delete else "false",
        }
        catalog = selected_catalog(env, tmp_path / "catalog.json")
        state = tmp_path / "state.json"
        state.write_text(pipe_once(env, tmp_path, "first", None, catalog))
        connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
        live = "SELECT id FROM [{0}].[conversations] WHERE _sdc_deleted_at IS NULL"
        before = {str(row[0]) for row in connection.execute(live.format(schema)).fetchall()}
        assert len(before) >= 5
        deleted = set(sandbox.delete_conversations(ids=sorted(before)[:3], at=DELETED_AT))

        pipe_once(env, tmp_path, "second", str(state), catalog)

        rows = connection.execute(
            f"SELECT id, _sdc_deleted_at FROM [{schema}].[conversations]"
        ).fetchall()
        landed = {str(row[0]): row[1] for row in rows}
        kept = {key for key, at in landed.items() if at is None}
        assert kept == before - deleted
        marked = {key for key, at in landed.items() if at is not None}
        if hard_delete:
            assert not marked & deleted
            assert not set(landed) & deleted
        else:
            assert deleted <= marked
            stamps = {str(landed[key])[:19] for key in deleted}
            assert stamps == {"2026-09-21 14:13:20"}
            # A delete record carries only the key: the marked row keeps what it held.
            marked_rows = connection.execute(
                f"SELECT id, created_at, state FROM [{schema}].[conversations]"
                " WHERE _sdc_deleted_at IS NOT NULL"
            ).fetchall()
            assert {str(row[0]) for row in marked_rows} == deleted
            assert all(row[1] is not None and row[2] is not None for row in marked_rows)
        gone = connection.execute(f"SELECT id FROM [{schema}].[deleted_conversations]").fetchall()
        assert deleted <= {str(row[0]) for row in gone}
    finally:
        sandbox.stop()
    assert json.loads(state.read_text())["bookmarks"]
