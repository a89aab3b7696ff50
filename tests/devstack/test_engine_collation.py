"""COLLATE, NCHAR() and spaced datetimeoffset literals: T-SQL the target's loads use."""

from __future__ import annotations

import datetime
import typing as t

import pytest

from tests.devstack.engine_support import DATABASE, USER, error_of, make_engine, results, rows

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    engine = make_engine()
    session = engine.open_session(USER, DATABASE)
    yield session
    session.close()
    engine.close()


def test_replace_chain_under_a_binary_collation_decodes_exactly(session: DuckDBSession) -> None:
    results(
        session,
        "CREATE TABLE dbo.s (v nvarchar(40) COLLATE Latin1_General_100_BIN2) "
        "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
    )
    results(session, r"INSERT INTO dbo.s (v) VALUES (N'a\nB\0c\bN')")
    decoded = (
        "REPLACE(REPLACE(REPLACE(v COLLATE Latin1_General_100_BIN2, N'\\n', CHAR(10)), "
        "N'\\0', NCHAR(0)), N'\\b', N'\\')"
    )
    results(
        session,
        "CREATE TABLE dbo.t WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        f"SELECT CAST({decoded} AS nvarchar(40)) COLLATE DATABASE_DEFAULT AS v FROM dbo.s",
    )
    assert rows(session, "SELECT v FROM dbo.t") == [("a\nB\x00c\\N",)]
    # Binary: case matters.
    assert rows(session, "SELECT REPLACE(N'aA' COLLATE Latin1_General_BIN, N'a', N'x')") == [
        ("xA",)
    ]


@pytest.mark.parametrize(
    "name", ["SQL_Latin1_General_CP1_CI_AS", "Latin1_General_100_CI_AS_SC_UTF8", "Japanese_BIN"]
)
def test_valid_collation_names_are_accepted(session: DuckDBSession, name: str) -> None:
    assert rows(session, f"SELECT N'x' COLLATE {name} AS v") == [("x",)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT N'x' COLLATE Klingon_BIN2",
        "SELECT N'x' COLLATE nope",
        "CREATE TABLE dbo.bad (v nvarchar(4) COLLATE Latin1_General) WITH (HEAP)",
    ],
)
def test_unknown_collation_is_error_448(session: DuckDBSession, sql: str) -> None:
    assert error_of(session, sql).number == 448


def test_nchar_function(session: DuckDBSession) -> None:
    assert rows(session, "SELECT NCHAR(233), NCHAR(0)") == [("é", "\x00")]


def test_datetimeoffset_text_with_a_space_before_the_offset(session: DuckDBSession) -> None:
    expected = datetime.datetime(2024, 1, 1, 8, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    value = rows(session, "SELECT CAST('2024-01-01 10:00:00.123456 +02:00' AS datetimeoffset)")
    assert value[0][0] == expected
    results(session, "CREATE TABLE dbo.d (a nvarchar(40)) WITH (HEAP)")
    results(session, "INSERT INTO dbo.d (a) VALUES ('2024-01-01 10:00:00.123456 +02:00')")
    assert rows(session, "SELECT CAST(a AS datetimeoffset) FROM dbo.d")[0][0] == expected
