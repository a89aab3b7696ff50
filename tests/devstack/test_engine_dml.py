"""DDL and DML in the dialect: ALTER, RENAME, CTAS, views, MERGE, implicit-join UPDATE/DELETE."""

from __future__ import annotations

import datetime
import typing as t

import pytest

from devstack.sqldw_emulator.api import SQLType
from tests.devstack.engine_support import (
    engine_session,
    error_of,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

SETUP = """
CREATE TABLE dbo.target (id INT NOT NULL, name NVARCHAR(20), seq BIGINT)
    WITH (DISTRIBUTION = HASH(id), CLUSTERED COLUMNSTORE INDEX);
CREATE TABLE dbo.stage (id INT NOT NULL, name NVARCHAR(20), seq BIGINT)
    WITH (DISTRIBUTION = ROUND_ROBIN, HEAP);
INSERT INTO dbo.target (id, name, seq) SELECT 1, N'one', 1 UNION ALL SELECT 2, N'two', 1;
INSERT INTO dbo.stage (id, name, seq)
    SELECT 1, N'uno', 2 UNION ALL SELECT 3, N'tres', 1 UNION ALL SELECT 3, N'drei', 2;
"""


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session(SETUP) as session:
        yield session


def test_upsert_by_delete_then_insert_of_deduplicated_stage(session: DuckDBSession) -> None:
    (deleted,) = results(
        session,
        "DELETE FROM dbo.target WHERE EXISTS "
        "(SELECT 1 FROM dbo.stage s WHERE s.id = dbo.target.id)",
    )
    assert deleted.rowcount == 1
    (inserted,) = results(
        session,
        "INSERT INTO dbo.target (id, name, seq) SELECT id, name, seq FROM (SELECT id, name, seq, "
        "ROW_NUMBER() OVER (PARTITION BY id ORDER BY seq DESC) AS rn FROM dbo.stage) AS d "
        "WHERE rn = 1",
    )
    assert inserted.rowcount == 2
    assert rows(session, "SELECT id, name FROM dbo.target ORDER BY id") == [
        (1, "uno"), (2, "two"), (3, "drei"),
    ]  # fmt: skip


def test_update_from_with_implicit_join(session: DuckDBSession) -> None:
    (result,) = results(
        session,
        "UPDATE t SET name = s.name, seq = s.seq FROM dbo.target AS t, dbo.stage AS s "
        "WHERE t.id = s.id",
    )
    assert result.rowcount == 1
    assert rows(session, "SELECT name, seq FROM dbo.target WHERE id = 1") == [("uno", 2)]


def test_merge_into_hash_table(session: DuckDBSession) -> None:
    (result,) = results(
        session,
        "MERGE INTO dbo.target AS t USING (SELECT id, name, seq FROM dbo.stage WHERE seq = 2) AS s"
        " ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.name = s.name "
        "WHEN NOT MATCHED BY TARGET THEN INSERT (id, name, seq) VALUES (s.id, s.name, s.seq);",
    )
    assert result.rowcount == 2
    assert rows(session, "SELECT id, name FROM dbo.target ORDER BY id") == [
        (1, "uno"), (2, "two"), (3, "drei"),
    ]  # fmt: skip


def test_ctas_keeps_declared_types_and_distribution(session: DuckDBSession) -> None:
    (result,) = results(
        session,
        "CREATE TABLE dbo.copy WITH (DISTRIBUTION = HASH(id), HEAP) AS "
        "SELECT id, name, CAST(seq AS DECIMAL(20, 2)) AS amount FROM dbo.target",
    )
    assert result.rowcount == 2
    assert rows(
        session,
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'copy' "
        "ORDER BY ORDINAL_POSITION",
    ) == [
        ("id", "int", None, 10, 0), ("name", "nvarchar", 20, None, None),
        ("amount", "decimal", None, 20, 2),
    ]  # fmt: skip
    assert (
        scalar(
            session,
            "SELECT p.distribution_policy_desc FROM sys.pdw_table_distribution_properties p "
            "JOIN sys.tables t ON t.object_id = p.object_id WHERE t.name = 'copy'",
        )
        == "HASH"
    )


def test_ctas_into_a_temp_table_needs_no_distribution(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE #ids WITH (HEAP) AS SELECT id FROM dbo.target")
    assert scalar(session, "SELECT COUNT(*) FROM #ids") == 2


def test_alter_table_add_widen_and_drop(session: DuckDBSession) -> None:
    results(session, "ALTER TABLE dbo.target ADD note NVARCHAR(5) NULL, flag BIT NULL")
    results(session, "UPDATE dbo.target SET note = N'12345'")
    assert error_of(session, "UPDATE dbo.target SET note = N'123456'").number == 8152
    results(session, "ALTER TABLE dbo.target ALTER COLUMN note NVARCHAR(10)")
    results(session, "UPDATE dbo.target SET note = N'123456'")
    assert error_of(session, "ALTER TABLE dbo.target ALTER COLUMN note NVARCHAR(3)").number == 8152
    results(session, "ALTER TABLE dbo.target DROP COLUMN flag")
    assert rows(
        session,
        "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = 'target' ORDER BY ORDINAL_POSITION",
    ) == [("id", None), ("name", 20), ("seq", None), ("note", 10)]
    assert scalar(session, "SELECT COUNT(*) FROM dbo.target WHERE note = N'123456'") == 2


def test_alter_refusals(session: DuckDBSession) -> None:
    assert error_of(session, "ALTER TABLE dbo.target ADD must INT NOT NULL").number == 4901
    assert error_of(session, "ALTER TABLE dbo.target ALTER COLUMN id BIGINT").number == 100086
    assert error_of(session, "ALTER TABLE dbo.target ADD doc NVARCHAR(MAX)").number == 35343


def test_rename_object_swaps_tables(session: DuckDBSession) -> None:
    results(
        session,
        "RENAME OBJECT dbo.target TO target_old; RENAME OBJECT dbo.stage TO target; "
        "DROP TABLE dbo.target_old",
    )
    assert scalar(session, "SELECT COUNT(*) FROM dbo.target") == 3
    assert scalar(session, "SELECT OBJECT_ID('dbo.stage')") is None
    assert error_of(session, "RENAME OBJECT dbo.nothing TO x").number == 15225


def test_truncate_and_missing_objects(session: DuckDBSession) -> None:
    results(session, "TRUNCATE TABLE dbo.stage")
    assert scalar(session, "SELECT COUNT(*) FROM dbo.stage") == 0
    assert error_of(session, "SELECT * FROM dbo.nothing").number == 208
    assert error_of(session, "DROP TABLE dbo.nothing").number == 3701
    assert error_of(session, "CREATE TABLE dbo.stage (id INT) WITH (HEAP)").number == 2714
    assert error_of(session, "CREATE TABLE nope.t (id INT) WITH (HEAP)").number == 2760
    assert error_of(session, "SELECT missing_column FROM dbo.stage").number == 207


def test_views_report_types(session: DuckDBSession) -> None:
    results(session, "CREATE VIEW dbo.latest AS SELECT id, name FROM dbo.target")
    (result,) = results(session, "SELECT * FROM dbo.latest")
    assert result.result_set is not None
    assert [c.type for c in result.result_set.columns] == [SQLType("int"), SQLType("nvarchar", 20)]
    assert scalar(session, "SELECT TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = "
                           "'latest'") == "VIEW"  # fmt: skip


def test_functions(session: DuckDBSession) -> None:
    (name, length, concat, plus, day, diff, null_) = rows(
        session,
        "SELECT ISNULL(NULL, N'x'), LEN(N'abc'), CONCAT(N'a', 1, NULL), N'a' + N'b', "
        "DATEADD(day, 1, CAST('2024-02-28' AS DATE)), DATEDIFF(day, '2024-01-01', '2024-03-01'), "
        "N'a' + NULL",
    )[0]
    assert (name, length, concat, plus, null_) == ("x", 3, "a1", "ab", None)
    assert day == datetime.datetime(2024, 2, 29)
    assert diff == 60
    now = scalar(session, "SELECT SYSUTCDATETIME()")
    assert abs(now - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)) < (
        datetime.timedelta(minutes=1)
    )
    assert scalar(session, "SELECT TOP 1 id FROM dbo.target ORDER BY id DESC") == 2
    assert scalar(session, "SELECT CONVERT(NVARCHAR(10), CAST('2024-05-06' AS DATE), 23)") == (
        "2024-05-06"
    )


def test_integer_functions_report_int(session: DuckDBSession) -> None:
    (result,) = results(
        session,
        "SELECT COUNT(*), LEN(N'abc'), OBJECT_ID('dbo.nothing'), "
        "DATEDIFF(day, '2024-01-01', '2024-01-03') FROM dbo.target",
    )
    assert result.result_set is not None
    assert [c.type for c in result.result_set.columns] == [SQLType("int")] * 4
    assert result.result_set.rows == [(2, 3, None, 2)]


def test_identity_columns_fill_themselves(session: DuckDBSession) -> None:
    results(
        session, "CREATE TABLE dbo.i (id BIGINT IDENTITY(1,1) NOT NULL, v NVARCHAR(10)) WITH (HEAP)"
    )
    results(
        session,
        "INSERT INTO dbo.i VALUES (N'a'); INSERT INTO dbo.i SELECT N'b'; "
        "INSERT INTO dbo.i (v) VALUES (N'c')",
    )
    assert rows(session, "SELECT id, v FROM dbo.i ORDER BY id") == [(1, "a"), (2, "b"), (3, "c")]
    identity = (
        "SELECT is_identity FROM sys.columns WHERE object_id = OBJECT_ID('dbo.i') AND name = 'id'"
    )
    assert scalar(session, identity) is True
