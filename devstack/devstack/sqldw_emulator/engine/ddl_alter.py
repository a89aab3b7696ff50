"""ALTER TABLE (ADD / ALTER COLUMN / DROP COLUMN) and RENAME OBJECT.

Changes DuckDB tables through the session's cursor, and their catalog entries.
"""

from __future__ import annotations

import dataclasses
import typing as t

from devstack.sqldw_emulator.engine import ddl, errors, temporal, types
from devstack.sqldw_emulator.engine.binding import display_name
from devstack.sqldw_emulator.engine.identifiers import duck_name, quote, split_name
from devstack.sqldw_emulator.engine.lexer import is_identifier, read_name, split_top_level
from devstack.sqldw_emulator.engine.table_storage import (
    column_definitions,
    default_sql,
    register_table,
)

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import TableInfo
    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.protocols import StatementSession


def rename(session: StatementSession, tokens: list[Token]) -> None:
    """``RENAME OBJECT [::] [schema.]old TO new`` (tables only, within their schema).

    Raises:
        SQLError: 15225 for an unknown object; 100086 for external tables, views and moves
            to another schema; 2714 when the new name is taken.
    """
    index = 1
    if index < len(tokens) and tokens[index].is_word("OBJECT"):
        index += 1
    if index < len(tokens) and tokens[index].text == "::":
        index += 1
    parts, index = read_name(tokens, index)
    if index >= len(tokens) or not tokens[index].is_word("TO"):
        raise errors.parse_error(tokens[index].text if index < len(tokens) else "RENAME")
    new_parts, _ = read_name(tokens, index + 1)
    schema, name = split_name(session, parts)
    info = session.lookup_table(schema, name)
    if info is None:
        raise errors.error(
            15225,
            f"No item by the name of '{'.'.join(parts)}' could be found in the current database.",
        )
    if info.kind != "U":
        raise errors.not_supported("RENAME OBJECT of external tables and views")
    if len(new_parts) != 1:
        raise errors.error(
            100086, "RENAME OBJECT cannot move a table to another schema; use ALTER SCHEMA."
        )
    new_name = new_parts[0]
    ddl.check_identifier(new_name)
    if session.lookup_table(schema, new_name) is not None:
        raise errors.error(2714, f"There is already an object named '{new_name}' in the database.")
    session.cursor.execute(f"ALTER TABLE {duck_name(schema, name)} RENAME TO {quote(new_name)}")
    session.engine.catalog.rename_table(schema, name, new_name)
    session.engine.save_catalog()


