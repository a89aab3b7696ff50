"""Parameter declaration text (``@P1 int, @P2 nvarchar(10) OUTPUT``) read into typed values.

Shared by the TDS front end (RPC calls) and the engine (EXEC sp_executesql); pure.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from devstack.sqldw_emulator.api import SQLError, SQLType

_DECLARATION = re.compile(
    r"""^\s*(@[\w@#$]+)\s+(?:as\s+)?
        ((?:\[?[a-z_][\w]*\]?\.)?\[?[a-z_][\w ]*?\]?)
        \s*(?:\(\s*(max|\d+)\s*(?:,\s*(\d+)\s*)?\))?
        \s*(?:=\s*\S+\s*)?
        (\s+(?:out|output|readonly))?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_LENGTH_TYPES = {"char", "varchar", "nchar", "nvarchar", "binary", "varbinary"}
_SCALE_TYPES = {"time", "datetime2", "datetimeoffset"}
_ALIASES = {
    "integer": "int",
    "dec": "decimal",
    "double precision": "float",
    "character": "char",
    "national character varying": "nvarchar",
    "ntext": "nvarchar",
    "text": "varchar",
    "image": "varbinary",
    "sysname": "nvarchar",
    "rowversion": "binary",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Declared:
    """One declared parameter."""

    name: str
    type: SQLType
    output: bool


def split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def parse_type(name: str, size: str | None, scale: str | None) -> SQLType:
    """Build an :class:`SQLType` from a declared type name and its arguments."""
    base = name.replace("[", "").replace("]", "").split(".")[-1].strip().lower()
    base = _ALIASES.get(base, base)
    if base in ("ntext", "text", "image") or name.lower() in ("ntext", "text", "image"):
        return SQLType(base, -1)
    if base == "sysname":
        return SQLType("nvarchar", 128)
    if base in _LENGTH_TYPES:
        if size is None:
            return SQLType(base, 1)
        return SQLType(base, -1 if size.lower() == "max" else int(size))
    if base in ("decimal", "numeric"):
        precision = int(size) if size and size.isdigit() else 18
        return SQLType(base, precision=precision, scale=int(scale) if scale else 0)
    if base in _SCALE_TYPES:
        return SQLType(base, scale=int(size) if size and size.isdigit() else 7)
    if base == "float":
        precision = int(size) if size and size.isdigit() else 53
        return SQLType("real" if precision <= 24 else "float", precision=precision)
    return SQLType(base)


def parse_declarations(text: str | None) -> list[Declared]:
    """Parse the ``@params`` argument of sp_executesql / sp_prepare / sp_prepexec.

    Raises:
        SQLError: 102 (syntax) when a declaration cannot be read.
    """
    if not text or not text.strip():
        return []
    return list(_parse_declarations(text))


# Drivers resend the same declarations with every execution (MS ODBC: sp_prepexec per row).
@functools.lru_cache(maxsize=256)
def _parse_declarations(text: str) -> tuple[Declared, ...]:
    declared = []
    for part in split_top_level(text):
        match = _DECLARATION.match(part)
        if not match:
            raise SQLError(102, f"Incorrect syntax near '{part.strip()[:40]}'.", state=1)
        name, type_name, size, scale, output = match.groups()
        declared.append(Declared(name, parse_type(type_name, size, scale), bool(output)))
    return tuple(declared)
