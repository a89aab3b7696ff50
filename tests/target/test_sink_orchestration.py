"""The sink's orchestration with real Azurite uploads and a connector that records SQL.

The recording connector stands in for the warehouse only (the SQL DW emulator is not in this
suite yet): it answers catalog queries from a dict and records every statement, so these tests
check what is staged, which statements run in which order, and that blobs and staging tables
are cleaned up when a load fails.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import time
import typing as t

import pytest

from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.errors import TargetError
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.sql_types import ColumnType
from target_azure_sqldw.stage.blob_store import BlobStage
from tests.target.recording_connector import SCHEMA, RecordingConnector, lines, make_target

if t.TYPE_CHECKING:
    pass


@pytest.mark.parametrize("method", ["polybase", "copy"])
def test_batch_is_staged_loaded_merged_and_cleaned(
    blob_stage: BlobStage, method: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target, connector = make_target(blob_stage, method)
    records = [
        {"id": 1, "tenant": 2, "name": "a"},
        {"id": 2, "tenant": 1, "name": "b|\n"},
        {"id": 1, "tenant": 2, "name": "last"},
    ]
    target.listen(io.StringIO(lines(records)))
    sql = connector.sql()
    create = next(i for i, s in enumerate(sql) if s.startswith("CREATE TABLE [dbo].[contacts] ("))
    assert "DISTRIBUTION = HASH([id])" in sql[create]
    load = "CREATE EXTERNAL TABLE" if method == "polybase" else "COPY INTO"
    # The table is created by its first batch: after the batch is staged, before its merge.
    assert next(i for i, s in enumerate(sql) if s.startswith(load)) < create
    assert create < next(i for i, s in enumerate(sql) if s.startswith("DELETE FROM [dbo]"))
    kinds = [kind for kind, _ in connector.log if kind != "query"]
    begin = kinds.index("begin")
    merged = [s.sql.split("\n")[0] for _, s in connector.log[begin:] if _ == "tx"]
    assert merged == [
        "DELETE FROM [dbo].[contacts]",
        "INSERT INTO [dbo].[contacts] ([id], [tenant], [name])",
    ]
    assert sql[-1].startswith("IF OBJECT_ID(N'[dbo].[contacts__stg_")
    assert len(connector.uploaded_at_load) == 1
    assert blob_stage.list_names("stage") == []
    assert capsys.readouterr().out.strip() == json.dumps({"bookmarks": {"contacts": {"n": 3}}})


def test_staged_file_content(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", fail_on="INSERT")
    records = [{"id": 1, "tenant": 2, "name": 'q"uote'}, {"id": 3, "tenant": 4, "name": None}]
    captured: list[bytes] = []

    def grab(statement: Statement, cursor: t.Any = None) -> int:
        if statement.sql.startswith("COPY INTO"):
            name = connector.stage.list_names("stage")[0]
            captured.append(connector.stage.client.download_blob(name).readall())
        return RecordingConnector.execute(connector, statement, cursor)

    connector.execute = grab  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="injected failure on INSERT"):
        target.listen(io.StringIO(lines(records)))
    assert gzip.decompress(captured[0]).decode() == '1,2,"q""uote",0\n3,4,,1\n'


@pytest.mark.parametrize("fail_on", ["CREATE TABLE [dbo].[contacts__stg", "COPY INTO", "INSERT"])
def test_failed_load_cleans_up_and_emits_no_state(
    blob_stage: BlobStage, fail_on: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target, connector = make_target(blob_stage, "copy", fail_on=fail_on)
    with pytest.raises(RuntimeError, match=r"failed|injected"):
        target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    assert blob_stage.list_names("stage") == []
    assert capsys.readouterr().out == ""
    assert connector.sql()[-1].startswith("IF OBJECT_ID(N'[dbo].[contacts__stg_")


def test_bad_value_fails_before_anything_is_uploaded(
    blob_stage: BlobStage, capsys: pytest.CaptureFixture[str]
) -> None:
    target, connector = make_target(blob_stage, "polybase", string_overflow="error")
    records = [{"id": 1, "tenant": 1, "name": "ok"}, {"id": 2, "tenant": 1, "name": "x" * 4001}]
    with pytest.raises(RecordRejectedError) as info:
        target.listen(io.StringIO(lines(records)))
    assert "stream 'contacts', column 'name', record 2 (id=2, tenant=1)" in str(info.value)
    assert not any(s.startswith("CREATE EXTERNAL") for s in connector.sql())
    assert blob_stage.list_names("stage") == []
    assert capsys.readouterr().out == ""


def test_existing_table_is_evolved_not_recreated(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy")
    connector.tables[("dbo", "contacts")] = {
        "id": (ColumnType("bigint"), False),
        "tenant": (ColumnType("smallint"), False),
        "name": (ColumnType("nvarchar", 10), True),
    }
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    ddl = [s for s in connector.sql() if s.startswith(("CREATE TABLE [dbo].[contacts] ", "ALTER"))]
    assert ddl == [
        "ALTER TABLE [dbo].[contacts] ALTER COLUMN [tenant] bigint NOT NULL",
        "ALTER TABLE [dbo].[contacts] ALTER COLUMN [name] nvarchar(4000) NULL",
    ]


def test_transient_error_is_retried_from_the_staging_step(
    blob_stage: BlobStage, capsys: pytest.CaptureFixture[str]
) -> None:
    target, connector = make_target(blob_stage, "copy", fail_on="INSERT")
    connector.failures = 1
    connector.error = "[42000] Pool is warming up. (42109) on {}"
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    sql = connector.sql()
    assert sum(s.startswith("COPY INTO") for s in sql) == 2
    assert sum(s.startswith("INSERT INTO") for s in sql) == 2
    assert connector.resets == 1
    assert blob_stage.list_names("stage") == []
    assert json.loads(capsys.readouterr().out) == {"bookmarks": {"contacts": {"n": 1}}}


def test_permanent_error_is_not_retried(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", fail_on="INSERT")
    connector.error = "[42000] Invalid column name (207) on {}"
    with pytest.raises(RuntimeError, match="207"):
        target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    assert sum(s.startswith("INSERT INTO") for s in connector.sql()) == 1
    assert connector.resets == 0


def test_signal_during_a_load_stops_without_state(
    blob_stage: BlobStage, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM while the loader thread merges: the merge rolls back, no STATE, no blobs."""
    target, connector = make_target(blob_stage, "copy")
    original = connector.execute

    def interrupted(statement: Statement, cursor: t.Any = None) -> int:
        if statement.sql.startswith("INSERT INTO"):
            # Signals reach the main thread, which is waiting for this load.
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
        return original(statement, cursor)

    connector.execute = interrupted  # type: ignore[method-assign]
    previous = signal.signal(signal.SIGTERM, target._handle_termination)
    try:
        with pytest.raises(SystemExit) as info:
            target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert info.value.code == 143
    assert capsys.readouterr().out == ""
    assert blob_stage.list_names("stage") == []
    assert connector.log[-1][0] != "commit"
    assert target.loader.outstanding == 0


