"""Fault injection: transient errors, deadlocks and dropped connections on request."""

from __future__ import annotations

import typing as t

import pytest

from devstack.sqldw_emulator.api import ConnectionDropped, SQLError
from devstack.sqldw_emulator.engine import FaultSettings
from tests.devstack.engine_support import (
    DATABASE,
    PASSWORD,
    USER,
    error_of,
    make_engine,
    results,
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


def test_next_statements_fail_with_transient_errors(session: DuckDBSession) -> None:
    (result,) = results(session, "EXEC devstack_inject_fault @kind = 'transient', @count = 3")
    assert result.messages
    numbers = [error_of(session, "SELECT 1").number for _ in range(3)]
    assert numbers == [40613, 40501, 42109]
    assert scalar(session, "SELECT 1") == 1


def test_a_failed_statement_stops_the_batch(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE t (id INT) WITH (HEAP)")
    results(session, "EXEC devstack_inject_fault @kind = '40501', @count = 1")
    assert error_of(session, "INSERT INTO t (id) SELECT 1; INSERT INTO t (id) SELECT 2").number == (
        40501
    )
    assert scalar(session, "SELECT COUNT(*) FROM t") == 0


def test_deadlock_is_1205(session: DuckDBSession) -> None:
    results(session, "EXEC devstack_inject_fault @kind = 'deadlock', @count = 1")
    error = error_of(session, "SELECT 1")
    assert (error.number, error.severity) == (1205, 13)


def test_dropped_connection(session: DuckDBSession) -> None:
    results(session, "EXECUTE devstack_inject_fault @kind = 'drop', @count = 1")
    with pytest.raises(ConnectionDropped):
        results(session, "SELECT 1")


def test_faults_apply_to_every_session(engine: DuckDBEngine, session: DuckDBSession) -> None:
    results(session, "EXEC devstack_inject_fault @kind = '42109', @count = 1")
    other = engine.open_session(USER, DATABASE)
    try:
        assert error_of(other, "SELECT 1").number == 42109
    finally:
        other.close()


def test_rate_is_reproducible_with_a_seed(session: DuckDBSession) -> None:
    results(session, "EXEC devstack_inject_fault @kind = 'transient', @rate = 0.5, @seed = 11")

    def outcomes() -> list[bool]:
        seen = []
        for _ in range(40):
            try:
                results(session, "SELECT 1")
                seen.append(True)
            except SQLError:
                seen.append(False)
        return seen

    first = outcomes()
    results(session, "EXEC devstack_inject_fault @kind = 'transient', @rate = 0.5, @seed = 11")
    assert outcomes() == first
    assert 5 < first.count(False) < 35
    results(session, "EXEC devstack_inject_fault @kind = 'off'")
    assert all(outcomes())


def test_faults_from_config() -> None:
    engine = make_engine(faults=FaultSettings(kind="deadlock", count=1))
    session = engine.open_session(USER, DATABASE)
    try:
        assert error_of(session, "SELECT 1").number == 1205
        assert scalar(session, "SELECT 1") == 1
    finally:
        session.close()
        engine.close()


def test_invalid_settings_are_refused(session: DuckDBSession) -> None:
    assert error_of(session, "EXEC devstack_inject_fault @kind = 'meteor'").number == 50000
    assert error_of(
        session, "EXEC devstack_inject_fault @kind = 'transient', @rate = 2"
    ).number == (50000)


def test_cli_fault_options_reach_the_engine() -> None:
    from click.testing import CliRunner

    from devstack.sqldw_emulator import cli
    from devstack.sqldw_emulator.engine.faults import KINDS

    assert set(cli.FAULT_KINDS) == set(KINDS)
    engine = cli.build_engine(
        user=USER,
        password=PASSWORD,
        database=DATABASE,
        azurite_blob_endpoint=None,
        azurite_account="devstoreaccount1",
        azurite_key=None,
        data_file=None,
        faults={"kind": "deadlock", "count": 1, "rate": 0.0, "seed": None},
    )
    session = engine.open_session(USER, DATABASE)
    try:
        with pytest.raises(SQLError) as caught:
            results(session, "SELECT 1")
        assert caught.value.number == 1205
        assert results(session, "SELECT 1")[0].result_set is not None
    finally:
        session.close()
        engine.close()
    runner = CliRunner()
    refused = runner.invoke(
        cli.sqldw_emulator_command, ["--password", "x", "--port", "0", "--fault-rate", "0.5"]
    )
    assert refused.exit_code == 2
    assert "--fault-kind" in refused.output
    out_of_range = runner.invoke(
        cli.sqldw_emulator_command,
        ["--password", "x", "--fault-kind", "transient", "--fault-rate", "2"],
    )
    assert out_of_range.exit_code == 2
