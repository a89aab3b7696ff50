"""JSON Schema to column type mapping, both flavors."""

from __future__ import annotations

import pytest

from target_azure_sqldw.schema.flavor import FABRIC, SYNAPSE
from target_azure_sqldw.schema.sql_types import SQLDWType
from target_azure_sqldw.schema.type_map import (
    MappingOptions,
    SQLDWJSONSchemaToSQL,
    options_from_config,
)

SYN = SQLDWJSONSchemaToSQL(MappingOptions(SYNAPSE))
SYN_HEAP = SQLDWJSONSchemaToSQL(MappingOptions(SYNAPSE, wide_strings=True))
SYN_DTO = SQLDWJSONSchemaToSQL(MappingOptions(SYNAPSE, timestamp_type="datetimeoffset"))
FAB = SQLDWJSONSchemaToSQL(MappingOptions(FABRIC))
FAB_DTO = SQLDWJSONSchemaToSQL(MappingOptions(FABRIC, timestamp_type="datetimeoffset"))

CASES = [
    # (schema, synapse cci, synapse heap, fabric)
    ({"type": "string"}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": ["string", "null"], "maxLength": 10}, "nvarchar(10)", "nvarchar(10)", "varchar(40)"),
    ({"type": "string", "maxLength": 4000}, "nvarchar(4000)", "nvarchar(4000)", "varchar(8000)"),
    ({"type": "string", "maxLength": 4001}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": "integer"}, "bigint", "bigint", "bigint"),
    ({"type": "integer", "minimum": 0, "maximum": 255}, "smallint", "smallint", "smallint"),
    ({"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}, "int", "int", "int"),
    ({"type": "integer", "minimum": 0, "maximum": 2**31}, "bigint", "bigint", "bigint"),
    (
        {"type": "integer", "minimum": 0, "maximum": 2**64},
        "decimal(38,0)",
        "decimal(38,0)",
        "decimal(38,0)",
    ),
    ({"type": "integer", "minimum": 0}, "bigint", "bigint", "bigint"),
    ({"type": "number"}, "float", "float", "float"),
    ({"type": "number", "multipleOf": 0.01}, "decimal(38,2)", "decimal(38,2)", "decimal(38,2)"),
    ({"type": "number", "multipleOf": 1}, "decimal(38,0)", "decimal(38,0)", "decimal(38,0)"),
    ({"type": "number", "multipleOf": 0.5}, "float", "float", "float"),
    (
        {"type": "string", "format": "x-singer.decimal", "precision": 12, "scale": 3},
        "decimal(12,3)",
        "decimal(12,3)",
        "decimal(12,3)",
    ),
    ({"type": "boolean"}, "bit", "bit", "bit"),
    ({"type": "string", "format": "date-time"}, "datetime2(6)", "datetime2(6)", "datetime2(6)"),
    ({"type": "string", "format": "date"}, "date", "date", "date"),
    ({"type": "string", "format": "time"}, "time(6)", "time(6)", "time(6)"),
    ({"type": "string", "format": "uuid"}, "char(36)", "char(36)", "char(36)"),
    ({"type": "string", "format": "email"}, "nvarchar(254)", "nvarchar(254)", "varchar(1016)"),
    ({"type": "string", "format": "uri"}, "nvarchar(2083)", "nvarchar(2083)", "varchar(8000)"),
    (
        {"type": "string", "format": "unknown-format"},
        "nvarchar(4000)",
        "nvarchar(max)",
        "varchar(8000)",
    ),
    (
        {"type": "object", "properties": {"a": {"type": "string"}}},
        "nvarchar(4000)",
        "nvarchar(max)",
        "varchar(8000)",
    ),
    ({"type": "object"}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    (
        {"type": "array", "items": {"type": "integer"}},
        "nvarchar(4000)",
        "nvarchar(max)",
        "varchar(8000)",
    ),
    ({}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    (
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "datetime2(6)",
        "datetime2(6)",
        "datetime2(6)",
    ),
    (
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string"}]},
        "nvarchar(4000)",
        "nvarchar(max)",
        "varchar(8000)",
    ),
    ({"type": ["integer", "string"]}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": ["integer", "number", "null"]}, "float", "float", "float"),
    ({"type": ["boolean", "integer"]}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": ["object", "array"]}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": "null"}, "nvarchar(4000)", "nvarchar(max)", "varchar(8000)"),
    ({"type": "integer", "x-sql-datatype": "smallint"}, "smallint", "smallint", "smallint"),
    (
        {"type": "string", "x-sql-datatype": "nvarchar(50)"},
        "nvarchar(50)",
        "nvarchar(50)",
        "varchar(200)",
    ),
    (
        {"type": "string", "x-sql-datatype": "datetimeoffset(3)"},
        "datetimeoffset(3)",
        "datetimeoffset(3)",
        "datetime2(6)",
    ),
]


@pytest.mark.parametrize(("schema", "cci", "heap", "fabric"), CASES, ids=[str(c[0]) for c in CASES])
def test_mapping(schema: dict, cci: str, heap: str, fabric: str) -> None:
    assert SYN.to_column_type(schema).sql == cci
    assert SYN_HEAP.to_column_type(schema).sql == heap
    assert FAB.to_column_type(schema).sql == fabric


def test_objects_and_untyped_are_json_text() -> None:
    assert SYN.to_column_type({"type": "object"}).json
    assert SYN.to_column_type({}).json
    assert SYN.to_column_type({"type": ["boolean", "integer"]}).json
    assert not SYN.to_column_type({"type": "string"}).json
    assert not SYN.to_column_type({"type": ["integer", "string"]}).json


def test_datetimeoffset_by_setting_on_synapse_only() -> None:
    schema = {"type": "string", "format": "date-time"}
    assert SYN_DTO.to_column_type(schema).sql == "datetimeoffset(6)"
    assert FAB_DTO.to_column_type(schema).sql == "datetime2(6)"


def test_keys_never_max() -> None:
    assert SYN_HEAP.to_column_type({"type": "string"}, is_key=True).sql == "nvarchar(4000)"
    assert SYN_HEAP.to_column_type({"type": "string"}).sql == "nvarchar(max)"


def test_sdk_entry_point_returns_wrapped_type() -> None:
    sql_type = SYN.to_sql_type({"type": "boolean"})
    assert isinstance(sql_type, SQLDWType)
    assert sql_type.column_type.sql == "bit"


def test_large_singer_decimal_falls_back_to_text_with_warning() -> None:
    with pytest.warns(UserWarning, match="exceeds 38"):
        column = SYN.to_column_type(
            {"type": "string", "format": "x-singer.decimal", "precision": 50, "scale": 2}
        )
    assert column.sql == "nvarchar(100)"


def test_unsupported_sql_datatype_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        SYN.to_column_type({"type": "string", "x-sql-datatype": "xml"})


def test_options_from_config() -> None:
    options = options_from_config({"flavor": "fabric", "string_overflow": "heap"})
    assert options.flavor is FABRIC
    assert options.wide_strings
    assert not options_from_config({}).wide_strings
    assert options_from_config({"table_index": "heap"}).wide_strings
    with pytest.raises(ValueError, match="Unknown flavor"):
        options_from_config({"flavor": "oracle"})
