"""Persistence: a file-backed warehouse keeps tables, rows and declared types across restarts."""

from __future__ import annotations

import typing as t

from tests.devstack.engine_support import DATABASE, USER, make_engine, results, rows

if t.TYPE_CHECKING:
    import pathlib


def test_data_and_catalog_survive_a_restart(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "dw.duckdb"
    engine = make_engine(data_file=path)
    session = engine.open_session(USER, DATABASE)
    results(
        session,
        "CREATE SCHEMA sales; CREATE TABLE sales.orders (id BIGINT NOT NULL, note NVARCHAR(12)) "
        "WITH (DISTRIBUTION = HASH(id), CLUSTERED COLUMNSTORE INDEX); "
        "INSERT INTO sales.orders (id, note) VALUES (1, N'kept');",
    )
    session.close()
    engine.close()

    again = make_engine(data_file=path)
    session = again.open_session(USER, DATABASE)
    try:
        assert rows(session, "SELECT id, note FROM sales.orders") == [(1, "kept")]
        assert rows(
            session,
            "SELECT DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
            "WHERE TABLE_NAME = 'orders' AND COLUMN_NAME = 'note'",
        ) == [("nvarchar", 12)]
        assert rows(
            session,
            "SELECT p.distribution_policy_desc FROM sys.pdw_table_distribution_properties p "
            "JOIN sys.tables t ON t.object_id = p.object_id WHERE t.name = 'orders'",
        ) == [("HASH",)]
        results(session, "INSERT INTO sales.orders (id, note) VALUES (2, N'later')")
        assert rows(session, "SELECT COUNT(*) FROM sales.orders") == [(2,)]
    finally:
        session.close()
        again.close()


def test_in_memory_by_default() -> None:
    engine = make_engine()
    session = engine.open_session(USER, DATABASE)
    results(session, "CREATE TABLE t (id INT) WITH (HEAP)")
    session.close()
    engine.close()
    fresh = make_engine()
    session = fresh.open_session(USER, DATABASE)
    try:
        assert rows(session, "SELECT OBJECT_ID('dbo.t')") == [(None,)]
    finally:
        session.close()
        fresh.close()
