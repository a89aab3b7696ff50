"""The target's SQL run through pyodbc and a real ODBC driver against the SQL DW emulator.

Staging tables are filled here with single-row parameterised INSERTs (the emulator's COPY INTO
and PolyBase are not complete yet); everything else is the statements production sends.
"""

from __future__ import annotations

import datetime as dt
import typing as t
import uuid

import pytest

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql import ddl, merge
from target_azure_sqldw.load.sql.statement import Statement, label
from target_azure_sqldw.schema.flavor import SYNAPSE
from target_azure_sqldw.schema.names import quote_identifier, quote_table
from target_azure_sqldw.schema.sql_types import ColumnType

P = ColumnType.parse


@pytest.fixture
def connector(sqldw_config: dict[str, t.Any]) -> t.Iterator[AzureSQLDWConnector]:
    conn = AzureSQLDWConnector(sqldw_config)
    yield conn
    conn.close()


COLUMNS = [
    ddl.ColumnDef("id", P("bigint"), nullable=False),
    ddl.ColumnDef("ten]ant", P("bigint"), nullable=False),
    ddl.ColumnDef("it's name", P("nvarchar(4000)")),
    ddl.ColumnDef("_sdc_deleted_at", P("datetime2(6)")),
    ddl.ColumnDef("_sdc_table_version", P("bigint")),
]
NAMES = [c.name for c in COLUMNS]
KEYS = ["id", "ten]ant"]


def new_table(connector: AzureSQLDWConnector) -> str:
    table = f"contacts ]{uuid.uuid4().hex[:6]}"
    layout = ddl.choose_layout(KEYS, primary_key_not_enforced=True)
    connector.execute(ddl.create_table("dbo", table, COLUMNS, layout, SYNAPSE))
    return table


def stage(connector: AzureSQLDWConnector, table: str, rows: list[tuple]) -> str:
    batch = uuid.uuid4().hex
    staging = f"{table}__stg_{batch[:8]}"
    connector.execute(ddl.create_stage_table("dbo", staging, COLUMNS, SYNAPSE))
    columns = ", ".join(quote_identifier(n) for n in [*NAMES, ddl.STAGE_SEQUENCE_COLUMN])
    marks = ", ".join("?" for _ in range(len(NAMES) + 1))
    for seq, row in enumerate(rows):
        connector.execute(
            Statement(
                f"INSERT INTO {quote_table('dbo', staging)} ({columns}) VALUES ({marks})",
                (*row, seq),
            )
        )
    return staging


def load(connector: AzureSQLDWConnector, table: str, rows: list[tuple], **kwargs: t.Any) -> None:
    staging = stage(connector, table, rows)
    statements = merge.merge_batch(
        "dbo", table, staging, NAMES, KEYS, label("contacts", "b" * 32), **kwargs
    )
    with connector.transaction() as cursor:
        for statement in statements:
            connector.execute(statement, cursor)
    connector.execute(ddl.drop_table("dbo", staging))


def rows_of(connector: AzureSQLDWConnector, table: str) -> list[tuple]:
    cols = ", ".join(quote_identifier(n) for n in NAMES[:3])
    return sorted(
        connector.query(Statement(f"SELECT {cols} FROM {quote_table('dbo', table)}")),
        key=lambda r: (r[0], r[1]),
    )


def test_create_table_is_visible_in_the_catalog(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    columns = connector.table_columns("dbo", table)
    assert {name: (c.sql, nullable) for name, (c, nullable) in columns.items()} == {
        "id": ("bigint", False),
        "ten]ant": ("bigint", False),
        "it's name": ("nvarchar(4000)", True),
        "_sdc_deleted_at": ("datetime2(6)", True),
        "_sdc_table_version": ("bigint", True),
    }


def test_composite_keys_dedupe_within_and_across_batches(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    load(
        connector,
        table,
        [(1, 2, "a", None, 1), (2, 1, "b", None, 1), (1, 2, "a2", None, 1), (1, 2, "a3", None, 1)],
    )
    assert rows_of(connector, table) == [(1, 2, "a3"), (2, 1, "b")]
    load(connector, table, [(2, 1, "b2", None, 1), (3, 3, "c", None, 1)])
    assert rows_of(connector, table) == [(1, 2, "a3"), (2, 1, "b2"), (3, 3, "c")]


def test_unicode_and_nul_round_trip(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    text = "é😀中\x00\n\"'|\\ end"
    load(connector, table, [(1, 1, text, None, 1), (2, 2, "", None, 1)])
    assert rows_of(connector, table) == [(1, 1, text), (2, 2, "")]


def test_hard_delete_and_activate_version(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    deleted = dt.datetime(2026, 1, 1, 0, 0, 0, 123456)
    load(
        connector, table, [(1, 1, "keep", None, 5), (2, 2, "old", None, 4), (3, 3, "x", None, None)]
    )
    load(connector, table, [(4, 4, "gone", deleted, 5)], hard_delete=True)
    assert [r[0] for r in rows_of(connector, table)] == [1, 2, 3]
    soft = merge.activate_version(
        "dbo", table, 5, label("contacts", "v5"), hard_delete=False, deleted_at=deleted
    )
    with connector.transaction() as cursor:
        connector.execute(soft, cursor)
    marked = connector.query(
        Statement(
            f"SELECT [id] FROM {quote_table('dbo', table)} WHERE [_sdc_deleted_at] IS NOT NULL"
        )
    )
    assert sorted(r[0] for r in marked) == [2, 3]
    hard = merge.activate_version(
        "dbo", table, 5, label("contacts", "v5"), hard_delete=True, deleted_at=deleted
    )
    with connector.transaction() as cursor:
        connector.execute(hard, cursor)
    assert [r[0] for r in rows_of(connector, table)] == [1]


def test_failed_merge_rolls_back(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    load(connector, table, [(1, 1, "before", None, 1)])
    staging = stage(connector, table, [(1, 1, "after", None, 1)])
    statements = merge.merge_batch("dbo", table, staging, NAMES, KEYS, "t")

    def delete_then_fail() -> None:
        with connector.transaction() as cursor:
            connector.execute(statements[0], cursor)  # the DELETE runs, then an error
            connector.execute(Statement("SELECT * FROM [dbo].[no such table]"), cursor)

    with pytest.raises(Exception, match=r"no such table|Invalid object name"):
        delete_then_fail()
    assert rows_of(connector, table) == [(1, 1, "before")]


def test_prepare_table_widens_in_place(connector: AzureSQLDWConnector) -> None:
    table = new_table(connector)
    layout = ddl.choose_layout(KEYS)
    wanted = [
        *COLUMNS[:2],
        ddl.ColumnDef("it's name", P("nvarchar(max)")),
        ddl.ColumnDef("new", P("decimal(38,2)")),
    ]
    with pytest.raises(ValueError, match="cannot hold \\(max\\)"):
        ddl.create_table("dbo", table, wanted, layout, SYNAPSE)
    wanted[2] = ddl.ColumnDef("it's name", P("nvarchar(4000)"))
    wanted[1] = ddl.ColumnDef("ten]ant", P("decimal(38,0)"), nullable=False)
    effective = connector.prepare_table("dbo", table, wanted, layout)
    assert effective["ten]ant"].type.sql == "decimal(38,0)"
    columns = connector.table_columns("dbo", table)
    assert columns["ten]ant"][0].sql == "decimal(38,0)"
    assert columns["new"][0].sql == "decimal(38,2)"
