"""Two streams never share a table: ``<schema>-<table>`` streams keep their schema, and two
streams that would still meet in one table stop the run, before loading, with one line."""

from __future__ import annotations

import typing as t
import uuid

import pytest

from tests.target.emulator_runs import query, run_cli

if t.TYPE_CHECKING:
    import pathlib


@pytest.fixture
def config(sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {**sqldw_config, "bulk_load_method": "copy", "storage_prefix": "stream-tables"}


def messages(stream: str, label: str, ids: t.Iterable[int]) -> list[dict[str, t.Any]]:
    properties = {"id": {"type": "integer"}, "dept": {"type": "string"}}
    return [
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": {"type": "object", "properties": properties},
            "key_properties": ["id"],
        },
        *({"type": "RECORD", "stream": stream, "record": {"id": i, "dept": label}} for i in ids),
    ]


def rows(config: dict[str, t.Any], schema: str, table: str) -> list[tuple[t.Any, ...]]:
    exists = query(
        config,
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        (schema, table),
    )
    if not exists[0][0]:
        return []
    return sorted(query(config, f"SELECT [id], [dept] FROM [{schema}].[{table}]"))


def test_schema_table_streams_land_in_their_own_schemas(
    config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    sales, hr = f"sales{tag}", f"hr{tag}"
    # The same keys in both streams: in one table the second would replace the first's rows.
    result = run_cli(
        config,
        [
            *messages(f"{sales}-users", "sales", [1, 2]),
            *messages(f"{hr}-users", "hr", [1, 2, 3]),
            {"type": "STATE", "value": {"done": 1}},
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert rows(config, sales, "users") == [(1, "sales"), (2, "sales")]
    assert rows(config, hr, "users") == [(1, "hr"), (2, "hr"), (3, "hr")]
    assert rows(config, "dbo", "users") == []


@pytest.mark.parametrize(
    ("first", "second", "table"),
    [
        # default_target_schema set: both go to <schema>.users.
        ("sales-users", "hr-users", "users"),
        # Names that conform to one table name (case-insensitive catalog; control characters).
        ("Accounts", "accounts", "accounts"),
        ("a\x01b", "a_b", "a_b"),
    ],
)
def test_two_streams_for_one_table_stop_the_run_with_one_line(
    config: dict[str, t.Any], tmp_path: pathlib.Path, first: str, second: str, table: str
) -> None:
    schema = f"one_{uuid.uuid4().hex[:8]}"
    config = {**config, "default_target_schema": schema}
    result = run_cli(
        config,
        [
            *messages(first, "first", [1, 2]),
            *messages(second, "second", [1]),
            {"type": "STATE", "value": {"done": 1}},
        ],
        tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].endswith(
        f"Streams {first!r} and {second!r} would both load table {schema}.{table}; rename one "
        "(stream_maps __alias__) or, for '<schema>-<table>' names, leave default_target_schema "
        "unset"
    ), errors[0]
    # Nothing was loaded: not the second stream's rows, and no STATE for the first's.
    assert rows(config, schema, table) == []
