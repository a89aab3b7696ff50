"""Per-run collections (the scroll's companies, emitted keys) in private temporary SQLite files."""

from __future__ import annotations

import pickle
import sqlite3
import threading
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Hashable, Iterator

#: Rows fetched from SQLite at a time while reading back.
FETCH_ROWS = 500


def _temporary_database() -> sqlite3.Connection:
    # "" = a private on-disk database, deleted on close; nothing here needs durability.
    db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    return db


class CompanySpool:
    """The companies of one scroll scan, each once (its latest version), in first-seen order.

    Records are pickled (they hold ``Decimal`` values that JSON would not round-trip).
    """

    def __init__(self) -> None:
        self._db = _temporary_database()
        self._db.execute(
            "CREATE TABLE companies (seen INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "updated_at INTEGER, body BLOB NOT NULL)"
        )
        self._db.execute("BEGIN")

    def put(self, company_id: str, updated_at: int | None, company: dict[str, t.Any]) -> None:
        """Store a company; a company seen before keeps its place and takes this version.

        Args:
            company_id: Its id.
            updated_at: Its ``updated_at`` in Unix seconds (None: never selected by time).
            company: The record.
        """
        self._db.execute(
            "INSERT INTO companies (id, updated_at, body) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, "
            "body = excluded.body",
            (company_id, updated_at, pickle.dumps(company, protocol=pickle.HIGHEST_PROTOCOL)),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM companies").fetchone()[0])

    def select(self, lo: int | None = None, hi: int | None = None) -> Iterator[dict[str, t.Any]]:
        """Companies in first-seen order, optionally only those updated in ``[lo, hi]``.

        Args:
            lo: First second (inclusive), or None for all.
            hi: Last second (inclusive), or None for all.

        Yields:
            Each company.
        """
        if lo is None or hi is None:
            cursor = self._db.execute("SELECT body FROM companies ORDER BY seen")
        else:
            cursor = self._db.execute(
                "SELECT body FROM companies WHERE updated_at BETWEEN ? AND ? ORDER BY seen",
                (lo, hi),
            )
        while rows := cursor.fetchmany(FETCH_ROWS):
            for (body,) in rows:
                yield pickle.loads(body)  # noqa: S301 - written by this process just before

    def __iter__(self) -> Iterator[dict[str, t.Any]]:
        return self.select()

    def close(self) -> None:
        """Delete the database."""
        self._db.close()


class KeySet:
    """A set of hashable keys (compared by ``repr``), thread-safe, kept on disk."""

    def __init__(self) -> None:
        self._db = _temporary_database()
        self._db.execute("CREATE TABLE keys (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._lock = threading.Lock()

    def add(self, key: Hashable) -> bool:
        """Add ``key``.

        Args:
            key: The key.

        Returns:
            True when it was not in the set yet.
        """
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO keys VALUES (?)", (repr(key),))
            return cursor.rowcount == 1

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            found = self._db.execute("SELECT 1 FROM keys WHERE key = ?", (repr(key),)).fetchone()
            return found is not None

    def close(self) -> None:
        """Delete the database."""
        with self._lock:
            self._db.close()
