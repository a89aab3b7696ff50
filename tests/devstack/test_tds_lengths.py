"""A value never travels longer than its declared column (ODBC Driver 18 would report
"Protocol error in TDS stream" and lose the connection)."""

from __future__ import annotations

import typing as t

import pytest

from devstack.sqldw_emulator.api import Column, ResultSet, SQLError, SQLType
from devstack.sqldw_emulator.tds.datatypes import codec_for
from devstack.sqldw_emulator.tds.packets import MessageWriter
from devstack.sqldw_emulator.tds.results import write_result_set
from tests.devstack.engine_support import engine_session, results

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession


class _Sink:
    def __init__(self) -> None:
        self.sent = bytearray()

    def sendall(self, data: bytes) -> None:
        self.sent += data


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        (SQLType("varchar", 1), "123456789"),
        (SQLType("nvarchar", 3), "abcd"),
        (SQLType("nchar", 2), "abc"),
        (SQLType("varbinary", 2), b"\x00\x01\x02"),
    ],
)
def test_the_codec_refuses_a_value_longer_than_its_column(sql: SQLType, value: object) -> None:
    out = bytearray()
    with pytest.raises(ValueError, match="longer than its column"):
        codec_for(sql).encode(value, out)
    assert out == bytearray()


def test_a_result_with_such_a_value_is_an_error_not_a_broken_stream() -> None:
    writer = MessageWriter(_Sink(), 4096, 51)  # type: ignore[arg-type]
    result = ResultSet([Column("v", SQLType("varchar", 1))], [("1",), ("123456789",)])
    with pytest.raises(SQLError) as caught:
        write_result_set(writer, result, lambda: None)
    assert caught.value.number == 245
    # The half-written row was taken back: the buffer ends after the first, whole row.
    assert bytes(writer.buffer).endswith(b"\xd1\x01\x00" + b"1")


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session() as session:
        yield session


def test_the_engine_declares_result_columns_wide_enough(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.codes (code CHAR(3) NULL) WITH (HEAP)")
    results(session, "INSERT INTO dbo.codes VALUES (NULL)")
    # The emulator types COALESCE by its first argument; its values decide the width.
    (outcome,) = results(session, "SELECT COALESCE(code, 'a much longer text') AS v FROM dbo.codes")
    assert outcome.result_set is not None
    assert outcome.result_set.rows == [("a much longer text",)]
    (column,) = outcome.result_set.columns
    assert column.type == SQLType("varchar", -1)
    out = bytearray()
    codec_for(column.type).encode("a much longer text", out)
    # varchar(max) travels as PLP chunks: length, the chunk, then the terminator.
    assert out.endswith(b"a much longer text" + b"\x00\x00\x00\x00")
