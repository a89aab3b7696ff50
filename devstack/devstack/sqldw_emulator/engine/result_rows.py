"""Result sets as a client receives them: column names, declared types, converted values.

Pure: DuckDB rows in, an api.ResultSet out.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import Column, ResultSet, SQLType
from devstack.sqldw_emulator.engine import errors, temporal, types

if t.TYPE_CHECKING:
    from collections.abc import Iterator

_INTEGERS = frozenset({"TINYINT", "UTINYINT", "SMALLINT", "INTEGER", "BIGINT"})


def result_set(
    tree: t.Any,
    description: list[t.Any],
    rows: list[tuple[t.Any, ...]],
    declared: list[SQLType | None],
) -> ResultSet:
    """The client's result set of a query from DuckDB's description and rows.

    Raises:
        SQLError: 241 for a date or time beyond what T-SQL's types hold.
    """
    names = _column_names(tree, description)
    columns: list[Column] = []
    converters: list[t.Callable[[t.Any], t.Any] | None] = []
    for position, item in enumerate(description):
        sql = declared[position] if position < len(declared) else None
        duck_type = str(item[1]).upper().strip('"')
        if (
            sql is not None
            and types.storage_type(sql) != "VARCHAR"
            and duck_type not in (types.storage_type(sql), "NULL")
            and sql.name != "datetimeoffset"
            and not (duck_type in _INTEGERS and sql.name in ("int", "bigint", "smallint"))
        ):
            # The expression's real type differs from the declared column it came from.
            sql = None
        if sql is None:
            sql = types.from_duck_type(item[1])
            converters.append(_duck_converter(sql))
        else:
            converters.append(_declared_converter(sql))
        columns.append(Column(names[position], sql))
    if any(converters):
        try:
            rows = [
                tuple(
                    conv(value) if conv is not None else value
                    for conv, value in zip(converters, row, strict=True)
                )
                for row in rows
            ]
        except (ValueError, OverflowError) as exc:
            # DuckDB's TIMESTAMP reaches year 294276; T-SQL's types stop at 9999.
            raise errors.error(
                241, "Conversion failed when converting date and/or time from character string."
            ) from exc
    return ResultSet(columns, _fitting(columns, rows))


def _column_names(tree: t.Any, description: list[t.Any]) -> list[str]:
    from sqlglot import exp

    names = [str(item[0]) for item in description]
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select):
        return names
    projections = select.expressions
    if len(projections) != len(names) or any(isinstance(p, exp.Star) for p in projections):
        return names
    result = []
    for projection, fallback in zip(projections, names, strict=True):
        if isinstance(projection, exp.Alias | exp.Column):
            result.append(projection.alias_or_name or fallback)
        else:
            result.append("")
    return result


def _fitting(columns: list[Column], rows: list[tuple[t.Any, ...]]) -> list[tuple[t.Any, ...]]:
    """Widen a character column whose values are longer than the type worked out for it.

    The TDS stream must never carry a value longer than its column's declared length (ODBC
    Driver 18 reports "Protocol error in TDS stream"); SQL Server's own typing never produces
    one, so this only fires where the emulator's result typing falls short of it.
    """
    for position, column in enumerate(columns):
        sql = column.type
        if sql.name not in types.CHAR_TYPES or sql.length in (None, -1):
            continue
        limit = sql.length or 1
        if any(
            value is not None and not types.fits(value, sql)
            for value in _values(rows, position, limit)
        ):
            wide = "nvarchar" if sql.name in ("nchar", "nvarchar", "sysname") else "varchar"
            columns[position] = Column(column.name, SQLType(wide, -1), column.nullable)
    return rows


def _values(rows: list[tuple[t.Any, ...]], position: int, limit: int) -> Iterator[t.Any]:
    # Only values that could be too long (a cheap length test settles most of them).
    for row in rows:
        value = row[position]
        if isinstance(value, str) and len(value) * 2 > limit:
            yield value


def _declared_converter(sql: SQLType) -> t.Callable[[t.Any], t.Any] | None:
    if sql.name in ("datetimeoffset", "float", "real", "bit", "money", "smallmoney") or (
        temporal.text_kind(sql) is not None
    ):
        return lambda value: types.from_storage(value, sql)
    return None


def _duck_converter(sql: SQLType) -> t.Callable[[t.Any], t.Any] | None:
    if sql.name in ("nvarchar", "decimal", "datetimeoffset"):
        return lambda value: types.from_duck_value(value, sql)
    return None
