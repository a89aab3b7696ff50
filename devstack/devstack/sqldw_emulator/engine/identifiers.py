"""Naming helpers for DuckDB storage: quoting, resolving one- to three-part names, references.

Reads the session's catalog; imports only errors and the lexer.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import errors
from devstack.sqldw_emulator.engine.lexer import TEMP_PREFIX

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.protocols import StatementSession


def quote(name: str) -> str:
    """A DuckDB-quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def split_name(session: StatementSession, parts: list[str]) -> tuple[str, str]:
    """(schema, name) of a one- to three-part table name; dbo by default.

    Raises:
        SQLError: 2760 when the schema does not exist.
    """
    if not parts:
        raise errors.error(102, "Incorrect syntax: an object name is missing.")
    name = parts[-1]
    if name.startswith(TEMP_PREFIX):
        return "", name
    schema = parts[-2] if len(parts) >= 2 and parts[-2] else "dbo"
    if (
        len(parts) >= 3
        and parts[-3]
        and parts[-3].lower() != session.engine.config.database.lower()
    ):
        raise errors.error(
            50000, f"Cross-database references are not supported: '{'.'.join(parts)}'."
        )
    declared = session.engine.catalog.schema(schema)
    if declared is None:
        raise errors.error(
            2760,
            f'The specified schema name "{schema}" either does not exist or you do not have '
            "permission to use it.",
        )
    return declared, name


def duck_name(schema: str, name: str) -> str:
    """The DuckDB reference of a table (temp tables have no schema)."""
    return quote(name) if not schema else f"{quote(schema)}.{quote(name)}"
