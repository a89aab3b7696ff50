"""A declared table's DuckDB storage: column DEFAULTs, IDENTITY sequences, CREATE, catalog entry.

The one way tables get storage (CREATE TABLE, CTAS, COPY INTO auto-create, ALTER rebuilds).
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import ddl, fabric_rules, temporal
from devstack.sqldw_emulator.engine.binding import Bound
from devstack.sqldw_emulator.engine.identifiers import duck_name, quote
from devstack.sqldw_emulator.engine.translate import parse

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import ColumnInfo, TableInfo
    from devstack.sqldw_emulator.engine.protocols import StatementSession


def default_sql(session: StatementSession, column: ColumnInfo, info: TableInfo) -> str | None:
    """DuckDB DEFAULT expression of a column (a sequence for IDENTITY), or None."""
    if column.identity:
        sequence = f"__devstack.{quote(f'seq_{info.object_id}_{column.name}')}"
        session.cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        return f"nextval('__devstack.\"seq_{info.object_id}_{column.name}\"')"
    if column.default is None:
        return None
    text = column.default.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    tree = parse(f"SELECT {text}")
    translator = session.translator(Bound("", [], []))
    sql = translator.translate(tree).sql[len("SELECT ") :]
    return temporal.store_sql(sql, column.type, plain=True) or sql


def column_definitions(session: StatementSession, info: TableInfo) -> list[str]:
    """DuckDB column definitions of ``info`` (Fabric's collation default applied first)."""
    fabric = session.engine.fabric
    if fabric:
        fabric_rules.apply_collation_default(info.columns)
    return [
        ddl.column_ddl(column, default_sql(session, column, info), fabric=fabric)
        for column in info.columns
    ]


def create_storage(session: StatementSession, info: TableInfo) -> None:
    """Create the DuckDB table of ``info`` and record it in the catalog (or the temp tables)."""
    definitions = column_definitions(session, info)
    temp = "TEMP " if info.temporary else ""
    session.cursor.execute(
        f"CREATE {temp}TABLE {duck_name(info.schema, info.name)} ({', '.join(definitions)})"
    )
    register_table(session, info)


def register_table(session: StatementSession, info: TableInfo) -> None:
    """Record a table whose storage exists: in the catalog, or the session's temp tables."""
    if info.temporary:
        session.temp_tables[info.name.lower()] = info
        session.temp_version += 1
    else:
        session.engine.catalog.put_table(info)
        session.engine.save_catalog()
