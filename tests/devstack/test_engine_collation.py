"""COLLATE, NCHAR() and spaced datetimeoffset literals: T-SQL the target's loads use."""

from __future__ import annotations

import datetime
import typing as t

import pytest

from tests.devstack.engine_support import (
    engine_session,
    error_of,
    results,
    rows,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session() as session:
        yield session


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


CI_TABLE = (
    "CREATE TABLE dbo.ci (id int NOT NULL, v nvarchar(20), b nvarchar(20) "
    "COLLATE Latin1_General_100_BIN2, a nvarchar(20) COLLATE Latin1_General_100_CI_AI) "
    "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
)


@pytest.fixture
def ci(session: DuckDBSession) -> DuckDBSession:
    results(session, CI_TABLE)
    for number, text in enumerate(["abc", "ABC", "Abd", "été"], start=1):
        results(
            session,
            f"INSERT INTO dbo.ci (id, v, b, a) VALUES ({number}, N'{text}', N'{text}', N'{text}')",
        )
    return session


def test_database_default_compares_case_insensitively(ci: DuckDBSession) -> None:
    assert rows(ci, "SELECT id FROM dbo.ci WHERE v = N'aBc' ORDER BY id") == [(1,), (2,)]
    assert rows(ci, "SELECT id FROM dbo.ci WHERE v IN (N'ABD') ORDER BY id") == [(3,)]
    assert rows(ci, "SELECT id FROM dbo.ci WHERE v LIKE N'ab%' ORDER BY id") == [(1,), (2,), (3,)]
    assert rows(ci, "SELECT COUNT(DISTINCT v) FROM dbo.ci") == [(3,)]
    assert rows(ci, "SELECT COUNT(*) FROM (SELECT v FROM dbo.ci GROUP BY v) AS g") == [(3,)]
    # Accent-sensitive: é is not e.
    assert rows(ci, "SELECT COUNT(*) FROM dbo.ci WHERE v = N'ete'") == [(0,)]


def test_database_default_orders_and_joins_case_insensitively(ci: DuckDBSession) -> None:
    ordered = [row[0].lower() for row in rows(ci, "SELECT v FROM dbo.ci ORDER BY v, id")]
    assert ordered == ["abc", "abc", "abd", "été"]
    joined = rows(
        ci,
        "SELECT COUNT(*) FROM dbo.ci AS x, dbo.ci AS y WHERE x.v = y.v",
    )
    assert joined == [(2 * 2 + 1 + 1,)]
    ranked = rows(
        ci,
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY v ORDER BY id) FROM dbo.ci ORDER BY id",
    )
    assert ranked == [(1, 1), (2, 2), (3, 1), (4, 1)]


def test_binary_column_and_binary_collate_stay_case_sensitive(ci: DuckDBSession) -> None:
    assert rows(ci, "SELECT id FROM dbo.ci WHERE b = N'abc'") == [(1,)]
    assert rows(ci, "SELECT COUNT(DISTINCT b) FROM dbo.ci") == [(4,)]
    assert rows(ci, "SELECT id FROM dbo.ci WHERE v COLLATE Latin1_General_100_BIN2 = N'ABC'") == [
        (2,)
    ]
    # A binary column compared under the database collation becomes case-insensitive.
    assert rows(
        ci, "SELECT id FROM dbo.ci WHERE b COLLATE DATABASE_DEFAULT = N'abc' ORDER BY id"
    ) == [(1,), (2,)]


def test_accent_insensitive_column(ci: DuckDBSession) -> None:
    assert rows(ci, "SELECT id FROM dbo.ci WHERE a = N'ETE'") == [(4,)]


def test_ctas_keeps_collations_and_merge_keys_match_case_insensitively(
    ci: DuckDBSession,
) -> None:
    results(
        ci,
        "CREATE TABLE dbo.copy WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        "SELECT id, v, b, v COLLATE Latin1_General_100_BIN2 AS vb FROM dbo.ci",
    )
    assert rows(ci, "SELECT COUNT(*) FROM dbo.copy WHERE v = N'ABC'") == [(2,)]
    assert rows(ci, "SELECT COUNT(*) FROM dbo.copy WHERE b = N'ABC'") == [(1,)]
    assert rows(ci, "SELECT COUNT(*) FROM dbo.copy WHERE vb = N'ABC'") == [(1,)]
    # The target's keyed merge: DELETE ... WHERE EXISTS matches keys under the collation.
    results(ci, "CREATE TABLE dbo.k (v nvarchar(20)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")
    results(ci, "INSERT INTO dbo.k (v) VALUES (N'ABD')")
    results(
        ci,
        "DELETE FROM dbo.copy WHERE EXISTS (SELECT 1 FROM dbo.k AS s WHERE s.v = dbo.copy.v)",
    )
    assert rows(ci, "SELECT id FROM dbo.copy ORDER BY id") == [(1,), (2,), (4,)]


