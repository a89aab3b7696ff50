"""Table DDL: CREATE TABLE with distribution and index, ALTER TABLE, DROP, RENAME OBJECT.

Pure builders: return statements, execute nothing.
"""

from __future__ import annotations

import dataclasses
import typing as t

from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.flavor import SYNAPSE
from target_azure_sqldw.schema.names import (
    MAX_IDENTIFIER_LENGTH,
    conform_identifier,
    quote_identifier,
    quote_table,
    string_literal,
)
from target_azure_sqldw.schema.sql_types import ColumnType

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from target_azure_sqldw.schema.flavor import Flavor

INDEXES = {
    "cci": "CLUSTERED COLUMNSTORE INDEX",
    "heap": "HEAP",
}
DISTRIBUTIONS = ("hash", "round_robin", "replicate")


@dataclasses.dataclass(frozen=True)
class ColumnDef:
    """A column of a table to create or alter."""

    name: str
    type: ColumnType
    nullable: bool = True

    @property
    def sql(self) -> str:
        """``[name] type NULL|NOT NULL``."""
        null = "NULL" if self.nullable else "NOT NULL"
        return f"{quote_identifier(self.name)} {self.type.sql} {null}"


@dataclasses.dataclass(frozen=True)
class TableLayout:
    """Physical options of a Synapse table.

    Attributes:
        distribution: ``hash``, ``round_robin`` or ``replicate``.
        hash_column: The distribution column when ``distribution`` is ``hash``.
        index: ``cci`` or ``heap``.
        primary_key: Key columns for a ``PRIMARY KEY NONCLUSTERED NOT ENFORCED``
            constraint, or empty for none.
    """

    distribution: str = "round_robin"
    hash_column: str | None = None
    index: str = "cci"
    primary_key: tuple[str, ...] = ()

    def with_options(self) -> str:
        """The ``WITH (DISTRIBUTION = ..., <index>)`` clause."""
        if self.distribution == "hash":
            if not self.hash_column:
                msg = "HASH distribution needs a column"
                raise ValueError(msg)
            distribution = f"HASH({quote_identifier(self.hash_column)})"
        elif self.distribution in {"round_robin", "replicate"}:
            distribution = self.distribution.upper()
        else:
            msg = f"Unknown distribution {self.distribution!r}"
            raise ValueError(msg)
        return f"WITH (DISTRIBUTION = {distribution}, {INDEXES[self.index]})"


def choose_layout(
    keys: Sequence[str],
    *,
    table_distribution: str = "auto",
    table_index: str = "cci",
    primary_key_not_enforced: bool = False,
) -> TableLayout:
    """Pick a table's layout from its keys and the settings.

    Args:
        keys: The stream's key columns.
        table_distribution: ``auto`` (HASH on the first key, else ROUND_ROBIN), ``hash``,
            ``round_robin`` or ``replicate``.
        table_index: ``cci`` or ``heap``.
        primary_key_not_enforced: Declare ``PRIMARY KEY NONCLUSTERED NOT ENFORCED``.

    Returns:
        The layout.

    Raises:
        ValueError: For ``hash`` on a stream without keys, or unknown values.
    """
    if table_index not in INDEXES:
        msg = f"table_index must be one of {', '.join(INDEXES)}, not {table_index!r}"
        raise ValueError(msg)
    distribution = table_distribution
    if distribution == "auto":
        distribution = "hash" if keys else "round_robin"
    if distribution == "hash" and not keys:
        msg = "table_distribution 'hash' needs key properties; this stream has none"
        raise ValueError(msg)
    if distribution not in DISTRIBUTIONS:
        msg = f"table_distribution must be auto or one of {', '.join(DISTRIBUTIONS)}"
        raise ValueError(msg)
    return TableLayout(
        distribution=distribution,
        hash_column=keys[0] if distribution == "hash" else None,
        index=table_index,
        primary_key=tuple(keys) if primary_key_not_enforced else (),
    )


def _constraint_name(table: str) -> str:
    return conform_identifier(f"pk_{table}", MAX_IDENTIFIER_LENGTH)


def create_schema(schema: str) -> Statement:
    """``CREATE SCHEMA`` (the connector checks ``sys.schemas`` first).

    Args:
        schema: Schema name.

    Returns:
        The statement.
    """
    return Statement(f"CREATE SCHEMA {quote_identifier(schema)}")


def create_table(
    schema: str,
    table: str,
    columns: Sequence[ColumnDef],
    layout: TableLayout,
    flavor: Flavor,
) -> Statement:
    """``CREATE TABLE`` with Synapse's WITH clause (none on Fabric).

    The ``NOT ENFORCED`` key is declared inline where the flavor allows it; on Fabric it
    follows as :func:`add_primary_key` (see :func:`create_table_statements`).

    Args:
        schema: Schema name.
        table: Table name.
        columns: Columns in order.
        layout: Distribution, index and optional NOT ENFORCED key.
        flavor: Synapse or Fabric.

    Returns:
        The statement.

    Raises:
        ValueError: When the table would be refused: a ``(max)`` column in a columnstore
            table, more than 1,024 columns, or a nullable / missing hash column.
    """
    if not columns:
        msg = f"Table {schema}.{table} needs at least one column"
        raise ValueError(msg)
    if len(columns) > 1024:
        msg = f"Table {schema}.{table} would have {len(columns)} columns; the limit is 1024"
        raise ValueError(msg)
    if flavor.table_options and layout.index == "cci":
        wide = [c.name for c in columns if c.type.is_max]
        if wide:
            msg = (
                f"Columnstore table {schema}.{table} cannot hold (max) columns {wide}; "
                "use table_index 'heap'"
            )
            raise ValueError(msg)
    lines = [f"    {column.sql}" for column in columns]
    if layout.primary_key and flavor.inline_primary_key:
        key = ", ".join(quote_identifier(k) for k in layout.primary_key)
        lines.append(
            f"    CONSTRAINT {quote_identifier(_constraint_name(table))} "
            f"PRIMARY KEY NONCLUSTERED ({key}) NOT ENFORCED"
        )
    sql = f"CREATE TABLE {quote_table(schema, table)} (\n" + ",\n".join(lines) + "\n)"
    if flavor.table_options:
        sql += "\n" + layout.with_options()
    return Statement(sql)


