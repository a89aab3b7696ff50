"""The catalog entries a transaction's DDL changed, put back at ROLLBACK (Fabric mode).

Reads and writes the shared catalog only.
"""

from __future__ import annotations

import copy
import typing as t

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import Catalog, TableInfo

_MISSING = None


class CatalogUndo:
    """The catalog entries one transaction changed, as they were before it."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str, str], TableInfo | None] = {}
        self._schemas: dict[str, tuple[str, int] | None] = {}
        self._before: tuple[dict[tuple[str, str], TableInfo], dict[str, tuple[str, int]]] | None
        self._before = None

    def before(self, catalog: Catalog) -> None:
        """Snapshot the catalog before a DDL statement of the transaction."""
        with catalog.lock:
            # Deep: RENAME and ALTER change TableInfo objects in place.
            self._before = (copy.deepcopy(catalog.tables), dict(catalog.schemas))

    def after(self, catalog: Catalog) -> None:
        """Record what the statement changed (its first change of each entry wins)."""
        if self._before is None:
            return
        tables, schemas = self._before
        self._before = None
        with catalog.lock:
            for key in set(tables) | set(catalog.tables):
                if tables.get(key) != catalog.tables.get(key) and key not in self._tables:
                    self._tables[key] = tables.get(key, _MISSING)
            for name in set(schemas) | set(catalog.schemas):
                if schemas.get(name) != catalog.schemas.get(name) and name not in self._schemas:
                    self._schemas[name] = schemas.get(name, _MISSING)

    @property
    def empty(self) -> bool:
        """Whether the transaction changed nothing in the catalog."""
        return not self._tables and not self._schemas

    def restore(self, catalog: Catalog) -> None:
        """Put back every entry the transaction changed (at ROLLBACK)."""
        with catalog.lock:
            for key, info in self._tables.items():
                if info is None:
                    catalog.tables.pop(key, None)
                else:
                    catalog.tables[key] = info
            for name, entry in self._schemas.items():
                if entry is None:
                    catalog.schemas.pop(name, None)
                else:
                    catalog.schemas[name] = entry
            catalog.version += 1
        self._tables.clear()
        self._schemas.clear()
