"""COPY INTO ... AUTO_CREATE_TABLE = 'ON' against a real Azurite, with Parquet written by pyarrow.

pyarrow is what dlt and pandas write Parquet with, so the files carry the logical types real
clients send (strings, timestamps with a UTC flag, decimals, dates, nulls).
"""

from __future__ import annotations

import datetime
import decimal
import io
import typing as t

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from azure.storage.blob import ContainerClient

from tests.devstack.engine_support import (
    KEY_CREDENTIAL,
    azurite,
    blob_url,
    create_container,
    engine_session,
    error_of,
    results,
    rows,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

URL = blob_url("auto")
UTC = datetime.timezone.utc
ORDERS = pa.table(
    {
        "order_id": pa.array([1, 2, 3], pa.int64()),
        "customer": pa.array(["Zoë", None, "李"], pa.string()),
        "amount": pa.array(
            [decimal.Decimal("10.50"), decimal.Decimal("0.01"), None], pa.decimal128(12, 2)
        ),
        "placed_at": pa.array(
            [
                datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
                datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                None,
            ],
            pa.timestamp("us", tz="UTC"),
        ),
        "shipped_on": pa.array([datetime.date(2024, 1, 3), None, datetime.date(1, 1, 1)]),
        "paid": pa.array([True, False, None]),
        "weight": pa.array([1.25, None, 3.0], pa.float64()),
        "units": pa.array([7, None, 255], pa.int32()),
    }
)


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def container() -> Iterator[ContainerClient]:
    with azurite() as endpoint:
        client = create_container(endpoint, "auto")
        client.upload_blob("orders/part-1.parquet", _parquet(ORDERS))
        # Same columns in another order: automatic discovery matches them by name.
        reordered = ORDERS.select(["units", "customer", "order_id"]).slice(0, 1)
        client.upload_blob("reordered/part-1.parquet", _parquet(reordered))
        extra = pa.table({"order_id": [9], "surprise": ["not in the table"]})
        client.upload_blob("extra/part-1.parquet", _parquet(extra))
        nested = pa.table({"order_id": [1], "tags": [["a", "b"]]})
        client.upload_blob("nested/part-1.parquet", _parquet(nested))
        client.upload_blob("csv/part-1.csv", b"1,a\n")
        yield client


@pytest.fixture
def session(container: ContainerClient) -> Iterator[DuckDBSession]:
    endpoint = container.url.rsplit("/", 1)[0]
    with engine_session(azurite_blob_endpoint=endpoint) as session:
        yield session


def _copy(folder: str, table: str = "dbo.orders", auto: str = "ON") -> str:
    return (
        f"COPY INTO {table} FROM '{URL}/{folder}/*.parquet' "
        f"WITH (FILE_TYPE = 'PARQUET', {KEY_CREDENTIAL}, AUTO_CREATE_TABLE = '{auto}')"
    )


def test_creates_the_table_from_the_parquet_schema(session: DuckDBSession) -> None:
    loaded = results(session, _copy("orders"))
    assert loaded[-1].rowcount == 3
    declared = rows(
        session,
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION",
    )
    assert [(name, kind, length, is_null) for name, kind, length, _p, _s, is_null in declared] == [
        ("order_id", "bigint", None, "YES"),
        ("customer", "varchar", 8000, "YES"),
        ("amount", "decimal", None, "YES"),
        ("placed_at", "datetime2", None, "YES"),
        ("shipped_on", "date", None, "YES"),
        ("paid", "bit", None, "YES"),
        ("weight", "float", None, "YES"),
        ("units", "int", None, "YES"),
    ]
    assert declared[2][3:5] == (12, 2)
    distribution = rows(
        session,
        "SELECT p.distribution_policy_desc, i.type_desc FROM sys.tables t "
        "JOIN sys.pdw_table_distribution_properties p ON p.object_id = t.object_id "
        "JOIN sys.indexes i ON i.object_id = t.object_id WHERE t.name = 'orders'",
    )
    assert distribution == [("ROUND_ROBIN", "CLUSTERED COLUMNSTORE")]
    assert rows(session, "SELECT * FROM dbo.orders ORDER BY order_id") == [
        (
            1,
            "Zoë",
            decimal.Decimal("10.50"),
            datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
            datetime.date(2024, 1, 3),
            True,
            1.25,
            7,
        ),
        (
            2,
            None,
            decimal.Decimal("0.01"),
            datetime.datetime(9999, 12, 31, 23, 59, 59),
            None,
            False,
            None,
            None,
        ),
        (3, "李", None, None, datetime.date(1, 1, 1), None, 3.0, 255),
    ]


def test_is_a_no_op_on_an_existing_table_and_matches_columns_by_name(
    session: DuckDBSession,
) -> None:
    results(
        session,
        "CREATE TABLE dbo.orders (customer NVARCHAR(10), order_id INT NOT NULL, "
        "units SMALLINT, note NVARCHAR(5)) WITH (DISTRIBUTION = HASH(order_id), HEAP)",
    )
    results(session, _copy("reordered"))
    assert rows(session, "SELECT * FROM dbo.orders") == [("Zoë", 1, 7, None)]
    declared = rows(
        session,
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION",
    )
    assert declared == [
        ("customer", "nvarchar", 10),
        ("order_id", "int", None),
        ("units", "smallint", None),
        ("note", "nvarchar", 5),
    ]
    # The table's own types still apply: a second load of the same file is one more row.
    results(session, _copy("reordered"))
    assert rows(session, "SELECT count(*) FROM dbo.orders") == [(2,)]


def test_off_needs_the_table(session: DuckDBSession) -> None:
    assert error_of(session, _copy("orders", auto="OFF")).number == 208
    assert error_of(session, _copy("orders", auto="MAYBE")).number == 103010


def test_a_file_column_the_table_lacks_is_refused(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.orders (order_id INT) WITH (HEAP)")
    error = error_of(session, _copy("extra"))
    assert (error.number, error.message) == (207, "Invalid column name 'surprise'.")
    assert rows(session, "SELECT count(*) FROM dbo.orders") == [(0,)]


def test_nested_parquet_types_are_named_as_not_modelled(session: DuckDBSession) -> None:
    error = error_of(session, _copy("nested"))
    assert error.number == 50000
    assert "'tags'" in error.message
    assert "not modelled" in error.message
    assert error_of(session, "SELECT * FROM dbo.orders").number == 208


def test_csv_is_refused_as_documented(session: DuckDBSession) -> None:
    error = error_of(
        session,
        f"COPY INTO dbo.orders FROM '{URL}/csv/part-1.csv' "
        f"WITH (FILE_TYPE = 'CSV', {KEY_CREDENTIAL}, AUTO_CREATE_TABLE = 'ON')",
    )
    assert error.message == (
        "COPY INTO AUTO_CREATE_TABLE = 'ON' is available only for Parquet files."
    )


def test_creating_inside_a_transaction_is_refused_like_ddl(session: DuckDBSession) -> None:
    results(session, "BEGIN TRANSACTION")
    error = error_of(session, _copy("orders"))
    assert (error.number, error.message) == (
        111212,
        "Operation cannot be performed within a transaction.",
    )
    results(session, "ROLLBACK")
    assert error_of(session, "SELECT * FROM dbo.orders").number == 208
