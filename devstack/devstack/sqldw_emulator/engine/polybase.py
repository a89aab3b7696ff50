"""PolyBase: credentials, external data sources, file formats and external tables."""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import errors

if t.TYPE_CHECKING:
    from sqlglot import exp

    from devstack.sqldw_emulator.api import StatementResult
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.ddl import CreateTable
    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.session import DuckDBSession


def materialize_references(session: DuckDBSession, tree: exp.Expression) -> None:
    """Load the external tables a statement reads into session temp tables."""


def create_object(session: DuckDBSession, statement: Statement) -> StatementResult | None:
    """CREATE MASTER KEY / DATABASE SCOPED CREDENTIAL / EXTERNAL DATA SOURCE / FILE FORMAT."""
    raise errors.error(50000, "PolyBase is not available yet.")


def drop_object(session: DuckDBSession, tokens: list[Token], words: list[str]) -> None:
    """DROP of a PolyBase object."""
    raise errors.error(50000, "PolyBase is not available yet.")


def create_external_table(
    session: DuckDBSession, schema: str, name: str, parsed: CreateTable
) -> StatementResult | None:
    """CREATE EXTERNAL TABLE."""
    raise errors.error(50000, "PolyBase is not available yet.")
