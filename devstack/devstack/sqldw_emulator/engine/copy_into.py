"""COPY INTO: loading CSV and Parquet blobs from (emulated) Azure storage."""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import errors

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import StatementResult
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.session import DuckDBSession


def run(session: DuckDBSession, statement: Statement) -> StatementResult:
    """Run COPY INTO."""
    raise errors.error(50000, "COPY INTO is not available yet.")