def test_schema_change_loads_earlier_records_first(blob_stage: BlobStage) -> None:
    # Two rows per batch: the new sink fills up (and loads) while the old one is not full.
    target, connector = make_target(blob_stage, "copy", batch_size_rows=2)
    wider = {
        "type": "object",
        "properties": {**SCHEMA["properties"], "email": {"type": ["string", "null"]}},
    }
    text = lines([{"id": 1, "tenant": 1, "name": "first"}]).splitlines()
    text.insert(
        -1,
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": "contacts",
                "schema": wider,
                "key_properties": ["id", "tenant"],
            }
        ),
    )
    text.insert(
        -1,
        json.dumps(
            {"type": "RECORD", "stream": "contacts", "record": {"id": 1, "tenant": 1, "email": "e"}}
        ),
    )
    text.insert(
        -1,
        json.dumps(
            {"type": "RECORD", "stream": "contacts", "record": {"id": 2, "tenant": 1, "email": "f"}}
        ),
    )
    target.listen(io.StringIO("\n".join(text) + "\n"))
    sql = [s.split("\n")[0] for s in connector.sql()]
    first_insert = next(i for i, s in enumerate(sql) if s.startswith("INSERT INTO"))
    add_column = sql.index("ALTER TABLE [dbo].[contacts] ADD [email] nvarchar(4000) NULL")
    inserts = [s for s in sql if s.startswith("INSERT INTO")]
    assert first_insert < add_column
    assert inserts == [
        "INSERT INTO [dbo].[contacts] ([id], [tenant], [name])",
        "INSERT INTO [dbo].[contacts] ([id], [tenant], [name], [email])",
    ]


