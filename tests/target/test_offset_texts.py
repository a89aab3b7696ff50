"""Date-time texts with an offset, edited into datetime2 texts, stage what their datetimes stage."""

from __future__ import annotations

import random

import pytest

from target_azure_sqldw.encode.column_formatters import ParsedDateTimes
from target_azure_sqldw.encode.formats import CSV, ESCAPED
from target_azure_sqldw.encode.offset_texts import offset_shape, utc_clock, utc_tail
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import RecordRejectedError, make_codec
from target_azure_sqldw.schema.sql_types import ColumnType
from target_azure_sqldw.sdk_adapter import datetime_fromisoformat

OFFSETS = ["+02:00", "-02:00", "+05:30", "-09:30", "+14:00", "-12:00", "+23:59", "-00:00"]


def random_texts(count: int, seed: int, *, fraction: bool) -> list[str | None]:
    """Offset texts at every clock, midnight crossings included, and some NULLs."""
    rng = random.Random(seed)
    texts: list[str | None] = []
    for _ in range(count):
        if rng.random() < 0.05:
            texts.append(None)
            continue
        year = rng.choice([1, 1999, 2024, 9999])
        month, day = rng.choice([(1, 1), (2, 28), (2, 29), (6, 30), (12, 31)])
        if (month, day) == (2, 29):
            year = 2024
        clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        micro = f".{rng.randrange(10**6):06d}" if fraction else ""
        texts.append(f"{year:04d}-{month:02d}-{day:02d}T{clock}{micro}{rng.choice(OFFSETS)}")
    return texts


def staged(
    sql: str, file_format: str, texts: list[str | None], *, nullable: bool = True
) -> tuple[tuple[list[str], bytes] | None, list[str] | None]:
    """The chunk's lines from the texts, and the lines a record at a time (None if rejected)."""
    values = [None if text is None else datetime_fromisoformat(text) for text in texts]
    codec = make_codec("t", ColumnType.parse(sql), nullable=nullable)
    encoder = StagingEncoder("s", [codec], ["t"], file_format)
    chunk = encoder.encode_chunk([ParsedDateTimes(texts, values)], len(texts), 0)
    try:
        records = [encoder.encode_record({"t": v}, n, n) for n, v in enumerate(values)]
    except RecordRejectedError:
        return chunk, None
    return chunk, records


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
@pytest.mark.parametrize("fraction", [False, True])
@pytest.mark.parametrize("sql", ["datetime2(6)", "datetimeoffset(6)", "nvarchar(4000)"])
def test_offset_texts_stage_as_their_datetimes_do(
    sql: str, fraction: bool, file_format: str
) -> None:
    # Years 1 and 9999 without their ends: every instant stays within datetime2 in UTC.
    texts = [
        text
        for text in random_texts(3000, seed=5, fraction=fraction)
        if text is None or not text.startswith(("0001-01-01", "9999-12-31"))
    ]
    assert offset_shape(texts) == (26 if fraction else 19)
    chunk, records = staged(sql, file_format, texts)
    assert records is not None
    assert chunk is not None
    assert [line + "\n" for line in chunk[0]] == records


def test_an_instant_outside_datetime2_in_utc_sends_the_chunk_to_the_record_path() -> None:
    for text in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):
        chunk, records = staged("datetime2(6)", CSV, ["2024-01-01T10:00:00+02:00", text])
        assert records is None
        assert chunk is None
    # The same texts a day later, or earlier, are kept.
    chunk, records = staged("datetime2(6)", CSV, ["0001-01-02T00:30:00+01:00"])
    assert chunk is not None
    assert chunk[0] == ["0001-01-01 23:30:00.000000,0"]
    assert [line + "\n" for line in chunk[0]] == records


def test_a_null_in_a_key_column_is_declined() -> None:
    chunk, _ = staged("datetime2(6)", CSV, ["2024-01-01T10:00:00+02:00", None], nullable=False)
    assert chunk is None


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-01-31T12:00:00.12345"],  # 25 characters without an offset
        ["2024-01-31T12:00:00+02:00", "2024-01-31T12:00:00.000001+02:00"],  # two shapes
        ["2024-01-31T12:00:00.123+02:00"],  # a shorter fraction
        ["2024-01-31 12:00:00+02:00"],  # a space for T
        [None],
    ],
)
def test_other_shapes_are_left_to_the_datetimes(texts: list[str | None]) -> None:
    assert offset_shape(texts) is None
    chunk, records = staged("datetime2(6)", ESCAPED, texts)
    assert chunk is not None
    assert [line + "\n" for line in chunk[0]] == records


def test_utc_clocks() -> None:
    assert utc_clock("10:30+02:00") == "08:30"
    assert utc_clock("10:30-05:45") == "16:15"
    assert utc_clock("01:00+02:00") == ""  # the day before
    assert utc_clock("23:00-01:00") == ""  # the day after
    assert utc_clock("00:00-00:00") == "00:00"


def test_utc_tails() -> None:
    assert utc_tail("T10:30:59+02:00") == " 08:30:59.000000"
    assert utc_tail("T10:30:59+02:00") == " 08:30:59.000000"  # now from the cache
    assert utc_tail("T01:00:00+02:00") == ""  # the day before
    assert utc_tail("T23:59:59-00:01") == ""  # the day after


def test_texts_of_a_column_with_nulls_and_other_days_keep_their_places() -> None:
    """NULLs first and last, and instants on the day before and after in UTC, among others."""
    for fraction in ("", ".123456"):
        texts = [
            None,
            f"2024-01-02T01:00:00{fraction}+02:00",
            f"2024-01-02T12:00:00{fraction}+02:00",
            None,
            f"2024-01-02T23:30:00{fraction}-01:00",
            f"2024-01-02T12:00:00{fraction}-00:00",
            None,
        ]
        chunk, records = staged("datetime2(6)", CSV, texts)
        assert chunk is not None
        assert records is not None
        assert [line + "\n" for line in chunk[0]] == records
        assert chunk[0][1].startswith("2024-01-01 23:00:00")
