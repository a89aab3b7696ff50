"""Schema evolution of an existing table: what to add, widen, version or rebuild.

Pure: compares columns and returns the plan; the connector runs it.
"""

from __future__ import annotations

import dataclasses
import typing as t

from target_azure_sqldw.load.sql import ddl
from target_azure_sqldw.schema.sql_types import INTEGER_DIGITS, can_hold, widened

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from target_azure_sqldw.schema.flavor import Flavor
    from target_azure_sqldw.schema.sql_types import ColumnType

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
    primary_key: Sequence[str] = (),
    policy: str = VERSION_COLUMN,
) -> EvolutionPlan:
    """Plan how an existing table takes the wanted columns.

    Args:
        existing: The table's columns: name to ``(type, nullable)``, in ordinal order.
        wanted: The columns the current schema maps to.
        flavor: Synapse or Fabric.
        hash_column: The table's distribution column, if it is HASH-distributed.
        primary_key: Columns of the table's ``PRIMARY KEY NOT ENFORCED`` constraint.
        policy: ``version_column`` or ``rebuild`` for incompatible changes.

    Returns:
        The plan.

    Raises:
        ValueError: For an unknown policy.
    """
    if policy not in INCOMPATIBLE_POLICIES:
        msg = f"incompatible_type_change must be one of {', '.join(INCOMPATIBLE_POLICIES)}"
        raise ValueError(msg)
    plan = EvolutionPlan()
    lowered = {name.casefold(): name for name in existing}
    types = dict(existing)
    fixed = {name.casefold() for name in (hash_column, *primary_key) if name}
    for column in wanted:
        current_name = lowered.get(column.name.casefold())
        if current_name is None:
            added = dataclasses.replace(column, nullable=True)
            plan.added.append(added)
            plan.effective[column.name] = added
            lowered[added.name.casefold()] = added.name
            continue
        current, nullable = types[current_name]
        held = None if can_hold(current, column.type) else _version_holding(column, types, lowered)
        if held is not None:
            # A versioned column from an earlier run already holds the type: its rows stay
            # together rather than a rebuild widening the first column (Fabric tables made
            # when Fabric versioned every change).
            plan.effective[column.name] = ddl.ColumnDef(held, *types[held])
            continue
        if _keep_or_widen(plan, column.name, current_name, current, nullable, column.type,
                          flavor, in_place=current_name.casefold() not in fixed):  # fmt: skip
            continue
        if policy == REBUILD and _text_is_exact(current):
            new_type = flavor.string(None, wide=False)
            plan.rebuilt[current_name] = new_type
            plan.effective[column.name] = ddl.ColumnDef(current_name, new_type, nullable)
            continue
        if _reuse_version(plan, column, types, lowered, flavor):
            continue
        version = 2
        while f"{column.name}__v{version}".casefold() in lowered:
            version += 1
        versioned = ddl.ColumnDef(f"{column.name}__v{version}", column.type)
        lowered[versioned.name.casefold()] = versioned.name
        types[versioned.name] = (versioned.type, True)
        plan.added.append(versioned)
        plan.versioned[versioned.name] = (current_name, current)
        plan.effective[column.name] = versioned
    return plan


def _keep_or_widen(
    plan: EvolutionPlan,
    wanted_name: str,
    name: str,
    current: ColumnType,
    nullable: bool,
    wanted: ColumnType,
    flavor: Flavor,
    *,
    in_place: bool,
) -> bool:
    """Load ``wanted_name`` into column ``name`` as it is, altered or rebuilt.

    Returns False when no type holds both the column's values and the new ones.
    """
    if can_hold(current, wanted):
        plan.effective[wanted_name] = ddl.ColumnDef(name, current, nullable)
        return True
    wider = widened(current, wanted)
    if wider is None:
        return False
    column = ddl.ColumnDef(name, wider, nullable=nullable)
    if flavor.alter_column and in_place:
        plan.altered.append(column)
    else:
        # Fabric, or a distribution or key column: CTAS a copy and swap the names.
        plan.rebuilt[name] = wider
    plan.effective[wanted_name] = column
    return True


def _version_holding(
    column: ddl.ColumnDef,
    types: Mapping[str, tuple[ColumnType, bool]],
    lowered: Mapping[str, str],
) -> str | None:
    """The first existing ``<name>__vN`` that holds the new type as it is, if any."""
    version = 2
    while (name := lowered.get(f"{column.name}__v{version}".casefold())) is not None:
        if can_hold(types[name][0], column.type):
            return name
        version += 1
    return None


def _reuse_version(
    plan: EvolutionPlan,
    column: ddl.ColumnDef,
    types: Mapping[str, tuple[ColumnType, bool]],
    lowered: Mapping[str, str],
    flavor: Flavor,
) -> bool:
    """Load into an existing ``<name>__vN`` that holds the new type or widens to it."""
    version = 2
    while (name := lowered.get(f"{column.name}__v{version}".casefold())) is not None:
        current, nullable = types[name]
        if _keep_or_widen(
            plan, column.name, name, current, nullable, column.type, flavor, in_place=True
        ):
            return True
        version += 1
    return False


#: Types whose ``CAST(... AS nvarchar)`` text is exact (floats are rounded to 6 digits).
_EXACT_TEXT = frozenset(
    {*INTEGER_DIGITS, "decimal", "numeric", "bit", "date", "time", "datetime2", "datetimeoffset"}
)


def _text_is_exact(column: ColumnType) -> bool:
    return column.is_string or column.name in _EXACT_TEXT
