"""COPY INTO ... AUTO_CREATE_TABLE = 'ON': a table made from the Parquet files' own schema.

Maps Parquet types to T-SQL types; creates the table through table_storage.
"""

from __future__ import annotations

import re
import typing as t

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import ddl, errors
from devstack.sqldw_emulator.engine.catalog import ColumnInfo, TableInfo
from devstack.sqldw_emulator.engine.loader import TargetColumn
from devstack.sqldw_emulator.engine.table_storage import create_storage

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_TEXT = SQLType("varchar", 8000)
_BYTES = SQLType("varbinary", 8000)
# DuckDB's reading of a Parquet column -> the T-SQL type schema inference gives it.
_BY_DUCK_TYPE = {
    "BOOLEAN": SQLType("bit"),
    "TINYINT": SQLType("smallint"),  # INT(8, true)
    "UTINYINT": SQLType("tinyint"),  # INT(8, false)
    "SMALLINT": SQLType("smallint"),
    "USMALLINT": SQLType("int"),
    "INTEGER": SQLType("int"),
    "UINTEGER": SQLType("bigint"),
    "BIGINT": SQLType("bigint"),
    "UBIGINT": SQLType("decimal", precision=20, scale=0),
    "FLOAT": SQLType("real"),
    "DOUBLE": SQLType("float", precision=53),
    "VARCHAR": _TEXT,
    "BLOB": _BYTES,
    "DATE": SQLType("date"),
    "TIME": SQLType("time", scale=7),
    "TIMESTAMP": SQLType("datetime2", scale=7),
    "TIMESTAMP_S": SQLType("datetime2", scale=7),
    "TIMESTAMP_MS": SQLType("datetime2", scale=7),
    "TIMESTAMP_NS": SQLType("datetime2", scale=7),
    "TIMESTAMP WITH TIME ZONE": SQLType("datetime2", scale=7),
    "UUID": SQLType("uniqueidentifier"),
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def is_on(options: dict[str, t.Any]) -> bool:
    """Whether COPY's options ask for AUTO_CREATE_TABLE (ON or OFF, OFF by default).

    Raises:
        SQLError: 103010 for any other value.
    """
    value = str(options.get("AUTO_CREATE_TABLE", "OFF")).upper()
    if value not in ("ON", "OFF"):
        raise errors.parse_error(value)
    return value == "ON"


def sql_type(duck_type: str, column: str) -> SQLType:
    """The T-SQL type an auto-created table declares for a Parquet column.

    Raises:
        SQLError: 50000 naming the column for nested types (LIST, STRUCT, MAP), which the
            emulator does not model.
    """
    known = _BY_DUCK_TYPE.get(duck_type.upper())
    if known is not None:
        return known
    match = _DECIMAL.match(duck_type.upper())
    if match:
        return SQLType("decimal", precision=int(match[1]), scale=int(match[2]))
    raise errors.error(
        50000,
        f"COPY INTO AUTO_CREATE_TABLE: Parquet column '{column}' has type {duck_type}; nested "
        "Parquet types are not modelled by the emulator.",
    )


def create_table(
    session: StatementSession, schema: str, name: str, file_schema: list[tuple[str, str]]
) -> TableInfo:
    """Create ``schema.name`` from the files' (column, DuckDB type) list and return it.

    Raises:
        SQLError: 103 for names over 128 characters, 1702 for more than 1024 columns.
    """
    ddl.check_identifier(name)
    for column, _kind in file_schema:
        ddl.check_identifier(column)
    if len(file_schema) > ddl.MAX_COLUMNS:
        raise errors.error(
            1702,
            f"CREATE TABLE failed because column '{file_schema[ddl.MAX_COLUMNS][0]}' in table "
            f"'{name}' exceeds the maximum of {ddl.MAX_COLUMNS} columns.",
        )
    columns = [ColumnInfo(column, sql_type(kind, column)) for column, kind in file_schema]
    info = TableInfo(
        schema=schema,
        name=name,
        columns=columns,
        object_id=session.engine.catalog.next_id(),
        temporary=not schema,
    )
    # The one way tables get their storage and catalog entry; CREATE TABLE uses it too.
    create_storage(session, info)
    return info


def columns_by_name(
    info: TableInfo, file_schema: list[tuple[str, str]]
) -> tuple[list[TargetColumn], list[str]]:
    """Target columns of ``info`` fed by the file columns of the same name, and those names.

    Raises:
        SQLError: 207 for a file column the table does not have.
    """
    names = [column for column, _kind in file_schema]
    position = {column.lower(): index for index, column in enumerate(names)}
    for column in names:
        if info.column(column) is None:
            raise errors.error(207, f"Invalid column name '{column}'.")
    targets = [
        TargetColumn(c.name, c.type, c.nullable, position.get(c.name.lower()))
        for c in info.columns
        if not c.identity or c.name.lower() in position
    ]
    return targets, names
