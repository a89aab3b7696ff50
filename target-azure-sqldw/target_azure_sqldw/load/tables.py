"""The connector's catalog side: which stream loads which table, creating and evolving tables.

Touches the warehouse catalog and DDL through the connector it is mixed into.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import typing as t
import uuid

from target_azure_sqldw.errors import LoadError
from target_azure_sqldw.load.evolution import plan_evolution
from target_azure_sqldw.load.sql import ddl, rebuild
from target_azure_sqldw.load.sql.statement import Statement, label
from target_azure_sqldw.schema import names
from target_azure_sqldw.schema.flavor import get_flavor
from target_azure_sqldw.schema.sql_types import ColumnType

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from target_azure_sqldw.settings import Settings

LOGGER = logging.getLogger("target_azure_sqldw.load.connector")


class TableCatalog:
    """Tables of the warehouse as the target sees them (see the module docstring)."""

    settings: Settings
    _all_lock: threading.Lock
    #: The stream loading each table, by case-folded (schema, table): see claim_table.
    _table_streams: dict[tuple[str, str], str]
    #: CREATE TABLE (and, on Fabric, its key) of tables whose first batch has not loaded
    #: yet: see prepare_table.
    _planned_tables: dict[tuple[str, str], tuple[Statement, ...]]

    if t.TYPE_CHECKING:

        def execute(self, statement: Statement, cursor: t.Any = None) -> int:
            """Run one statement (the connector's)."""

        def transaction(self) -> contextlib.AbstractContextManager[t.Any]:
            """A user transaction yielding its cursor (the connector's)."""

        def query(self, statement: Statement) -> list[tuple[t.Any, ...]]:
            """Run a query and fetch every row (the connector's)."""

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
        """Plan a new table, or evolve an existing one (see :mod:`.evolution`).

        A new table is created when its first batch loads (:meth:`create_planned_table`),
        so a run that fails before leaves no table behind with the types it had planned.
        An existing one gets its columns added and widened (in place, or by a rebuild by CTAS
        and ``RENAME OBJECT``); never narrowed or dropped. A change no type holds both sides
        of keeps the old data: a ``<name>__v2`` column (reused once it exists), or a text
        column by rebuild (``incompatible_type_change: rebuild``). An existing table keeps
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
        flavor = get_flavor(self.settings.flavor)
        existing = self.table_columns(schema, table)
        if not existing:
            self._refuse_after_interrupted_rebuild(schema, table)
            # Built now, so a table the platform would refuse stops the run before loading.
            statements = tuple(ddl.create_table_statements(schema, table, columns, layout, flavor))
            with self._all_lock:
                self._planned_tables[(schema, table)] = statements
            return {c.name: c for c in columns}
        with self._all_lock:
            self._planned_tables.pop((schema, table), None)
        current_layout = self.table_layout(schema, table) if flavor.table_options else None
        plan = plan_evolution(
            existing,
            columns,
            flavor,
            hash_column=(current_layout or layout).hash_column,
            # The catalog views used here name no constraint: the setting says whether the
            # table was created with one.
            primary_key=layout.primary_key,
            policy=self.settings.incompatible_type_change,
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
            rebuilt_layout = (current_layout or layout) if flavor.table_options else None
            self._rebuild(schema, table, plan.rebuilt, rebuilt_layout, layout.primary_key)
        return plan.effective

    def table_planned(self, schema: str, table: str) -> bool:
        """Whether the table is planned but not created yet (no batch of it has loaded).

        Args:
            schema: Schema name.
            table: Table name.

        Returns:
            True while :meth:`create_planned_table` has not created it.
        """
        with self._all_lock:
            return (schema, table) in self._planned_tables

    def create_planned_table(self, schema: str, table: str) -> None:
        """Create the table :meth:`prepare_table` planned, when its first batch loads.

        Args:
            schema: Schema name.
            table: Table name.
        """
        with self._all_lock:
            statements = self._planned_tables.get((schema, table))
        if statements is None:
            return
        # A retried attempt may follow a CREATE that ran but whose answer was lost.
        if not self.table_columns(schema, table):
            if len(statements) == 1:
                self.execute(statements[0])
            else:
                # Fabric's CREATE TABLE and ALTER TABLE ... ADD CONSTRAINT: one transaction
                # (Fabric runs DDL in transactions), so no table is left without its key.
                with self.transaction() as cursor:
                    for statement in statements:
                        self.execute(statement, cursor)
        with self._all_lock:
            if self._planned_tables.get((schema, table)) is statements:
                del self._planned_tables[(schema, table)]

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
        layout: ddl.TableLayout | None,
        primary_key: Sequence[str] = (),
    ) -> None:
        """Rebuild a table with new column types: CTAS a copy, swap names, drop the old one.

        Each step is DDL outside a transaction. A failure before the swap leaves the table
        untouched; a failed second rename renames the old table back. CTAS copies no
        constraint, so ``primary_key`` (``primary_key_not_enforced``) is declared again; a cast
        key column stays NOT NULL (:func:`.rebuild.ctas_rebuild`), for every type a key can
        have here (otherwise the key is not declared and a warning says so). ``layout`` is
        None on Fabric (no table options; names swapped with ``sp_rename``).
        """
        flavor = get_flavor(self.settings.flavor)
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
            self.execute(ddl.rename_table(schema, table, old_name, flavor))
        except Exception:
            # The table is untouched; the copy goes, so a retry starts from scratch.
            with contextlib.suppress(Exception):
                self.execute(ddl.drop_table(schema, new_name))
            raise
        try:
            self.execute(ddl.rename_table(schema, new_name, table, flavor))
        except Exception:
            with contextlib.suppress(Exception):
                self.execute(ddl.rename_table(schema, old_name, table, flavor))
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
            rename = ddl.rename_table(schema, old, table, get_flavor(self.settings.flavor))
            msg = (
                f"Table {schema}.{table} is missing but {schema}.{old} exists: a rebuild was "
                f"interrupted; {rename.sql} and run again"
            )
            raise LoadError(msg)
