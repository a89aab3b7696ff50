"""The warehouse connection: pyodbc directly, not SQLAlchemy.

Why not singer-sdk's ``SQLConnector``: it is built around a SQLAlchemy engine, and no
SQLAlchemy dialect fits a dedicated SQL pool. The ``mssql+pyodbc`` dialect probes the server
on connect, emits enforced primary keys, ``CREATE TABLE`` without ``WITH (DISTRIBUTION ...)``,
multi-row ``INSERT ... VALUES`` and ``DROP TABLE IF EXISTS``, all of which a dedicated pool
refuses; ``SQLSink`` loads rows through that engine. Overriding every such method would leave a
SQLAlchemy-shaped class whose inherited paths fail at run time. So the target builds on
singer-sdk's base ``Target`` and ``BatchSink``, and this class owns the pyodbc connection and
DDL. Type mapping still goes through singer-sdk's ``JSONSchemaToSQL`` handler registry
(:class:`~target_azure_sqldw.typemap.SQLDWJSONSchemaToSQL`), and all SQL text comes from the
pure builders in :mod:`target_azure_sqldw.sql`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
import typing as t
import uuid

from target_azure_sqldw import names
from target_azure_sqldw.auth import AccessTokenProvider, credential_from_config
from target_azure_sqldw.errors import ConnectError, LoadError, one_line
from target_azure_sqldw.evolution import VERSION_COLUMN, plan_evolution
from target_azure_sqldw.flavor import get_flavor
from target_azure_sqldw.names import quote_identifier, quote_table
from target_azure_sqldw.odbc import (
    TOKEN_METHODS,
    TRANSIENT_ERRORS,
    CommitOutcomeUnknownError,
    access_token_attrs,
    build_connection_string,
    error_number,
    is_transient,
    pyodbc,
)
from target_azure_sqldw.sql import ddl, rebuild
from target_azure_sqldw.sql.statement import Statement, label
from target_azure_sqldw.sqltypes import ColumnType
from target_azure_sqldw.typemap import SQLDWJSONSchemaToSQL

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

T = t.TypeVar("T")

LOGGER = logging.getLogger("target_azure_sqldw.connector")


class AzureSQLDWConnector:
    """Connects with pyodbc, runs statements from the builders, reads the catalog.

    Args:
        config: Target configuration.
    """

    def __init__(self, config: Mapping[str, t.Any]) -> None:
        self.config = dict(config)
        # One connection per thread: singer-sdk drains sinks in parallel threads, and a pyodbc
        # connection runs one statement at a time.
        self._local = threading.local()
        self._all: list[t.Any] = []
        self._all_lock = threading.Lock()
        self._tokens: AccessTokenProvider | None = None
        #: The stream loading each table, by case-folded (schema, table): see claim_table.
        self._table_streams: dict[tuple[str, str], str] = {}

    @functools.cached_property
    def jsonschema_to_sql(self) -> SQLDWJSONSchemaToSQL:
        """The JSON Schema to column type mapper for these settings."""
        return SQLDWJSONSchemaToSQL.from_config(self.config)

    # Connections --------------------------------------------------------------------------

    def connect(self) -> t.Any:
        """Open a new autocommit connection, retrying transient failures.

        Returns:
            The connection.

        Raises:
            ConnectError: With a one-line, secret-free message when connecting fails.
        """
        conn_str = build_connection_string(self.config)
        delay = 1.0
        for attempt in range(1, 6):
            try:
                attrs = self._token_attrs()
            except ValueError:
                raise
            except Exception as exc:
                method = self.config.get("auth_method")
                msg = f"Cannot get an Entra ID token ({method}): {one_line(exc)}"
                raise ConnectError(msg) from None
            try:
                return pyodbc.connect(conn_str, autocommit=True, attrs_before=attrs or None)
            except pyodbc.Error as exc:
                number = error_number(exc)
                if number in TRANSIENT_ERRORS and attempt < 5:
                    LOGGER.warning("Transient error %s connecting; retrying", number)
                    time.sleep(delay)
                    delay *= 2
                    continue
                where = f"{self.config['host']}:{self.config.get('port', 1433)}"
                msg = f"Cannot connect to {where}/{self.config['database']}: {one_line(exc)}"
                raise ConnectError(msg) from None
        raise AssertionError("unreachable")

    def _token_attrs(self) -> dict[int, bytes]:
        method = self.config.get("auth_method", "sql")
        if method == "access_token":
            if not self.config.get("access_token"):
                msg = "auth_method 'access_token' needs the access_token setting"
                raise ValueError(msg)
            return access_token_attrs(self.config["access_token"])
        if method in TOKEN_METHODS:
            if self._tokens is None:
                self._tokens = AccessTokenProvider(credential_from_config(self.config))
            return access_token_attrs(self._tokens.get())
        return {}

    @property
    def connection(self) -> t.Any:
        """This thread's autocommit connection (opened on first use)."""
        conn = getattr(self._local, "connection", None)
        if conn is None:
            conn = self.connect()
            self._local.connection = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def reset(self) -> None:
        """Drop this thread's connection so its next statement reconnects (after an error)."""
        conn = getattr(self._local, "connection", None)
        self._local.connection = None
        if conn is not None:
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        """Close every connection this connector opened."""
        with self._all_lock:
            connections, self._all = self._all, []
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()

    def retrying(self, step: Callable[[], T], what: str) -> T:
        """Run an idempotent step, retrying transient errors on a fresh connection.

        Waits ``retry_backoff_seconds`` and doubles it after each try, up to ``max_retries``
        retries. Only steps that can run again safely may be passed here; a failed COMMIT
        (:class:`CommitOutcomeUnknownError`) is never retried.

        Args:
            step: The step.
            what: What the step does, for the log.

        Returns:
            The step's result.
        """
        attempts = int(self.config.get("max_retries", 3)) + 1
        delay = float(self.config.get("retry_backoff_seconds", 2.0))
        for attempt in range(1, attempts + 1):
            try:
                return step()
            except Exception as exc:
                if attempt == attempts or not is_transient(exc):
                    raise
                LOGGER.warning(
                    "Transient error %s (attempt %d of %d), retrying in %.1f s: %s",
                    what,
                    attempt,
                    attempts,
                    delay,
                    one_line(exc),
                )
                self.reset()
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    # Execution ----------------------------------------------------------------------------

    def execute(self, statement: Statement, cursor: t.Any = None) -> int:
        """Run one statement.

        Args:
            statement: The statement.
            cursor: Run on this cursor (inside a transaction); a new one otherwise.

        Returns:
            The affected row count (-1 when the driver does not report one).
        """
        LOGGER.debug("SQL: %s", statement.loggable)
        own = cursor is None
        cur = self.connection.cursor() if cursor is None else cursor
        try:
            cur.execute(statement.sql, *statement.params)
            return int(cur.rowcount)
        finally:
            if own:
                cur.close()

    def query(self, statement: Statement) -> list[tuple[t.Any, ...]]:
        """Run a query and fetch every row.

        Args:
            statement: The query.

        Returns:
            The rows.
        """
        LOGGER.debug("SQL: %s", statement.loggable)
        cur = self.connection.cursor()
        try:
            cur.execute(statement.sql, *statement.params)
            return [tuple(row) for row in cur.fetchall()]
        finally:
            cur.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[t.Any]:
        """A user transaction: commit on success, roll back on any error.

        Yields:
            The cursor to run the transaction's statements on.

        Raises:
            CommitOutcomeUnknownError: When COMMIT itself fails.
        """
        conn = self.connection
        conn.autocommit = False
        cur = conn.cursor()
        try:
            try:
                yield cur
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.rollback()
                raise
            try:
                conn.commit()
            except Exception as exc:
                msg = f"COMMIT failed, outcome unknown: {one_line(exc)}"
                raise CommitOutcomeUnknownError(msg) from None
        finally:
            with contextlib.suppress(Exception):
                cur.close()
                conn.autocommit = True

    # Catalog ------------------------------------------------------------------------------

    def schema_exists(self, schema: str) -> bool:
        """Whether a schema exists.

        Args:
            schema: Schema name.

        Returns:
            True when it exists.
        """
        return bool(self.query(Statement("SELECT name FROM sys.schemas WHERE name = ?", (schema,))))

    def table_columns(self, schema: str, table: str) -> dict[str, tuple[ColumnType, bool]]:
        """The columns of a table, from ``INFORMATION_SCHEMA.COLUMNS``.

        Args:
            schema: Schema name.
            table: Table name.

        Returns:
            Column name to ``(type, nullable)`` in ordinal order; empty when the table does
            not exist.
        """
        rows = self.query(
            Statement(
                "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
                "NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE "
                "FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                "ORDER BY ORDINAL_POSITION",
                (schema, table),
            )
        )
        return {
            row[0]: (ColumnType.from_catalog(*row[1:6]), str(row[6]).upper() == "YES")
            for row in rows
        }

    def claim_table(self, schema: str, table: str, stream: str) -> None:
        """Record that ``stream`` loads ``schema.table``; refuse a second stream for it.

        Two streams never share a table: their rows would merge, and one stream's key would
        replace the other's row. Names are compared case-insensitively, as the usual Synapse
        collation compares them (and as conformed names can meet: ``Users`` and ``users``,
        a control character and ``_``).

        Args:
            schema: Schema name.
            table: Table name.
            stream: The stream.

        Raises:
            LoadError: When another stream of this run already loads that table.
        """
        key = (schema.casefold(), table.casefold())
        with self._all_lock:
            owner = self._table_streams.setdefault(key, stream)
        if owner != stream:
            msg = (
                f"Streams {owner!r} and {stream!r} would both load table {schema}.{table}; "
                "rename one (stream_maps __alias__) or, for '<schema>-<table>' names, leave "
                "default_target_schema unset"
            )
            raise LoadError(msg)

    def prepare_schema(self, schema: str) -> None:
        """Create the schema when missing.

        Args:
            schema: Schema name.
        """
        if not self.schema_exists(schema):
            self.execute(ddl.create_schema(schema))

    def prepare_table(
        self,
        schema: str,
        table: str,
        columns: Sequence[ddl.ColumnDef],
        layout: ddl.TableLayout,
    ) -> dict[str, ddl.ColumnDef]:
        """Create the table, or evolve an existing one (see :mod:`.evolution`).

        Adds and widens columns; never narrows or drops one. An incompatible change keeps
        the old data: a ``<name>__v2`` column, or a rebuild of the table by CTAS and
        ``RENAME OBJECT`` (``incompatible_type_change: rebuild``). An existing table keeps
        its distribution and index.

        Args:
            schema: Schema name.
            table: Table name.
            columns: The columns the current schema maps to.
            layout: Layout for a new table.

        Returns:
            For each wanted column name, the table column it is loaded into, which may differ
            from ``columns`` (a kept wider type, a versioned column).
        """
        flavor = get_flavor(self.config.get("flavor", "synapse"))
        existing = self.table_columns(schema, table)
        if not existing:
            self._refuse_after_interrupted_rebuild(schema, table)
            self.execute(ddl.create_table(schema, table, columns, layout, flavor))
            return {c.name: c for c in columns}
        current_layout = self.table_layout(schema, table) if flavor.table_options else None
        plan = plan_evolution(
            existing,
            columns,
            flavor,
            hash_column=(current_layout or layout).hash_column,
            policy=str(self.config.get("incompatible_type_change") or VERSION_COLUMN),
        )
        for added in plan.added:
            if added.name in plan.versioned:
                old_name, old_type = plan.versioned[added.name]
                LOGGER.warning(
                    "Column %s.%s.%s is %s and cannot hold %s: loading into %s",
                    schema,
                    table,
                    old_name,
                    old_type.sql,
                    added.type.sql,
                    added.name,
                )
            self.execute(ddl.add_column(schema, table, added))
        for altered in plan.altered:
            self.execute(ddl.alter_column(schema, table, altered, flavor))
        if plan.rebuilt:
            self._rebuild(schema, table, plan.rebuilt, current_layout or layout, layout.primary_key)
        return plan.effective

    def table_layout(self, schema: str, table: str) -> ddl.TableLayout | None:
        """An existing table's distribution and index, from the catalog.

        Args:
            schema: Schema name.
            table: Table name.

        Returns:
            The layout (without a primary key), or None when the catalog has no row for it.
        """
        rows = self.query(rebuild.layout_query(schema, table))
        if not rows:
            return None
        distribution, index_type, hash_column = rows[0]
        return ddl.TableLayout(
            distribution=str(distribution).lower(),
            hash_column=hash_column if str(distribution).upper() == "HASH" else None,
            index=rebuild.INDEX_TYPES.get(int(index_type), "heap"),
        )

    def _rebuild(
        self,
        schema: str,
        table: str,
        changed: Mapping[str, ColumnType],
        layout: ddl.TableLayout,
        primary_key: Sequence[str] = (),
    ) -> None:
        """Rebuild a table with new column types: CTAS a copy, swap names, drop the old one.

        Each step is DDL outside a transaction. A failure before the swap leaves the table
        untouched; a failed second rename renames the old table back. CTAS copies no
        constraint, so ``primary_key`` (``primary_key_not_enforced``) is declared again; a cast
        key column stays NOT NULL (:func:`.rebuild.ctas_rebuild`), for every type a key can
        have here (otherwise the key is not declared and a warning says so).
        """
        rebuild_id = uuid.uuid4().hex
        new_name, old_name = names.rebuild_table_names(table, rebuild_id)
        columns = [
            ddl.ColumnDef(name, column_type, nullable)
            for name, (column_type, nullable) in self.table_columns(schema, table).items()
        ]
        LOGGER.warning(
            "Rebuilding %s.%s for incompatible type changes: %s",
            schema,
            table,
            ", ".join(f"{name} -> {new.sql}" for name, new in changed.items()),
        )
        text = label(table, f"rebuild-{rebuild_id}")
        try:
            self.execute(
                rebuild.ctas_rebuild(schema, new_name, table, columns, changed, layout, text)
            )
            self.execute(ddl.rename_table(schema, table, old_name))
        except Exception:
            # The table is untouched; the copy goes, so a retry starts from scratch.
            with contextlib.suppress(Exception):
                self.execute(ddl.drop_table(schema, new_name))
            raise
        try:
            self.execute(ddl.rename_table(schema, new_name, table))
        except Exception:
            with contextlib.suppress(Exception):
                self.execute(ddl.rename_table(schema, old_name, table))
            raise
        self.execute(ddl.drop_table(schema, old_name))
        if primary_key:
            nullable = {
                k for k in primary_key if k in changed and not rebuild.keeps_not_null(changed[k])
            }
            if nullable:
                LOGGER.warning(
                    "%s.%s was rebuilt with a key column cast to a type kept nullable: PRIMARY "
                    "KEY NOT ENFORCED is not declared again",
                    schema,
                    table,
                )
            else:
                self.execute(ddl.add_primary_key(schema, table, primary_key))

    def _refuse_after_interrupted_rebuild(self, schema: str, table: str) -> None:
        """Stop rather than create an empty table where a rebuild was interrupted mid-swap.

        Raises:
            LoadError: When ``<table>__old_<id>`` exists but ``<table>`` does not.
        """
        prefix = table + names.REBUILD_OLD_MARK
        leftovers = self.query(rebuild.tables_starting_with_query(schema, prefix))
        if leftovers:
            old = leftovers[0][0]
            msg = (
                f"Table {schema}.{table} is missing but {schema}.{old} exists: a rebuild was "
                f"interrupted; RENAME OBJECT {quote_table(schema, old)} TO "
                f"{quote_identifier(table)} and run again"
            )
            raise LoadError(msg)

    def quote(self, name: str) -> str:
        """Bracket-quote an identifier.

        Args:
            name: The identifier.

        Returns:
            The quoted identifier.
        """
        return quote_identifier(name)
