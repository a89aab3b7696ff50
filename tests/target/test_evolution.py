"""The schema evolution plan: add, widen in place, version or rebuild; never narrow or drop."""

from __future__ import annotations

import pytest

from target_azure_sqldw.evolution import REBUILD, plan_evolution
from target_azure_sqldw.flavor import FABRIC, SYNAPSE
from target_azure_sqldw.sql.ddl import ColumnDef
from target_azure_sqldw.sqltypes import ColumnType

P = ColumnType.parse
EXISTING = {
    "id": (P("bigint"), False),
    "code": (P("nvarchar(10)"), False),
    "name": (P("nvarchar(20)"), True),
    "n": (P("bigint"), True),
    "ratio": (P("float"), True),
}


def wanted(**types: str) -> list[ColumnDef]:
    return [
        ColumnDef(name, P(sql), nullable=name not in {"id", "code"}) for name, sql in types.items()
    ]


def test_compatible_changes_are_kept_or_widened_in_place() -> None:
    plan = plan_evolution(
        EXISTING,
        wanted(id="int", name="nvarchar(50)", n="int", extra="bit"),
        SYNAPSE,
        hash_column="code",
    )
    assert plan.effective["id"] == ColumnDef("id", P("bigint"), nullable=False)
    assert plan.altered == [ColumnDef("name", P("nvarchar(50)"))]
    assert plan.added == [ColumnDef("extra", P("bit"))]
    assert plan.rebuilt == {}


@pytest.mark.parametrize("policy", ["version_column", REBUILD])
def test_the_hash_column_is_never_altered_in_place(policy: str) -> None:
    plan = plan_evolution(
        EXISTING, wanted(code="nvarchar(40)"), SYNAPSE, hash_column="code", policy=policy
    )
    assert plan.altered == []
    if policy == REBUILD:
        assert plan.rebuilt == {"code": P("nvarchar(40)")}
        assert plan.effective["code"] == ColumnDef("code", P("nvarchar(40)"), nullable=False)
    else:
        assert plan.added == [ColumnDef("code__v2", P("nvarchar(40)"))]
        assert plan.versioned == {"code__v2": ("code", P("nvarchar(10)"))}


def test_incompatible_change_is_versioned_by_default() -> None:
    existing = {**EXISTING, "n__v2": (P("date"), True)}
    plan = plan_evolution(existing, wanted(n="time(6)"), SYNAPSE, hash_column=None)
    assert plan.added == [ColumnDef("n__v3", P("time(6)"))]
    assert plan.effective["n"].name == "n__v3"


def test_rebuild_turns_an_incompatible_column_into_text_except_floats() -> None:
    plan = plan_evolution(
        EXISTING, wanted(n="date", ratio="bit"), SYNAPSE, hash_column=None, policy=REBUILD
    )
    assert plan.rebuilt == {"n": P("nvarchar(4000)")}
    # CAST(float AS nvarchar) rounds to 6 digits, so a float column is versioned instead.
    assert plan.added == [ColumnDef("ratio__v2", P("bit"))]


def test_fabric_versions_instead_of_rebuilding() -> None:
    existing = {"id": (P("bigint"), False), "name": (P("varchar(40)"), True)}
    plan = plan_evolution(
        existing, wanted(name="varchar(400)"), FABRIC, hash_column=None, policy=REBUILD
    )
    assert plan.rebuilt == {}
    assert plan.altered == []
    assert plan.added == [ColumnDef("name__v2", P("varchar(400)"))]


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="incompatible_type_change must be one of"):
        plan_evolution(EXISTING, [], SYNAPSE, hash_column=None, policy="drop")
