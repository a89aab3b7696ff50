"""The target's ``flavor: fabric`` run for real, against the emulator's Fabric Warehouse mode.

The emulator started with ``--flavor fabric`` refuses what a Fabric Warehouse refuses
(``nvarchar``, ``datetimeoffset``, table options, PolyBase, SQL logins...), so these runs
fail if the target sends Synapse SQL on Fabric. The target signs in with an Entra ID access
token the emulator checks (``auth_method: access_token``) and loads with COPY INTO, as it
must on Fabric whatever ``bulk_load_method`` says (the settings here leave its default,
``polybase``).

One run of each end-to-end suite the Synapse runs have, chosen for the SQL it sends. Suites
whose outcome is the same on both warehouses run on Fabric from their own modules: their tests
are marked ``fabric_too`` and gain a ``[fabric]`` run (tests/target/conftest.py). Where
Fabric's outcome differs (UTF-8 ``varchar`` byte lengths, a rebuild where Synapse alters),
the test is written below, with the Synapse suites' helpers from their helper modules.
"""

from __future__ import annotations

import json
import logging
import threading
import typing as t
import uuid

import pyodbc
import pytest

from devstack.sqldw_emulator.entra import issue_token
from target_azure_sqldw.load.odbc import access_token_attrs, build_connection_string
from tests.target import evolution_cases, key_cases, long_text_cases, versions_cases
from tests.target.bad_input_cases import LINE
from tests.target.emulator_runs import (
    column_types,
    message_text,
    query,
    run_cli,
    run_target,
    staged_blobs,
    start_target,
    write_config,
)
from tests.target.load_cases import load_and_check

if t.TYPE_CHECKING:
    import pathlib


# End to end ---------------------------------------------------------------------------------