def create_table_statements(
    schema: str,
    table: str,
    columns: Sequence[ColumnDef],
    layout: TableLayout,
    flavor: Flavor,
) -> list[Statement]:
    """What creates a new table: ``CREATE TABLE``, then the key where it cannot be inline.

    Args:
        schema: Schema name.
        table: Table name.
        columns: Columns in order.
        layout: Distribution, index and optional NOT ENFORCED key.
        flavor: Synapse or Fabric.

    Returns:
        :func:`create_table`, followed on Fabric by :func:`add_primary_key` when the layout
        has a key.
    """
    statements = [create_table(schema, table, columns, layout, flavor)]
    if layout.primary_key and not flavor.inline_primary_key:
        statements.append(add_primary_key(schema, table, layout.primary_key))
    return statements


def add_column(schema: str, table: str, column: ColumnDef) -> Statement:
    """``ALTER TABLE ... ADD`` a (nullable) column.

    Args:
        schema: Schema name.
        table: Table name.
        column: The new column; it must be nullable (existing rows get NULL).

    Returns:
        The statement.

    Raises:
        ValueError: If the column is NOT NULL.
    """
    if not column.nullable:
        msg = f"Column {column.name!r} added to an existing table must be nullable"
        raise ValueError(msg)
    return Statement(f"ALTER TABLE {quote_table(schema, table)} ADD {column.sql}")


def alter_column(schema: str, table: str, column: ColumnDef, flavor: Flavor) -> Statement:
    """``ALTER TABLE ... ALTER COLUMN`` to widen a type in place (Synapse only).

    Args:
        schema: Schema name.
        table: Table name.
        column: The column with its new type.
        flavor: Synapse or Fabric.

    Returns:
        The statement.

    Raises:
        ValueError: On Fabric, which cannot alter column types.
    """
    if not flavor.alter_column:
        msg = f"{flavor.name} cannot ALTER COLUMN; version the column instead"
        raise ValueError(msg)
    return Statement(f"ALTER TABLE {quote_table(schema, table)} ALTER COLUMN {column.sql}")


def drop_table(schema: str, table: str, *, if_exists: bool = True) -> Statement:
    """``DROP TABLE``, guarded by ``OBJECT_ID`` (dedicated pools have no ``IF EXISTS``).

    Args:
        schema: Schema name.
        table: Table name.
        if_exists: Guard the drop.

    Returns:
        The statement.
    """
    name = quote_table(schema, table)
    if not if_exists:
        return Statement(f"DROP TABLE {name}")
    return Statement(f"IF OBJECT_ID({string_literal(name)}, N'U') IS NOT NULL DROP TABLE {name}")


def add_primary_key(schema: str, table: str, keys: Sequence[str]) -> Statement:
    """``ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY NONCLUSTERED ... NOT ENFORCED``.

    The constraint has the name :func:`create_table` gives it, so a rebuilt table (whose old
    copy, holding that name, is dropped first) ends as a new one would be.

    Args:
        schema: Schema name.
        table: Table name.
        keys: Key columns (NOT NULL).

    Returns:
        The statement.
    """
    key = ", ".join(quote_identifier(k) for k in keys)
    return Statement(
        f"ALTER TABLE {quote_table(schema, table)} ADD CONSTRAINT "
        f"{quote_identifier(_constraint_name(table))} PRIMARY KEY NONCLUSTERED ({key}) NOT ENFORCED"
    )


def rename_table(schema: str, table: str, new_name: str, flavor: Flavor = SYNAPSE) -> Statement:
    """Rename a table within its schema: ``RENAME OBJECT`` (Synapse) or ``sp_rename`` (Fabric).

    Args:
        schema: Schema name.
        table: Current table name.
        new_name: New table name.
        flavor: Synapse or Fabric.

    Returns:
        The statement.
    """
    if flavor.rename_object:
        return Statement(
            f"RENAME OBJECT {quote_table(schema, table)} TO {quote_identifier(new_name)}"
        )
    # sp_rename takes the names as text: the quoted current name, the bare new one.
    current = quote_table(schema, table).replace("'", "''")
    return Statement(f"EXEC sp_rename '{current}', '{new_name.replace(chr(39), chr(39) * 2)}'")


#: Arrival order of rows within a batch, carried by staging tables only (last one wins).
STAGE_SEQUENCE_COLUMN = "_sdc_stage_seq"
STAGE_LAYOUT = TableLayout(distribution="round_robin", index="heap")


def create_stage_table(
    schema: str,
    stage: str,
    columns: Sequence[ColumnDef],
    flavor: Flavor,
) -> Statement:
    """A HEAP ROUND_ROBIN staging table with the target's column types, for COPY INTO.

    Args:
        schema: Schema name.
        stage: Staging table name.
        columns: The target table's columns (all created nullable here).
        flavor: Synapse or Fabric.

    Returns:
        The statement.
    """
    stage_columns = [dataclasses.replace(c, nullable=True) for c in columns]
    stage_columns.append(ColumnDef(STAGE_SEQUENCE_COLUMN, ColumnType("bigint"), nullable=False))
    return create_table(schema, stage, stage_columns, STAGE_LAYOUT, flavor)
