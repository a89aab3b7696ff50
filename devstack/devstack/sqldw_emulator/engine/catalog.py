"""The shadow catalog: what the client declared (T-SQL types, distribution, PolyBase objects).

Held in memory under a lock; saved as one JSON document in the DuckDB database.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import threading
import typing as t

from devstack.sqldw_emulator.api import SQLType

if t.TYPE_CHECKING:
    import duckdb


@dataclasses.dataclass(slots=True)
class ColumnInfo:
    """One declared column."""

    name: str
    type: SQLType
    nullable: bool = True
    identity: bool = False
    default: str | None = None
    collation: str | None = None  # as declared; None: the database default


@dataclasses.dataclass(slots=True)
class KeyConstraint:
    """A PRIMARY KEY (``PK``) or UNIQUE (``UQ``) constraint, NOT ENFORCED as a pool has them.

    Attributes:
        name: As declared; None lets :meth:`TableInfo.key_name` name it as SQL Server does.
    """

    kind: str
    name: str | None
    columns: list[str]
    object_id: int = 0


@dataclasses.dataclass(slots=True)
class TableInfo:
    """One table (``U``), external table (``ET``) or view (``V``).

    Attributes:
        external: For external tables: LOCATION, DATA_SOURCE, FILE_FORMAT, REJECT_TYPE,
            REJECT_VALUE (upper-case keys, values as written).
    """

    schema: str
    name: str
    columns: list[ColumnInfo]
    object_id: int
    kind: str = "U"
    distribution: str = "ROUND_ROBIN"
    distribution_columns: list[str] = dataclasses.field(default_factory=list)
    index: str = "CLUSTERED COLUMNSTORE INDEX"
    index_columns: list[str] = dataclasses.field(default_factory=list)
    external: dict[str, str] = dataclasses.field(default_factory=dict)
    created: str = ""
    temporary: bool = False
    keys: list[KeyConstraint] = dataclasses.field(default_factory=list)

    def key_name(self, key: KeyConstraint) -> str:
        """The constraint's name, or the system name SQL Server would give it."""
        if key.name:
            return key.name
        return f"{key.kind}__{self.name[:8]}__{self.object_id:016X}"

    def column(self, name: str) -> ColumnInfo | None:
        """The column named ``name`` (case-insensitive), if any."""
        lower = name.lower()
        for column in self.columns:
            if column.name.lower() == lower:
                return column
        return None


@dataclasses.dataclass(slots=True)
class ExternalObject:
    """A credential, external data source or external file format, by name and options."""

    kind: str
    name: str
    object_id: int
    options: dict[str, str]


def _key(schema: str, name: str) -> tuple[str, str]:
    return (schema.lower(), name.lower())