def alter(session: StatementSession, tokens: list[Token], words: list[str]) -> None:
    """ALTER TABLE ADD / ALTER COLUMN / DROP COLUMN; index and database options are no-ops.

    Raises:
        SQLError: for unknown tables or columns, NOT NULL additions without a default, the
            distribution column, and (max) columns in a columnstore table.
    """
    if len(words) < 2 or words[1] != "TABLE":
        if len(words) > 1 and words[1] in ("INDEX", "DATABASE", "SCHEMA"):
            return  # index rebuilds and database options change nothing observable here
        raise errors.parse_error(tokens[1].text if len(tokens) > 1 else "ALTER")
    parts, index = read_name(tokens, 2)
    schema, name = split_name(session, parts)
    info = session.lookup_table(schema or None, name)
    if info is None or info.kind != "U":
        raise errors.error(
            4902, f'Cannot find the object "{display_name(name)}" because it does not exist.'
        )
    action = tokens[index].upper if index < len(tokens) else ""
    columns = [dataclasses.replace(column) for column in info.columns]
    sources = [quote(column.name) for column in columns]
    if action == "ADD":
        rest = tokens[index + 1 :]
        if rest and rest[0].is_word("COLUMN"):
            raise errors.parse_error("COLUMN")
        for group in split_top_level(rest):
            column, _pk = ddl.parse_column(group)
            if column is None:
                continue
            if info.column(column.name) is not None:
                raise errors.error(
                    2705,
                    f"Column names in each table must be unique. Column name "
                    f"'{column.name}' in table '{name}' is specified more than once.",
                )
            if not column.nullable and column.default is None:
                raise errors.error(
                    4901,
                    f"ALTER TABLE only allows columns to be added that can contain nulls, or have "
                    f"a DEFAULT definition specified. Column '{column.name}' cannot be added.",
                )
            columns.append(column)
            sources.append("NULL" if column.default is None else "DEFAULT_MARK")
        if len(columns) > ddl.MAX_COLUMNS:
            raise errors.error(1702, f"ALTER TABLE failed: '{name}' would exceed 1024 columns.")
    elif action == "ALTER":
        position = index + 1
        if position < len(tokens) and tokens[position].is_word("COLUMN"):
            position += 1
        column, _pk = ddl.parse_column(tokens[position:])
        assert column is not None
        existing = info.column(column.name)
        if existing is None:
            raise errors.error(
                4924,
                f"ALTER TABLE ALTER COLUMN failed because column '{column.name}' does not "
                f"exist in table '{name}'.",
            )
        if column.name.lower() in [c.lower() for c in info.distribution_columns]:
            raise errors.error(
                100086, f"Cannot alter the distribution column '{column.name}' of '{name}'."
            )
        for position_index, current in enumerate(columns):
            if current.name.lower() == column.name.lower():
                column.name = current.name
                columns[position_index] = column
                sources[position_index] = temporal.store_sql(quote(current.name), column.type) or (
                    f"CAST({quote(current.name)} AS {types.storage_type(column.type)})"
                )
    elif action == "DROP":
        position = index + 1
        if position < len(tokens) and tokens[position].is_word("COLUMN"):
            position += 1
        drop = [tok.ident for tok in tokens[position:] if is_identifier(tok)]
        for column_name in drop:
            if info.column(column_name) is None:
                raise errors.error(
                    4924,
                    f"ALTER TABLE DROP COLUMN failed because column '{column_name}' does not "
                    f"exist in table '{name}'.",
                )
        keep = [(c, s) for c, s in zip(columns, sources, strict=True) if c.name not in drop]
        columns = [c for c, _s in keep]
        sources = [s for _c, s in keep]
    else:
        if action in ("REBUILD", "SWITCH", "SET"):
            return
        raise errors.parse_error(tokens[index].text if index < len(tokens) else name)
    ddl.check_columnstore(columns, info.index)
    new_info = dataclasses.replace(info, columns=columns)
    _rebuild(session, info, new_info, sources)


def _rebuild(session: StatementSession, old: TableInfo, new: TableInfo, sources: list[str]) -> None:
    """Recreate a table with new column definitions, copying the rows.

    DuckDB cannot alter CHECK constraints, so changing a declared length means a new table.
    """
    staging = quote(f"__dw_rebuild_{new.object_id}")
    definitions = column_definitions(session, new)
    select = []
    for column, source in zip(new.columns, sources, strict=True):
        if source == "DEFAULT_MARK":
            default = default_sql(session, column, new)
            select.append(f"CAST({default} AS {types.storage_type(column.type)})")
        else:
            select.append(source)
    schema_prefix = f"{quote(new.schema)}." if new.schema else ""
    temp = "TEMP " if new.temporary else ""
    cursor = session.cursor
    # Inside a user transaction (Fabric runs DDL in one) the rebuild is part of it.
    own = not session.in_transaction
    if own:
        cursor.execute("BEGIN TRANSACTION")
    try:
        cursor.execute(f"CREATE {temp}TABLE {schema_prefix}{staging} ({', '.join(definitions)})")
        cursor.execute(
            f"INSERT INTO {schema_prefix}{staging} SELECT {', '.join(select)} "
            f"FROM {duck_name(old.schema, old.name)}"
        )
        cursor.execute(f"DROP TABLE {duck_name(old.schema, old.name)}")
        cursor.execute(f"ALTER TABLE {schema_prefix}{staging} RENAME TO {quote(new.name)}")
        if own:
            cursor.execute("COMMIT")
    except Exception:
        if own:
            cursor.execute("ROLLBACK")
        raise
    register_table(session, new)
