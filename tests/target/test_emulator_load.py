"""The whole target, end to end: Singer messages in, rows in the SQL DW emulator out.

Runs TargetAzureSQLDW with real uploads to Azurite and real loads through pyodbc and the
Microsoft ODBC driver into the emulator, then reads the table back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import pathlib
import re
import socket
import time
import typing as t
import uuid

import pytest
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.errors import LoadError
from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.names import quote_table
from target_azure_sqldw.target import TargetAzureSQLDW
from tests.target.bad_input_cases import LINE
from tests.target.emulator_runs import (
    blob_stage,
    inject_fault,
    run_cli,
    run_target,
    staged_blobs,
)
from tests.target.load_cases import load_and_check, messages, no_table, read_table, record


def test_copy_into_end_to_end(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    load_and_check(
        {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "e2e-copy"}, capsys
    )


def test_polybase_end_to_end(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    load_and_check(
        {**sqldw_config, "bulk_load_method": "polybase", "storage_prefix": "e2e-polybase"}, capsys
    )


def test_4001_characters_fail_before_anything_reaches_the_warehouse(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-4001",
        "string_overflow": "error",
    }
    stream = f"long_{uuid.uuid4().hex[:6]}"
    records = [record(1, 1, "x" * 4000), record(2, 1, "y" * 4001)]
    with pytest.raises(RecordRejectedError, match="4001 UTF-16 code units"):
        run_target(config, messages(stream, records, 1))
    assert capsys.readouterr().out == ""
    assert no_table(config, stream)
    assert staged_blobs(config) == []


def test_4001_characters_truncated_by_policy(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-trunc",
        "string_overflow": "truncate",
    }
    stream = f"trunc_{uuid.uuid4().hex[:6]}"
    run_target(config, messages(stream, [record(1, 1, "😀" * 2001)], 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    rows = read_table(config, stream)
    assert rows[0][2] == "😀" * 2000


def test_copy_into_column_with_a_quote(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "e2e-quote"}
    stream = f"quote_{uuid.uuid4().hex[:6]}"
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "it's": {"type": "string"}},
    }
    text = "\n".join(
        [
            json.dumps(
                {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]}
            ),
            json.dumps({"type": "RECORD", "stream": stream, "record": {"id": 1, "it's": "x"}}),
            json.dumps({"type": "STATE", "value": {"run": 1}}),
        ]
    )
    run_target(config, text + "\n")
    assert capsys.readouterr().out.strip() == '{"run": 1}'


def test_orphans_older_than_the_threshold_are_swept_at_start_up(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Files a killed run left under the prefix go once they are old; others stay."""
    prefix = f"e2e-sweep-{uuid.uuid4().hex[:6]}"
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": prefix,
        "orphan_max_age_hours": 2 / 3600,
    }
    stage = blob_stage(config)
    orphan = f"{prefix}/contacts/old-run/batch-1/part-00000.csv.gz"
    elsewhere = f"not-{prefix}/contacts/old-run/batch-1/part-00000.csv.gz"
    for name in (orphan, elsewhere):
        stage.client.upload_blob(name, b"left by a killed run", overwrite=True)
    time.sleep(3)
    recent = f"{prefix}/contacts/running/batch-1/part-00000.csv.gz"
    stage.client.upload_blob(recent, b"another run's file, still in use", overwrite=True)
    stream = f"sweep_{uuid.uuid4().hex[:6]}"
    run_target(config, messages(stream, [record(1, 1, "a")], 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    assert [(r[0], r[2]) for r in read_table(config, stream)] == [(1, "a")]
    assert staged_blobs(config) == [recent]
    assert elsewhere in stage.list_names(f"not-{prefix}")
    stage.client.delete_blob(recent)
    stage.client.delete_blob(elsewhere)


@pytest.mark.parametrize("kind", ["transient", "deadlock", "drop"])
def test_injected_faults_are_retried(
    kind: str, sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": f"e2e-fault-{kind}",
        "retry_backoff_seconds": 0.01,
        "max_retries": 5,
    }
    stream = f"fault_{uuid.uuid4().hex[:6]}"
    target = TargetAzureSQLDW(config=config)
    inject_fault(config, kind, 2)
    try:
        target.listen(io.StringIO(messages(stream, [record(1, 1, "a"), record(2, 2, "b")], 1)))
    finally:
        inject_fault(config, "off")
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    assert [(r[0], r[2]) for r in read_table(config, stream)] == [(1, "a"), (2, "b")]
    assert staged_blobs(config) == []


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_persistent_fault_fails_cleanly(
    method: str, sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A load that keeps failing ends the run with no STATE, no rows and no staged blobs."""
    config = {
        **sqldw_config,
        "bulk_load_method": method,
        "storage_prefix": f"e2e-fault-persistent-{method}",
        "retry_backoff_seconds": 0.01,
        "max_retries": 2,
    }
    stream = f"fault_{uuid.uuid4().hex[:6]}"
    target = TargetAzureSQLDW(config=config)
    lines = messages(stream, [record(1, 1, "a")], 1)
    schema_line, rest = lines.split("\n", 1)
    target.listen(io.StringIO(schema_line + "\n"))  # the sink is set up before the faults
    inject_fault(config, "40613", 1000)
    try:
        with pytest.raises(Exception, match="40613"):
            target.listen(io.StringIO(rest))
    finally:
        inject_fault(config, "off")
    assert capsys.readouterr().out == ""
    assert no_table(config, stream)
    assert staged_blobs(config) == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"password": "Wrong-Password-42"}, "Cannot connect to 127.0.0.1:"),
        (
            {"storage_account_key": "d3Jvbmcta2V5" * 7 + "AAAA"},
            "of storage account 'devstoreaccount1': HTTP 403",
        ),
        ({"storage_container": "no-such-container"}, "'no-such-container' of storage account"),
    ],
    ids=["sql-password", "storage-key", "container"],
)
def test_wrong_credentials_give_one_clear_line(
    override: dict[str, str],
    expected: str,
    sqldw_config: dict[str, t.Any],
    tmp_path: pathlib.Path,
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-creds",
        "max_retries": 0,
        **override,
    }
    stream = f"creds_{uuid.uuid4().hex[:6]}"
    result = run_cli(config, messages(stream, [record(1, 1, "a")], 1), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    # The whole stderr: INFO lines (progress), then the one error line, nothing else (no
    # singer-sdk line before it, no traceback).
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-2000:]
    others = [(m["level"], m["logger"], m["message"]) for m in parsed if m and m["level"] != "INFO"]
    assert len(others) == 1, result.stderr[-2000:]
    assert others[0][:2] == ("ERROR", "target-azure-sqldw")
    assert expected in others[0][2]
    for secret in (override.get("password"), override.get("storage_account_key")):
        if secret:
            assert secret not in result.stderr


def test_unreachable_blob_storage_ends_in_one_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    endpoint = f"http://127.0.0.1:{port}/devstoreaccount1"
    config = {**sqldw_config, "storage_blob_endpoint": endpoint, "storage_prefix": "e2e-gone"}
    stream = f"gone_{uuid.uuid4().hex[:6]}"
    result = run_cli(config, messages(stream, [record(1, 1, "a")], 1), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""  # no STATE
    # Everything but the INFO log lines: the one error, with its cause, and nothing else.
    lines = [line for line in result.stderr.splitlines() if " | INFO " not in line]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].split(" | ", 1)[1] == (
        "ERROR    | target-azure-sqldw             | "
        f"Cannot reach blob storage at {endpoint}: HTTPConnection(host='127.0.0.1', "
        f"port={port}): Failed to establish a new connection: [Errno 111] Connection refused"
    )
    assert no_table(config, stream)


@pytest.mark.parametrize(
    ("method", "loading_verbs"),
    # CREATE is the CTAS from the external table; CREATE EXTERNAL TABLE takes no OPTION; no
    # UPDATE: it fills delete markers in the stage, and this batch has none
    # (test_emulator_versions checks a batch that has).
    [
        ("copy", ["COPY", "DELETE", "INSERT"]),
        ("polybase", ["CREATE", "DELETE", "INSERT"]),
    ],
)
def test_loading_statements_carry_the_batch_label_and_the_batch_is_logged(
    method: str,
    loading_verbs: list[str],
    sqldw_config: dict[str, t.Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = {**sqldw_config, "bulk_load_method": method, "storage_prefix": f"e2e-label-{method}"}
    stream = f"label_{uuid.uuid4().hex[:6]}"
    with caplog.at_level("INFO"):
        run_target(config, messages(stream, [record(1, 1, "a"), record(2, 1, "b")], 1))
    capsys.readouterr()
    loaded = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Loaded batch")]
    assert len(loaded) == 1
    # One line per batch with its rows, staged bytes and seconds.
    match = re.fullmatch(
        rf"Loaded batch \S+ of {stream}: 2 rows, (\d+) bytes staged in 1 file\(s\), ([\d.]+) s",
        loaded[0],
    )
    assert match, loaded[0]
    assert int(match.group(1)) > 0
    assert float(match.group(2)) > 0
    connector = AzureSQLDWConnector(config)
    try:
        rows = connector.query(
            Statement(
                "SELECT [label], [command] FROM sys.dm_pdw_exec_requests WHERE [label] LIKE ?",
                (f"target-azure-sqldw:{stream}:%",),
            )
        )
        unlabelled = connector.query(
            Statement(
                "SELECT [command] FROM sys.dm_pdw_exec_requests "
                "WHERE [label] IS NULL AND [command] LIKE ?",
                (f"%{stream}%",),
            )
        )
    finally:
        connector.close()
    verbs = sorted({command.split()[0].upper() for _label, command in rows})
    assert verbs == loading_verbs
    assert len({label for label, _command in rows}) == 1
    # No statement that moves rows ran without the label.
    moving = [
        command
        for (command,) in unlabelled
        if command.split()[0].upper() in {"COPY", "INSERT", "DELETE", "UPDATE", "MERGE"}
        or (command.upper().startswith("CREATE TABLE") and " AS SELECT" in command.upper())
    ]
    assert moving == []


@pytest.mark.fabric_too
def test_copy_with_a_sas_token(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    sas = generate_container_sas(
        account_name=sqldw_config["storage_account"],
        container_name=sqldw_config["storage_container"],
        account_key=sqldw_config["storage_account_key"],
        permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True),
        expiry=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1),
    )
    config = {
        **{k: v for k, v in sqldw_config.items() if k != "storage_account_key"},
        "storage_sas_token": sas,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-sas",
    }
    stream = f"sas_{uuid.uuid4().hex[:6]}"
    run_target(config, messages(stream, [record(1, 1, "sas")], 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    assert [(r[0], r[2]) for r in read_table(config, stream)] == [(1, "sas")]
    assert (
        staged_blobs({**config, "storage_account_key": sqldw_config["storage_account_key"]}) == []
    )


def test_schema_evolution_widens_adds_and_versions(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "e2e-evolve"}
    stream = f"evolve_{uuid.uuid4().hex[:6]}"

    def schema_line(properties: dict[str, t.Any]) -> str:
        schema = {"type": "object", "properties": {"id": {"type": "integer"}, **properties}}
        return json.dumps(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]}
        )

    def record_line(values: dict[str, t.Any]) -> str:
        return json.dumps({"type": "RECORD", "stream": stream, "record": values})

    first = [
        schema_line(
            {
                "short": {"type": "string", "maxLength": 5},
                "n": {"type": "integer", "minimum": 0, "maximum": 100},
                "v": {"type": "integer"},
            }
        ),
        record_line({"id": 1, "short": "abc", "n": 7, "v": 1}),
    ]
    second = [
        schema_line(
            {
                "short": {"type": "string", "maxLength": 50},
                "n": {"type": "integer"},
                "v": {"type": "string", "format": "date"},
                "added": {"type": "boolean"},
            }
        ),
        record_line(
            {"id": 2, "short": "a much longer text", "n": 2**40, "v": "2024-01-02", "added": True}
        ),
    ]
    run_target(config, "\n".join(first) + "\n")
    run_target(config, "\n".join(second) + "\n")
    capsys.readouterr()
    connector = AzureSQLDWConnector(config)
    try:
        columns = {
            name: column.sql for name, (column, _) in connector.table_columns("dbo", stream).items()
        }
        rows = connector.query(
            Statement(
                "SELECT [id], [short], [n], [v], [v__v2], [added] "
                f"FROM {quote_table('dbo', stream)} ORDER BY [id]"
            )
        )
    finally:
        connector.close()
    assert columns["short"] == "nvarchar(50)"
    assert columns["n"] == "bigint"
    assert columns["v"] == "bigint"
    assert columns["v__v2"] == "date"
    assert columns["added"] == "bit"
    assert [tuple(r) for r in rows] == [
        (1, "abc", 7, 1, None, None),
        (2, "a much longer text", 2**40, None, dt.date(2024, 1, 2), True),
    ]


def test_a_batch_split_into_many_files_loads_in_arrival_order(
    sqldw_config: dict[str, t.Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-parts",
        "staging_part_bytes": 2000,
        "add_record_metadata": False,
    }
    stream = f"parts_{uuid.uuid4().hex[:6]}"
    records = [record(i % 37, 1, f"value {i} " + "x" * 40) for i in range(400)]
    with caplog.at_level("INFO"):
        run_target(config, messages(stream, records, 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    loaded = [r.getMessage() for r in caplog.records if "Loaded batch" in r.getMessage()]
    assert len(loaded) == 1
    files = int(loaded[0].split(" in ")[1].split(" file")[0].split()[-1])
    assert files > 5
    rows = read_table(config, stream)
    expected = {i % 37: f"value {i} " + "x" * 40 for i in range(400)}
    assert [(r[0], r[2]) for r in rows] == sorted(expected.items())


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_a_large_batch_is_split_into_60_files_and_loads_whole(
    method: str,
    sqldw_config: dict[str, t.Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A full batch large enough for 60 files of the minimum size is staged as 60 files.

    The minimum is lowered so that a test-sized batch counts as large; the plan is the same.
    """
    config = {
        **sqldw_config,
        "bulk_load_method": method,
        "storage_prefix": f"e2e-split-{method}",
        "batch_size_rows": 600,
        "staging_min_file_bytes": 300,
        "add_record_metadata": False,
    }
    stream = f"split_{uuid.uuid4().hex[:6]}"
    records = [record(i % 250, 1, f"value {i} {uuid.uuid4().hex}") for i in range(600 + 120)]
    with caplog.at_level("INFO"):
        run_target(config, messages(stream, records, 1))
    assert capsys.readouterr().out.strip() == '{"run": 1}'
    loaded = [r.getMessage() for r in caplog.records if "Loaded batch" in r.getMessage()]
    files = [int(m.split(" in ")[1].split(" file")[0].split()[-1]) for m in loaded]
    # The full batch: 60 files of 10 rows; the last 120 rows: a batch cut short by the end
    # of input, written with its own plan until it stopped (12 files of 10 rows).
    assert files == [60, 12]
    expected = {r["id"]: r["the ]name"] for r in records}
    assert [(r[0], r[2]) for r in read_table(config, stream)] == sorted(expected.items())
    assert staged_blobs(config) == []


@pytest.mark.fabric_too
def test_copy_rejection_names_file_and_row_and_cleans_up(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A row the warehouse rejects fails the load, reported by file and row, nothing kept.

    Values are checked before upload, so a rejection needs a file changed on its way to
    storage: the upload is wrapped to corrupt the second row's bigint before it is sent.
    """
    config = {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "e2e-reject"}
    stream = f"reject_{uuid.uuid4().hex[:6]}"
    target = TargetAzureSQLDW(config=config)
    stage = target.blob_stage
    upload = stage.upload

    def corrupting_upload(local: pathlib.Path, blob_name: str) -> int:
        text = gzip.decompress(local.read_bytes()).decode("utf-8")
        assert text.count("123456789") == 1
        local.write_bytes(gzip.compress(text.replace("123456789", "12345x789").encode()))
        return upload(local, blob_name)

    stage.upload = corrupting_upload  # type: ignore[method-assign]
    records = [record(1, 1, "fine"), record(2, 1, "bad", big=123456789), record(3, 1, "fine")]
    with pytest.raises(LoadError) as failure:
        target.listen(io.StringIO(messages(stream, records, 1)))
    message = str(failure.value)
    assert "\n" not in message
    assert f"COPY INTO failed for stream {stream!r}" in message
    # The server's error and the ERRORFILE's reasons both name the file and the row.
    assert "row 2" in message
    assert "part-00000.csv.gz" in message
    assert "rejected rows:" in message
    assert "Row 2:" in message.split("rejected rows:", 1)[1]
    assert capsys.readouterr().out == ""
    assert no_table(config, stream)
    # The batch folder, ERRORFILE output included, is gone.
    assert staged_blobs(config) == []


def test_schema_evolution_rebuild_keeps_old_data_and_layout(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """``incompatible_type_change: rebuild``: CTAS + RENAME OBJECT, old rows kept, same layout.

    The key (the HASH distribution column) is widened, which ALTER COLUMN cannot do, and an
    integer column becomes a date, which only text holds together with the old integers.
    """
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-rebuild",
        "incompatible_type_change": "rebuild",
        "add_record_metadata": False,
    }
    stream = f"rebuild_{uuid.uuid4().hex[:6]}"

    def run(properties: dict[str, t.Any], *rows: dict[str, t.Any]) -> None:
        schema = {"type": "object", "properties": properties}
        lines = [
            json.dumps(
                {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["code"]}
            ),
            *(json.dumps({"type": "RECORD", "stream": stream, "record": r}) for r in rows),
        ]
        run_target(config, "\n".join(lines) + "\n")

    first = {
        "code": {"type": "string", "maxLength": 10},
        "v": {"type": "integer"},
        "ratio": {"type": ["number", "null"]},
    }
    run(first, {"code": "a", "v": 1, "ratio": 0.1}, {"code": "b", "v": 2, "ratio": None})
    second = {
        "code": {"type": "string", "maxLength": 50},
        "v": {"type": "string", "format": "date"},
        "ratio": {"type": ["string", "null"]},
    }
    run(
        second,
        {"code": "c" * 50, "v": "2024-01-02", "ratio": "n/a"},
        {"code": "b", "v": "2024-05-06"},
    )
    capsys.readouterr()
    connector = AzureSQLDWConnector(config)
    try:
        columns = {
            name: column.sql for name, (column, _) in connector.table_columns("dbo", stream).items()
        }
        layout = connector.table_layout("dbo", stream)
        rows = connector.query(
            Statement(
                "SELECT [code], [v], [ratio], [ratio__v2] "
                f"FROM {quote_table('dbo', stream)} ORDER BY [code]"
            )
        )
        leftovers = connector.query(
            Statement("SELECT name FROM sys.tables WHERE name LIKE ?", (f"{stream}[_][_]%",))
        )
    finally:
        connector.close()
    assert columns == {
        "code": "nvarchar(50)",
        "v": "nvarchar(4000)",
        # A float is never turned into text (CAST would round it): it is versioned instead.
        "ratio": "float",
        "ratio__v2": "nvarchar(4000)",
    }
    assert layout is not None
    assert (layout.distribution, layout.hash_column, layout.index) == ("hash", "code", "cci")
    assert [tuple(r) for r in rows] == [
        ("a", "1", 0.1, None),
        ("b", "2024-05-06", None, None),
        ("c" * 50, "2024-01-02", None, "n/a"),
    ]
    assert leftovers == []


@pytest.mark.parametrize("cast_key", [False, True], ids=["key-kept", "key-cast"])
def test_a_rebuild_declares_the_primary_key_again(
    sqldw_config: dict[str, t.Any], caplog: pytest.LogCaptureFixture, cast_key: bool
) -> None:
    """CTAS copies no constraint: the NOT ENFORCED key is declared on the rebuilt table.

    The emulator accepts the constraint without keeping it in a catalog, so the statement
    the target sent is what is checked. A cast key column is kept NOT NULL by ``ISNULL``
    around its CAST (a bare CAST makes a CTAS column nullable), so it gets the key too; the
    emulator's CTAS does not model nullability, so that is checked in the SQL sent.
    """
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "e2e-rebuild-pk",
        "incompatible_type_change": "rebuild",
        "primary_key_not_enforced": True,
        "add_record_metadata": False,
    }
    stream = f"rebuild_pk_{uuid.uuid4().hex[:6]}"

    def run(properties: dict[str, t.Any], row: dict[str, t.Any]) -> None:
        schema = {"type": "object", "properties": properties}
        lines = [
            json.dumps(
                {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["code"]}
            ),
            json.dumps({"type": "RECORD", "stream": stream, "record": row}),
        ]
        run_target(config, "\n".join(lines) + "\n")

    run({"code": {"type": "integer"}, "v": {"type": "integer"}}, {"code": 1, "v": 1})
    key = {"type": "string"} if cast_key else {"type": "integer"}
    with caplog.at_level("DEBUG", logger="target_azure_sqldw.load.connector"):
        second = {"code": "2" if cast_key else 2, "v": "2024-01-02"}
        run({"code": key, "v": {"type": "string", "format": "date"}}, second)
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SQL: ")]
    renamed = [i for i, sql in enumerate(sent) if sql.startswith("SQL: RENAME OBJECT")]
    assert len(renamed) == 2
    declared = [sql for sql in sent if "ADD CONSTRAINT" in sql]
    assert declared == [
        f"SQL: ALTER TABLE [dbo].[{stream}] ADD CONSTRAINT [pk_{stream}] "
        "PRIMARY KEY NONCLUSTERED ([code]) NOT ENFORCED"
    ]
    assert sent.index(declared[0]) > renamed[1]
    (ctas,) = [sql for sql in sent if sql.startswith(f"SQL: CREATE TABLE [dbo].[{stream}__new_")]
    if cast_key:
        assert "ISNULL(CAST([code] AS nvarchar(4000)), N'') AS [code]" in ctas
    else:
        assert "    [code] AS [code]" in ctas
    rows = read_values(config, stream)
    assert rows == [("1", "1"), ("2", "2024-01-02")]


def read_values(config: dict[str, t.Any], table: str) -> list[tuple]:
    connector = AzureSQLDWConnector(config)
    try:
        sql = f"SELECT CAST([code] AS nvarchar(20)), [v] FROM {quote_table('dbo', table)}"
        return sorted(tuple(r) for r in connector.query(Statement(sql + " ORDER BY 1")))
    finally:
        connector.close()


def test_an_interrupted_rebuild_is_not_papered_over(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A table renamed away by a rebuild that died mid-swap stops the run, naming the fix."""
    config = {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "e2e-rebuild-cut"}
    stream = f"cut_{uuid.uuid4().hex[:6]}"
    connector = AzureSQLDWConnector(config)
    old = f"{stream}__old_0123abcd"
    try:
        connector.execute(
            Statement(
                f"CREATE TABLE {quote_table('dbo', old)} ([id] bigint NOT NULL) "
                "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
            )
        )
        with pytest.raises(LoadError, match=f"RENAME OBJECT \\[dbo\\]\\.\\[{old}\\] TO"):
            run_target(config, messages(stream, [record(1, 1, "a")], 1))
        assert connector.table_columns("dbo", stream) == {}
    finally:
        connector.execute(Statement(f"DROP TABLE {quote_table('dbo', old)}"))
        connector.close()
    assert capsys.readouterr().out == ""