class Catalog:
    """Declared objects of one database, shared by all sessions (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[tuple[str, str], TableInfo] = {}
        self.schemas: dict[str, tuple[str, int]] = {"dbo": ("dbo", 1), "sys": ("sys", 4)}
        self.externals: dict[tuple[str, str], ExternalObject] = {}
        self.master_key = False
        self._ids = itertools.count(1000)
        self.version = 0

    def next_id(self) -> int:
        """A fresh object_id."""
        with self.lock:
            return next(self._ids)

    def table(self, schema: str, name: str) -> TableInfo | None:
        """The table or external table ``schema.name``, if declared."""
        return self.tables.get(_key(schema, name))

    def put_table(self, info: TableInfo) -> None:
        """Add or replace a table's declaration."""
        with self.lock:
            if not info.created:
                info.created = datetime.datetime.now(datetime.timezone.utc).isoformat()
            self.tables[_key(info.schema, info.name)] = info
            self.version += 1

    def drop_table(self, schema: str, name: str) -> None:
        """Forget a table."""
        with self.lock:
            self.tables.pop(_key(schema, name), None)
            self.version += 1

    def rename_table(self, schema: str, old: str, new: str) -> None:
        """Rename a table within its schema."""
        with self.lock:
            info = self.tables.pop(_key(schema, old))
            info.name = new
            self.tables[_key(schema, new)] = info
            self.version += 1

    def schema(self, name: str) -> str | None:
        """The schema's declared spelling, if it exists."""
        entry = self.schemas.get(name.lower())
        return entry[0] if entry else None

    def add_schema(self, name: str) -> None:
        """Declare a schema."""
        with self.lock:
            self.schemas[name.lower()] = (name, self.next_id())
            self.version += 1

    def drop_schema(self, name: str) -> None:
        """Forget a schema."""
        with self.lock:
            self.schemas.pop(name.lower(), None)
            self.version += 1

    def external(self, kind: str, name: str) -> ExternalObject | None:
        """A credential (``CREDENTIAL``), ``DATA_SOURCE`` or ``FILE_FORMAT`` by name."""
        return self.externals.get((kind, name.lower()))

    def put_external(self, kind: str, name: str, options: dict[str, str]) -> None:
        """Declare a PolyBase object."""
        with self.lock:
            self.externals[(kind, name.lower())] = ExternalObject(
                kind, name, self.next_id(), options
            )
            self.version += 1

    def drop_external(self, kind: str, name: str) -> None:
        """Forget a PolyBase object."""
        with self.lock:
            self.externals.pop((kind, name.lower()), None)
            self.version += 1

    def object_kind(self, schema: str, name: str) -> str | None:
        """``U``, ``ET`` or ``V`` for a declared object, else None."""
        info = self.table(schema, name)
        return info.kind if info else None

    # persistence -------------------------------------------------------------------------

    def to_json(self) -> str:
        """Serialize the catalog."""
        with self.lock:
            return json.dumps(
                {
                    "tables": [_table_json(info) for info in self.tables.values()],
                    "schemas": list(self.schemas.values()),
                    "externals": [dataclasses.asdict(obj) for obj in self.externals.values()],
                    "master_key": self.master_key,
                    "next_id": next(self._ids),
                }
            )

    def load_json(self, text: str) -> None:
        """Restore a serialized catalog."""
        data = json.loads(text)
        with self.lock:
            self.tables = {}
            for item in data["tables"]:
                columns = [
                    ColumnInfo(
                        c["name"],
                        SQLType(**c["type"]),
                        c["nullable"],
                        c["identity"],
                        c["default"],
                        c.get("collation"),
                    )
                    for c in item.pop("columns")
                ]
                keys = [KeyConstraint(**key) for key in item.pop("keys", [])]
                info = TableInfo(columns=columns, keys=keys, **item)
                self.tables[_key(info.schema, info.name)] = info
            self.schemas = {name.lower(): (name, sid) for name, sid in data["schemas"]}
            self.externals = {
                (obj["kind"], obj["name"].lower()): ExternalObject(**obj)
                for obj in data["externals"]
            }
            self.master_key = data["master_key"]
            self._ids = itertools.count(int(data["next_id"]))

    def save(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Write the catalog into the database (in autocommit, outside user transactions)."""
        conn.execute("DELETE FROM __devstack.catalog_state")
        conn.execute("INSERT INTO __devstack.catalog_state VALUES (?)", [self.to_json()])


def _table_json(info: TableInfo) -> dict[str, t.Any]:
    # By hand: dataclasses.asdict deep-copies and made every DDL slow on large catalogs.
    return {
        "schema": info.schema,
        "name": info.name,
        "columns": [
            {
                "name": c.name,
                "type": {
                    "name": c.type.name,
                    "length": c.type.length,
                    "precision": c.type.precision,
                    "scale": c.type.scale,
                },
                "nullable": c.nullable,
                "identity": c.identity,
                "default": c.default,
                "collation": c.collation,
            }
            for c in info.columns
        ],
        "object_id": info.object_id,
        "kind": info.kind,
        "distribution": info.distribution,
        "distribution_columns": list(info.distribution_columns),
        "index": info.index,
        "index_columns": list(info.index_columns),
        "external": dict(info.external),
        "created": info.created,
        "temporary": info.temporary,
        "keys": [
            {
                "kind": key.kind,
                "name": key.name,
                "columns": list(key.columns),
                "object_id": key.object_id,
            }
            for key in info.keys
        ],
    }
