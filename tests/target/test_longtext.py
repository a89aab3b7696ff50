"""Long texts and large rows in pure logic: reading staged lines back, setting rows aside,
finding values over their column, and cutting JSON into JSON."""

from __future__ import annotations

import json
import typing as t

import pytest

from target_azure_sqldw.encode.formats import CSV, ESCAPED, csv_line, escaped_line
from target_azure_sqldw.encode.long_text import OverflowWatch, WatchedColumn, json_within
from target_azure_sqldw.encode.values import utf8_bytes, utf16_units
from target_azure_sqldw.load.sql.ddl import ColumnDef
from target_azure_sqldw.load.sql.rows import insert_staged_row
from target_azure_sqldw.schema.sql_types import ColumnType
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


def test_the_watcher_sees_each_long_line_once(tmp_path: pathlib.Path) -> None:
    seen: list[str] = []
    writer = PartWriter(
        tmp_path, ESCAPED, [False, True, False], watcher=seen.append, watch_chars=10
    )
    writer.write(["1", "short", "0"])
    writer.write_chunk(["2|a long text|1", "3|x|2"], b"2|a long text|1\n3|x|2\n")
    writer.close()
    assert seen == ["2|a long text|1\n"]


@pytest.mark.parametrize("file_format", [CSV, ESCAPED])
def test_the_overflow_watch_measures_in_the_columns_units(file_format: str) -> None:
    quoted = [False, True, True, False]
    watch = OverflowWatch(
        file_format,
        quoted,
        [
            WatchedColumn(1, "body", ColumnType("nvarchar", length=10)),
            WatchedColumn(2, "doc", ColumnType("varchar", length=10)),
        ],
    )
    assert watch.watch_chars == 2
    line = LINES[file_format]
    # 5 emoji: 10 UTF-16 code units fit nvarchar(10); 20 UTF-8 bytes do not fit varchar(10).
    watch(line(["1", "😀" * 5, "😀" * 5, "0"], quoted))
    watch(line(["2", "|\\" * 5 + "x", None, "1"], quoted))
    assert watch.take() == {"doc": 20, "body": 11}
    assert watch.take() == {}


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