def test_every_type_loads_end_to_end_into_fabric_types(
    fabric_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # The Synapse end-to-end check, unchanged: NUL, emoji, composite keys, decimals, edges.
    config = {**fabric_config, "storage_prefix": "fabric-e2e"}
    stream = load_and_check(config, capsys)
    assert column_types(config, stream) == {
        "id": "bigint",
        "ten]ant": "bigint",
        "the ]name": "varchar(8000)",
        "amount": "decimal(38,6)",
        "big": "bigint",
        "ratio": "float",
        "flag": "bit",
        "at": "datetime2(6)",
        "day": "date",
        "doc": "varchar(8000)",
        "tags": "varchar(8000)",
        "_sdc_extracted_at": "datetime2(6)",
        "_sdc_received_at": "datetime2(6)",
        "_sdc_batched_at": "datetime2(6)",
        "_sdc_deleted_at": "datetime2(6)",
        "_sdc_sequence": "bigint",
        "_sdc_table_version": "bigint",
        "_sdc_sync_started_at": "bigint",
    }


# Keys under Fabric's collation ------------------------------------------------------------


@pytest.fixture
def keys_config(fabric_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        **fabric_config,
        "storage_prefix": "fabric-keys",
        "default_target_schema": f"k_{uuid.uuid4().hex[:8]}",
        "add_record_metadata": True,
    }


def utf8_keys(rows: list[tuple[str, str]], n: int = 1) -> list[tuple[t.Any, ...]]:
    """What ``key_cases.landed`` reads for ``(key, value)`` rows: DATALENGTH in UTF-8 bytes."""
    return sorted((k, len(k.encode("utf-8")), n, v) for k, v in rows)


def test_keys_differing_in_case_accents_and_trailing_spaces_stay_apart_on_fabric(
    keys_config: dict[str, t.Any],
) -> None:
    stream = "accounts"
    first = [key_cases.record(stream, k, f"first {i}") for i, k in enumerate(key_cases.KEYS)]
    head = key_cases.schema(stream, ["k"])
    run_target(keys_config, [head, *first, key_cases.record(stream, "abc", "again")])
    run_target(keys_config, [head, key_cases.record(stream, "É", "second")])
    expected = {k: f"first {i}" for i, k in enumerate(key_cases.KEYS)}
    expected["abc"] = "again"
    expected["É"] = "second"
    assert key_cases.landed(keys_config, stream) == utf8_keys(list(expected.items()))


def test_composite_keys_and_hard_delete_compare_exactly_on_fabric(
    keys_config: dict[str, t.Any],
) -> None:
    stream = "members"
    config = {**keys_config, "hard_delete": True}
    head = key_cases.schema(stream, ["k", "n"])
    record = key_cases.record
    run_target(config, [head, *(record(stream, k, "first", n=7) for k in ("a", "A", "a ", "é"))])
    gone = record(stream, "a", "gone", n=7, _sdc_deleted_at="2026-01-02T03:04:05Z")
    run_target(config, [head, record(stream, "A", "second", n=7), record(stream, "A", "x", n=8)])
    run_target(config, [head, gone])
    assert key_cases.landed(config, stream) == [
        ("A", 1, 7, "second"),
        ("A", 1, 8, "x"),
        ("a ", 2, 7, "first"),
        ("é", 2, 7, "first"),
    ]


# Schema evolution: no ALTER COLUMN, so a rebuild --------------------------------------------


def test_schema_evolution_rebuilds_to_wider_types_and_versions_the_rest_on_fabric(
    fabric_config: dict[str, t.Any],
) -> None:
    config = {
        **fabric_config,
        "storage_prefix": "fabric-evolution",
        "default_target_schema": f"ev_{uuid.uuid4().hex[:8]}",
        "add_record_metadata": False,
    }
    evolution_cases.run(config, evolution_cases.INTEGER, [{"id": 1, "code": "a", "n": 5}])
    # Fabric cannot ALTER COLUMN: a wider type (bigint -> decimal) rebuilds the table by CTAS
    # and sp_rename, so the column keeps its rows; a type none holds both (date) is versioned.
    evolution_cases.run(config, evolution_cases.CENTS, [{"id": 2, "code": "b", "n": 1.25}])
    evolution_cases.run(config, evolution_cases.CENTS, [{"id": 3, "code": "c", "n": 2.5}])
    day = {"type": ["string", "null"], "format": "date"}
    evolution_cases.run(config, day, [{"id": 4, "code": "d", "n": "2026-01-02"}])
    # A new property is a new nullable column (ALTER TABLE ... ADD).
    properties = {
        "id": {"type": "integer"},
        "code": {"type": "string", "maxLength": 10},
        "n": evolution_cases.CENTS,
        "note": {"type": ["string", "null"]},
    }
    head = {
        "type": "SCHEMA",
        "stream": evolution_cases.STREAM,
        "schema": {"type": "object", "properties": properties},
        "key_properties": ["id"],
    }
    record = {"id": 5, "code": "e", "n": 0.01, "note": "née"}
    run_target(
        config, [head, {"type": "RECORD", "stream": evolution_cases.STREAM, "record": record}]
    )
    assert evolution_cases.columns(config) == {
        "id": "bigint",
        "code": "varchar(40)",
        "n": "decimal(38,2)",
        "n__v2": "date",
        "note": "varchar(8000)",
    }
    found = [
        (i, None if cents is None else str(cents), None if day is None else str(day), note)
        for i, cents, day, note in evolution_cases.landed(config, "[id], [n], [n__v2], [note]")
    ]
    assert found == [
        (1, "5.00", None, None),
        (2, "1.25", None, None),
        (3, "2.50", None, None),
        (4, None, "2026-01-02", None),
        (5, "0.01", None, "née"),
    ]


# Long texts: varchar(8000), or varchar(max) by choice ----------------------------------------


def test_long_texts_load_whole_on_fabric_with_default_settings(
    fabric_config: dict[str, t.Any],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Fabric has no ALTER COLUMN: `widen` (the default) rebuilds the table by CTAS and
    # sp_rename with the long columns varchar(max), keeping every row and the key.
    config = {
        **fabric_config,
        "storage_prefix": f"fabric-long-{uuid.uuid4().hex[:6]}",
        "batch_size_rows": 2,
    }
    stream = f"long_{uuid.uuid4().hex[:6]}"
    # 2,000 characters of 1 to 4 UTF-8 bytes: 3,332 bytes fit varchar(8000), 5,000 do not.
    fits, too_long = long_text_cases.text_of(2_000, "a:"), long_text_cases.text_of(5_000, "b:")
    assert len(too_long.encode()) == 8_333
    huge = long_text_cases.text_of(2_000_000, "huge:")
    long_json = {"html": long_text_cases.text_of(50_000, "json:"), "n": 1, "nested": [{"x": "y"}]}
    records = [
        {"id": 1, "title": "short", "body": fits, "source": {"a": 1}},
        {"id": 2, "title": "long", "body": too_long, "source": long_json},
        {"id": 3, "title": None, "body": "after", "source": None},
        {"id": 4, "title": "huge", "body": huge, "source": None},
        {"id": 1, "title": "again", "body": too_long + "!", "source": None},
    ]
    with caplog.at_level(logging.WARNING, logger="target_azure_sqldw"):
        long_text_cases.run(config, stream, records)
    assert capsys.readouterr().out.strip() == json.dumps({"done": stream})
    assert long_text_cases.rows(config, stream) == {
        1: ("again", too_long + "!", None),
        2: ("long", too_long, long_json),
        3: (None, "after", None),
        4: ("huge", huge, None),
    }
    columns = column_types(config, stream)
    assert (columns["id"], columns["title"], columns["body"], columns["source"]) == (
        "bigint",
        "varchar(800)",
        "varchar(max)",
        "varchar(max)",
    )
    (warning,) = [
        r.getMessage() for r in caplog.records if "rebuilding the table" in r.getMessage()
    ]
    assert warning.startswith(f"Values longer than their column in dbo.{stream}: body (8333 > ")
    # The copy took the table's name; the old table is gone.
    tables = query(
        config,
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE LEFT(TABLE_NAME, ?) = ?",
        (len(stream), stream),
    )
    assert tables == [(stream,)]
    assert staged_blobs(config) == []


def test_a_widening_rebuild_declares_the_key_again_on_fabric(
    fabric_config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    # CTAS copies no constraint: after the names are swapped (sp_rename) and the old table is
    # dropped, the NOT ENFORCED key is added to the new table.
    config = {
        **fabric_config,
        "storage_prefix": f"fabric-long-pk-{uuid.uuid4().hex[:6]}",
        "primary_key_not_enforced": True,
    }
    stream = f"long_pk_{uuid.uuid4().hex[:6]}"
    too_long = long_text_cases.text_of(5_000, "b:")
    with caplog.at_level("DEBUG", logger="target_azure_sqldw.load.connector"):
        long_text_cases.run(
            config, stream, [{"id": 1, "body": "short"}, {"id": 2, "body": too_long}]
        )
    sent = [
        r.getMessage()[len("SQL: ") :] for r in caplog.records if r.getMessage().startswith("SQL: ")
    ]
    renames = [i for i, sql in enumerate(sent) if sql.startswith("EXEC sp_rename ")]
    assert len(renames) == 2
    assert sent[renames[1]].endswith(f", '{stream}'")
    assert "DROP TABLE" in sent[renames[1] + 1]
    assert sent[renames[1] + 2] == (
        f"ALTER TABLE [dbo].[{stream}] ADD CONSTRAINT [pk_{stream}] "
        "PRIMARY KEY NONCLUSTERED ([id]) NOT ENFORCED"
    )
    assert long_text_cases.rows(config, stream) == {
        1: (None, "short", None),
        2: (None, too_long, None),
    }
    assert column_types(config, stream)["body"] == "varchar(max)"


def test_heap_setting_loads_long_texts_whole_as_varchar_max(
    fabric_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"fabric-long-{uuid.uuid4().hex[:6]}"
    config = {**fabric_config, "storage_prefix": prefix, "string_overflow": "heap"}
    stream = f"long_{uuid.uuid4().hex[:6]}"
    long_body = long_text_cases.text_of(2_000_000, "body:")
    long_json = {"html": long_text_cases.text_of(50_000, "json:"), "n": 1, "nested": [{"x": "y"}]}
    records = [
        {"id": 1, "title": "short", "body": "before", "source": {"a": 1}},
        {"id": 2, "title": "long", "body": long_body, "source": long_json},
    ]
    long_text_cases.run(config, stream, records)
    assert capsys.readouterr().out.strip() == json.dumps({"done": stream})
    assert long_text_cases.rows(config, stream) == {
        1: ("short", "before", {"a": 1}),
        2: ("long", long_body, long_json),
    }
    columns = column_types(config, stream)
    assert (columns["title"], columns["body"], columns["source"]) == (
        "varchar(800)",
        "varchar(max)",
        "varchar(max)",
    )
    assert staged_blobs(config) == []


def test_truncate_keeps_json_valid_within_8000_utf8_bytes(fabric_config: dict[str, t.Any]) -> None:
    config = {
        **fabric_config,
        "storage_prefix": f"fabric-trunc-{uuid.uuid4().hex[:6]}",
        "string_overflow": "truncate",
    }
    stream = f"trunc_{uuid.uuid4().hex[:6]}"
    parts = [{"id": i, "html": "é" * 900} for i in range(10)]
    long_text_cases.run(
        config, stream, [{"id": 1, "source": {"parts": parts}}, {"id": 2, "body": "x"}]
    )
    found = dict(query(config, f"SELECT id, source FROM [dbo].[{stream}]"))
    kept = json.loads(found[1])["parts"]
    assert len(found[1].encode()) <= 8000
    # Whole elements while they fit, then the first that does not, cut the same way.
    assert 1 < len(kept) < len(parts)
    assert kept[:-1] == parts[: len(kept) - 1]
    assert parts[len(kept) - 1]["html"].startswith(kept[-1].get("html", ""))
    flags = dict(query(config, f"SELECT id, _sdc_truncated FROM [dbo].[{stream}]"))
    assert flags == {1: True, 2: False}


# Entra ID: the token signs in and never shows ----------------------------------------------


def tap_lines(stream: str) -> list[dict[str, t.Any]]:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    return [
        {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": stream, "record": {"id": 1}},
        {"type": "STATE", "value": {"done": 1}},
    ]


def test_the_access_token_never_reaches_logs_even_at_debug(
    fabric_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    config = {**fabric_config, "storage_prefix": "fabric-token"}
    stream = f"token_{uuid.uuid4().hex[:6]}"
    process = start_target(write_config(config, tmp_path), debug=True)
    out, err = process.communicate(message_text(tap_lines(stream)), timeout=120)
    assert process.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"done": 1}
    assert "SQL: COPY INTO" in err  # the statements are logged ...
    token = config["access_token"]
    for text in (out, err):  # ... the token, nor any of its three parts, never
        assert all(part not in text for part in token.split("."))
    assert query(config, f"SELECT [id] FROM [dbo].[{stream}]") == [(1,)]


def test_an_expired_token_ends_the_run_with_one_line(
    fabric_config: dict[str, t.Any], fabric_token_key: str, tmp_path: pathlib.Path
) -> None:
    expired = issue_token(fabric_token_key, app_id="target-tests", lifetime=-60)
    config = {**fabric_config, "storage_prefix": "fabric-expired", "access_token": expired}
    result = run_cli(config, tap_lines(f"expired_{uuid.uuid4().hex[:6]}"), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-3000:]
    errors = [m["message"] for m in parsed if m is not None and m["level"] != "INFO"]
    where = f"{config['host']}:{config['port']}/sqldw"
    assert errors == [
        f"Cannot connect to {where}: 28000 [28000] [Microsoft][ODBC Driver 18 for SQL Server]"
        "[SQL Server]Login failed for user '<token-identified principal>'. Token is expired. "
        "(18456) (SQLDriverConnect)",
    ]
    assert all(part not in result.stderr for part in expired.split("."))


def test_a_sql_login_is_refused_on_fabric_before_connecting(
    fabric_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    config = {
        **{k: v for k, v in fabric_config.items() if k not in ("auth_method", "access_token")},
        "user": "sqladmin",
        "password": "Never-Sent-1",
    }
    result = run_cli(config, tap_lines("sql_login"), tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    parsed = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(parsed), result.stderr[-3000:]
    errors = [m["message"] for m in parsed if m is not None and m["level"] != "INFO"]
    assert errors == ["flavor 'fabric' needs an Entra ID auth_method (Fabric has no SQL logins)"]
    assert "Never-Sent-1" not in result.stderr


def test_a_not_enforced_primary_key_is_added_by_alter_table_on_fabric(
    fabric_config: dict[str, t.Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Fabric declares keys only with ALTER TABLE ... ADD CONSTRAINT (table-constraints); the
    # emulator refuses one inline in CREATE TABLE, as Fabric does, and keeps no catalog of
    # them, so the statement sent is what is checked.
    config = {
        **fabric_config,
        "storage_prefix": "fabric-pk",
        "default_target_schema": f"pk_{uuid.uuid4().hex[:8]}",
        "primary_key_not_enforced": True,
    }
    stream = "members"
    head = key_cases.schema(stream, ["k", "n"])
    records = [key_cases.record(stream, "a", v, n=1) for v in ("first", "last")]
    with caplog.at_level("DEBUG", logger="target_azure_sqldw.load.connector"):
        run_target(config, [head, *records, key_cases.record(stream, "b", "only", n=2)])
    sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SQL: ")]
    schema = config["default_target_schema"]
    table = f"[{schema}].[{stream}]"
    (create,) = [i for i, sql in enumerate(sent) if sql.startswith(f"SQL: CREATE TABLE {table} (")]
    assert "CONSTRAINT" not in sent[create]
    # In the same transaction as the CREATE (Fabric runs DDL in transactions).
    assert sent[create + 1] == (
        f"SQL: ALTER TABLE {table} ADD CONSTRAINT [pk_{stream}] "
        "PRIMARY KEY NONCLUSTERED ([k], [n]) NOT ENFORCED"
    )
    landed = query(config, f"SELECT [k], [n], [v] FROM {table}")
    assert sorted(landed) == [("a", 1, "last"), ("b", 2, "only")]


def test_a_snapshot_conflict_with_another_writer_is_retried_on_fabric(
    fabric_config: dict[str, t.Any], fabric_token_key: str
) -> None:
    # Another session holds an uncommitted DELETE of the row the next batch replaces: the
    # target's merge meets Fabric's 24556, rolls back, and succeeds once the other commits.
    # (The emulator detects the conflict at the second writer's statement; Fabric at COMMIT,
    # which test_connector covers. An UPDATE held by the other session is not detected.)
    config = {
        **fabric_config,
        "storage_prefix": "fabric-conflict",
        "default_target_schema": f"c_{uuid.uuid4().hex[:8]}",
        "retry_backoff_seconds": 0.5,
    }
    table = f"[{config['default_target_schema']}].[accounts]"
    head = versions_cases.schema_message(["id"])
    run_target(config, [head, versions_cases.record(1, "first")])
    other_token = issue_token(fabric_token_key, app_id="another-writer")
    other = pyodbc.connect(
        build_connection_string(config), attrs_before=access_token_attrs(other_token)
    )
    retries: list[str] = []
    retried = threading.Event()

    class Retries(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("Transient error"):
                retries.append(record.getMessage())
                retried.set()

    def commit_the_other_once_retried() -> None:
        retried.wait(timeout=60)
        other.commit()

    handler = Retries()
    logging.getLogger("target_azure_sqldw.load.connector").addHandler(handler)
    committer = threading.Thread(target=commit_the_other_once_retried)
    try:
        other.execute(f"DELETE FROM {table} WHERE [id] = 1")
        committer.start()
        run_target(config, [head, versions_cases.record(1, "second")])
    finally:
        logging.getLogger("target_azure_sqldw.load.connector").removeHandler(handler)
        retried.set()  # the committer's wait ends whatever happened
        committer.join(timeout=60)
        other.close()
    (retry,) = retries
    assert retry.startswith("Transient error loading batch ")
    assert "(attempt 1 of 4), retrying in 0.5 s: " in retry
    assert retry.endswith("Retry the transaction. (24556) (SQLExecDirectW)")
    assert query(config, f"SELECT [id], [plan] FROM {table}") == [(1, "second")]
