"""Rebuilding a table with new column types: its layout from the catalog, and the CTAS.

Pure builders: return statements, execute nothing.
"""

from __future__ import annotations

import typing as t

from target_azure_sqldw.load.sql.statement import Statement, option_label
from target_azure_sqldw.schema.names import quote_identifier, quote_table

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from target_azure_sqldw.load.sql.ddl import ColumnDef, TableLayout
    from target_azure_sqldw.schema.sql_types import ColumnType

#: ``sys.indexes.type`` of a table's heap or clustered index, to ``table_index`` values.
INDEX_TYPES = {0: "heap", 5: "cci"}


def layout_query(schema: str, table: str) -> Statement:
    """Query: a table's distribution, index type and hash column.

    Args:
        schema: Schema name.
        table: Table name.

    Returns:
        The query: one row ``(distribution_policy_desc, index type, hash column or NULL)``.
    """
    return Statement(
        "SELECT d.distribution_policy_desc, i.type, c.name\n"
        "FROM sys.tables AS t\n"
        "JOIN sys.schemas AS s ON s.schema_id = t.schema_id\n"
        "JOIN sys.pdw_table_distribution_properties AS d ON d.object_id = t.object_id\n"
        # The heap or clustered (rowstore or columnstore) index: types 0, 1, 5.
        "JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.type IN (0, 1, 5)\n"
        "LEFT JOIN sys.pdw_column_distribution_properties AS p\n"
        "    ON p.object_id = t.object_id AND p.distribution_ordinal = 1\n"
        "LEFT JOIN sys.columns AS c ON c.object_id = t.object_id AND c.column_id = p.column_id\n"
        "WHERE s.name = ? AND t.name = ?",
        (schema, table),
    )


def tables_starting_with_query(schema: str, prefix: str) -> Statement:
    """Query: tables of a schema whose names start with ``prefix`` (bound, not a pattern).

    Args:
        schema: Schema name.
        prefix: The name prefix.

    Returns:
        The query: one row per table name.
    """
    return Statement(
        "SELECT t.name FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id "
        "WHERE s.name = ? AND LEFT(t.name, ?) = ?",
        (schema, len(prefix), prefix),
    )


def ctas_rebuild(
    schema: str,
    new_table: str,
    source: str,
    columns: Sequence[ColumnDef],
    changed: Mapping[str, ColumnType],
    layout: TableLayout | None,
    label_text: str,
) -> Statement:
    """CTAS a copy of a table with some columns cast to new types, in the same layout.

    Unchanged columns are selected as they are, so they keep their types and NOT NULL. A
    CAST makes a CTAS column nullable, so a changed NOT NULL column (a key) is wrapped in
    ``ISNULL(..., <constant>)``, which keeps it NOT NULL (see :func:`keeps_not_null`); the
    constant is never used, since the column holds no NULL.

    Args:
        schema: Schema name.
        new_table: The new table's name.
        source: The table being rebuilt.
        columns: Every column of the table, in order.
        changed: Column name to its new type.
        layout: The table's distribution and index (as it is now); None on Fabric, whose
            tables take no options.
        label_text: The load label.

    Returns:
        The statement.

    Raises:
        ValueError: When a changed column is not a column of the table.
    """
    unknown = set(changed) - {c.name for c in columns}
    if unknown:
        msg = f"Cannot rebuild {schema}.{source}: no column(s) {sorted(unknown)}"
        raise ValueError(msg)
    selects = []
    for column in columns:
        name = quote_identifier(column.name)
        new_type = changed.get(column.name)
        expression = name
        if new_type is not None:
            expression = f"CAST({name} AS {new_type.sql})"
            if not column.nullable and keeps_not_null(new_type):
                expression = f"ISNULL({expression}, {_FALLBACKS[new_type.name]})"
        selects.append(f"    {expression} AS {name}")
    options = "" if layout is None else layout.with_options() + "\n"
    return Statement(
        f"CREATE TABLE {quote_table(schema, new_table)}\n{options}AS SELECT\n"
        + ",\n".join(selects)
        + f"\nFROM {quote_table(schema, source)}\n{option_label(label_text)}"
    )


#: A constant of each type family for ``ISNULL``, which converts it to the column's type.
_FALLBACKS = {
    **dict.fromkeys(("nvarchar", "nchar"), "N''"),
    **dict.fromkeys(("varchar", "char"), "''"),
    **dict.fromkeys(
        ("bigint", "int", "smallint", "tinyint", "bit", "decimal", "numeric", "float", "real"),
        "0",
    ),
    **dict.fromkeys(("date", "datetime2", "datetime", "datetimeoffset"), "'1900-01-01'"),
    "time": "'00:00:00'",
    **dict.fromkeys(("varbinary", "binary"), "0x"),
}


def keeps_not_null(column_type: ColumnType) -> bool:
    """Whether :func:`ctas_rebuild` keeps a NOT NULL column cast to ``column_type`` NOT NULL.

    Args:
        column_type: The column's new type.

    Returns:
        True when ``ISNULL`` has a constant of that type to wrap the CAST in.
    """
    return column_type.name in _FALLBACKS
