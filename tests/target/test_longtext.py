"""Long texts and large rows in pure logic: reading staged lines back, setting rows aside,
finding values over their column, and cutting JSON into JSON."""

from __future__ import annotations

import json
import random
import typing as t

import pytest

from target_azure_sqldw.encode.formats import (
    CSV,
    ESCAPED,
    csv_line,
    csv_quote,
    escape_field,
    escaped_line,
)
from target_azure_sqldw.encode.long_text import (
    OverflowWatch,
    WatchedColumn,
    csv_markup,
    escaped_markup,
    json_within,
)
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import make_codec, utf8_bytes, utf16_units
from target_azure_sqldw.load.sql.ddl import ColumnDef
from target_azure_sqldw.load.sql.rows import insert_staged_row
from target_azure_sqldw.schema.sql_types import MAX, ColumnType
from target_azure_sqldw.stage.big_rows import aside_lines, split_line
from target_azure_sqldw.stage.parts import ASIDE_ROW_BYTES, PartWriter

if t.TYPE_CHECKING:
    import pathlib

QUOTED = [False, True, True, True, False]
ROWS = [
    ["1", "plain", "", None, "0"],
    ["2", 'a "quoted", comma|pipe', "new\nline\r\x00", "back\\slash \\n", "1"],
    ["3", None, "é😀中", '""', "2"],
]
LINES = {CSV: csv_line, ESCAPED: escaped_line}


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
@pytest.mark.parametrize("row", ROWS, ids=["simple", "special", "unicode"])
def test_staged_lines_read_back_into_their_fields(file_format: str, row: list[str | None]) -> None:
    line = LINES[file_format](row, QUOTED)
    assert split_line(line, file_format, QUOTED) == row


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('1,"open', "Unterminated quoted field"),
        ('1,"a","b",,0,extra', "more found"),
        ('1"x",,,0', "Expected a separator"),
    ],
    ids=["open", "more", "glued"],
)
def test_malformed_csv_lines_are_refused(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        split_line(line, CSV, QUOTED)


def test_rows_over_the_bulk_load_limit_are_set_aside(tmp_path: pathlib.Path) -> None:
    writer = PartWriter(tmp_path, CSV, [False, True, False])
    big = "é" * (ASIDE_ROW_BYTES // 2)  # just over the limit in UTF-8, under it in characters
    writer.write(["1", "small", "0"])
    writer.write(["2", big, "1"])
    writer.write_chunk(['3,"x",2', f'4,"{big}",3'], f'3,"x",2\n4,"{big}",3\n'.encode())
    parts = writer.close()
    assert writer.rows == 4
    assert [part.rows for part in parts] == [2]
    assert writer.aside is not None
    assert writer.aside.rows == 2
    assert [split_line(line, CSV, [False, True, False]) for line in aside_lines(writer.aside)] == [
        ["2", big, "1"],
        ["4", big, "3"],
    ]


def _watched_encoder(file_format: str) -> tuple[StagingEncoder, OverflowWatch]:
    """An encoder of (id, body nvarchar(10), doc varchar(10)) that shows its fields to a watch."""
    watch = OverflowWatch(
        file_format,
        [
            WatchedColumn(1, "body", ColumnType("nvarchar", length=10)),
            WatchedColumn(2, "doc", ColumnType("varchar", length=10)),
        ],
    )
    # Watched columns are staged unchecked, as the sink stages them.
    codecs = [
        make_codec("id", ColumnType("bigint"), nullable=False),
        make_codec("body", ColumnType("nvarchar", length=MAX), nullable=True),
        make_codec("doc", ColumnType("varchar", length=MAX), nullable=True),
    ]
    encoder = StagingEncoder("s", codecs, ["id", "body", "doc"], file_format, watch=watch)
    return encoder, watch


#: 5 emoji: 10 UTF-16 code units fit nvarchar(10); 20 UTF-8 bytes do not fit varchar(10).
#: Pipes, backslashes and quotes lengthen the staged field, not the value.
WATCHED_RECORDS = [
    {"id": 1, "body": "😀" * 5, "doc": "😀" * 5},
    {"id": 2, "body": "|\\" * 5 + "x", "doc": None},
    {"id": 3, "body": '"' * 10, "doc": "|" * 10},
    {"id": 4, "body": "short", "doc": ""},
]


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
def test_the_overflow_watch_measures_values_in_the_columns_units(file_format: str) -> None:
    encoder, watch = _watched_encoder(file_format)
    for number, record in enumerate(WATCHED_RECORDS, 1):
        encoder.encode_record(record, number, number)
    assert watch.take() == {"doc": 20, "body": 11}
    assert watch.take() == {}


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
def test_a_chunk_shows_the_watch_what_its_records_would(file_format: str) -> None:
    encoder, watch = _watched_encoder(file_format)
    columns = [[record[name] for record in WATCHED_RECORDS] for name in ("id", "body", "doc")]
    encoded = encoder.encode_chunk(columns, len(WATCHED_RECORDS), 1)
    assert encoded is not None
    assert watch.take() == {"doc": 20, "body": 11}
    watch.widened.add("doc")
    assert encoder.encode_chunk(columns, len(WATCHED_RECORDS), 1) is not None
    assert watch.take() == {"body": 11}


@pytest.mark.parametrize("measure", [utf16_units, utf8_bytes])
def test_a_field_measures_its_value_less_its_markup(measure: t.Callable[[str], int]) -> None:
    rng = random.Random(13)
    alphabet = ['"', "\\", "|", "\n", "\r", "\x00", ",", "a", "é", "中", "😀", " "]
    values = ["", '"', "\\e", "\\", '""'] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 60))) for _ in range(2000)
    ]
    for value in values:
        for field, markup in (
            (csv_quote(value), csv_markup),
            (escape_field(value), escaped_markup),
        ):
            assert measure(field) - markup(field) == measure(value), (field, value)


