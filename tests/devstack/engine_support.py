"""Helpers for the SQL engine's tests: an engine per test, statement runners, Azurite."""

from __future__ import annotations

import contextlib
import os
import pathlib
import socket
import subprocess
import time
import typing as t

from devstack.sqldw_emulator.api import Parameter, SQLError, SQLType, StatementResult
from devstack.sqldw_emulator.engine import DuckDBEngine, EngineConfig

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from devstack.sqldw_emulator.engine.session import DuckDBSession

USER = "loader"
PASSWORD = "Str0ng!pass"
DATABASE = "dw"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
REPO = pathlib.Path(__file__).resolve().parents[2]
AZURITE_BIN = REPO / "devstack" / "node_modules" / ".bin" / "azurite-blob"


def make_engine(**overrides: t.Any) -> DuckDBEngine:
    """An in-memory engine with the test login."""
    values: dict[str, t.Any] = {"login": USER, "password": PASSWORD, "database": DATABASE}
    values.update(overrides)
    return DuckDBEngine(EngineConfig(**values))


def results(
    session: DuckDBSession, sql: str, params: Sequence[Parameter] = ()
) -> list[StatementResult]:
    """Every statement result of a batch."""
    return list(session.execute(sql, params))


def rows(
    session: DuckDBSession, sql: str, params: Sequence[Parameter] = ()
) -> list[tuple[t.Any, ...]]:
    """The rows of the batch's last result set."""
    last = [result for result in results(session, sql, params) if result.result_set is not None]
    assert last, f"no result set from {sql!r}"
    result_set = last[-1].result_set
    assert result_set is not None
    return result_set.rows


def scalar(session: DuckDBSession, sql: str, params: Sequence[Parameter] = ()) -> t.Any:
    """The first value of the batch's last result set."""
    return rows(session, sql, params)[0][0]


def error_of(session: DuckDBSession, sql: str, params: Sequence[Parameter] = ()) -> SQLError:
    """The SQLError a batch raises (fails the test when it runs cleanly)."""
    try:
        results(session, sql, params)
    except SQLError as exc:
        return exc
    msg = f"expected an SQL error from {sql!r}"
    raise AssertionError(msg)


def param(name: str, type_name: str, value: t.Any, **type_args: t.Any) -> Parameter:
    """A bound parameter, as the TDS layer decodes it."""
    return Parameter(name, SQLType(type_name, **type_args), value)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def azurite() -> Iterator[str]:
    """Run Azurite's blob service on a free port; yields its blob endpoint URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(AZURITE_BIN),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None:
                msg = f"azurite exited with {process.returncode}"
                raise RuntimeError(msg)
            time.sleep(0.05)
        else:
            msg = "azurite did not start within 20 s"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
