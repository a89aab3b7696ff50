"""The schema evolution plan: add, widen in place, version or rebuild; never narrow or drop."""

from __future__ import annotations

import pytest

from target_azure_sqldw.load.evolution import REBUILD, VERSION_COLUMN, plan_evolution
from target_azure_sqldw.load.sql.ddl import ColumnDef
from target_azure_sqldw.schema.flavor import FABRIC, SYNAPSE
from target_azure_sqldw.schema.sql_types import ColumnType

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
def test_the_hash_column_is_widened_by_a_rebuild_not_in_place(policy: str) -> None:
    plan = plan_evolution(
        EXISTING, wanted(code="nvarchar(40)"), SYNAPSE, hash_column="code", policy=policy
    )
    assert plan.altered == []
    assert plan.added == []
    assert plan.rebuilt == {"code": P("nvarchar(40)")}
    assert plan.effective["code"] == ColumnDef("code", P("nvarchar(40)"), nullable=False)


def test_primary_key_columns_are_widened_by_a_rebuild_not_in_place() -> None:
    plan = plan_evolution(
        EXISTING, wanted(id="decimal(38,2)", n="decimal(38,2)"), SYNAPSE, hash_column=None,
        primary_key=("id",),
    )  # fmt: skip
    assert plan.rebuilt == {"id": P("decimal(38,2)")}
    assert plan.altered == [ColumnDef("n", P("decimal(38,2)"))]


@pytest.mark.parametrize(
    ("before", "after", "widened"),
    [
        ("bigint", "decimal(38,2)", "decimal(38,2)"),  # integer -> multipleOf 0.01
        ("int", "decimal(38,6)", "decimal(38,6)"),
        ("decimal(10,2)", "decimal(12,4)", "decimal(12,4)"),  # precision and scale up
        ("decimal(38,2)", "decimal(38,6)", None),  # 36 + 6 digits: no type holds both
        ("nvarchar(20)", "nvarchar(400)", "nvarchar(400)"),
        ("datetime2(0)", "datetime2(6)", "datetime2(6)"),
    ],
)
def test_a_type_holding_old_and_new_values_keeps_the_data_in_its_column(
    before: str, after: str, widened: str | None
) -> None:
    existing = {"id": (P("bigint"), False), "n": (P(before), True)}
    plan = plan_evolution(existing, wanted(n=after), SYNAPSE, hash_column="id")
    if widened is None:
        assert plan.added == [ColumnDef("n__v2", P(after))]
    else:
        assert plan.altered == [ColumnDef("n", P(widened))]
        assert plan.effective["n"] == ColumnDef("n", P(widened))
        assert plan.added == []


def test_an_existing_versioned_column_of_the_type_is_reused_never_a_new_one() -> None:
    existing = {**EXISTING, "n__v2": (P("date"), True), "n__v3": (P("nvarchar(10)"), True)}
    # date is what n__v2 holds: no n__v4; a longer string widens n__v3 in place.
    again = plan_evolution(existing, wanted(n="date"), SYNAPSE, hash_column=None)
    assert again.added == []
    assert again.effective["n"] == ColumnDef("n__v2", P("date"))
    longer = plan_evolution(existing, wanted(n="nvarchar(30)"), SYNAPSE, hash_column=None)
    assert longer.added == []
    assert longer.altered == [ColumnDef("n__v3", P("nvarchar(30)"))]
    assert longer.effective["n"].name == "n__v3"


def test_fabric_reuses_its_versioned_column() -> None:
    existing = {
        "id": (P("bigint"), False),
        "name": (P("varchar(40)"), True),
        "name__v2": (P("varchar(400)"), True),
    }
    plan = plan_evolution(existing, wanted(name="varchar(400)"), FABRIC, hash_column=None)
    assert plan.added == []
    assert plan.effective["name"] == ColumnDef("name__v2", P("varchar(400)"))


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


@pytest.mark.parametrize("policy", [VERSION_COLUMN, REBUILD])
def test_fabric_rebuilds_where_synapse_alters(policy: str) -> None:
    # Fabric has no ALTER COLUMN (tsql-surface-area): a wider type rebuilds the table.
    existing = {"id": (P("bigint"), False), "name": (P("varchar(40)"), True)}
    plan = plan_evolution(
        existing, wanted(name="varchar(400)"), FABRIC, hash_column=None, policy=policy
    )
    assert plan.rebuilt == {"name": P("varchar(400)")}
    assert plan.altered == []
    assert plan.added == []
    assert plan.effective["name"] == ColumnDef("name", P("varchar(400)"))


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="incompatible_type_change must be one of"):
        plan_evolution(EXISTING, [], SYNAPSE, hash_column=None, policy="drop")
