"""The generated line encoder writes exactly what RowEncoder plus the staging writer write."""

from __future__ import annotations

import pytest

from target_azure_sqldw.encode.formats import CSV, ESCAPED, csv_line, escaped_line
from target_azure_sqldw.encode.line_encoder import compile_line_encoder, encoder_source
from target_azure_sqldw.encode.values import RecordRejectedError, RowEncoder, make_codec
from target_azure_sqldw.schema.sql_types import ColumnType
from tests.target.encoder_cases import COLUMNS, VALUES


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
