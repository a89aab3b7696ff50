"""Load methods, ACTIVATE_VERSION and hard delete through the target, with rows in the warehouse.

test_sink_orchestration.py checks which statements run; these check what the table holds
afterwards, in the SQL DW emulator, when earlier runs left rows behind: on Synapse with each
bulk load method, and on Fabric (``fabric_too``).
"""

from __future__ import annotations

import typing as t
import uuid

import pytest

from tests.target.emulator_runs import query, run_target, table_rows
from tests.target.versions_cases import STREAM, record, schema_message


def activate(version: int) -> dict[str, t.Any]:
    return {"type": "ACTIVATE_VERSION", "stream": STREAM, "version": version}


def rows(config: dict[str, t.Any], columns: str) -> list[tuple]:
    return table_rows(config, STREAM, columns, config["default_target_schema"])


#: Each test runs with both load methods on Synapse, and once on Fabric (COPY INTO there).
FABRIC_TOO = pytest.mark.fabric_too(bulk_load_method=["copy", "polybase"])


@pytest.fixture
def config(bulk_load_method: str | None, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    settings = {
        **sqldw_config,
        "storage_prefix": "versions",
        "default_target_schema": f"v_{uuid.uuid4().hex[:8]}",
    }
    if bulk_load_method is not None:  # None in the Fabric run: the setting is left out
        settings["bulk_load_method"] = bulk_load_method
    return settings


def full_table_run(version: int, idents: list[int], plan: str) -> list[dict[str, t.Any]]:
    """What a tap sends for a full-table sync of version ``version``."""
    return [
        schema_message(["id"]),
        activate(version),
        *(record(i, plan, version) for i in idents),
        activate(version),
    ]


@FABRIC_TOO
def test_activate_version_soft_deletes_rows_the_new_version_lacks(
    config: dict[str, t.Any],
) -> None:
    config = {**config, "add_record_metadata": True}
    run_target(config, full_table_run(1, [1, 2, 3, 4], "old"))
    run_target(config, full_table_run(2, [1, 3], "new"))
    landed = rows(config, "[id], [plan], [_sdc_table_version], "
                  "CASE WHEN [_sdc_deleted_at] IS NULL THEN 0 ELSE 1 END")  # fmt: skip
    assert landed == [(1, "new", 2, 0), (2, "old", 1, 1), (3, "new", 2, 0), (4, "old", 1, 1)]


@FABRIC_TOO
def test_activate_version_with_hard_delete_removes_them(config: dict[str, t.Any]) -> None:
    config = {**config, "add_record_metadata": True, "hard_delete": True}
    run_target(config, full_table_run(1, [1, 2, 3, 4], "old"))
    run_target(config, full_table_run(2, [1, 3], "new"))
    assert rows(config, "[id], [plan], [_sdc_table_version]") == [(1, "new", 2), (3, "new", 2)]


@FABRIC_TOO
def test_hard_delete_removes_records_marked_deleted(config: dict[str, t.Any]) -> None:
    config = {**config, "add_record_metadata": True, "hard_delete": True}
    run_target(config, [schema_message(["id"]), *(record(i, "a") for i in (1, 2, 3))])
    deleted = record(2, "a", _sdc_deleted_at="2026-01-02T03:04:05Z")
    run_target(config, [schema_message(["id"]), deleted, record(3, "b")])
    assert rows(config, "[id], [plan]") == [(1, "a"), (3, "b")]


@FABRIC_TOO
def test_overwrite_replaces_what_earlier_runs_left(config: dict[str, t.Any]) -> None:
    run_target(config, [schema_message(["id"]), *(record(i, "first") for i in (1, 2, 3))])
    overwrite = {**config, "load_method": "overwrite", "batch_size_rows": 2}
    # Three batches in the second run: only the first one empties the table.
    run_target(
        overwrite, [schema_message(["id"]), *(record(i, "second") for i in (7, 8, 9, 10, 11))]
    )
    assert rows(config, "[id], [plan]") == [(i, "second") for i in (7, 8, 9, 10, 11)]


@FABRIC_TOO
def test_append_only_keeps_every_version_of_a_key(config: dict[str, t.Any]) -> None:
    append = {**config, "load_method": "append-only"}
    run_target(append, [schema_message(["id"]), record(1, "a"), record(1, "b")])
    run_target(append, [schema_message(["id"]), record(1, "c")])
    assert rows(config, "[id], [plan]") == [(1, "a"), (1, "b"), (1, "c")]


@FABRIC_TOO
def test_upsert_keeps_the_last_record_of_each_key_across_runs(config: dict[str, t.Any]) -> None:
    run_target(config, [schema_message(["id"]), record(1, "a"), record(2, "a"), record(1, "b")])
    run_target(config, [schema_message(["id"]), record(2, "c"), record(3, "c"), record(3, "d")])
    assert rows(config, "[id], [plan]") == [(1, "b"), (2, "c"), (3, "d")]


@pytest.mark.parametrize("bulk_load_method", ["copy", "polybase"])
def test_a_soft_delete_keeps_the_row_and_only_a_batch_with_markers_fills_them(
    config: dict[str, t.Any],
) -> None:
    deleted_at = "2026-01-02T03:04:05Z"
    run_target(config, [schema_message(["id"]), record(1, "gold"), record(2, "silver")])
    # A delete marker carries the key and its time; the row keeps its data.
    marker = record(1, None, _sdc_deleted_at=deleted_at)  # type: ignore[arg-type]
    run_target(config, [schema_message(["id"]), marker, record(3, "bronze")])
    run_target(config, [schema_message(["id"]), record(2, "platinum")])
    assert rows(config, "[id], [plan], CASE WHEN [_sdc_deleted_at] IS NULL THEN 0 ELSE 1 END") == [
        (1, "gold", 1),
        (2, "platinum", 0),
        (3, "bronze", 0),
    ]
    # The fill-in (an UPDATE of the batch's staging table) ran for the batch with the marker
    # only: the first and third runs' batches had none.
    schema = config["default_target_schema"]
    commands = query(
        config,
        "SELECT [command] FROM sys.dm_pdw_exec_requests WHERE [command] LIKE ?",
        (f"UPDATE %{schema}%",),
    )
    stage_updates = [c for (c,) in commands if c.startswith(f"UPDATE [{schema}].[{STREAM}__stg_")]
    assert len(stage_updates) == 1
