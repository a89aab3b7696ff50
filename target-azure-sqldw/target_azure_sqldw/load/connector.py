"""The warehouse connection: pyodbc directly, not SQLAlchemy; runs the builders' statements.

Touches the warehouse over ODBC.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import threading
import time
import typing as t

from target_azure_sqldw.errors import ConnectError, one_line
from target_azure_sqldw.load.auth import AccessTokenProvider, credential_from_config
from target_azure_sqldw.load.odbc import (
    SNAPSHOT_CONFLICTS,
    TOKEN_METHODS,
    TRANSIENT_ERRORS,
    CommitOutcomeUnknownError,
    access_token_attrs,
    build_connection_string,
    error_number,
    is_transient,
    pyodbc,
)
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.load.tables import TableCatalog
from target_azure_sqldw.schema.names import quote_identifier
from target_azure_sqldw.schema.type_map import SQLDWJSONSchemaToSQL
from target_azure_sqldw.settings import Settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

T = t.TypeVar("T")

LOGGER = logging.getLogger("target_azure_sqldw.load.connector")


class AzureSQLDWConnector(TableCatalog):
    """Connects with pyodbc, runs statements from the builders, reads the catalog.

    Args:
        config: The settings (or a configuration mapping).
    """

    def __init__(self, config: Mapping[str, t.Any] | Settings) -> None:
        self.settings = Settings.of(config)
        #: The configuration as given (the code reads :attr:`settings`).
        self.config = (
            dataclasses.asdict(self.settings) if isinstance(config, Settings) else dict(config)
        )
        # One connection per thread: singer-sdk drains sinks in parallel threads, and a pyodbc
        # connection runs one statement at a time.
        self._local = threading.local()
        self._all: list[t.Any] = []
        self._all_lock = threading.Lock()
        self._tokens: AccessTokenProvider | None = None
        #: The stream loading each table, by case-folded (schema, table): see claim_table.
        self._table_streams: dict[tuple[str, str], str] = {}
        #: CREATE TABLE of tables whose first batch has not loaded yet: see prepare_table.
        self._planned_tables: dict[tuple[str, str], tuple[Statement, ...]] = {}

    @functools.cached_property
    def jsonschema_to_sql(self) -> SQLDWJSONSchemaToSQL:
        """The JSON Schema to column type mapper for these settings."""
        return SQLDWJSONSchemaToSQL.from_config(self.settings)

    # Connections --------------------------------------------------------------------------

    def connect(self) -> t.Any:
        """Open a new autocommit connection, retrying transient failures.

        Returns:
            The connection.

        Raises:
            ConnectError: With a one-line, secret-free message when connecting fails.
        """
        conn_str = build_connection_string(self.settings)
        delay = 1.0
        for attempt in range(1, 6):
            try:
                attrs = self._token_attrs()
            except ValueError:
                raise
            except Exception as exc:
                method = self.settings.auth_method
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
                where = f"{self.settings.host}:{self.settings.port}"
                msg = f"Cannot connect to {where}/{self.settings.database}: {one_line(exc)}"
                raise ConnectError(msg) from None
        raise AssertionError("unreachable")

    def _token_attrs(self) -> dict[int, bytes]:
        method = self.settings.auth_method
        if method == "access_token":
            token = self.settings.access_token
            if not token:
                msg = "auth_method 'access_token' needs the access_token setting"
                raise ValueError(msg)
            return access_token_attrs(token)
        if method in TOKEN_METHODS:
            if self._tokens is None:
                self._tokens = AccessTokenProvider(credential_from_config(self.settings))
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
        attempts = self.settings.max_retries + 1
        delay = self.settings.retry_backoff_seconds
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
            CommitOutcomeUnknownError: When COMMIT itself fails, except for Fabric's snapshot
                conflicts (:data:`SNAPSHOT_CONFLICTS`), which roll the transaction back and are
                raised as they are, to be retried.
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
                if error_number(exc) in SNAPSHOT_CONFLICTS:
                    # Rolled back for certain (Fabric's conflict check), so it may be retried.
                    raise
                msg = f"COMMIT failed, outcome unknown: {one_line(exc)}"
                raise CommitOutcomeUnknownError(msg) from None
        finally:
            with contextlib.suppress(Exception):
                cur.close()
                conn.autocommit = True

    def quote(self, name: str) -> str:
        """Bracket-quote an identifier.

        Args:
            name: The identifier.

        Returns:
            The quoted identifier.
        """
        return quote_identifier(name)
