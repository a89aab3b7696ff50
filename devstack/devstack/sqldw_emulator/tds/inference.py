"""Deducing undeclared parameter types from the statement's target columns.

Asks INFORMATION_SCHEMA through the engine session, as any client would.
"""

from __future__ import annotations

import re
import typing as t

from devstack.sqldw_emulator.api import SQLError, SQLType
from devstack.sqldw_emulator.declarations import parse_type

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import Session

_IDENT = r"(?:\[[^\]]+\]|\"[^\"]+\"|[#\w@$]+)"
_TABLE = rf"({_IDENT}(?:\s*\.\s*{_IDENT}){{0,2}})"
_INSERT = re.compile(
    rf"^\s*insert\s+(?:into\s+)?{_TABLE}\s*\(([^)]*)\)\s*values\s*\((.*)\)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_UPDATE = re.compile(rf"^\s*update\s+{_TABLE}\s+set\s", re.IGNORECASE)
_DELETE = re.compile(rf"^\s*delete\s+(?:from\s+)?{_TABLE}", re.IGNORECASE)
_SELECT = re.compile(rf"^\s*select\s.*?\sfrom\s+{_TABLE}", re.IGNORECASE | re.DOTALL)
_ASSIGN = re.compile(rf"({_IDENT})\s*(?:=|<>|!=|<=|>=|<|>)\s*(@\w+)", re.IGNORECASE)
_PARAM = re.compile(r"(?<![@\w])@[A-Za-z_]\w*")
FALLBACK = SQLType("nvarchar", 4000)


def unquote(identifier: str) -> str:
    """Strip brackets or double quotes from one identifier part."""
    identifier = identifier.strip()
    if identifier[:1] in ("[", '"'):
        return identifier[1:-1]
    return identifier


def _split_name(name: str) -> list[str]:
    return [unquote(part) for part in re.findall(_IDENT, name)]


def parameter_names(sql: str) -> list[str]:
    """The distinct ``@name`` parameters of a statement, in order of first use."""
    text = re.sub(r"'(?:[^']|'')*'", "''", sql)
    seen: dict[str, None] = {}
    for name in _PARAM.findall(text):
        seen.setdefault(name, None)
    return list(seen)


def _column_types(session: Session, table: str) -> dict[str, SQLType]:
    parts = _split_name(table)
    if not parts:
        return {}
    conditions = [f"TABLE_NAME = N'{parts[-1].replace(chr(39), chr(39) * 2)}'"]
    if len(parts) >= 2:
        conditions.append(f"TABLE_SCHEMA = N'{parts[-2].replace(chr(39), chr(39) * 2)}'")
    query = (
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, DATETIME_PRECISION FROM INFORMATION_SCHEMA.COLUMNS WHERE "
        + " AND ".join(conditions)
    )
    columns: dict[str, SQLType] = {}
    try:
        for result in session.execute(query):
            for name, data_type, length, precision, scale, dt_precision in (
                result.result_set.rows if result.result_set else []
            ):
                columns[str(name).lower()] = _declared(
                    str(data_type), length, precision, scale, dt_precision
                )
    except SQLError:
        return {}
    return columns


def _declared(data_type: str, length: t.Any, precision: t.Any, scale: t.Any, dtp: t.Any) -> SQLType:
    name = data_type.lower()
    if name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary"):
        size = "max" if length in (-1, None) else str(length)
        return parse_type(name, size, None)
    if name in ("decimal", "numeric"):
        return parse_type(name, str(precision or 18), str(scale or 0))
    if name in ("time", "datetime2", "datetimeoffset"):
        return parse_type(name, str(7 if dtp is None else dtp), None)
    return parse_type(name, None, None)


def infer_parameter_types(session: Session, sql: str) -> tuple[list[str], list[SQLType]]:
    """Parameter names of ``sql`` and the types their target columns suggest.

    Parameters whose column cannot be found get nvarchar(4000), which SQL Server converts
    implicitly on insert.
    """
    names = parameter_names(sql)
    mapping: dict[str, str] = {}
    table: str | None = None
    insert = _INSERT.match(sql)
    if insert:
        table = insert.group(1)
        columns = [unquote(c) for c in insert.group(2).split(",")]
        values = [v.strip() for v in insert.group(3).split(",")]
        for column, value in zip(columns, values, strict=False):
            if re.fullmatch(r"@\w+", value):
                mapping.setdefault(value.lower(), column.lower())
    else:
        match = _UPDATE.match(sql) or _DELETE.match(sql) or _SELECT.match(sql)
        if match:
            table = match.group(1)
    if table is not None:
        for column, param in _ASSIGN.findall(sql):
            mapping.setdefault(param.lower(), _split_name(column)[-1].lower())
    columns_by_name = _column_types(session, table) if table and mapping else {}
    types = [columns_by_name.get(mapping.get(n.lower(), ""), FALLBACK) for n in names]
    return names, types
