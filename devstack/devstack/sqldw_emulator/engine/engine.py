"""The engine shared by all sessions: one DuckDB database, the shadow catalog, the request log.

Owns the DuckDB connection, the data file (if any) and the blob bridge; opens sessions.
"""

from __future__ import annotations

import datetime
import hmac
import itertools
import re
import shutil
import tempfile
import threading
import typing as t

import duckdb

from devstack.sqldw_emulator import entra
from devstack.sqldw_emulator.engine import errors, views
from devstack.sqldw_emulator.engine.blob_bridge import BlobBridge
from devstack.sqldw_emulator.engine.catalog import Catalog
from devstack.sqldw_emulator.engine.config import FLAVORS, EngineConfig
from devstack.sqldw_emulator.engine.faults import FaultInjector
from devstack.sqldw_emulator.engine.request_log import RequestRecord
from devstack.sqldw_emulator.engine.session import DuckDBSession

__all__ = ["DuckDBEngine", "EngineConfig"]

_MAX_REQUESTS = 10_000
# DuckDB's memory_limit syntax: a number and a unit (KB, MB, GB, TB or their KiB... forms).
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(K|M|G|T)i?B\s*$", re.IGNORECASE)


class DuckDBEngine:
    """The dedicated-SQL-pool dialect on DuckDB, shared by every session of one emulator.

    Args:
        config: Engine settings.
    """

    def __init__(self, config: EngineConfig) -> None:
        if not config.database:
            msg = "the database name must not be empty"
            raise ValueError(msg)
        if config.flavor not in FLAVORS:
            msg = f"unknown flavor {config.flavor!r}: choose one of {', '.join(FLAVORS)}"
            raise ValueError(msg)
        self.config = config
        self.catalog = Catalog()
        self.faults = FaultInjector(config.faults)
        self.blob_bridge = BlobBridge(config)
        self.lock = threading.RLock()
        self._session_ids = itertools.count(51)
        self._request_ids = itertools.count(1)
        self.requests: list[RequestRecord] = []
        self._final_seq = 0
        self._views_version = -1
        # What each materialized catalog view holds, to rewrite only the views that change.
        self._view_rows: dict[str, list[tuple[t.Any, ...]]] = {}
        self.db_alias = "dw"
        self._spill: str | None = None
        self._root = duckdb.connect(":memory:", config=self._duckdb_settings(config))
        target = str(config.data_file) if config.data_file else ":memory:"
        self._root.execute(f"ATTACH '{target.replace(chr(39), chr(39) * 2)}' AS {self.db_alias}")
        self._root.execute(f"USE {self.db_alias}")
        self._admin = self._root.cursor()
        self._admin.execute(f"USE {self.db_alias}")
        self._bootstrap()

    def _duckdb_settings(
        self, config: EngineConfig
    ) -> dict[str, str | bool | int | float | list[str]]:
        """DuckDB's settings for ``config``.

        Raises:
            ValueError: for a memory limit DuckDB cannot read.
        """
        if config.memory_limit is None:
            return {}
        if not _MEMORY.match(config.memory_limit):
            msg = f"memory limit {config.memory_limit!r} is not a size such as 512MB or 2GB"
            raise ValueError(msg)
        # DuckDB's default spill folder is ./.tmp, wherever the emulator was started.
        self._spill = tempfile.mkdtemp(prefix="sqldw-spill-")
        return {"memory_limit": config.memory_limit, "temp_directory": self._spill}

    def _bootstrap(self) -> None:
        admin = self._admin
        admin.execute("CREATE SCHEMA IF NOT EXISTS __devstack")
        admin.execute("CREATE SCHEMA IF NOT EXISTS dbo")
        admin.execute("CREATE TABLE IF NOT EXISTS __devstack.catalog_state (state VARCHAR)")
        row = admin.execute("SELECT state FROM __devstack.catalog_state").fetchone()
        if row is not None:
            self.catalog.load_json(row[0])
        for view in views.COLUMNS:
            admin.execute(views.create_statement(view))

    # Engine protocol ---------------------------------------------------------------------

    @property
    def fabric(self) -> bool:
        """Whether this engine plays a Fabric Warehouse."""
        return self.config.flavor == "fabric"

    @property
    def utf8_varchar(self) -> bool:
        """Whether char/varchar are UTF-8 (a Fabric Warehouse's collation)."""
        return self.fabric

    @property
    def default_index(self) -> str:
        """The index of a table created without one.

        A pool's clustered columnstore, or a Fabric Warehouse's managed storage (no index, so
        no columnstore limits on (max) columns).
        """
        return "HEAP" if self.fabric else "CLUSTERED COLUMNSTORE INDEX"

    def check_login(self, user: str, password: str) -> bool:
        """Whether the SQL login is valid (constant-time password comparison).

        A Fabric Warehouse has no SQL logins (Entra ID only): every one fails.
        """
        if self.fabric:
            return False
        return user.lower() == self.config.login.lower() and hmac.compare_digest(
            password.encode(), self.config.password.encode()
        )

    def check_access_token(self, token: str) -> str:
        """The login name of a valid Entra ID access token.

        Raises:
            SQLError: 18456 as the service answers: state 233 "Token is expired." for an
                expired token, otherwise the plain login failure (no reason is given).
        """
        principal = "<token-identified principal>"
        if self.config.token_key is None:
            raise errors.error(18456, f"Login failed for user '{principal}'.")
        try:
            return entra.validate_token(token, self.config.token_key).name
        except entra.TokenError as exc:
            if exc.expired:
                raise errors.error(
                    18456,
                    f"Login failed for user '{principal}'. Token is expired.",
                    state=233,
                ) from exc
            raise errors.error(18456, f"Login failed for user '{principal}'.") from exc

    def open_session(self, user: str, database: str | None) -> DuckDBSession:
        """Open a session on the configured database.

        Raises:
            SQLError: 4060 for any other database name.
        """
        if database and database.lower() not in (self.config.database.lower(), "master"):
            raise errors.error(
                4060,
                f'Cannot open database "{database}" requested by the login. The login failed.',
            )
        cursor = self._root.cursor()
        return DuckDBSession(self, cursor, f"SID{next(self._session_ids)}", user)

    # shared state --------------------------------------------------------------------------

    def save_catalog(self) -> None:
        """Persist the catalog and refresh its views (autocommit, on the engine's connection).

        The views are refreshed lazily (when read, and when a transaction begins: inside one a
        session sees only what was committed before it began).
        """
        with self.lock:
            self.catalog.save(self._admin)

    def sync_catalog_views(self) -> None:
        """Refresh the materialized catalog views if the catalog changed."""
        with self.lock:
            self._sync_catalog_views()

    def sync_views(self) -> None:
        """Refresh the materialized catalog views and the request log if they are stale."""
        with self.lock:
            self._sync_catalog_views()
            self._sync_requests()

    def _sync_catalog_views(self) -> None:
        if self._views_version == self.catalog.version:
            return
        with self.catalog.lock:
            rows = views.build_rows(self.catalog, self.config.database)
            version = self.catalog.version
        for view, data in rows.items():
            if view == "sys_dm_pdw_exec_requests":
                continue
            before = self._view_rows.get(view)
            # A change touches a few views, and creating a table appends its rows (ids only
            # grow); rewriting every view took 0.4 s with a hundred tables.
            if before == data:
                continue
            if before is not None and len(before) < len(data) and data[: len(before)] == before:
                self._bulk_insert(view, data[len(before) :])
            elif before is not None and _is_tail_cut(before, data):
                self._delete_rows(view, before[len(data) :])
            else:
                self._admin.execute(f"DELETE FROM __devstack.{view}")
                self._bulk_insert(view, data)
            self._view_rows[view] = data
        self._views_version = version

    def _bulk_insert(self, view: str, data: list[tuple[t.Any, ...]]) -> None:
        # One list parameter per column: executemany costs about 3 ms per row, and one list of
        # structs (dicts) converts three times slower than lists of plain values.
        if not data:
            return
        columns = views.COLUMNS[view]
        names = ", ".join(f'"{name}"' for name, _duck, _sql in columns)
        picks = ", ".join(f"unnest(?::{duck}[])" for _name, duck, _sql in columns)
        values = [list(column) for column in zip(*data, strict=True)]
        self._admin.execute(f"INSERT INTO __devstack.{view} ({names}) SELECT {picks}", values)

    def _delete_rows(self, view: str, gone: list[tuple[t.Any, ...]]) -> None:
        # Rows are matched by value (NULLs alike): callers pass rows no kept row equals.
        columns = views.COLUMNS[view]
        picks = ", ".join(f'unnest(?::{duck}[]) AS "{name}"' for name, duck, _sql in columns)
        match = " AND ".join(
            f'kept."{name}" IS NOT DISTINCT FROM gone."{name}"' for name, _duck, _sql in columns
        )
        values = [list(column) for column in zip(*gone, strict=True)]
        self._admin.execute(
            f"DELETE FROM __devstack.{view} AS kept USING (SELECT {picks}) AS gone WHERE {match}",
            values,
        )

    def _sync_requests(self) -> None:
        # Only the tail since the last fully finished request is rewritten: the log can hold
        # 10,000 rows and a test may query it after every statement.
        table = "__devstack.sys_dm_pdw_exec_requests"
        tail: list[RequestRecord] = []
        for record in reversed(self.requests):
            if record.seq <= self._final_seq:
                break
            tail.append(record)
        tail.reverse()
        oldest = self.requests[0].seq if self.requests else 0
        self._admin.execute(
            f"DELETE FROM {table} WHERE CAST(substr(request_id, 4) AS BIGINT) > ? "
            "OR CAST(substr(request_id, 4) AS BIGINT) < ?",
            [self._final_seq, oldest],
        )
        data = [
            (
                r.request_id,
                r.session_id,
                r.status,
                r.submit_time,
                r.start_time,
                r.start_time,
                r.end_time,
                int((r.end_time - r.start_time).total_seconds() * 1000) if r.end_time else None,
                r.label,
                r.error_id,
                1,
                r.command,
                "smallrc",
                "normal",
                r.row_count,
            )
            for r in tail
        ]
        self._bulk_insert("sys_dm_pdw_exec_requests", data)
        for record in tail:
            if record.status == "Running":
                break
            self._final_seq = record.seq

    def new_request(self, session_id: str, command: str, label: str | None) -> RequestRecord:
        """Log a statement as running (sys.dm_pdw_exec_requests)."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        seq = next(self._request_ids)
        record = RequestRecord(
            f"QID{seq}",
            session_id,
            "Running",
            now,
            now,
            None,
            label,
            None,
            command[:4000],
            seq=seq,
        )
        with self.lock:
            self.requests.append(record)
            if len(self.requests) > _MAX_REQUESTS:
                del self.requests[: len(self.requests) - _MAX_REQUESTS]
        return record

    def close(self) -> None:
        """Close the database (checkpointing a file-backed warehouse)."""
        with self.lock:
            self._admin.close()
            self._root.close()
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)


def _is_tail_cut(before: list[tuple[t.Any, ...]], after: list[tuple[t.Any, ...]]) -> bool:
    """Whether ``after`` is ``before`` without its last rows, none of which ``after`` holds.

    Dropping the newest table (a load's staging table) changes its views so.
    """
    if len(after) >= len(before) or before[: len(after)] != after:
        return False
    return not set(before[len(after) :]) & set(after)
