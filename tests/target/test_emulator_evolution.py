"""Schema evolution keeps a column's data in that column, through the target into the emulator.

Widening happens in place where ``ALTER COLUMN`` may run, by a rebuild where it may not (the
distribution column); a versioned column only when no type holds both, and reused once it
exists. Tables are created by their first batch, so a failed run leaves none behind.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest

from target_azure_sqldw.errors import TargetError
from tests.target.emulator_runs import query, run_target
from tests.target.evolution_cases import CENTS, INTEGER, STREAM, columns, landed, run


@pytest.fixture(params=["copy", "polybase"])
def config(request: pytest.FixtureRequest, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        **sqldw_config,
        "bulk_load_method": request.param,
        "storage_prefix": "evolution",
        "default_target_schema": f"ev_{uuid.uuid4().hex[:8]}",
        "add_record_metadata": False,
    }


def test_integer_to_cents_widens_the_column_in_place_over_several_runs(
    config: dict[str, t.Any],
) -> None:
    run(config, INTEGER, [{"id": 1, "code": "a", "n": 5}])
    run(config, CENTS, [{"id": 2, "code": "b", "n": 1.25}])
    # The same schema again: the column already holds it, nothing is added.
    run(config, CENTS, [{"id": 3, "code": "c", "n": 2.5}])
    assert columns(config) == {"id": "bigint", "code": "nvarchar(10)", "n": "decimal(38,2)"}
    assert [(i, str(n)) for i, n in landed(config, "[id], [n]")] == [
        (1, "5.00"),
        (2, "1.25"),
        (3, "2.50"),
    ]


def test_the_distribution_column_is_widened_by_a_rebuild(config: dict[str, t.Any]) -> None:
    run(config, INTEGER, [{"id": 1, "code": "short", "n": 1}], key="code")
    wider = {"id": {"type": "integer"}, "code": {"type": "string", "maxLength": 40}, "n": INTEGER}
    head = {
        "type": "SCHEMA",
        "stream": STREAM,
        "schema": {"type": "object", "properties": wider},
        "key_properties": ["code"],
    }
    long_code = "a code of more than ten characters"
    record = {"type": "RECORD", "stream": STREAM, "record": {"id": 2, "code": long_code, "n": 2}}
    run_target(config, [head, record])
    assert columns(config)["code"] == "nvarchar(40)"
    assert "code__v2" not in columns(config)
    assert landed(config, "[code], [n]") == [(long_code, 2), ("short", 1)]
    distribution = query(
        config,
        "SELECT d.distribution_policy_desc, c.name FROM sys.tables AS t "
        "JOIN sys.schemas AS s ON s.schema_id = t.schema_id "
        "JOIN sys.pdw_table_distribution_properties AS d ON d.object_id = t.object_id "
        "JOIN sys.pdw_column_distribution_properties AS p ON p.object_id = t.object_id "
        "AND p.distribution_ordinal = 1 "
        "JOIN sys.columns AS c ON c.object_id = t.object_id AND c.column_id = p.column_id "
        "WHERE s.name = ? AND t.name = ?",
        (config["default_target_schema"], STREAM),
    )
    assert distribution == [("HASH", "code")]


def test_a_versioned_column_is_reused_for_a_type_already_seen(config: dict[str, t.Any]) -> None:
    day = {"type": ["string", "null"], "format": "date"}
    run(config, INTEGER, [{"id": 1, "code": "a", "n": 7}])
    run(config, day, [{"id": 2, "code": "b", "n": "2026-01-02"}])
    run(config, day, [{"id": 3, "code": "c", "n": "2026-03-04"}])
    run(config, INTEGER, [{"id": 4, "code": "d", "n": 8}])
    assert columns(config) == {
        "id": "bigint",
        "code": "nvarchar(10)",
        "n": "bigint",
        "n__v2": "date",
    }
    found = [(i, n, str(v) if v else None) for i, n, v in landed(config, "[id], [n], [n__v2]")]
    assert found == [
        (1, 7, None),
        (2, None, "2026-01-02"),
        (3, None, "2026-03-04"),
        (4, 8, None),
    ]


def test_a_failed_first_run_leaves_no_table_with_its_planned_types(
    config: dict[str, t.Any],
) -> None:
    # 2**70 does not fit the bigint an unbounded integer maps to: the run stops before loading.
    with pytest.raises(TargetError, match="outside the range of bigint"):
        run(config, INTEGER, [{"id": 1, "code": "a", "n": 2**70}])
    assert columns(config) == {}
    run(config, CENTS, [{"id": 1, "code": "a", "n": 1.5}])
    assert columns(config) == {"id": "bigint", "code": "nvarchar(10)", "n": "decimal(38,2)"}
    assert [(i, str(n)) for i, n in landed(config, "[id], [n]")] == [(1, "1.50")]


def test_a_stream_without_records_creates_no_table_and_activate_version_passes(
    config: dict[str, t.Any],
) -> None:
    config = {**config, "add_record_metadata": True, "hard_delete": True}
    head = {
        "type": "SCHEMA",
        "stream": STREAM,
        "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "key_properties": ["id"],
    }
    activate = {"type": "ACTIVATE_VERSION", "stream": STREAM, "version": 1}
    run_target(config, [head, activate, activate])
    assert columns(config) == {}
