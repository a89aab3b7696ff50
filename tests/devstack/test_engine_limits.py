"""The documented limits a dedicated pool has, as the emulator keeps them: 1,024 columns."""

from __future__ import annotations

import typing as t

import pytest

from tests.devstack.engine_support import (
    KEY_CREDENTIAL,
    azurite,
    blob_url,
    create_container,
    engine_session,
    error_of,
    polybase_source,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

COLUMNS = 1024  # "Columns per table: 1,024" (Synapse capacity limits)
URL = blob_url("wide")
DEFINITION = ", ".join(f"c{i} NVARCHAR(20)" for i in range(COLUMNS))
FIRST = [f"v{i}" for i in range(COLUMNS)]
SECOND = [f"w{i}" for i in range(COLUMNS)]


@pytest.fixture(scope="module")
def blob_endpoint() -> Iterator[str]:
    with azurite() as endpoint:
        container = create_container(endpoint, "wide")
        text = ",".join(FIRST) + "\n" + ",".join(SECOND) + "\n"
        container.upload_blob("rows/part-0001.csv", text.encode())
        yield endpoint


@pytest.fixture
def session(blob_endpoint: str) -> Iterator[DuckDBSession]:
    setup = f"CREATE TABLE dbo.wide ({DEFINITION}) WITH (HEAP)"
    with engine_session(setup, azurite_blob_endpoint=blob_endpoint) as session:
        yield session


def test_1024_columns_load_with_copy_into_and_query(session: DuckDBSession) -> None:
    (copied,) = results(
        session,
        f"COPY INTO dbo.wide FROM '{URL}/rows/part-0001.csv' "
        f"WITH (FILE_TYPE = 'CSV', {KEY_CREDENTIAL})",
    )
    assert copied.rowcount == 2
    assert rows(session, "SELECT * FROM dbo.wide ORDER BY c0") == [tuple(FIRST), tuple(SECOND)]
    everything = " AND ".join(f"c{i} IS NOT NULL" for i in range(COLUMNS))
    assert scalar(session, f"SELECT COUNT(*) FROM dbo.wide WHERE {everything}") == 2


def test_1024_columns_load_through_polybase(session: DuckDBSession) -> None:
    results(
        session,
        f"""
        CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Pw-12345!';
        {polybase_source("wide")}
        CREATE EXTERNAL FILE FORMAT plain WITH (FORMAT_TYPE = DELIMITEDTEXT,
            FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"'));
        CREATE EXTERNAL TABLE dbo.wide_ext ({DEFINITION})
            WITH (LOCATION = '/rows/', DATA_SOURCE = src, FILE_FORMAT = plain);
        """,
    )
    results(
        session,
        "CREATE TABLE dbo.wide_copy WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) "
        "AS SELECT * FROM dbo.wide_ext",
    )
    assert rows(session, "SELECT * FROM dbo.wide_copy ORDER BY c0") == [
        tuple(FIRST),
        tuple(SECOND),
    ]


def test_1025_columns_are_refused(session: DuckDBSession) -> None:
    error = error_of(session, f"CREATE TABLE dbo.too_wide ({DEFINITION}, extra INT) WITH (HEAP)")
    assert (error.number, error.message) == (
        1702,
        "CREATE TABLE failed because column 'extra' in table 'too_wide' exceeds the maximum of "
        "1024 columns.",
    )
