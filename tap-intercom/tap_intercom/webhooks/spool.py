"""The durable spool (``webhook_spool_dir``): notifications in arrival order, fsynced before 200."""

from __future__ import annotations

import dataclasses
import pathlib
import sqlite3
import threading
import typing as t

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "id TEXT NOT NULL, topic TEXT NOT NULL, created_at INTEGER, body BLOB NOT NULL, "
    "kept INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY) WITHOUT ROWID",
)
# In a file of their own: the emitter's writes never wait for (or hold up) the receiver's.
VERSIONS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS v.versions (stream TEXT NOT NULL, entity TEXT NOT NULL, "
    "seq INTEGER NOT NULL, updated_at INTEGER, deleted_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS v.versions_entity ON versions (stream, entity, seq)",
)


@dataclasses.dataclass(frozen=True)
class Spooled:
    """One spooled notification."""

    seq: int
    id: str
    topic: str
    created_at: int | None
    body: bytes


@dataclasses.dataclass(frozen=True)
class Version:
    """What was last emitted for one entity."""

    updated_at: int | None
    deleted_at: int | None


class Spool:
    """The spool database (thread-safe: the receiver appends while the emitter reads)."""

    FILENAME = "spool.sqlite3"
    VERSIONS_FILENAME = "versions.sqlite3"

    def __init__(self, directory: str | pathlib.Path) -> None:
        self.path = pathlib.Path(directory) / self.FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Two connections: the receiver's (appends) and the emitter's (reads, versions),
        # each behind its own lock, so a delivery never waits for the emitter.
        self._lock = threading.Lock()
        self._group = threading.Condition()
        self._queue: list[_Append] = []
        self._writing = False
        self._db = _connect(self.path)
        for statement in SCHEMA:
            self._db.execute(statement)
        self._read_lock = threading.Lock()
        self._reader = _connect(self.path)
        versions = str(self.path.parent / self.VERSIONS_FILENAME)
        self._reader.execute("ATTACH DATABASE ? AS v", (versions,))
        self._reader.execute("PRAGMA v.journal_mode=WAL")
        self._reader.execute("PRAGMA v.synchronous=FULL")
        for statement in VERSIONS_SCHEMA:
            self._reader.execute(statement)
        self._versions: dict[tuple[str, str], Version | None] = {}
        self._pending: list[tuple[str, str, int, int | None, int | None]] = []
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM spool").fetchone()
        self.last_seq = int(row[0])
        self.rows = int(row[1])

    def close(self) -> None:
        """Close the database."""
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()

    # ------------------------------------------------------------------------ receiver

    def append(self, notification_id: str, topic: str, created_at: int | None, body: bytes) -> bool:
        """Spool a notification durably; False when its id was accepted before.

        Concurrent deliveries share one transaction (group commit): the first caller that
        finds no commit under way writes every queued notification and pays one fsync for
        all of them; the others wait for it. Each call returns only once its own row is on
        disk.

        Args:
            notification_id: The notification's ``id``.
            topic: Its ``topic``.
            created_at: Its ``created_at``.
            body: The raw request body, as signed.

        Returns:
            Whether it was new.
        """
        job = _Append((notification_id, topic, created_at, body))
        with self._group:
            self._queue.append(job)
            while not job.done:
                if not self._writing:
                    self._writing = True
                    batch, self._queue = self._queue, []
                    break
                self._group.wait()
            else:
                if job.error is not None:
                    raise job.error
                return job.new
        try:
            self._commit(batch)
        finally:
            with self._group:
                for queued in batch:
                    queued.done = True
                self._writing = False
                self._group.notify_all()
        if job.error is not None:
            raise job.error
        return job.new

    def _commit(self, batch: list[_Append]) -> None:
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                last = self.last_seq
                added = 0
                for job in batch:
                    notification_id = job.row[0]
                    cursor = db.execute(
                        "INSERT OR IGNORE INTO seen (id) VALUES (?)", (notification_id,)
                    )
                    if cursor.rowcount == 0:
                        continue
                    cursor = db.execute(
                        "INSERT INTO spool (id, topic, created_at, body) VALUES (?, ?, ?, ?)",
                        job.row,
                    )
                    job.new = True
                    last = int(cursor.lastrowid or last)
                    added += 1
                db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                for job in batch:
                    job.new = False
                    job.error = exc
                raise
            self.last_seq = last
            self.rows += added

    # ------------------------------------------------------------------------- emitter

    def read_after(self, position: int, limit: int = 500) -> list[Spooled]:
        """Notifications after ``position``, oldest first, skipping kept (unmapped) ones.

        Args:
            position: The last position already emitted.
            limit: At most this many.

        Returns:
            The notifications.
        """
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT seq, id, topic, created_at, body FROM spool WHERE seq > ? AND kept = 0 "
                "ORDER BY seq LIMIT ?",
                (position, limit),
            ).fetchall()
        return [Spooled(int(r[0]), r[1], r[2], r[3], bytes(r[4])) for r in rows]

    def keep(self, seq: int) -> None:
        """Mark a notification as kept: never emitted by this version, never trimmed.

        Args:
            seq: Its position.
        """
        with self._read_lock:
            self._reader.execute("UPDATE spool SET kept = 1 WHERE seq = ?", (seq,))

    def version(self, stream: str, entity: str) -> Version | None:
        """What was last emitted for an entity (None: nothing yet).

        Args:
            stream: The stream.
            entity: The entity's primary key.

        Returns:
            The version.
        """
        key = (stream, entity)
        if key not in self._versions:
            with self._read_lock:
                row = self._reader.execute(
                    "SELECT updated_at, deleted_at FROM v.versions WHERE stream = ? AND entity = ? "
                    "ORDER BY seq DESC LIMIT 1",
                    key,
                ).fetchone()
            self._versions[key] = Version(row[0], row[1]) if row else None
        return self._versions[key]

    def remember(self, seq: int, stream: str, entity: str, version: Version) -> None:
        """Note what a notification emits (on disk at the next :meth:`flush_versions`).

        Args:
            seq: The notification's position.
            stream: The stream.
            entity: The entity's primary key.
            version: Its cumulative version after this change.
        """
        self._versions[(stream, entity)] = version
        self._pending.append((stream, entity, seq, version.updated_at, version.deleted_at))

    def flush_versions(self) -> None:
        """Write the remembered versions in one transaction (before their records go out)."""
        if not self._pending:
            return
        with self._read_lock:
            self._reader.execute("BEGIN IMMEDIATE")
            self._reader.executemany(
                "INSERT INTO v.versions (stream, entity, seq, updated_at, deleted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                self._pending,
            )
            self._reader.execute("COMMIT")
        self._pending.clear()

    # --------------------------------------------------------------------------- start

    def restart_at(self, committed: int) -> None:
        """Trim what a committed STATE covers and forget emissions it does not.

        Args:
            committed: The position in the last committed STATE (0: none).
        """
        with self._read_lock:
            db = self._reader
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM spool WHERE seq <= ? AND kept = 0", (committed,))
            db.execute("DELETE FROM v.versions WHERE seq > ?", (committed,))
            # Only the newest version of each entity is ever read.
            db.execute(
                "DELETE FROM v.versions WHERE rowid NOT IN "
                "(SELECT a.rowid FROM v.versions a WHERE a.seq = (SELECT MAX(b.seq) "
                "FROM v.versions b WHERE b.stream = a.stream AND b.entity = a.entity))"
            )
            db.execute("COMMIT")
            self.rows = int(db.execute("SELECT COUNT(*) FROM spool").fetchone()[0])
        self._versions.clear()

    def counts(self) -> dict[str, t.Any]:
        """Rows spooled, kept and the last position."""
        with self._read_lock:
            kept = int(
                self._reader.execute("SELECT COUNT(*) FROM spool WHERE kept = 1").fetchone()[0]
            )
        return {"rows": self.rows, "kept": kept, "last_seq": self.last_seq}


class _Append:
    """One notification waiting for its group commit."""

    __slots__ = ("done", "error", "new", "row")

    def __init__(self, row: tuple[str, str, int | None, bytes]) -> None:
        self.row = row
        self.done = False
        self.new = False
        self.error: BaseException | None = None


def _connect(path: pathlib.Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: the WAL is fsynced at every commit, so a 200 never outruns the disk.
    connection.execute("PRAGMA synchronous=FULL")
    return connection
