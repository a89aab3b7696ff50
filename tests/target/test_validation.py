"""The compiled record validator behind ``validate_records``."""

from __future__ import annotations

import decimal

import pytest
from singer_sdk.exceptions import InvalidRecord

from target_azure_sqldw.ingest.validation import compile_validator

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"], "maxLength": 3},
        "amount": {"type": ["number", "null"], "multipleOf": 0.01},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}


def test_valid_record_passes() -> None:
    validator = compile_validator(SCHEMA)
    assert validator is not None
    validator.validate({"id": 1, "name": "abc", "amount": 1.25, "at": None, "tags": ["x"]})


@pytest.mark.parametrize(
    "record",
    [
        {"id": "1"},
        {"id": 1, "name": "abcd"},
        {"id": 1, "tags": [1]},
        {"id": 1, "amount": 1.255},
    ],
)
def test_invalid_record_raises(record: dict) -> None:
    validator = compile_validator(SCHEMA)
    assert validator is not None
    with pytest.raises(InvalidRecord):
        validator.validate(record)


def test_formats_left_to_the_codecs() -> None:
    validator = compile_validator(SCHEMA)
    assert validator is not None
    validator.validate({"id": 1, "at": "not a date"})


def test_decimal_multiple_of_uses_decimal_arithmetic() -> None:
    # singer-sdk parses messages with Decimal numbers, the schema's multipleOf included.
    schema = {"type": "object", "properties": {"amount": {"multipleOf": decimal.Decimal("0.01")}}}
    validator = compile_validator(schema)
    assert validator is not None
    # The compiled code cannot divide a Decimal by a float; singer-sdk's validator takes over.
    validator.validate({"id": 1, "amount": decimal.Decimal("12345.67")})
    validator.validate({"id": 1, "amount": decimal.Decimal("-1234567890123456789012.12")})
    with pytest.raises(InvalidRecord):
        validator.validate({"amount": decimal.Decimal("12345.678")})


NUMERIC = {
    "type": "object",
    "properties": {
        "cents": {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.01")},
        "micros": {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.000001")},
        "quarter": {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.25")},
    },
}


@pytest.mark.parametrize(
    "record",
    [
        {"cents": decimal.Decimal("99999999999999999999999999999999999.99")},
        {"cents": decimal.Decimal("1.230")},
        {"cents": 10**40},
        {"micros": decimal.Decimal("1E-6")},
        {"micros": decimal.Decimal("-123456789012345678901234567890.123456")},
        {"quarter": decimal.Decimal("1.75")},
        {"cents": None, "micros": 0},
    ],
)
def test_exact_multiples_pass_at_any_size(record: dict) -> None:
    validator = compile_validator(NUMERIC)
    assert validator is not None
    validator.validate(record)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"cents": decimal.Decimal("12.345")}, "data.cents must be multiple of 0.01"),
        (
            {"micros": decimal.Decimal("99999999999999999999999999999.0000001")},
            "data.micros must be multiple of 0.000001",
        ),
        ({"quarter": decimal.Decimal("1.7")}, "data.quarter must be multiple of 0.25"),
        ({"cents": "1.00"}, "data.cents must be number or null"),
    ],
)
def test_a_value_that_is_no_multiple_is_named(record: dict, message: str) -> None:
    validator = compile_validator(NUMERIC)
    assert validator is not None
    with pytest.raises(InvalidRecord) as info:
        validator.validate(record)
    assert str(info.value).endswith(f"Error: {message}")


def test_exact_and_float_multiples_are_refused_in_the_same_words() -> None:
    validator = compile_validator(NUMERIC)
    assert validator is not None
    messages = []
    for value in (decimal.Decimal("12.345"), 12.345):
        with pytest.raises(InvalidRecord) as info:
            validator.validate({"cents": value})
        messages.append(str(info.value))
    assert messages[0] == messages[1]
