"""The session and the shared engine as statement handlers see them: typing Protocols.

Handlers (DDL, COPY, PolyBase, control flow) name these instead of ``DuckDBSession`` and
``DuckDBEngine``, so no handler needs session.py or engine.py, not even for a type: those two
import the handlers, and a type-only import back would close a circle. Imports types only (and
the ``VariableSource`` protocol a session also is).
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine.binding import VariableSource

if t.TYPE_CHECKING:
    import contextlib
    from collections.abc import Iterator, Sequence

    import duckdb

    from devstack.sqldw_emulator.api import Parameter, SQLType, StatementResult
    from devstack.sqldw_emulator.engine.binding import Bound
    from devstack.sqldw_emulator.engine.blob_bridge import BlobBridge
    from devstack.sqldw_emulator.engine.catalog import Catalog, TableInfo
    from devstack.sqldw_emulator.engine.config import EngineConfig
    from devstack.sqldw_emulator.engine.faults import FaultInjector
    from devstack.sqldw_emulator.engine.request_log import RequestRecord
    from devstack.sqldw_emulator.engine.translate import Translator

__all__ = ["SharedEngine", "StatementSession"]


class SharedEngine(t.Protocol):
    """What every session shares: settings, the shadow catalog, storage and the request log."""

    @property
    def config(self) -> EngineConfig:
        """The engine's settings."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The shadow catalog of declared tables, views and external objects."""
        ...

    @property
    def faults(self) -> FaultInjector:
        """The injected faults."""
        ...

    @property
    def blob_bridge(self) -> BlobBridge:
        """Storage (Azurite) as SQL names it."""
        ...

    @property
    def requests(self) -> Sequence[RequestRecord]:
        """The request log, oldest first."""
        ...

    @property
    def db_alias(self) -> str:
        """The DuckDB name of the attached warehouse database."""
        ...

    @property
    def fabric(self) -> bool:
        """Whether the engine plays a Fabric Warehouse."""
        ...

    @property
    def default_index(self) -> str:
        """The index of a table created without one."""
        ...

    def save_catalog(self) -> None:
        """Persist the catalog."""
        ...

    def sync_catalog_views(self) -> None:
        """Refresh the materialized catalog views if the catalog changed."""
        ...

    def sync_views(self) -> None:
        """Refresh the catalog views and the request log if they are stale."""
        ...

    def new_request(self, session_id: str, command: str, label: str | None) -> RequestRecord:
        """Log a statement as running."""
        ...


class StatementSession(VariableSource, t.Protocol):
    """One client session, as the statements it runs reach it."""

    variables: dict[str, tuple[SQLType | None, t.Any]]
    params: dict[str, Parameter]
    temp_version: int
    current_label: str | None

    @property
    def engine(self) -> SharedEngine:
        """The shared engine."""
        ...

    @property
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """The session's own DuckDB connection."""
        ...

    @property
    def temp_tables(self) -> dict[str, TableInfo]:
        """The session's temp tables by lower-case name."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        ...

    def execute(self, sql: str, params: Sequence[Parameter] = ()) -> Iterator[StatementResult]:
        """Execute a batch, one result per statement."""
        ...

    def query(self, bound: Bound) -> StatementResult:
        """Translate and run a SELECT / INSERT / UPDATE / DELETE / MERGE."""
        ...

    def translator(self, bound: Bound) -> Translator:
        """A translator bound to this session's view of the catalog."""
        ...

    def lookup_table(self, schema: str | None, name: str) -> TableInfo | None:
        """A declared table by optional schema and name (temp tables included)."""
        ...

    def catalog_change(self) -> contextlib.AbstractContextManager[None]:
        """Record what the DDL run inside changes in the catalog, for ROLLBACK (Fabric)."""
        ...
