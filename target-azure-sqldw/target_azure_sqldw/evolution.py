"""Schema evolution of an existing table: what to add, widen, version or rebuild.

Pure logic: :func:`plan_evolution` compares the table's columns with the columns the current
schema maps to and returns the changes; the connector runs them. The rules:

- A new column is added, nullable (existing rows get NULL).
- A column that already holds every value of the new type is kept as it is.
- A column that can be widened (longer string, more digits) is altered in place, except the
  distribution column (the platform cannot alter it) and on Fabric (no ``ALTER COLUMN``).
- Any other change keeps the old data, by ``incompatible_type_change``:

  - ``version_column`` (default): the old column stays as it is and the new type is loaded
    into ``<name>__v2`` (``__v3``...).
  - ``rebuild``: the table is rebuilt (CTAS into a new table with the same distribution and
    index, then ``RENAME OBJECT``), with the column widened, or turned into text
    (``nvarchar(4000)``) when no type holds both the old and the new values. Every old value
    is cast into its new type, which holds it exactly; nothing is narrowed or dropped.
    A ``float``/``real`` column is versioned instead of turned into text (``CAST`` would round
    it to 6 digits), and so is every column on Fabric (no ``RENAME OBJECT``).

Key properties and distribution are not changed on an existing table: a stream whose keys or
``table_distribution`` changed keeps the table's distribution (a rebuild keeps it too), and
merges by the new key tuple.
"""

from __future__ import annotations

import dataclasses
import typing as t

from target_azure_sqldw.sql import ddl
from target_azure_sqldw.sqltypes import INTEGER_DIGITS, can_hold, widened

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from target_azure_sqldw.flavor import Flavor
    from target_azure_sqldw.sqltypes import ColumnType

VERSION_COLUMN = "version_column"
REBUILD = "rebuild"
INCOMPATIBLE_POLICIES = (VERSION_COLUMN, REBUILD)


@dataclasses.dataclass
class EvolutionPlan:
    """The changes that make an existing table take the current schema's columns.

    Attributes:
        added: Nullable columns to add.
        altered: Columns to widen in place with ``ALTER COLUMN``.
        rebuilt: Existing column name to its new type, applied by one rebuild of the table.
        effective: For each wanted column name, the table column it is loaded into.
        versioned: Versioned columns among ``added``: name to the column they stand in for
            (its name and type).
    """

    added: list[ddl.ColumnDef] = dataclasses.field(default_factory=list)
    altered: list[ddl.ColumnDef] = dataclasses.field(default_factory=list)
    rebuilt: dict[str, ColumnType] = dataclasses.field(default_factory=dict)
    effective: dict[str, ddl.ColumnDef] = dataclasses.field(default_factory=dict)
    versioned: dict[str, tuple[str, ColumnType]] = dataclasses.field(default_factory=dict)


def plan_evolution(
    existing: Mapping[str, tuple[ColumnType, bool]],
    wanted: Sequence[ddl.ColumnDef],
    flavor: Flavor,
    *,
    hash_column: str | None,
    policy: str = VERSION_COLUMN,
) -> EvolutionPlan:
    """Plan how an existing table takes the wanted columns.

    Args:
        existing: The table's columns: name to ``(type, nullable)``, in ordinal order.
        wanted: The columns the current schema maps to.
        flavor: Synapse or Fabric.
        hash_column: The table's distribution column, if it is HASH-distributed.
        policy: ``version_column`` or ``rebuild`` for incompatible changes.

    Returns:
        The plan.

    Raises:
        ValueError: For an unknown policy.
    """
    if policy not in INCOMPATIBLE_POLICIES:
        msg = f"incompatible_type_change must be one of {', '.join(INCOMPATIBLE_POLICIES)}"
        raise ValueError(msg)
    rebuild = policy == REBUILD and flavor.rename_object
    plan = EvolutionPlan()
    lowered = {name.casefold(): name for name in existing}
    hash_key = hash_column.casefold() if hash_column else None
    for column in wanted:
        current_name = lowered.get(column.name.casefold())
        if current_name is None:
            added = dataclasses.replace(column, nullable=True)
            plan.added.append(added)
            plan.effective[column.name] = added
            lowered[added.name.casefold()] = added.name
            continue
        current, nullable = existing[current_name]
        if can_hold(current, column.type):
            plan.effective[column.name] = ddl.ColumnDef(current_name, current, nullable)
            continue
        wider = widened(current, column.type)
        in_place = flavor.alter_column and current_name.casefold() != hash_key
        if wider is not None and in_place:
            altered = ddl.ColumnDef(current_name, wider, nullable=nullable)
            plan.altered.append(altered)
            plan.effective[column.name] = altered
            continue
        if rebuild and (wider is not None or _text_is_exact(current)):
            new_type = wider if wider is not None else flavor.string(None, wide=False)
            plan.rebuilt[current_name] = new_type
            plan.effective[column.name] = ddl.ColumnDef(current_name, new_type, nullable)
            continue
        version = 2
        while f"{column.name}__v{version}".casefold() in lowered:
            version += 1
        versioned = ddl.ColumnDef(f"{column.name}__v{version}", column.type)
        lowered[versioned.name.casefold()] = versioned.name
        plan.added.append(versioned)
        plan.versioned[versioned.name] = (current_name, current)
        plan.effective[column.name] = versioned
    return plan


#: Types whose ``CAST(... AS nvarchar)`` text is exact (floats are rounded to 6 digits).
_EXACT_TEXT = frozenset(
    {*INTEGER_DIGITS, "decimal", "numeric", "bit", "date", "time", "datetime2", "datetimeoffset"}
)


def _text_is_exact(column: ColumnType) -> bool:
    return column.is_string or column.name in _EXACT_TEXT