def test_ctas_of_a_star_keeps_each_source_column_collation(ci: DuckDBSession) -> None:
    # ``*`` and ``t.*`` stand for the source columns, collations included, as on a pool.
    results(
        ci,
        "CREATE TABLE dbo.star WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS SELECT * FROM dbo.ci",
    )
    results(
        ci,
        "CREATE TABLE dbo.star2 WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        "SELECT c.*, 1 AS one FROM dbo.ci AS c",
    )
    for table in ("star", "star2"):
        assert rows(ci, f"SELECT COUNT(*) FROM dbo.{table} WHERE b = N'ABC'") == [(1,)]
        assert rows(ci, f"SELECT COUNT(*) FROM dbo.{table} WHERE v = N'ABC'") == [(2,)]
        found = dict(
            rows(
                ci,
                "SELECT c.name, c.collation_name FROM sys.columns c JOIN sys.tables t "
                f"ON c.object_id = t.object_id WHERE t.name = '{table}' AND c.name = 'b'",
            )
        )
        assert found == {"b": "Latin1_General_100_BIN2"}


def test_sys_columns_report_declared_collations(ci: DuckDBSession) -> None:
    found = dict(
        rows(
            ci,
            "SELECT c.name, c.collation_name FROM sys.columns c JOIN sys.tables t "
            "ON c.object_id = t.object_id WHERE t.name = 'ci'",
        )
    )
    assert found == {
        "id": None,
        "v": "SQL_Latin1_General_CP1_CI_AS",
        "b": "Latin1_General_100_BIN2",
        "a": "Latin1_General_100_CI_AI",
    }


def test_partition_by_under_a_binary_collation_and_datalength(ci: DuckDBSession) -> None:
    # The target's dedupe partitions character keys by ``k COLLATE <BIN2>, DATALENGTH(k)``.
    ranked = rows(
        ci,
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY v COLLATE Latin1_General_100_BIN2, "
        "DATALENGTH(v) ORDER BY id) FROM dbo.ci ORDER BY id",
    )
    assert ranked == [(1, 1), (2, 1), (3, 1), (4, 1)]
    # nvarchar: two bytes a UTF-16 unit, four for a character beyond the BMP; no padding.
    results(ci, "CREATE TABLE dbo.n (v nvarchar(20), w varchar(20)) "
                "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")  # fmt: skip
    results(ci, "INSERT INTO dbo.n (v, w) VALUES (N'a \U0001f600 ', 'ab ')")
    lengths = rows(
        ci,
        "SELECT DATALENGTH(x.v), DATALENGTH(x.w) FROM dbo.n AS x "
        "WHERE EXISTS (SELECT 1 FROM dbo.n AS y WHERE DATALENGTH(y.v) = DATALENGTH(x.v))",
    )
    assert lengths == [(2 * 5, 3)]


def test_collated_column_comparisons_ignore_trailing_spaces(ci: DuckDBSession) -> None:
    # T-SQL pads the shorter side before comparing, under every collation: 'x' = 'x '. The
    # target's exact key match therefore adds DATALENGTH to its binary-collated comparison.
    results(
        ci, "CREATE TABLE dbo.k (id int, v nvarchar(20)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
    )
    results(ci, "INSERT INTO dbo.k (id, v) VALUES (1, N'x')")
    results(ci, "INSERT INTO dbo.k (id, v) VALUES (2, N'x ')")
    results(ci, "INSERT INTO dbo.k (id, v) VALUES (3, N'X')")
    binary = "Latin1_General_100_BIN2"
    padded = rows(
        ci,
        f"SELECT x.id, y.id FROM dbo.k AS x, dbo.k AS y "
        f"WHERE x.v COLLATE {binary} = y.v COLLATE {binary} AND x.id < y.id",
    )
    assert padded == [(1, 2)]
    exact = rows(
        ci,
        f"SELECT x.id, y.id FROM dbo.k AS x, dbo.k AS y "
        f"WHERE x.v COLLATE {binary} = y.v COLLATE {binary} "
        "AND DATALENGTH(x.v) = DATALENGTH(y.v) AND x.id < y.id",
    )
    assert exact == []
