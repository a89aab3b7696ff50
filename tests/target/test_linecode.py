"""The generated line encoder writes exactly what RowEncoder plus the staging writer write."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from target_azure_sqldw.encode.formats import CSV, ESCAPED, csv_line, escaped_line
from target_azure_sqldw.encode.line_encoder import compile_line_encoder, encoder_source
from target_azure_sqldw.encode.values import RecordRejectedError, RowEncoder, make_codec
from target_azure_sqldw.schema.sql_types import ColumnType

D = decimal.Decimal
UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))

VALUES: list[object] = [
    None,
    "",
    "abc",
    "abcdef",
    'quo"te|pipe\\back\nnew\rcr\x00nul',
    "héllo",
    "😀",
    "\ud800",
    0,
    1,
    -1,
    255,
    256,
    2**31,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    True,
    False,
    1.5,
    -0.0,
    2.0,
    float("inf"),
    float("nan"),
    D("1.50"),
    D("0.1"),
    D("1E+400"),
    D("1.230"),
    D("-0.00"),
    D("0.000"),
    D("12345678.12"),
    D("123456789.1"),
    D("-99999999.99"),
    D("1E+2"),
    D("1E-7"),
    D("0.000001"),
    D("3.0"),
    10**8,
    -(10**37),
    "42",
    dt.datetime(2024, 1, 1, 12, 0, 0, 123456),
    dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC),
    dt.datetime(2024, 1, 1, 1, 0, 0, 1, tzinfo=PLUS2),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=PLUS2),
    dt.date(2024, 2, 29),
    dt.time(10, 0, tzinfo=PLUS2),
    dt.time(10, 0, tzinfo=UTC),
    dt.time(23, 59, 59, 999999),
    dt.time(0, 0),
    dt.datetime(2024, 2, 29),
    dt.date(1, 1, 1),
    "2024-06-01T10:00:00Z",
    "10:00:00",
    {"a": 1, "b": [D("1.50"), "ü"]},
    ["x", "new\nline"],
    {"bad": float("nan")},
]

TYPES = [
    "nvarchar(5)",
    "nvarchar(max)",
    "varchar(4)",
    "char(3)",
    "tinyint",
    "int",
    "bigint",
    "decimal(38,0)",
    "decimal(10,2)",
    "decimal(38,6)",
    "decimal(2,2)",
    "float",
    "bit",
    "date",
    "time(6)",
    "datetime2(6)",
    "datetimeoffset(6)",
]


def reference(encoder: RowEncoder, file_format: str, record: dict, tail: str) -> str:
    """What the sink wrote before the line encoder: RowEncoder, then the staging line."""
    row = encoder.encode(record, 7)
    quoted = [codec.quoted for codec in encoder.codecs] + [False]
    line = csv_line if file_format == CSV else escaped_line
    return line([*row, tail], quoted)


def outcome(function: object, *args: object) -> tuple[str, str]:
    try:
        return ("ok", function(*args))  # type: ignore[operator]
    except RecordRejectedError as exc:
        return ("error", str(exc))


COLUMNS = [ColumnType.parse(sql) for sql in TYPES] + [
    ColumnType(name, length, json=True)
    for name, length in (("nvarchar", 5), ("nvarchar", -1), ("varchar", 4))
]


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.sql + (" json" if c.json else ""))
def test_same_lines_and_errors_as_row_encoder(file_format: str, column: ColumnType) -> None:
    codecs = [
        make_codec("id", ColumnType.parse("bigint"), nullable=False),
        make_codec("v", column),
        make_codec("w", column, nullable=False),
    ]
    encoder = RowEncoder("s", codecs, ["id", "v", "w"], key_columns=["id"])
    line_encoder = compile_line_encoder(encoder, file_format)
    for value in VALUES:
        for record in ({"id": 1, "v": value, "w": "x" if value is None else value}, {"id": 2}):
            want = outcome(reference, encoder, file_format, record, "3")
            got = outcome(line_encoder, record, 7, "3")
            assert got == want, (column, value)


def test_key_errors_name_stream_column_and_record() -> None:
    codecs = [make_codec("id", ColumnType.parse("bigint"), nullable=False)]
    encoder = RowEncoder("contacts", codecs, ["id"], key_columns=["id"])
    line_encoder = compile_line_encoder(encoder, CSV)
    assert line_encoder({"id": 5}, 1, "0") == "5,0\n"
    with pytest.raises(
        RecordRejectedError, match=r"column 'id', record 4 \(id=None\): value is null"
    ):
        line_encoder({}, 4, "0")
    with pytest.raises(RecordRejectedError, match=r"record 9 \(id=1.5\): value 1.5 is not an"):
        line_encoder({"id": 1.5}, 9, "0")


def test_generated_source_is_kept_and_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    codecs = [make_codec("id", ColumnType.parse("bigint"), nullable=False)]
    encoder = RowEncoder("contacts", codecs, ["id"], key_columns=["id"])
    with caplog.at_level("DEBUG", logger="target_azure_sqldw.encode.line_encoder"):
        line_encoder = compile_line_encoder(encoder, CSV)
    source = encoder_source(line_encoder)
    assert source.startswith("def encode(record, number, tail):\n")
    assert caplog.messages == [f"Line encoder of contacts:\n{source}"]
    namespace: dict = {}
    exec(compile(source, "<source>", "exec"), namespace)
    assert callable(namespace["encode"])
