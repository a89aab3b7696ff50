"""Digit counting and multipleOf scales beyond Python's default 28-digit context."""

from __future__ import annotations

import decimal

import pytest

from target_azure_sqldw.schema.sql_types import decimal_digits
from target_azure_sqldw.schema.type_map import SQLDWJSONSchemaToSQL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("99999999999999999999999999999.999999999", (29, 9)),
        ("99999999999999999999999999999999999999", (38, 0)),
        ("0.00000000000000000000000000000000000001", (0, 38)),
        ("1234567890123456789012345678901234567890.5", (40, 1)),
        ("0.005", (0, 3)),
        ("1.2E+1", (2, 0)),
        ("1.500", (1, 1)),
        ("-0.0", (0, 0)),
    ],
)
def test_decimal_digits_counts_every_digit(text: str, expected: tuple[int, int]) -> None:
    assert decimal_digits(decimal.Decimal(text)) == expected


@pytest.mark.parametrize(
    ("multiple", "sql"),
    [
        ("0.000000000000000000000000000001", "decimal(38,30)"),
        ("1E-38", "decimal(38,38)"),
        # 31 significant digits: not a power of ten, although 28-digit rounding makes it 0.01.
        ("0.0100000000000000000000000000001", "float"),
        ("1E-39", "float"),
    ],
)
def test_multiple_of_beyond_28_digits_maps_exactly(multiple: str, sql: str) -> None:
    schema = {"type": "number", "multipleOf": decimal.Decimal(multiple)}
    assert SQLDWJSONSchemaToSQL().to_column_type(schema).sql == sql
