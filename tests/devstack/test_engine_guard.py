"""The guard: every form a dedicated SQL pool refuses is refused, statement by statement."""

from __future__ import annotations

import typing as t

import pytest

from tests.devstack.engine_support import (
    engine_session,
    error_of,
    param,
    results,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

SETUP = """
CREATE TABLE dbo.hashed (id INT NOT NULL, name NVARCHAR(20)) WITH (DISTRIBUTION = HASH(id), HEAP);
CREATE TABLE dbo.rr (id INT NOT NULL, name NVARCHAR(20)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP);
CREATE TABLE dbo.ident (id INT IDENTITY(1,1) NOT NULL, name NVARCHAR(20))
    WITH (DISTRIBUTION = HASH(name), HEAP);
CREATE VIEW dbo.v AS SELECT id FROM dbo.hashed;
"""

REFUSED: list[tuple[str, str, int]] = [
    ("enforced primary key", "CREATE TABLE dbo.a (id INT PRIMARY KEY) WITH (HEAP)", 104467),
    (
        "primary key not nonclustered",
        "CREATE TABLE dbo.a (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY CLUSTERED (id) "
        "NOT ENFORCED) WITH (HEAP)",
        104467,
    ),
    ("enforced unique", "CREATE TABLE dbo.a (id INT UNIQUE) WITH (HEAP)", 104467),
    (
        "enforced table-level primary key",
        "CREATE TABLE dbo.a (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY NONCLUSTERED (id)) "
        "WITH (HEAP)",
        104467,
    ),
    ("foreign key", "CREATE TABLE dbo.a (id INT REFERENCES dbo.hashed (id)) WITH (HEAP)", 100086),
    (
        "table-level foreign key",
        "CREATE TABLE dbo.a (id INT, CONSTRAINT fk FOREIGN KEY (id) REFERENCES dbo.hashed (id)) "
        "WITH (HEAP)",
        100086,
    ),
    ("check constraint", "CREATE TABLE dbo.a (id INT CHECK (id > 0)) WITH (HEAP)", 100086),
    (
        "table-level check",
        "CREATE TABLE dbo.a (id INT, CONSTRAINT ck CHECK (id > 0)) WITH (HEAP)",
        100086,
    ),
    ("computed column", "CREATE TABLE dbo.a (id INT, twice AS id * 2) WITH (HEAP)", 100086),
    ("sparse column", "CREATE TABLE dbo.a (id INT SPARSE NULL) WITH (HEAP)", 100086),
    ("user-defined type", "CREATE TABLE dbo.a (id dbo.MyType) WITH (HEAP)", 100086),
    ("create type", "CREATE TYPE dbo.MyType FROM INT", 100086),
    ("sequence", "CREATE SEQUENCE dbo.seq START WITH 1", 100086),
    ("trigger", "CREATE TRIGGER trg ON dbo.hashed AFTER INSERT AS SELECT 1", 100086),
    ("synonym", "CREATE SYNONYM dbo.syn FOR dbo.hashed", 100086),
    ("indexed view", "CREATE UNIQUE CLUSTERED INDEX ix ON dbo.v (id)", 100086),
    ("drop table if exists", "DROP TABLE IF EXISTS dbo.hashed", 103010),
    ("create table if not exists", "CREATE TABLE IF NOT EXISTS dbo.a (id INT)", 103010),
    (
        "multi-row insert values",
        "INSERT INTO dbo.rr (id, name) VALUES (1, N'a'), (2, N'b')",
        103010,
    ),
    (
        "openrowset",
        "SELECT * FROM OPENROWSET(BULK 'https://x.blob.core.windows.net/c/f.csv', "
        "FORMAT = 'CSV') AS r",
        100086,
    ),
    (
        "ansi join in update from",
        "UPDATE t SET name = s.name FROM dbo.hashed AS t INNER JOIN dbo.rr AS s ON t.id = s.id",
        104058,
    ),
    (
        "ansi join in delete from",
        "DELETE t FROM dbo.hashed AS t JOIN dbo.rr AS s ON t.id = s.id",
        104058,
    ),
    (
        "nvarchar(max) in clustered columnstore",
        "CREATE TABLE dbo.a (doc NVARCHAR(MAX)) WITH (CLUSTERED COLUMNSTORE INDEX)",
        35343,
    ),
    ("varchar(max) in default index", "CREATE TABLE dbo.a (doc VARCHAR(MAX))", 35343),
    (
        "varbinary(max) in clustered columnstore",
        "CREATE TABLE dbo.a (doc VARBINARY(MAX)) WITH (DISTRIBUTION = ROUND_ROBIN)",
        35343,
    ),
    (
        "ctas without distribution",
        "CREATE TABLE dbo.a WITH (HEAP) AS SELECT id FROM dbo.hashed",
        100089,
    ),
    (
        "merge insert into a round-robin table",
        "MERGE INTO dbo.rr AS t USING dbo.hashed AS s ON t.id = s.id "
        "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name);",
        100088,
    ),
    (
        "merge insert into an identity table",
        "MERGE INTO dbo.ident AS t USING dbo.hashed AS s ON t.name = s.name "
        "WHEN NOT MATCHED BY TARGET THEN INSERT (name) VALUES (s.name);",
        8102,
    ),
    ("text type", "CREATE TABLE dbo.a (t TEXT) WITH (HEAP)", 100086),
    ("ntext type", "CREATE TABLE dbo.a (t NTEXT) WITH (HEAP)", 100086),
    ("image type", "CREATE TABLE dbo.a (t IMAGE) WITH (HEAP)", 100086),
    ("xml type", "CREATE TABLE dbo.a (t XML) WITH (HEAP)", 100086),
    ("sql_variant type", "CREATE TABLE dbo.a (t SQL_VARIANT) WITH (HEAP)", 100086),
    ("geography type", "CREATE TABLE dbo.a (t GEOGRAPHY) WITH (HEAP)", 100086),
    ("rowversion type", "CREATE TABLE dbo.a (t ROWVERSION) WITH (HEAP)", 100086),
    ("unknown type", "CREATE TABLE dbo.a (t NOSUCHTYPE) WITH (HEAP)", 2715),
    (
        "more than 1024 columns",
        "CREATE TABLE dbo.a (" + ", ".join(f"c{i} INT" for i in range(1025)) + ") WITH (HEAP)",
        1702,
    ),
    ("identifier over 128 characters", f"CREATE TABLE dbo.[{'x' * 129}] (id INT) WITH (HEAP)", 103),
    ("column name over 128 characters", f"SELECT 1 AS [{'y' * 129}]", 103),
    ("table variable", "DECLARE @t TABLE (id INT)", 100086),
    (
        "merge without its semicolon",
        "MERGE INTO dbo.hashed AS t USING dbo.rr AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET t.name = s.name",
        10713,
    ),
    ("nvarchar over 4000", "CREATE TABLE dbo.a (t NVARCHAR(4001)) WITH (HEAP)", 2716),
    ("sp_rename of a table", "EXEC sp_rename 'dbo.hashed', 'other'", 100086),
]


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session(SETUP) as session:
        yield session


@pytest.mark.parametrize(
    ("sql", "number"), [(sql, number) for _name, sql, number in REFUSED],
    ids=[name for name, _sql, _number in REFUSED],
)  # fmt: skip
def test_refused_with_its_error_number(session: DuckDBSession, sql: str, number: int) -> None:
    assert error_of(session, sql).number == number


def test_refused_ddl_leaves_no_table(session: DuckDBSession) -> None:
    error_of(session, "CREATE TABLE dbo.a (id INT PRIMARY KEY) WITH (HEAP)")
    assert results(session, "SELECT OBJECT_ID('dbo.a')")[0].result_set.rows == [(None,)]  # type: ignore[union-attr]


ACCEPTED = [
    "CREATE TABLE dbo.a (id INT NOT NULL PRIMARY KEY NONCLUSTERED NOT ENFORCED) WITH (HEAP)",
    "CREATE TABLE dbo.a (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY NONCLUSTERED (id) NOT ENFORCED)"
    " WITH (DISTRIBUTION = HASH(id), CLUSTERED COLUMNSTORE INDEX)",
    "CREATE TABLE dbo.a (id INT NOT NULL UNIQUE NOT ENFORCED) WITH (CLUSTERED INDEX (id))",
    "CREATE TABLE dbo.a (doc NVARCHAR(MAX)) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
    "CREATE TABLE dbo.a (doc NVARCHAR(MAX), id INT) WITH (DISTRIBUTION = REPLICATE, "
    "CLUSTERED INDEX (id))",
    "CREATE TABLE dbo.a WITH (DISTRIBUTION = HASH(id), CLUSTERED COLUMNSTORE INDEX) AS "
    "SELECT id, name FROM dbo.hashed",
    "CREATE TABLE dbo.a (c1 INT, c2 INT) WITH (CLUSTERED COLUMNSTORE INDEX ORDER (c1))",
    "MERGE INTO dbo.hashed AS t USING dbo.rr AS s ON t.id = s.id WHEN MATCHED THEN "
    "UPDATE SET t.name = s.name WHEN NOT MATCHED BY TARGET THEN INSERT (id, name) "
    "VALUES (s.id, s.name);",
    "MERGE INTO dbo.rr AS t USING dbo.hashed AS s ON t.id = s.id WHEN MATCHED THEN DELETE;",
    "UPDATE dbo.hashed SET name = s.name FROM dbo.rr AS s WHERE dbo.hashed.id = s.id",
    "UPDATE t SET name = s.name FROM dbo.hashed AS t, dbo.rr AS s WHERE t.id = s.id",
    "DELETE FROM dbo.hashed WHERE EXISTS (SELECT 1 FROM dbo.rr s WHERE s.id = dbo.hashed.id)",
    "INSERT INTO dbo.rr (id, name) VALUES (1, N'single row')",
    "INSERT INTO dbo.rr (id, name) SELECT 1, N'a' UNION ALL SELECT 2, N'b'",
    "IF OBJECT_ID('dbo.hashed') IS NOT NULL DROP TABLE dbo.hashed",
    "RENAME OBJECT dbo.rr TO rr2",
    "RENAME OBJECT::[dbo].[rr] TO [rr3]",
    "TRUNCATE TABLE dbo.rr",
    "CREATE STATISTICS st ON dbo.rr (id)",
    "ALTER INDEX ALL ON dbo.rr REBUILD",
]


@pytest.mark.parametrize("sql", ACCEPTED)
def test_accepted(session: DuckDBSession, sql: str) -> None:
    results(session, sql)


def test_2098_parameters_are_accepted(session: DuckDBSession) -> None:
    params = [param(f"@P{i}", "int", i) for i in range(1, 2099)]
    assert results(session, "SELECT @P2098", params)[0].result_set.rows == [(2098,)]  # type: ignore[union-attr]
