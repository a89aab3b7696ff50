"""dlt's synapse destination (PyPI ``dlt[synapse]``, unmodified) against the devstack.

Both ways dlt loads a dedicated pool: ``insert_values`` (INSERT statements over ODBC) and
staged Parquet (dlt's filesystem destination writes ``az://`` blobs to Azurite, then
``COPY INTO ... WITH (FILE_TYPE = 'PARQUET', CREDENTIAL = (IDENTITY = 'Shared Access
Signature', ...), AUTO_CREATE_TABLE = 'ON')``). Each loads a merge resource twice with
overlapping keys; the rows, their values and the nested child table are read back.
"""

from __future__ import annotations

import datetime
import decimal
import typing as t

import dlt
import pytest

if t.TYPE_CHECKING:
    import pathlib

UTC = datetime.timezone.utc
FIRST = [
    {
        "id": 1,
        "name": "Zoë",
        "amount": decimal.Decimal("10.25"),
        "seen_at": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        "tags": ["a", "b"],
    },
    {
        "id": 2,
        "name": "snow ❄",
        "amount": decimal.Decimal("0.01"),
        "seen_at": datetime.datetime(2024, 2, 1, tzinfo=UTC),
        "tags": ["c"],
    },
    {
        "id": 3,
        "name": None,
        "amount": decimal.Decimal("-7.5"),
        "seen_at": datetime.datetime(2024, 3, 1, tzinfo=UTC),
        "tags": [],
    },
]
# Keys 2 and 3 again (2 loses its tags, 3 gains two), key 4 new.
SECOND = [
    {
        "id": 2,
        "name": "snow ❄ again",
        "amount": decimal.Decimal("2.00"),
        "seen_at": datetime.datetime(2024, 4, 1, tzinfo=UTC),
        "tags": [],
    },
    {
        "id": 3,
        "name": "three",
        "amount": decimal.Decimal("3.00"),
        "seen_at": datetime.datetime(2024, 5, 1, tzinfo=UTC),
        "tags": ["x", "y"],
    },
    {
        "id": 4,
        "name": "李",
        "amount": decimal.Decimal("4.00"),
        "seen_at": datetime.datetime(2024, 6, 1, tzinfo=UTC),
        "tags": ["z"],
    },
]
# dlt declares decimal(38,9) and datetimeoffset: values read back exactly, offset included.
EXPECTED_PEOPLE = [
    (1, "Zoë", decimal.Decimal("10.25"), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, UTC)),
    (2, "snow ❄ again", decimal.Decimal("2.00"), datetime.datetime(2024, 4, 1, tzinfo=UTC)),
    (3, "three", decimal.Decimal("3.00"), datetime.datetime(2024, 5, 1, tzinfo=UTC)),
    (4, "李", decimal.Decimal("4.00"), datetime.datetime(2024, 6, 1, tzinfo=UTC)),
]
EXPECTED_TAGS = [(1, "a"), (1, "b"), (3, "x"), (3, "y"), (4, "z")]


def _credentials(env: dict[str, str]) -> dict[str, t.Any]:
    return {
        "database": env["TARGET_AZURE_SQLDW_DATABASE"],
        "username": env["TARGET_AZURE_SQLDW_USER"],
        "password": env["TARGET_AZURE_SQLDW_PASSWORD"],
        "host": env["TARGET_AZURE_SQLDW_HOST"],
        "port": int(env["TARGET_AZURE_SQLDW_PORT"]),
        "driver": env["TARGET_AZURE_SQLDW_DRIVER"],
        "query": {"Encrypt": "yes", "TrustServerCertificate": "yes"},
    }


def _staging(env: dict[str, str]) -> t.Any:
    account = env["TARGET_AZURE_SQLDW_STORAGE_ACCOUNT"]
    key = env["TARGET_AZURE_SQLDW_STORAGE_ACCOUNT_KEY"]
    # adlfs reaches Azurite (plain http, path-style account) through a connection string;
    # dlt still mints the SAS for COPY INTO from the account name and key, as against Azure.
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
        f"BlobEndpoint={env['TARGET_AZURE_SQLDW_STORAGE_BLOB_ENDPOINT']};"
    )
    return dlt.destinations.filesystem(
        bucket_url=f"az://{env['TARGET_AZURE_SQLDW_STORAGE_CONTAINER']}/dlt-staging",
        credentials={"azure_storage_account_name": account, "azure_storage_account_key": key},
        kwargs={"connection_string": connection},
    )


@dlt.resource(name="people", primary_key="id", write_disposition="merge")
def people(records: list[dict[str, t.Any]]) -> t.Iterator[dict[str, t.Any]]:
    """The merge resource both loads use."""
    yield from records


@pytest.mark.slow
@pytest.mark.parametrize("file_format", ["insert_values", "parquet"])
def test_merge_twice_with_overlapping_keys(
    devstack_env: dict[str, str],
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    file_format: str,
) -> None:
    # dlt reports usage over the network unless told not to; tests stay on loopback.
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    staged = file_format == "parquet"
    pipeline = dlt.pipeline(
        pipeline_name=f"devstack_{file_format}",
        destination=dlt.destinations.synapse(credentials=_credentials(devstack_env)),
        staging=_staging(devstack_env) if staged else None,
        dataset_name=f"dlt_{file_format}",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    for records in (FIRST, SECOND):
        info = pipeline.run(people(records), loader_file_format=file_format)
        assert not info.has_failed_jobs

    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name("people")
        tags = client.make_qualified_table_name("people__tags")
        got = client.execute_sql(f"SELECT id, name, amount, seen_at FROM {table} ORDER BY id")
        got_tags = client.execute_sql(
            f"SELECT p.id, t.value FROM {tags} t, {table} p "
            f"WHERE t._dlt_parent_id = p._dlt_id ORDER BY p.id, t.value"
        )
        requests = client.execute_sql(
            "SELECT command, status FROM sys.dm_pdw_exec_requests WHERE command LIKE '%COPY INTO%'"
        )
    assert [tuple(row) for row in got] == EXPECTED_PEOPLE
    assert [tuple(row) for row in got_tags] == EXPECTED_TAGS
    dataset = pipeline.dataset_name
    copies = [(command.split()[2], status) for command, status in requests if dataset in command]
    assert all(status == "Completed" for _table, status in copies), copies
    # Staged merge: both tables COPY into the staging dataset at each of the two loads.
    data = sorted(table for table, _status in copies if "[people" in table)
    staging = f"[{dataset}_staging]"
    expected = [f"{staging}.[people]"] * 2 + [f"{staging}.[people__tags]"] * 2
    assert data == (expected if staged else [])