DOC = {"type": "email", "body": "é" * 50, "parts": [{"n": i, "t": "x" * 10} for i in range(5)]}


@pytest.mark.parametrize("limit", [2, 10, 30, 60, 90, 120, 150, 400])
@pytest.mark.parametrize("measure", [utf16_units, utf8_bytes])
def test_json_cut_to_its_column_still_parses(limit: int, measure: t.Callable[[str], int]) -> None:
    text = json_within(DOC, limit, measure)
    assert text is not None
    assert measure(text) <= limit
    cut = json.loads(text)
    assert isinstance(cut, dict)
    # Members are kept in order, each whole but the last, which is cut the same way.
    keys = list(cut)
    assert keys == list(DOC)[: len(keys)]
    for key in keys[:-1]:
        assert cut[key] == DOC[key]
    if keys and keys[-1] == "body":
        assert DOC["body"].startswith(cut["body"])


def test_json_that_fits_is_unchanged_and_nothing_fits_in_one_unit() -> None:
    assert json_within(DOC, 10_000, utf16_units) == json.dumps(
        DOC, ensure_ascii=False, separators=(",", ":")
    )
    assert json_within(DOC, 1, utf16_units) is None
    assert json_within("abcdef", 5, utf16_units) == '"abc"'
    assert json_within(12345, 3, utf16_units) is None


def test_a_staged_row_is_inserted_with_one_cast_parameter_per_column() -> None:
    columns = [
        ColumnDef("id", ColumnType("bigint"), nullable=False),
        ColumnDef("body", ColumnType("nvarchar", length=-1)),
    ]
    statement = insert_staged_row("dbo", "t__stg_1", columns, ["1", "text", "7"], "lbl")
    assert statement.sql == (
        "INSERT INTO [dbo].[t__stg_1] ([id], [body], [_sdc_stage_seq])\n"
        "SELECT CAST(? AS bigint), CAST(? AS nvarchar(max)), CAST(? AS bigint)\n"
        "OPTION (LABEL = 'lbl')"
    )
    assert statement.params == ("1", "text", "7")
    with pytest.raises(ValueError, match="3 values expected"):
        insert_staged_row("dbo", "t", columns, ["1"], "lbl")
