"""A chunk at a time, the staging encoder writes what it writes a record at a time, or declines."""

from __future__ import annotations

import decimal
import itertools
import random

import pytest

from target_azure_sqldw.encode.column_formatters import (
    ParsedDateTimes,
    TypedValues,
    utc_timestamps,
)
from target_azure_sqldw.encode.formats import CSV, ESCAPED, csv_quote, escape_field, format_fields
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import RecordRejectedError, make_codec
from target_azure_sqldw.schema.sql_types import ColumnType
from tests.target.encoder_cases import COLUMNS, VALUES

D = decimal.Decimal


def record_lines(encoder: StagingEncoder, records: list[dict]) -> list[str] | None:
    """The lines written a record at a time, or None when a record is rejected."""
    try:
        return [encoder.encode_record(record, n, n) for n, record in enumerate(records)]
    except RecordRejectedError:
        return None


def chunk_lines(encoder: StagingEncoder, records: list[dict]) -> list[str] | None:
    columns = [[record.get(source) for record in records] for source in encoder.sources]
    result = encoder.encode_chunk(columns, len(records), 0)
    # Given the set of each column's types (as the column pipeline gives it), the same.
    typed = [TypedValues(values, set(map(type, values))) for values in columns]
    assert encoder.encode_chunk(typed, len(records), 0) == result
    if result is None:
        return None
    lines, data = result
    assert data.decode("utf-8") == "".join(line + "\n" for line in lines)
    return [line + "\n" for line in lines]


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.sql + (" json" if c.json else ""))
def test_same_lines_as_record_at_a_time_or_declines(file_format: str, column: ColumnType) -> None:
    """Each value alone, and random mixes of them: equal lines, or None only when needed."""
    codecs = [
        make_codec("id", ColumnType.parse("bigint"), nullable=False),
        make_codec("v", column),
        make_codec("w", column, nullable=False),
    ]
    encoder = StagingEncoder("s", codecs, ["id", "v", "w"], file_format, key_columns=["id"])
    rng = random.Random(7)
    chunks = [[value] for value in VALUES] + [rng.sample(VALUES, 6) for _ in range(40)]
    accepted = 0
    for values in chunks:
        records = [
            {"id": n, "v": value, "w": "x" if value is None else value}
            for n, value in enumerate(values)
        ]
        want = record_lines(encoder, records)
        got = chunk_lines(encoder, records)
        if want is None:
            # A record rejected a record at a time must send the chunk to the record path.
            assert got is None, (column, values)
        elif got is not None:
            assert got == want, (column, values)
            accepted += 1
    assert accepted > 0


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
def test_declines_only_for_values_the_record_path_must_judge(file_format: str) -> None:
    """Plain valid values are always taken by the chunk encoder (it is not a no-op)."""
    columns = ["nvarchar(4000)", "bigint", "float", "bit", "datetime2(6)", "nvarchar(20)"]
    codecs = [make_codec(f"c{i}", ColumnType.parse(sql)) for i, sql in enumerate(columns)]
    encoder = StagingEncoder("s", codecs, [f"c{i}" for i in range(len(columns))], file_format)
    import datetime as dt

    rows = [
        {
            "c0": f'Zoë "{n}" | \\ 😀\n',
            "c1": n * 13,
            "c2": n / 7,
            "c3": n % 2 == 0,
            "c4": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=n),
            "c5": None if n % 3 else "a" * 20,
        }
        for n in range(500)
    ]
    want = record_lines(encoder, rows)
    assert want is not None
    assert chunk_lines(encoder, rows) == want
    too_long = [*rows[:10], {**rows[10], "c5": "a" * 21}]
    assert chunk_lines(encoder, too_long) is None
    for bad in ({"c1": 2**63}, {"c2": float("nan")}, {"c0": "\ud800"}):
        assert chunk_lines(encoder, [*rows[:3], {**rows[3], **bad}]) is None


@pytest.mark.parametrize(
    "texts",
    [
        ["a", "", 'q"uote', "pipe|", "back\\slash", "nul\x00", "cr\r"],
        ["new\nline", "plain"],  # the csv joint inside a text
        ["unit\x1fseparator", "plain"],  # the escaped joint inside a text
        ["", ""],
        ['""', '"'],
        ["😀", "Zoë"],
        [],
        # Long texts (edited one by one), with and without what the formats change.
        ['<p>"Hi" |\n' * 100 + "😀", "x" * 300],
        ["x" * 300, "y" * 300, ""],
    ],
)
def test_fields_of_a_column_are_each_texts_field(texts: list[str]) -> None:
    assert format_fields(texts, CSV) == list(map(csv_quote, texts))
    assert format_fields(texts, ESCAPED) == list(map(escape_field, texts))


