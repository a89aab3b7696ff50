"""Several streams loading at once through PolyBase into an empty database.

singer-sdk drains sinks in parallel threads (``max_parallelism``). The first PolyBase load of
each creates the database-wide objects it needs (master key, credential, data source, file
format) when they are missing; without the target-wide lock, two sinks would both find one
missing and both create it, and the second would fail (15578 for the master key, 15530 for
the others). The emulator starts empty for this test, so the objects really are created here.
"""

from __future__ import annotations

import io
import json
import typing as t
import uuid

import pytest

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.names import quote_table
from target_azure_sqldw.target import TargetAzureSQLDW
from tests.target.emulator_runs import query, table_rows

STREAMS = 6
ROWS = 20
POLYBASE_VIEWS = (
    "sys.symmetric_keys",
    "sys.database_scoped_credentials",
    "sys.external_data_sources",
    "sys.external_file_formats",
)


def test_parallel_first_loads_create_polybase_objects_once(
    fresh_sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **fresh_sqldw_config,
        "bulk_load_method": "polybase",
        "storage_prefix": "e2e-parallel",
        "add_record_metadata": False,
    }
    suffix = uuid.uuid4().hex[:6]
    streams = [f"par{i}_{suffix}" for i in range(STREAMS)]
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "s": {"type": "string"}}}
    lines = [
        json.dumps({"type": "SCHEMA", "stream": s, "schema": schema, "key_properties": ["id"]})
        for s in streams
    ]
    lines += [
        json.dumps({"type": "RECORD", "stream": s, "record": {"id": i, "s": f"{s}-{i}"}})
        for i in range(ROWS)
        for s in streams
    ]
    lines.append(json.dumps({"type": "STATE", "value": {"done": True}}))
    assert query(config, "SELECT name FROM sys.symmetric_keys") == []
    target = TargetAzureSQLDW(config=config)
    target.max_parallelism = STREAMS
    # Every sink is drained at the end of input, all at once, each its first load.
    target.listen(io.StringIO("\n".join(lines) + "\n"))
    assert capsys.readouterr().out.strip() == '{"done": true}'
    for stream in streams:
        rows = table_rows(config, stream, "[id], [s]")
        assert rows == [(i, f"{stream}-{i}") for i in range(ROWS)]
    counts = [len(query(config, f"SELECT name FROM {view}")) for view in POLYBASE_VIEWS]
    assert counts == [1, 1, 1, 1]


POLYBASE_CHECKS = tuple(f"SELECT name FROM {view} WHERE" for view in POLYBASE_VIEWS)


class BlindCatalogConnector(AzureSQLDWConnector):
    """Says no PolyBase object exists, as when another process creates them just after."""

    def query(self, statement: Statement) -> list[tuple[t.Any, ...]]:
        if statement.sql.startswith(POLYBASE_CHECKS):
            return []
        return super().query(statement)


def test_objects_created_by_another_process_first_are_used(
    fresh_sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **fresh_sqldw_config,
        "bulk_load_method": "polybase",
        "storage_prefix": "e2e-parallel-other",
        "add_record_metadata": False,
    }
    stream = f"other_{uuid.uuid4().hex[:6]}"
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    text = "\n".join(
        [
            json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema}),
            json.dumps({"type": "RECORD", "stream": stream, "record": {"id": 1}}),
            json.dumps({"type": "STATE", "value": {"n": 1}}),
        ]
    )
    # A first run creates the objects; the second finds them "missing" and creates them
    # again, meeting 15578 / 15025 / 2714, which mean someone else already did.
    TargetAzureSQLDW(config=config).listen(io.StringIO(text + "\n"))
    target = TargetAzureSQLDW(config=config)
    blind = BlindCatalogConnector(dict(target.config))
    target.__dict__["connector"] = blind
    try:
        target.listen(io.StringIO(text + "\n"))
        rows = blind.query(Statement(f"SELECT [id] FROM {quote_table('dbo', stream)}"))
    finally:
        blind.close()
    assert capsys.readouterr().out.splitlines() == ['{"n": 1}', '{"n": 1}']
    assert [tuple(r) for r in rows] == [(1,), (1,)]