def test_activate_version_drains_then_soft_deletes_older_versions(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", add_record_metadata=True)
    text = lines([{"id": 1, "tenant": 1, "name": "x"}]).splitlines()
    text.insert(-1, json.dumps({"type": "ACTIVATE_VERSION", "stream": "contacts", "version": 7}))
    target.listen(io.StringIO("\n".join(text) + "\n"))
    statements = [s for kind, s in connector.log if kind in {"tx", "auto"}]
    insert = next(i for i, s in enumerate(statements) if s.sql.startswith("INSERT"))
    # The table's own UPDATE (not the fill-in of delete markers in the stage, which the
    # recording connector never sends: its probe for markers finds none).
    update = next(
        i for i, s in enumerate(statements) if s.sql.startswith("UPDATE [dbo].[contacts]\n")
    )
    assert insert < update
    assert statements[update].sql.startswith(
        "UPDATE [dbo].[contacts]\nSET [_sdc_deleted_at] = ?\n"
        "WHERE ([_sdc_table_version] < ? OR [_sdc_table_version] IS NULL) AND "
        "[_sdc_deleted_at] IS NULL\n"
    )
    assert statements[update].params[1] == 7


def test_hard_delete_deletes_old_versions_and_deleted_rows(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", add_record_metadata=True, hard_delete=True)
    text = lines([{"id": 1, "tenant": 1, "name": "x"}]).splitlines()
    text.insert(-1, json.dumps({"type": "ACTIVATE_VERSION", "stream": "contacts", "version": 9}))
    target.listen(io.StringIO("\n".join(text) + "\n"))
    sql = [s.split("\n")[:2] for s in connector.sql() if s.startswith("DELETE")]
    assert ["DELETE FROM [dbo].[contacts]", "WHERE [_sdc_deleted_at] IS NOT NULL"] in sql
    assert [
        "DELETE FROM [dbo].[contacts]",
        "WHERE ([_sdc_table_version] < ? OR [_sdc_table_version] IS NULL)",
    ] in sql


def test_overwrite_empties_the_table_on_the_first_batch_only(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", load_method="overwrite", batch_size_rows=1)
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "a"}, {"id": 2, "tenant": 1}])))
    deletes = [s for s in connector.sql() if s.startswith("DELETE FROM [dbo].[contacts]")]
    assert ["WHERE" in d for d in deletes] == [False, True]
    assert sum(s.startswith("INSERT INTO") for s in connector.sql()) == 2


def test_append_only_never_deletes(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "polybase", load_method="append-only")
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "a"}])))
    assert not any(s.startswith("DELETE") for s in connector.sql())
    insert = next(s for s in connector.sql() if s.startswith("INSERT"))
    assert "ROW_NUMBER" not in insert


def test_truncate_policy_flags_rows(blob_stage: BlobStage) -> None:
    target, connector = make_target(blob_stage, "copy", string_overflow="truncate")
    captured: list[bytes] = []
    original = connector.execute

    def grab(statement: Statement, cursor: t.Any = None) -> int:
        if statement.sql.startswith("COPY INTO"):
            name = connector.stage.list_names("stage")[0]
            captured.append(connector.stage.client.download_blob(name).readall())
        return original(statement, cursor)

    connector.execute = grab  # type: ignore[method-assign]
    records = [{"id": 1, "tenant": 1, "name": "é" * 4001}, {"id": 2, "tenant": 1, "name": "ok"}]
    target.listen(io.StringIO(lines(records)))
    rows = gzip.decompress(captured[0]).decode().splitlines()
    assert rows[0] == '1,1,"' + "é" * 4000 + '",1,0'
    assert rows[1] == '2,1,"ok",0,1'
    create = next(s for s in connector.sql() if s.startswith("CREATE TABLE [dbo].[contacts] ("))
    assert "[_sdc_truncated] bit NULL" in create


def test_fabric_flavor_uses_copy_and_plain_create_table(blob_stage: BlobStage) -> None:
    target, connector = make_target(
        blob_stage, "polybase", flavor="fabric", auth_method="access_token", access_token="t"
    )
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "a"}])))
    sql = connector.sql()
    create = next(s for s in sql if s.startswith("CREATE TABLE [dbo].[contacts] ("))
    assert "WITH (" not in create
    assert "[name] varchar(8000) NULL" in create
    assert any(s.startswith("COPY INTO") for s in sql)
    assert not any("EXTERNAL" in s for s in sql)


def test_settings_that_cannot_work_are_refused(blob_stage: BlobStage) -> None:
    with pytest.raises(TargetError, match="polybase' cannot use storage_sas_token"):
        make_target(blob_stage, "polybase", storage_account_key=None, storage_sas_token="sv=x")
    with pytest.raises(TargetError, match="Fabric has no SQL logins"):
        make_target(blob_stage, "copy", flavor="fabric")
    make_target(blob_stage, "copy", storage_account_key=None, storage_sas_token="sv=x")


def test_orphans_are_swept_before_the_first_upload_and_kept_files_stay(
    blob_stage: BlobStage,
) -> None:
    blob_stage.client.upload_blob("stage/contacts/old-run/batch/part-00000.csv.gz", b"orphan")
    blob_stage.client.upload_blob("elsewhere/keep.txt", b"not ours")
    time.sleep(0.2)
    target, _connector = make_target(
        blob_stage, "copy", orphan_max_age_hours=0.00002, cleanup_staged_files=False
    )
    target.listen(io.StringIO(lines([{"id": 1, "tenant": 1, "name": "x"}])))
    names = [b.name for b in blob_stage.client.list_blobs()]
    assert "stage/contacts/old-run/batch/part-00000.csv.gz" not in names
    assert "elsewhere/keep.txt" in names
    kept = [n for n in names if n.startswith("stage/contacts/")]
    assert len(kept) == 1
    assert kept[0].endswith("/part-00000.csv.gz")
