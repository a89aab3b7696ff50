"""Value checks and canonical texts: what is refused, and what every type writes."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest

from target_azure_sqldw.encode.formats import CSV
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import (
    RecordRejectedError,
    ValueRejectedError,
    integer_bounds,
    json_text,
    make_codec,
    utf8_bytes,
    utf16_units,
)
from target_azure_sqldw.schema.sql_types import ColumnType

D = decimal.Decimal
UTC = dt.timezone.utc


def encode(sql: str, value: object, **kwargs: object) -> str:
    return make_codec("c", ColumnType.parse(sql), **kwargs).encode(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sql", "value", "text"),
    [
        ("bigint", 2**63 - 1, "9223372036854775807"),
        ("bigint", -(2**63), "-9223372036854775808"),
        ("bigint", D("42"), "42"),
        ("bigint", D("42.000"), "42"),
        ("bigint", 7.0, "7"),
        ("bigint", " 12 ", "12"),
        ("smallint", -32768, "-32768"),
        ("decimal(38,0)", 2**64, "18446744073709551616"),
        ("decimal(38,0)", 10**38 - 1, "9" * 38),
        ("decimal(10,2)", D("12345678.9"), "12345678.9"),
        ("decimal(10,2)", D("-0.01"), "-0.01"),
        ("decimal(10,2)", D("1E+2"), "100"),
        ("decimal(38,6)", D("0.000001"), "0.000001"),
        ("float", D("0.1"), "0.1"),
        ("float", 1e22, "1e+22"),
        ("float", D("1E+22"), "1e+22"),
        ("float", 5e-324, "5e-324"),
        ("float", 2**53, "9007199254740992.0"),
        ("bit", True, "1"),
        ("bit", False, "0"),
        ("date", dt.date(1, 1, 1), "0001-01-01"),
        ("date", "2024-02-29", "2024-02-29"),
        ("date", dt.datetime(2024, 2, 29, tzinfo=UTC), "2024-02-29"),
        ("time(6)", dt.time(23, 59, 59, 999999), "23:59:59.999999"),
        ("time(6)", "10:00:00+02:00", "08:00:00.000000"),
        ("time(6)", "00:30:00Z", "00:30:00.000000"),
        ("datetime2(6)", dt.datetime(2024, 1, 1, 12, 0, 0, 123456), "2024-01-01 12:00:00.123456"),
        (
            "datetime2(6)",
            dt.datetime(2024, 1, 1, 1, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2023-12-31 23:00:00.000001",
        ),
        ("datetime2(6)", "2024-06-01T10:00:00.5-07:00", "2024-06-01 17:00:00.500000"),
        ("datetime2(6)", "2024-06-01T10:00:00Z", "2024-06-01 10:00:00.000000"),
        (
            "datetime2(6)",
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
            "9999-12-31 23:59:59.999999",
        ),
        (
            "datetimeoffset(6)",
            "2024-06-01T10:00:00.25+05:30",
            "2024-06-01T10:00:00.250000+05:30",
        ),
        ("datetimeoffset(6)", dt.datetime(2024, 6, 1), "2024-06-01T00:00:00.000000+00:00"),
        ("nvarchar(10)", "héllo", "héllo"),
        ("nvarchar(2)", "😀", "😀"),
        ("nvarchar(4000)", "a\x00b\n\"c'|\\", "a\x00b\n\"c'|\\"),
        ("nvarchar(100)", 42, "42"),
        ("nvarchar(100)", True, "true"),
        ("nvarchar(100)", {"a": 1}, '{"a":1}'),
        ("varchar(4)", "😀", "😀"),
        (
            "char(36)",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
    ],
)
def test_canonical_text(sql: str, value: object, text: str) -> None:
    assert encode(sql, value) == text


@pytest.mark.parametrize(
    ("sql", "value", "message"),
    [
        ("bigint", 2**63, "outside the range of bigint"),
        ("int", 2**31, "outside the range of int"),
        ("bigint", D("1.5"), "not an integer"),
        ("bigint", True, "boolean"),
        ("decimal(38,0)", 10**38, "outside the range"),
        ("decimal(10,2)", D("0.001"), "3 decimal places"),
        ("decimal(10,2)", D("123456789"), "too large"),
        ("float", D("0.12345678901234567890"), "would be rounded"),
        ("float", 2**53 + 1, "would be rounded"),
        ("float", float("nan"), "nan"),
        ("float", D("1E+400"), "outside the range of float"),
        ("bit", "true", "not a boolean"),
        ("bit", 2, "not a boolean"),
        ("date", "2024-02-30", "not a date"),
        ("date", "2024-02-01T10:00:00Z", "time part"),
        ("datetime2(6)", "yesterday", "not a date-time"),
        ("datetime2(6)", "0001-01-01T00:00:00+01:00", "range"),
        ("time(6)", "25:00:00", "not a time"),
        ("nvarchar(3)", "abcd", "4 UTF-16 code units long but nvarchar(3) holds 3"),
        ("nvarchar(1)", "😀", "2 UTF-16 code units"),
        ("varchar(3)", "😀", "4 bytes (UTF-8)"),
        ("nvarchar(10)", "\ud800", "unpaired surrogate"),
        ("nvarchar(max)", "\udfff", "unpaired surrogate"),
        ("nvarchar(100)", {"a": float("nan")}, "JSON"),
        ("char(36)", "not-a-uuid", "exactly 36"),
    ],
)
def test_refused(sql: str, value: object, message: str | None) -> None:
    with pytest.raises(ValueRejectedError) as info:
        encode(sql, value)
    if message:
        assert message in str(info.value)


def test_4000_and_4001_characters() -> None:
    assert len(encode("nvarchar(4000)", "x" * 4000)) == 4000
    with pytest.raises(ValueRejectedError, match="4001"):
        encode("nvarchar(4000)", "x" * 4001)
    flag = [False]
    assert encode("nvarchar(4000)", "x" * 4001, truncate=True, overflowed=flag) == "x" * 4000
    assert flag == [True]
    assert len(encode("nvarchar(max)", "x" * 100_000)) == 100_000


def test_truncation_keeps_surrogate_pairs_and_utf8_characters_whole() -> None:
    assert encode("nvarchar(3)", "ab😀", truncate=True) == "ab"
    assert encode("nvarchar(4)", "ab😀c", truncate=True) == "ab😀"
    assert encode("varchar(5)", "aé😀", truncate=True) == "aé"


def test_float_rounding_allowed_by_setting() -> None:
    assert encode("float", D("0.12345678901234567890"), allow_float_rounding=True) == (
        "0.12345678901234568"
    )


def test_json_text_round_trips_exactly() -> None:
    value = {
        "n": D("12345678901234567890.123456789"),
        "s": 'é😀\n\x00"',
        "l": [1, None, True, D("1E+5")],
        "nested": {"empty": {}, "list": []},
    }
    text = json_text(value)
    assert "\n" not in text
    assert json.loads(text, parse_float=D) == value


def test_row_encoder_names_stream_column_and_record() -> None:
    codecs = [
        make_codec("id", ColumnType.parse("bigint"), nullable=False),
        make_codec("name", ColumnType.parse("nvarchar(5)")),
    ]
    encoder = StagingEncoder("contacts", codecs, ["id", "name"], CSV, key_columns=["id"])
    assert encoder.texts({"id": 1, "name": "ok"}, 1) == ["1", "ok"]
    assert encoder.texts({"id": 2}, 2) == ["2", None]
    with pytest.raises(RecordRejectedError) as info:
        encoder.texts({"id": 3, "name": "too long"}, 3)
    message = str(info.value)
    assert "stream 'contacts'" in message
    assert "column 'name'" in message
    assert "record 3 (id=3)" in message
    assert "\n" not in message
    with pytest.raises(RecordRejectedError, match="null in a key column"):
        encoder.texts({"id": None}, 4)


def test_json_text_writes_what_simplejson_writes() -> None:
    # json_text takes the standard library's C encoder where it can; its output must stay
    # simplejson's, character for character.
    import simplejson  # type: ignore[import-untyped]

    every_char = "".join(chr(i) for i in range(0x800)) + "\u2028\u2029\ufeff\U0001f600"
    values = [
        every_char,
        {'k\u2028"\\': [1, 2.5, -0.0, 1e22, 5e-324, True, False, None, 10**30]},
        [1.7976931348623157e308, {"a": {"b": [every_char]}}],
        {"d": D("1.50"), "big": D("1E+400"), "f": 0.1},
        {"when": dt.datetime(2024, 1, 1, tzinfo=UTC)},
        [],
        {},
        7,
    ]
    for value in values:
        want = simplejson.dumps(
            value,
            use_decimal=True,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
            default=lambda v: v.isoformat(),
        )
        assert json_text(value) == want
    with pytest.raises(ValueRejectedError):
        json_text({"a": float("nan")})


@pytest.mark.parametrize(
    ("sql", "bounds"),
    [
        ("tinyint", (0, 255)),
        ("int", (-(2**31), 2**31 - 1)),
        ("bigint", (-(2**63), 2**63 - 1)),
        ("decimal(38,0)", (-(10**38) + 1, 10**38 - 1)),
        ("decimal(5)", (-99_999, 99_999)),
        ("decimal(38,2)", None),
        ("float", None),
        ("nvarchar(10)", None),
    ],
)
def test_integer_bounds_are_what_the_integer_codec_enforces(
    sql: str, bounds: tuple[int, int] | None
) -> None:
    column = ColumnType.parse(sql)
    assert integer_bounds(column) == bounds
    if bounds is not None:
        low, high = bounds
        assert encode(sql, low) == str(low)
        assert encode(sql, high) == str(high)
        for outside in (low - 1, high + 1):
            with pytest.raises(ValueRejectedError, match="outside the range"):
                encode(sql, outside)


def test_text_sizes_count_what_the_types_count() -> None:
    assert (utf16_units("a\u00e9\U0001f600"), utf8_bytes("a\u00e9\U0001f600")) == (4, 7)
    assert utf16_units("\ud800") == -1
    assert utf8_bytes("\ud800") == -1
