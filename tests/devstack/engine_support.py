"""Helpers for the SQL engine's tests: an engine per test, statement runners, Azurite."""

from __future__ import annotations

import contextlib
import pathlib
import tempfile
import typing as t

from azure.storage.blob import BlobServiceClient

from devstack.services import start_azurite
from devstack.sqldw_emulator.api import Parameter, SQLError, SQLType, StatementResult
from devstack.sqldw_emulator.engine import DuckDBEngine, EngineConfig

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from azure.storage.blob import ContainerClient

    from devstack.sqldw_emulator.engine.session import DuckDBSession

USER = "loader"
PASSWORD = "Str0ng!pass"
DATABASE = "dw"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: COPY INTO's credential clause with Azurite's account key.
KEY_CREDENTIAL = f"CREDENTIAL = (IDENTITY = 'Storage Account Key', SECRET = '{AZURITE_KEY}')"


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


@contextlib.contextmanager
def azurite() -> Iterator[str]:
    """Run Azurite's blob service on a free port (as `devstack up` does); yields its URL."""
    with tempfile.TemporaryDirectory() as logs:
        record, _ = start_azurite(pathlib.Path(logs) / "azurite.log", None, timeout=20)
        try:
            yield record.url
        finally:
            record.process.stop()


def blob_url(container: str) -> str:
    """The URL SQL names a container by, as in production (every account maps to Azurite)."""
    return f"https://{AZURITE_ACCOUNT}.blob.core.windows.net/{container}"


def polybase_source(container: str = "stage", secret: str = AZURITE_KEY) -> str:
    """The credential ``cred`` and data source ``src`` a PolyBase test reads ``container`` by.

    Args:
        container: The Azurite container.
        secret: The storage key the credential holds.

    Returns:
        The two statements (after a master key, before file formats and external tables).
    """
    return (
        f"CREATE DATABASE SCOPED CREDENTIAL cred WITH IDENTITY = 'loader', SECRET = '{secret}';\n"
        f"CREATE EXTERNAL DATA SOURCE src WITH (TYPE = HADOOP, LOCATION = "
        f"'wasbs://{container}@{AZURITE_ACCOUNT}.blob.core.windows.net', CREDENTIAL = cred);\n"
    )


def create_container(blob_endpoint: str, name: str) -> ContainerClient:
    """A new container in the Azurite at ``blob_endpoint``."""
    service = BlobServiceClient.from_connection_string(
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={blob_endpoint};"
    )
    return service.create_container(name)


@contextlib.contextmanager
def engine_session(*setup: str, **overrides: t.Any) -> Iterator[DuckDBSession]:
    """A session of a new engine (``make_engine(**overrides)``), after running each ``setup`` batch.

    The session and the engine are closed when the block ends.
    """
    engine = make_engine(**overrides)
    session = engine.open_session(USER, DATABASE)
    try:
        for batch in setup:
            results(session, batch)
        yield session
    finally:
        session.close()
        engine.close()