@pytest.mark.parametrize(
    "values",
    [
        [0.5, None, -0.0, 1e-7, 1e16, 5e-324],
        [1.7976931348623157e308, 1.7976931348623157e308],  # the sum overflows: a false alarm
        [1.5, float("inf")],
        [float("nan"), None],
        [None, None],
        # Decimals (streams that compare numbers read them so).
        [D("0.5"), None, D("123.456"), D("-0.0")],
        [D("12.50"), None],  # prints otherwise than its float: the codec decides
        [D("0.1"), D("1E-7")],
        [D("1E+400")],
        # Texts next to where a float's repr changes form or digits.
        [D("0.0001"), D("-0.00012"), D("100.0"), D("-0.0"), D("0.0"), None],
        [D("0.00001"), D("0.5")],  # repr writes 1e-05
        [D("0.00"), D("1.10")],  # trailing zeros
        [D("123456789012345.0"), D("99999999999999.9"), D("0.123456789012345")],
        [D("1234567890123456.0"), D("9999999999999999.0")],  # 16 digits: the codec decides
        [D("0.30000000000000004"), D("1.7976931348623157")],  # 17 digits
    ],
)
def test_float_columns_stage_as_a_record_at_a_time(values: list[object]) -> None:
    codecs = [make_codec("f", ColumnType.parse("float")), make_codec("id", ColumnType.parse("int"))]
    encoder = StagingEncoder("s", codecs, ["f", "id"], CSV)
    records = [{"f": value, "id": n} for n, value in enumerate(values)]
    assert chunk_lines(encoder, records) == record_lines(encoder, records)
    key = StagingEncoder(
        "s", [make_codec("f", ColumnType.parse("float"), nullable=False)], ["f"], CSV
    )
    if None in values:
        assert chunk_lines(key, records) is None


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-02-29", None, "0001-01-01", "9999-12-31"],  # staged as written
        ["20240229", "2024-02-29"],  # the basic format: written from the dates
        ["2024-02-29T00:00:00"],  # midnight datetimes: the codec decides
    ],
)
def test_date_texts_stage_as_their_dates_do(texts: list[str | None]) -> None:
    import datetime as dt

    datetimes = any("T" in text for text in texts if text is not None)
    parse = dt.datetime.fromisoformat if datetimes else dt.date.fromisoformat
    values = [None if text is None else parse(text) for text in texts]
    for nullable in (True, False):
        codec = make_codec("d", ColumnType.parse("date"), nullable=nullable)
        encoder = StagingEncoder("s", [codec], ["d"], CSV)
        by_text = encoder.encode_chunk([ParsedDateTimes(texts, values)], len(texts), 0)
        assert by_text == encoder.encode_chunk([values], len(texts), 0)
        assert (by_text is None) == (not nullable and None in texts)


def test_lines_count_on_from_first_row() -> None:
    codecs = [make_codec("id", ColumnType.parse("int"), nullable=False)]
    encoder = StagingEncoder("s", codecs, ["id"], CSV)
    result = encoder.encode_chunk([[5, 6, 7]], 3, 40)
    assert result is not None
    assert result[0] == ["5,40", "6,41", "7,42"]
    assert result[1] == b"5,40\n6,41\n7,42\n"
    assert list(itertools.chain(encoder.encode_chunk([[None]], 1, 0) or [])) == []


TIMESTAMP_COLUMNS = [
    ["2024-01-31T12:00:00Z", "1999-12-31T23:59:59Z", None],
    ["2024-01-31T12:00:00+00:00", None, "0001-01-01T00:00:00+00:00"],
    ["2024-01-31T12:00:00.123456Z", "9999-12-31T23:59:59.999999Z"],
    ["2024-01-31T12:00:00.000001+00:00", "2024-02-29T00:00:00.500000+00:00"],
]
OTHER_SHAPES = [
    ["2024-01-31T12:00:00.123Z"],  # a shorter fraction
    ["2024-01-31 12:00:00Z"],  # a space for T
    ["2024-01-31T12:00:00Z", "2024-01-31T12:00:00.123456Z"],  # two shapes
    ["2024-01-31T12:00:00+02:00"],  # not UTC
    ["20240131T120000.123456Z"],  # basic format
    [None, None],
]


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
@pytest.mark.parametrize("sql", ["datetime2(6)", "datetimeoffset(6)", "nvarchar(4000)", "date"])
@pytest.mark.parametrize("texts", TIMESTAMP_COLUMNS)
def test_utc_texts_stage_as_their_datetimes_do(
    file_format: str, sql: str, texts: list[str | None]
) -> None:
    """Editing the texts of a UTC column writes what formatting the parsed values writes."""
    from singer_sdk.helpers._compat import datetime_fromisoformat

    values = [None if text is None else datetime_fromisoformat(text) for text in texts]
    column = utc_timestamps(texts, values)
    assert column is not None
    chunk = StagingEncoder("s", [make_codec("t", ColumnType.parse(sql))], ["t"], file_format)
    assert chunk.encode_chunk([column], len(texts), 0) == chunk.encode_chunk(
        [values], len(texts), 0
    )
    key_codec = make_codec("t", ColumnType.parse(sql), nullable=False)
    key = StagingEncoder("s", [key_codec], ["t"], file_format)
    if None in texts:
        assert key.encode_chunk([column], len(texts), 0) is None


@pytest.mark.parametrize("texts", OTHER_SHAPES)
def test_other_shapes_are_left_to_the_datetimes(texts: list[str | None]) -> None:
    from singer_sdk.helpers._compat import datetime_fromisoformat

    values = [None if text is None else datetime_fromisoformat(text) for text in texts]
    assert utc_timestamps(texts, values) is None
