"""Declared types: parsing and the widening rules of schema evolution."""

from __future__ import annotations

import pytest

from target_azure_sqldw.schema.sql_types import ColumnType, can_hold, widened

P = ColumnType.parse


@pytest.mark.parametrize(
    ("text", "sql"),
    [
        ("NVARCHAR(40)", "nvarchar(40)"),
        ("nvarchar(MAX)", "nvarchar(max)"),
        ("decimal(10, 2)", "decimal(10,2)"),
        ("decimal", "decimal(18,0)"),
        ("datetime2", "datetime2(7)"),
        ("datetime2(3)", "datetime2(3)"),
        ("bit", "bit"),
        ("float(24)", "real"),
        ("varchar", "varchar(1)"),
    ],
)
def test_parse(text: str, sql: str) -> None:
    assert P(text).sql == sql


@pytest.mark.parametrize("text", ["text", "ntext", "xml", "image", "sql_variant", "nvarchar(", ""])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"Not a T-SQL type|not supported"):
        P(text)


def test_from_catalog() -> None:
    assert ColumnType.from_catalog("nvarchar", -1).sql == "nvarchar(max)"
    assert ColumnType.from_catalog("decimal", None, 38, 6).sql == "decimal(38,6)"
    assert ColumnType.from_catalog("datetime2", None, None, None, 6).sql == "datetime2(6)"
    assert ColumnType.from_catalog("BIGINT").sql == "bigint"


@pytest.mark.parametrize(
    ("existing", "wanted", "result"),
    [
        ("nvarchar(100)", "nvarchar(50)", "nvarchar(100)"),
        ("nvarchar(50)", "nvarchar(100)", "nvarchar(100)"),
        ("nvarchar(4000)", "nvarchar(max)", "nvarchar(max)"),
        ("nvarchar(max)", "nvarchar(10)", "nvarchar(max)"),
        ("varchar(10)", "nvarchar(10)", "nvarchar(10)"),
        ("nvarchar(3000)", "varchar(8000)", "nvarchar(max)"),
        ("smallint", "bigint", "bigint"),
        ("bigint", "int", "bigint"),
        ("bigint", "decimal(38,0)", "decimal(38,0)"),
        ("decimal(10,2)", "decimal(12,4)", "decimal(12,4)"),
        ("decimal(10,2)", "decimal(38,0)", None),
        ("decimal(38,2)", "decimal(38,3)", None),
        ("int", "float", "float"),
        ("bigint", "float", None),
        ("float", "bigint", None),
        ("float", "int", "float"),
        ("bit", "bigint", None),
        ("date", "datetime2(6)", "datetime2(6)"),
        ("datetime2(3)", "datetime2(6)", "datetime2(6)"),
        ("datetime2(6)", "datetimeoffset(6)", None),
        ("nvarchar(4000)", "bigint", "nvarchar(4000)"),
        ("nvarchar(10)", "bigint", None),
    ],
)
def test_widening(existing: str, wanted: str, result: str | None) -> None:
    new = widened(P(existing), P(wanted))
    assert (new.sql if new else None) == result
    if new is not None:
        assert can_hold(new, P(wanted))
        assert can_hold(new, P(existing)) or P(existing).is_string


def test_json_flag_is_not_part_of_the_type() -> None:
    assert ColumnType("nvarchar", 10, json=True) == ColumnType("nvarchar", 10)
