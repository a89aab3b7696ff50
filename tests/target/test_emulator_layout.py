"""Settings and schema annotations that shape the table, read back from the emulator's catalog.

``table_distribution``, ``table_index``, ``timestamp_type``, ``x-sql-datatype`` and the rules
for several types are checked as SQL text elsewhere (test_sql_golden.py, test_typemap.py);
here the target creates the table and loads it, and the catalog and rows say what happened.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from tests.target.emulator_runs import run_target, staged_blobs, table_rows

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "small": {"type": ["integer", "null"], "x-sql-datatype": "smallint"},
        "code": {"type": ["string", "null"], "x-sql-datatype": "nvarchar(50)"},
        "mixed": {"type": ["integer", "string", "null"]},
    },
}


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_distribution_index_offsets_and_declared_types_reach_the_table(
    method: str, sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": method,
        "storage_prefix": f"e2e-layout-{method}",
        "table_distribution": "round_robin",
        "table_index": "heap",
        "timestamp_type": "datetimeoffset",
        "add_record_metadata": False,
    }
    stream = f"layout_{uuid.uuid4().hex[:6]}"
    records = [
        {
            "id": 1,
            "at": "2024-03-10T09:30:15.123456+02:00",
            "small": 32767,
            "code": "é" * 50,
            "mixed": 5,
        },
        {"id": 2, "at": None, "small": -32768, "code": None, "mixed": "text"},
    ]
    run_target(
        config,
        [
            {"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]},
            *({"type": "RECORD", "stream": stream, "record": r} for r in records),
            {"type": "STATE", "value": {"done": 1}},
        ],
    )
    assert capsys.readouterr().out.strip() == '{"done": 1}'
    connector = AzureSQLDWConnector(config)
    try:
        layout = connector.table_layout("dbo", stream)
        columns = {
            name: (column.sql, nullable)
            for name, (column, nullable) in connector.table_columns("dbo", stream).items()
        }
    finally:
        connector.close()
    assert layout is not None
    assert (layout.distribution, layout.hash_column, layout.index) == ("round_robin", None, "heap")
    assert columns == {
        "id": ("bigint", False),
        "at": ("datetimeoffset(6)", True),
        "small": ("smallint", True),
        "code": ("nvarchar(50)", True),
        # Rule 4 of several types: a string column; a heap table holds nvarchar(max).
        "mixed": ("nvarchar(max)", True),
    }
    rows = table_rows(config, stream, "[id], CAST([at] AS nvarchar(40)), [small], [code], [mixed]")
    assert rows == [
        (1, "2024-03-10 09:30:15.1234560 +02:00", 32767, "é" * 50, "5"),
        (2, None, -32768, None, "text"),
    ]
    assert staged_blobs(config) == []
