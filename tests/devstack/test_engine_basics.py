"""The engine's session basics: batches, variables, parameters, temp tables, transactions."""

from __future__ import annotations

import threading
import typing as t

import pytest

from devstack.sqldw_emulator.api import SQLError, SQLType
from tests.devstack.engine_support import (
    DATABASE,
    PASSWORD,
    USER,
    error_of,
    make_engine,
    param,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine import DuckDBEngine
    from devstack.sqldw_emulator.engine.session import DuckDBSession


@pytest.fixture
def engine() -> Iterator[DuckDBEngine]:
    engine = make_engine()
    yield engine
    engine.close()


@pytest.fixture
def session(engine: DuckDBEngine) -> Iterator[DuckDBSession]:
    session = engine.open_session(USER, DATABASE)
    yield session
    session.close()


def test_login_is_checked(engine: DuckDBEngine) -> None:
    assert engine.check_login(USER, PASSWORD)
    assert engine.check_login(USER.upper(), PASSWORD)
    assert not engine.check_login(USER, PASSWORD + "x")
    assert not engine.check_login("other", PASSWORD)


def test_unknown_database_is_4060(engine: DuckDBEngine) -> None:
    with pytest.raises(SQLError) as caught:
        engine.open_session(USER, "nope")
    assert caught.value.number == 4060


def test_batch_without_semicolons_yields_each_statement(session: DuckDBSession) -> None:
    out = results(session, "SELECT 1 AS a SELECT 'x' AS b; SELECT 2")
    assert [r.result_set.rows for r in out if r.result_set] == [[(1,)], [("x",)], [(2,)]]


def test_case_expressions_do_not_end_statements_or_blocks(session: DuckDBSession) -> None:
    out = results(
        session,
        "SELECT CASE WHEN 1 IS NULL THEN 0 ELSE 1 END AS a, "
        "CASE 2 WHEN 1 THEN 'x' ELSE CASE WHEN 1 = 1 THEN 'y' END END AS b SELECT 3",
    )
    assert [r.result_set.rows for r in out if r.result_set] == [[(1, "y")], [(3,)]]
    batch = (
        "IF 1 = 1 BEGIN SELECT CASE WHEN 1 = 2 THEN 'no' ELSE 'yes' END END "
        "ELSE SELECT 'else' SELECT 'after'"
    )
    out = results(session, batch)
    assert [r.result_set.rows for r in out if r.result_set] == [[("yes",)], [("after",)]]
    assert scalar(session, "IF 1 = 2 SELECT 1 ELSE SELECT CASE WHEN 1 = 1 THEN 2 END") == 2


def test_exec_sp_executesql_in_a_batch_binds_its_parameters(session: DuckDBSession) -> None:
    call = "EXEC sp_executesql N'SELECT @a + 1, @b', N'@a int, @b nvarchar(10)', "
    assert rows(session, call + "@a = 41, @b = N'x'") == [(42, "x")]
    assert rows(session, call + "@b = N'y', @a = 1") == [(2, "y")]
    assert rows(session, call + "7, N'z'") == [(8, "z")]
    assert rows(session, "EXEC sp_executesql N'SELECT 5'") == [(5,)]
    assert error_of(session, call + "@a = 1").number == 8178


def test_unnamed_column_has_empty_name(session: DuckDBSession) -> None:
    (result,) = results(session, "SELECT 1")
    assert result.result_set is not None
    assert result.result_set.columns[0].name == ""


def test_declare_set_select_variables(session: DuckDBSession) -> None:
    assert scalar(session, "DECLARE @n INT = 5 SET @n = @n + 1 SELECT @n AS n") == 6
    assert scalar(session, "DECLARE @s NVARCHAR(10); SET @s = N'ab' + N'cd'; SELECT @s") == "abcd"


def test_undeclared_variable_is_137(session: DuckDBSession) -> None:
    assert error_of(session, "SELECT @missing").number == 137


def test_parameters_are_bound_not_pasted(session: DuckDBSession) -> None:
    evil = "x'); DROP TABLE t; --"
    results(session, "CREATE TABLE t (v NVARCHAR(100)) WITH (HEAP)")
    results(session, "INSERT INTO t (v) VALUES (@P1)", [param("@P1", "nvarchar", evil, length=100)])
    assert rows(session, "SELECT v FROM t") == [(evil,)]


def test_parameter_type_is_reported_for_echo(session: DuckDBSession) -> None:
    (result,) = results(session, "SELECT @P1 AS p", [param("@P1", "int", 7)])
    assert result.result_set is not None
    assert result.result_set.columns[0].type == SQLType("int")
    assert result.result_set.rows == [(7,)]


def test_too_many_parameters_is_refused(session: DuckDBSession) -> None:
    params = [param(f"@P{i}", "int", i) for i in range(1, 2100)]
    assert error_of(session, "SELECT 1", params).number == 8003


def test_temp_tables_are_private_to_the_session(
    engine: DuckDBEngine, session: DuckDBSession
) -> None:
    results(session, "CREATE TABLE #stage (id INT) WITH (HEAP, DISTRIBUTION = ROUND_ROBIN)")
    results(session, "INSERT INTO #stage (id) SELECT 1")
    assert scalar(session, "SELECT COUNT(*) FROM #stage") == 1
    assert scalar(session, "SELECT OBJECT_ID('tempdb..#stage')") is not None
    other = engine.open_session(USER, DATABASE)
    try:
        assert error_of(other, "SELECT * FROM #stage").number == 208
    finally:
        other.close()
    results(session, "DROP TABLE #stage")
    assert scalar(session, "SELECT OBJECT_ID('tempdb..#stage')") is None


def test_commit_and_rollback(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE t (id INT NOT NULL) WITH (HEAP)")
    results(session, "BEGIN TRAN; INSERT INTO t (id) SELECT 1; COMMIT")
    results(session, "BEGIN TRANSACTION INSERT INTO t (id) SELECT 2 ROLLBACK")
    assert rows(session, "SELECT id FROM t") == [(1,)]
    session.begin_transaction()
    assert session.in_transaction
    assert scalar(session, "SELECT @@TRANCOUNT") == 1
    results(session, "INSERT INTO t (id) SELECT 3")
    session.rollback()
    assert not session.in_transaction
    assert rows(session, "SELECT id FROM t") == [(1,)]


def test_commit_without_transaction_is_3902(session: DuckDBSession) -> None:
    assert error_of(session, "COMMIT").number == 3902
    assert error_of(session, "ROLLBACK").number == 3903


def test_ddl_inside_a_transaction_is_111212(session: DuckDBSession) -> None:
    session.begin_transaction()
    error = error_of(session, "CREATE TABLE t (id INT) WITH (HEAP)")
    assert error.number == 111212
    assert error.message == "Operation cannot be performed within a transaction."
    session.rollback()
    results(session, "CREATE TABLE t (id INT) WITH (HEAP)")


def test_label_shows_in_exec_requests(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE t (id INT) WITH (HEAP)")
    results(session, "INSERT INTO t (id) SELECT 1 OPTION (LABEL = 'load:t:1')")
    found = rows(
        session,
        "SELECT label, status, command, row_count FROM sys.dm_pdw_exec_requests "
        "WHERE label = 'load:t:1'",
    )
    assert len(found) == 1
    label, status, command, row_count = found[0]
    assert (label, status, row_count) == ("load:t:1", "Completed", 1)
    assert command.startswith("INSERT INTO t")


def test_failed_statement_is_logged_with_its_error(session: DuckDBSession) -> None:
    error_of(session, "SELECT * FROM nowhere OPTION (LABEL = 'bad')")
    assert rows(
        session, "SELECT status, error_id FROM sys.dm_pdw_exec_requests WHERE label = 'bad'"
    ) == [("Failed", "208")]


def test_if_object_id_idiom(session: DuckDBSession) -> None:
    batch = (
        "IF OBJECT_ID(N'dbo.t', N'U') IS NOT NULL BEGIN DROP TABLE dbo.t; END "
        "CREATE TABLE dbo.t (id INT) WITH (HEAP)"
    )
    results(session, batch)
    results(session, batch)
    assert scalar(session, "SELECT COUNT(*) FROM sys.tables WHERE name = 't'") == 1


def test_if_not_exists_schema_idiom(session: DuckDBSession) -> None:
    batch = (
        "IF NOT EXISTS (SELECT 1 FROM sys.schemas WHERE name = N'stage') "
        "EXEC('CREATE SCHEMA [stage]')"
    )
    results(session, batch)
    results(session, batch)
    assert scalar(session, "SELECT COUNT(*) FROM sys.schemas WHERE name = 'stage'") == 1


def test_print_and_throw(session: DuckDBSession) -> None:
    (result,) = results(session, "PRINT 'hello'")
    assert result.messages == ["hello"]
    error = error_of(session, "THROW 50001, 'custom failure', 3")
    assert (error.number, error.message, error.state) == (50001, "custom failure", 3)


def test_select_assigns_variables(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE t (id INT, name NVARCHAR(10)) WITH (HEAP)")
    results(session, "INSERT INTO t (id, name) SELECT 1, N'a' UNION ALL SELECT 2, N'b'")
    batch = (
        "DECLARE @n INT, @m NVARCHAR(10); SELECT @n = MAX(id), @m = MIN(name) FROM t; SELECT @n, @m"
    )
    assert rows(session, batch) == [(2, "a")]
    assert scalar(session, "DECLARE @c INT = 7; SELECT @c = id FROM t WHERE id > 5; SELECT @c") == 7
    assert error_of(session, "DECLARE @c INT; SELECT @c = id, name FROM t").number == 141


def test_session_functions(session: DuckDBSession) -> None:
    assert rows(
        session,
        "SELECT SERVERPROPERTY('EngineEdition'), DB_NAME(), SCHEMA_NAME(), SUSER_SNAME(), @@SPID",
    ) == [(6, DATABASE, "dbo", USER, int(session.session_id[3:]))]
    assert "Azure SQL Data Warehouse" in scalar(session, "SELECT @@VERSION")


def test_concurrent_sessions(engine: DuckDBEngine) -> None:
    failures: list[BaseException] = []

    def work(number: int) -> None:
        session = engine.open_session(USER, DATABASE)
        try:
            results(session, f"CREATE TABLE dbo.c{number} (id INT, v NVARCHAR(10)) WITH (HEAP)")
            for i in range(30):
                results(
                    session,
                    f"INSERT INTO dbo.c{number} (id, v) VALUES (@P1, @P2)",
                    [param("@P1", "int", i), param("@P2", "nvarchar", f"v{i}", length=10)],
                )
            count = scalar(
                session,
                "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @P1",
                [param("@P1", "nvarchar", f"c{number}", length=128)],
            )
            assert count == 2
            assert scalar(session, f"SELECT COUNT(*) FROM dbo.c{number}") == 30
        except BaseException as exc:
            failures.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


def test_catalog_views_are_current_inside_a_transaction(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.early (id INT) WITH (HEAP)")
    session.begin_transaction()
    try:
        assert scalar(session, "SELECT COUNT(*) FROM sys.tables WHERE name = 'early'") == 1
    finally:
        session.rollback()


def test_interrupt_cancels_a_running_statement(session: DuckDBSession) -> None:
    timer = threading.Timer(0.3, session.interrupt)
    timer.start()
    try:
        error = error_of(session, "SELECT COUNT(*) FROM range(20000000000) AS r(i) WHERE i % 7 = 3")
    finally:
        timer.cancel()
    assert error.number == 3617
    assert scalar(session, "SELECT 1") == 1


def test_interrupt_between_statements_cancels_nothing_later(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.calm (id INT) WITH (HEAP)")
    assert (
        scalar(session, "SELECT COUNT(*) FROM dbo.calm WHERE id > @P1", [param("@P1", "int", 0)])
        == 0
    )
    session.interrupt()  # a late or stray ATTENTION: no statement is running
    session.interrupt()
    assert (
        scalar(session, "SELECT COUNT(*) FROM dbo.calm WHERE id > @P1", [param("@P1", "int", 1)])
        == 0
    )
    assert scalar(session, "SELECT 2") == 2
