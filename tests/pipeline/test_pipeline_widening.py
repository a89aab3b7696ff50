"""A field that changes type in mid-run reaches the warehouse: the target evolves the column.

``tap-intercom | target-azure-sqldw`` through the devstack's warehouse and Azurite, with a
private Intercom sandbox whose ``schedule`` knob turns one conversation's ``read`` (a
boolean) into text between two search pages. The tap widens the SCHEMA before that record;
the pipe must end cleanly with every conversation landed and the text in the warehouse (by
the target's default ``incompatible_type_change: version_column``, in ``read__v2``; the
earlier rows keep their ``bit`` column).
"""

from __future__ import annotations

import pathlib

import pyodbc

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from tests.pipeline.landed import pipe_once
from tests.pipeline.selection import selected_catalog

TOKEN = "widening-token"


def test_a_type_change_in_mid_run_lands(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    schema = "widening"
    sandbox = Sandbox(SandboxConfig(seed=12, size="small", access_token=TOKEN, port=0)).start()
    try:
        table = sandbox.workspace.conversations
        live = [i for i in range(len(table)) if table.live(i)]
        newest = max(live, key=lambda i: (table.updated[i], i))
        changed = sandbox.workspace.conversation_id(newest)
        sandbox.control(
            schedule=[
                {
                    "path": "/conversations/search",
                    "after": 1,
                    "mutations": [
                        {
                            "op": "update",
                            "kind": "conversations",
                            "ids": [changed],
                            "at": 1_790_000_000,
                            "fields": {"read": "partly"},
                        }
                    ],
                }
            ]
        )
        env = {
            **devstack_env,
            "TAP_INTERCOM_API_URL": sandbox.url,
            "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
            "TAP_INTERCOM_INDEXING_DELAY": "0",
            "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema,
        }
        pipe_once(env, tmp_path, "run", None, selected_catalog(env, tmp_path / "catalog.json"))
        log = (tmp_path / "run.tap.log").read_text()
        assert log.count("did not fit its schema") == 1
        assert "Stream conversations: read did not fit its schema (boolean|null)" in log
        connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
        columns = connection.execute(
            "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'conversations' AND COLUMN_NAME LIKE 'read%'",
            schema,
        ).fetchall()
        assert sorted((str(c[0]), str(c[1])) for c in columns) == [
            ("read", "bit"),
            ("read__v2", "nvarchar"),
        ]
        rows = connection.execute(
            f"SELECT id, [read], [read__v2] FROM [{schema}].[conversations] "
            "WHERE _sdc_deleted_at IS NULL"
        ).fetchall()
        landed = {str(row[0]): (row[1], row[2]) for row in rows}
        assert len(landed) == len(live)
        assert landed[changed] == (None, "partly")
    finally:
        sandbox.stop()
