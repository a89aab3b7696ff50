"""A record at a time, the staging encoder writes its canonical texts in the file format."""

from __future__ import annotations

import pytest

from target_azure_sqldw.encode.formats import CSV, ESCAPED, csv_line, escaped_line
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import RecordRejectedError, make_codec
from target_azure_sqldw.schema.sql_types import ColumnType
from tests.target.encoder_cases import COLUMNS, VALUES


def reference(encoder: StagingEncoder, file_format: str, record: dict, tail: str) -> str:
    """The canonical texts, then the staging line of the format (``encode.formats``)."""
    row = encoder.texts(record, 7)
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
    encoder = StagingEncoder("s", codecs, ["id", "v", "w"], file_format, key_columns=["id"])
    for value in VALUES:
        for record in ({"id": 1, "v": value, "w": "x" if value is None else value}, {"id": 2}):
            want = outcome(reference, encoder, file_format, record, "3")
            got = outcome(encoder.encode_record, record, 7, 3)
            assert got == want, (column, value)


def test_key_errors_name_stream_column_and_record() -> None:
    codecs = [make_codec("id", ColumnType.parse("bigint"), nullable=False)]
    encoder = StagingEncoder("contacts", codecs, ["id"], CSV, key_columns=["id"])
    assert encoder.encode_record({"id": 5}, 1, 0) == "5,0\n"
    with pytest.raises(
        RecordRejectedError, match=r"column 'id', record 4 \(id=None\): value is null"
    ):
        encoder.encode_record({}, 4, 0)
    with pytest.raises(RecordRejectedError, match=r"record 9 \(id=1.5\): value 1.5 is not an"):
        encoder.encode_record({"id": 1.5}, 9, 0)
