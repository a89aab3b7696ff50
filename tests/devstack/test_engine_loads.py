"""PolyBase and COPY INTO against a real Azurite: formats, options, rejects, credentials."""

from __future__ import annotations

import datetime
import decimal
import gzip
import pathlib
import typing as t

import duckdb
import pytest
from azure.storage.blob import (
    ContainerClient,
    ContainerSasPermissions,
    generate_container_sas,
)

from devstack.sqldw_emulator.api import Timestamp100ns
from tests.devstack.engine_support import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    DATABASE,
    KEY_CREDENTIAL,
    USER,
    blob_url,
    create_container,
    error_of,
    make_engine,
    polybase_source,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine import DuckDBEngine
    from devstack.sqldw_emulator.engine.session import DuckDBSession

CSV = (
    "id,name,amount,ts\n"
    '1,"a ""quoted"", comma",1.50,2024-01-01 10:00:00.123456\n'
    "2,,2.25,\n"
    '3,"",3.00,2024-01-02 00:00:00\n'
    '4,"snow ❄ 𝄞",4.00,0001-01-01 00:00:00\n'
)
BAD_CSV = "id,name,amount,ts\n5,ok,x,\n6,this value is far too long,1,\n7,fine,7,\n"
MULTILINE_CSV = 'id,name,amount,ts\n8,"two\nlines",1,\n9,plain,2,\n'
URL = blob_url("stage")
TABLE = "(id INT NOT NULL, name NVARCHAR(20), amount DECIMAL(10,2), ts DATETIME2(6))"


@pytest.fixture(scope="module")
def container(blob_endpoint: str) -> ContainerClient:
    client = create_container(blob_endpoint, "stage")
    client.upload_blob("orders/run1/part-0001.csv.gz", gzip.compress(CSV.encode()))
    client.upload_blob("orders/run1/_SUCCESS", b"")
    client.upload_blob("orders/run1/.hidden.csv.gz", gzip.compress(b"garbage"))
    client.upload_blob("bad/part-0001.csv", BAD_CSV.encode())
    client.upload_blob("multi/part-0001.csv", MULTILINE_CSV.encode())
    client.upload_blob("pipes/a.txt", "1|x\n2|y\n".encode("utf-16"))
    client.upload_blob("many/p1.csv", b"1,a,1,\n")
    client.upload_blob("many/p2.csv", b"2,b,2,\n")
    client.upload_blob("many/p3.txt", b"3,c,3,\n")
    return client


@pytest.fixture
def engine(blob_endpoint: str, container: ContainerClient) -> Iterator[DuckDBEngine]:
    engine = make_engine(azurite_blob_endpoint=blob_endpoint)
    yield engine
    engine.close()


@pytest.fixture
def session(engine: DuckDBEngine) -> Iterator[DuckDBSession]:
    session = engine.open_session(USER, DATABASE)
    results(session, f"CREATE TABLE dbo.t {TABLE} WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")
    yield session
    session.close()


def _polybase_objects(session: DuckDBSession, secret: str = AZURITE_KEY) -> None:
    results(
        session,
        f"""
        CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Pw-12345!';
        {polybase_source(secret=secret)}
        CREATE EXTERNAL FILE FORMAT gz WITH (FORMAT_TYPE = DELIMITEDTEXT,
            FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"', FIRST_ROW = 2,
                            USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8'),
            DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec');
        CREATE EXTERNAL FILE FORMAT plain WITH (FORMAT_TYPE = DELIMITEDTEXT,
            FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '"', FIRST_ROW = 2));
        CREATE SCHEMA ext;
        """,
    )


FIRST_TS = datetime.datetime(2024, 1, 1, 10, 0, 0, 123456)
EXPECTED = [
    (1, 'a "quoted", comma', decimal.Decimal("1.50"), FIRST_TS),
    (2, None, decimal.Decimal("2.25"), None),
    (3, None, decimal.Decimal("3.00"), datetime.datetime(2024, 1, 2)),
    (4, "snow ❄ 𝄞", decimal.Decimal("4.00"), datetime.datetime(1, 1, 1)),
]  # fmt: skip


def test_polybase_ctas_from_gzip_csv(session: DuckDBSession) -> None:
    _polybase_objects(session)
    results(
        session,
        f"CREATE EXTERNAL TABLE ext.orders {TABLE} WITH (LOCATION = '/orders/run1/', "
        "DATA_SOURCE = src, FILE_FORMAT = gz, REJECT_TYPE = VALUE, REJECT_VALUE = 0)",
    )
    (result,) = results(
        session,
        "CREATE TABLE dbo.orders WITH (DISTRIBUTION = HASH(id), CLUSTERED COLUMNSTORE INDEX) "
        "AS SELECT * FROM ext.orders OPTION (LABEL = 'polybase:orders')",
    )
    assert result.rowcount == 4
    # PolyBase loads an empty quoted string as NULL.
    assert rows(session, "SELECT * FROM dbo.orders ORDER BY id") == EXPECTED
    assert (
        scalar(
            session, "SELECT COUNT(*) FROM sys.dm_pdw_exec_requests WHERE label = 'polybase:orders'"
        )
        == 1
    )
    results(session, "INSERT INTO dbo.t SELECT * FROM ext.orders")
    assert scalar(session, "SELECT COUNT(*) FROM dbo.t") == 4
    assert rows(
        session,
        "SELECT t.name, e.location FROM sys.external_tables e JOIN sys.tables t "
        "ON t.object_id = e.object_id",
    ) == [("orders", "/orders/run1/")]


def test_polybase_reject_value(session: DuckDBSession) -> None:
    _polybase_objects(session)
    for name, limit in (("strict", 0), ("lenient", 2)):
        results(
            session,
            f"CREATE EXTERNAL TABLE ext.{name} {TABLE} WITH (LOCATION = '/bad/', "
            f"DATA_SOURCE = src, FILE_FORMAT = plain, REJECT_TYPE = VALUE, REJECT_VALUE = {limit})",
        )
    assert error_of(session, "SELECT * FROM ext.strict").number == 107090
    assert rows(session, "SELECT id, name FROM ext.lenient") == [(7, "fine")]


def test_polybase_refuses_quoted_row_terminators(session: DuckDBSession) -> None:
    _polybase_objects(session)
    results(
        session,
        f"CREATE EXTERNAL TABLE ext.multi {TABLE} WITH (LOCATION = '/multi/', "
        "DATA_SOURCE = src, FILE_FORMAT = plain, REJECT_TYPE = VALUE, REJECT_VALUE = 0)",
    )
    error = error_of(session, "SELECT * FROM ext.multi")
    assert error.number == 107090


def test_polybase_wrong_key_fails_like_azure(session: DuckDBSession) -> None:
    _polybase_objects(session, secret="bm90IHRoZSBrZXk=")
    error = error_of(
        session,
        f"CREATE EXTERNAL TABLE ext.orders {TABLE} WITH (LOCATION = '/orders/run1/', "
        "DATA_SOURCE = src, FILE_FORMAT = gz)",
    )
    assert error.number == 105019
    assert "authenticate" in error.message
    assert "bm90IHRoZSBrZXk" not in error.message


def test_credential_needs_master_key(session: DuckDBSession) -> None:
    error = error_of(
        session, "CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'u', SECRET = 'k'"
    )
    assert error.number == 15581


def test_polybase_objects_are_listed_and_dropped(session: DuckDBSession) -> None:
    _polybase_objects(session)
    formats = "SELECT name, format_type FROM sys.external_file_formats ORDER BY name"
    assert rows(session, formats) == [
        ("gz", "DELIMITEDTEXT"), ("plain", "DELIMITEDTEXT"),
    ]  # fmt: skip
    assert scalar(session, "SELECT credential_identity FROM sys.database_scoped_credentials") == (
        "loader"
    )
    results(
        session,
        f"CREATE EXTERNAL TABLE ext.orders {TABLE} WITH (LOCATION = '/orders/run1/', "
        "DATA_SOURCE = src, FILE_FORMAT = gz)",
    )
    assert error_of(session, "DROP EXTERNAL FILE FORMAT gz").number == 33101
    results(
        session,
        "DROP EXTERNAL TABLE ext.orders; DROP EXTERNAL FILE FORMAT gz; "
        "DROP EXTERNAL FILE FORMAT plain; DROP EXTERNAL DATA SOURCE src; "
        "DROP DATABASE SCOPED CREDENTIAL cred; DROP MASTER KEY",
    )
    assert scalar(session, "SELECT COUNT(*) FROM sys.external_data_sources") == 0
    assert error_of(session, "DROP DATABASE SCOPED CREDENTIAL cred").number == 15151


def test_copy_into_gzip_csv_keeps_empty_strings(session: DuckDBSession) -> None:
    (result,) = results(
        session,
        f"COPY INTO dbo.t (id, name, amount, ts) FROM '{URL}/orders/run1/*.csv.gz' "
        f"WITH (FILE_TYPE = 'CSV', {KEY_CREDENTIAL}, COMPRESSION = 'Gzip', FIRSTROW = 2) "
        "OPTION (LABEL = 'copy:t')",
    )
    assert result.rowcount == 4
    expected = list(EXPECTED)
    expected[2] = (3, "", decimal.Decimal("3.00"), datetime.datetime(2024, 1, 2))
    assert rows(session, "SELECT * FROM dbo.t ORDER BY id") == expected
    assert (
        scalar(session, "SELECT row_count FROM sys.dm_pdw_exec_requests WHERE label = 'copy:t'")
        == 4
    )


def test_copy_into_dateformat(session: DuckDBSession) -> None:
    results(
        session,
        f"COPY INTO dbo.t FROM '{URL}/orders/run1/*.csv.gz' "
        f"WITH ({KEY_CREDENTIAL}, COMPRESSION = 'Gzip', FIRSTROW = 2, DATEFORMAT = 'ymd')",
    )
    assert rows(session, "SELECT ts FROM dbo.t WHERE id = 3") == [(datetime.datetime(2024, 1, 2),)]
    error = error_of(
        session,
        f"COPY INTO dbo.t FROM '{URL}/orders/run1/*.csv.gz' "
        f"WITH ({KEY_CREDENTIAL}, DATEFORMAT = 'yyyy')",
    )
    assert error.number == 103010


def test_copy_into_column_with_a_quote_in_its_name(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.q ([it's] int NOT NULL) WITH (HEAP)")
    results(session, f"COPY INTO dbo.q ([it's] 1) FROM '{URL}/many/p1.csv' WITH ({KEY_CREDENTIAL})")
    assert rows(session, "SELECT [it's] FROM dbo.q") == [(1,)]


def test_copy_into_maxerrors_zero_fails_with_row_and_column(session: DuckDBSession) -> None:
    error = error_of(
        session,
        f"COPY INTO dbo.t FROM '{URL}/bad/part-0001.csv' WITH ({KEY_CREDENTIAL}, FIRSTROW = 2)",
    )
    assert error.number == 4864
    assert "row 2, column 3 (amount)" in error.message
    assert scalar(session, "SELECT COUNT(*) FROM dbo.t") == 0


def test_copy_into_maxerrors_and_errorfile(
    session: DuckDBSession, container: ContainerClient
) -> None:
    (result,) = results(
        session,
        f"COPY INTO dbo.t FROM '{URL}/bad/part-0001.csv' WITH ({KEY_CREDENTIAL}, FIRSTROW = 2, "
        "MAXERRORS = 2, ERRORFILE = '/rejects/run1')",
    )
    assert result.rowcount == 1
    assert rows(session, "SELECT id FROM dbo.t") == [(7,)]
    written = {
        blob.name.rsplit(".", 2)[-2]: container.download_blob(blob.name).readall().decode()
        for blob in container.list_blobs(name_starts_with="rejects/run1/_rejectedrows/")
    }
    assert written["Row"] == "5,ok,x,\n6,this value is far too long,1,\n"
    assert "Row 2: Column 3 (amount)" in written["Error"]
    assert "Row 3: Column 2 (name): string or binary data would be truncated" in written["Error"]


def test_copy_into_truncation_is_4863(session: DuckDBSession) -> None:
    error = error_of(
        session,
        f"COPY INTO dbo.t (id, name) FROM '{URL}/bad/part-0001.csv' WITH ({KEY_CREDENTIAL}, "
        "FIRSTROW = 3)",
    )
    assert error.number == 4863


def test_copy_into_file_list_wildcards_and_field_numbers(session: DuckDBSession) -> None:
    results(
        session,
        f"COPY INTO dbo.t (id 1, name DEFAULT 'dflt' 2, amount 3) "
        f"FROM '{URL}/many/*.csv', '{URL}/many/p3.txt' WITH ({KEY_CREDENTIAL})",
    )
    assert rows(session, "SELECT id, name, amount FROM dbo.t ORDER BY id") == [
        (1, "a", decimal.Decimal("1.00")), (2, "b", decimal.Decimal("2.00")),
        (3, "c", decimal.Decimal("3.00")),
    ]  # fmt: skip


def test_copy_into_utf16_and_custom_terminator(session: DuckDBSession) -> None:
    results(
        session,
        f"COPY INTO dbo.t (id, name) FROM '{URL}/pipes/a.txt' WITH ({KEY_CREDENTIAL}, "
        "FIELDTERMINATOR = '|', ROWTERMINATOR = '0x0A', ENCODING = 'UTF16')",
    )
    assert rows(session, "SELECT id, name FROM dbo.t ORDER BY id") == [(1, "x"), (2, "y")]


def test_copy_into_sas_and_managed_identity(
    session: DuckDBSession, container: ContainerClient
) -> None:
    sas = generate_container_sas(
        AZURITE_ACCOUNT, "stage", account_key=AZURITE_KEY,
        permission=ContainerSasPermissions(read=True, list=True),
        expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1),
    )  # fmt: skip
    sas_credential = f"CREDENTIAL = (IDENTITY = 'Shared Access Signature', SECRET = '{sas}')"
    results(
        session,
        f"COPY INTO dbo.t FROM '{URL}/many/p1.csv' WITH ({sas_credential})",
    )
    results(
        session,
        f"COPY INTO dbo.t FROM '{URL}/many/p2.csv' "
        "WITH (CREDENTIAL = (IDENTITY = 'Managed Identity'))",
    )
    assert scalar(session, "SELECT COUNT(*) FROM dbo.t") == 2
    forged = sas.replace("sig=", "sig=AAAA")
    error = error_of(
        session,
        f"COPY INTO dbo.t FROM '{URL}/many/p1.csv' WITH (CREDENTIAL = (IDENTITY = "
        f"'Shared Access Signature', SECRET = '{forged}'))",
    )
    assert error.number == 105019


@pytest.mark.parametrize(
    "credential",
    [
        "CREDENTIAL = (IDENTITY = 'Storage Account Key', SECRET = 'bm90IHRoZSBrZXk=')",
        "MAXERRORS = 0",
    ],
    ids=["wrong-key", "no-credential-private-container"],
)
def test_copy_into_refused_access(session: DuckDBSession, credential: str) -> None:
    assert (
        error_of(session, f"COPY INTO dbo.t FROM '{URL}/many/p1.csv' WITH ({credential})").number
        == 105019
    )


def test_copy_into_missing_files(session: DuckDBSession) -> None:
    error = error_of(session, f"COPY INTO dbo.t FROM '{URL}/nothing/*.csv' WITH ({KEY_CREDENTIAL})")
    assert error.number == 105019


def _parquet(tmp_path: pathlib.Path, container: ContainerClient, name: str, ts_type: str) -> None:
    path = tmp_path / "f.parquet"
    duckdb.execute(
        f"COPY (SELECT 1::INTEGER AS id, 'p'::VARCHAR AS name, 1.5::DECIMAL(10,2) AS amount, "
        f"TIMESTAMP '2024-05-06 07:08:09'::{ts_type} AS ts) TO '{path}' (FORMAT parquet)"
    )
    container.upload_blob(name, path.read_bytes(), overwrite=True)


def test_copy_into_parquet(
    session: DuckDBSession, container: ContainerClient, tmp_path: pathlib.Path
) -> None:
    _parquet(tmp_path, container, "pq/micros.parquet", "TIMESTAMP")
    results(
        session,
        f"COPY INTO dbo.t FROM '{URL}/pq/micros.parquet' "
        f"WITH (FILE_TYPE = 'PARQUET', {KEY_CREDENTIAL})",
    )
    assert rows(session, "SELECT * FROM dbo.t") == [
        (1, "p", decimal.Decimal("1.50"), datetime.datetime(2024, 5, 6, 7, 8, 9))
    ]


def test_polybase_parquet_type_rules(
    session: DuckDBSession, container: ContainerClient, tmp_path: pathlib.Path
) -> None:
    _parquet(tmp_path, container, "pqms/f.parquet", "TIMESTAMP_MS")
    _parquet(tmp_path, container, "pqus/f.parquet", "TIMESTAMP")
    _polybase_objects(session)
    results(session, "CREATE EXTERNAL FILE FORMAT pq WITH (FORMAT_TYPE = PARQUET)")
    for name in ("pqms", "pqus"):
        results(
            session,
            f"CREATE EXTERNAL TABLE ext.{name} {TABLE} WITH (LOCATION = '/{name}/', "
            "DATA_SOURCE = src, FILE_FORMAT = pq)",
        )
    assert rows(session, "SELECT id, ts FROM ext.pqms") == [
        (1, datetime.datetime(2024, 5, 6, 7, 8, 9))
    ]
    assert error_of(session, "SELECT id FROM ext.pqus").number == 106000


def test_polybase_use_type_default(session: DuckDBSession) -> None:
    _polybase_objects(session)
    results(
        session,
        "CREATE EXTERNAL FILE FORMAT dflt WITH (FORMAT_TYPE = DELIMITEDTEXT, "
        "FORMAT_OPTIONS (FIELD_TERMINATOR = ',', STRING_DELIMITER = '\"', FIRST_ROW = 2, "
        "USE_TYPE_DEFAULT = TRUE), DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec')",
    )
    results(
        session,
        f"CREATE EXTERNAL TABLE ext.dflt {TABLE} WITH (LOCATION = '/orders/run1/part-0001.csv.gz',"
        " DATA_SOURCE = src, FILE_FORMAT = dflt)",
    )
    assert rows(session, "SELECT id, name, ts FROM ext.dflt WHERE id = 2") == [
        (2, "", datetime.datetime(1900, 1, 1))
    ]


TEMPORAL_TABLE = "(id INT NOT NULL, d DATETIME2(7), tm TIME(7), o DATETIMEOFFSET(7))"
TEMPORAL_CSV = (
    "1,2024-01-01 12:00:00.1234567,12:00:00.1234567,2024-01-01 12:00:00.1234567 +05:30\n"
    "2,0001-01-01 00:00:00.0000000,00:00:00,0001-01-01T00:00:00-14:00\n"
    "3,9999-12-31 23:59:59.9999999,23:59:59.9999999,9999-12-31 23:59:59.9999999 +00:00\n"
    "4,2024-02-30 00:00:00,12:00,2024-01-01T10:00:00Z\n"
)
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
TEMPORAL_ROWS = [
    (
        1,
        Timestamp100ns(datetime.datetime(2024, 1, 1, 12, 0, 0, 123456), 7),
        Timestamp100ns(datetime.time(12, 0, 0, 123456), 7),
        Timestamp100ns(datetime.datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=IST), 7),
    ),
    (
        2,
        datetime.datetime(1, 1, 1),
        datetime.time(0, 0),
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-14))),
    ),
    (
        3,
        Timestamp100ns(datetime.datetime(9999, 12, 31, 23, 59, 59, 999999), 9),
        Timestamp100ns(datetime.time(23, 59, 59, 999999), 9),
        Timestamp100ns(
            datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc), 9
        ),
    ),
]


@pytest.fixture
def temporal_blob(container: ContainerClient) -> str:
    container.upload_blob("temporal/p.csv.gz", gzip.compress(TEMPORAL_CSV.encode()), overwrite=True)
    return "temporal/p.csv.gz"


def test_copy_into_keeps_100ns_and_offsets(session: DuckDBSession, temporal_blob: str) -> None:
    results(session, f"CREATE TABLE dbo.tt {TEMPORAL_TABLE} WITH (HEAP)")
    (result,) = results(
        session,
        f"COPY INTO dbo.tt FROM '{URL}/{temporal_blob}' "
        f"WITH ({KEY_CREDENTIAL}, COMPRESSION = 'Gzip', MAXERRORS = 1)",
    )
    # Row 4 (February 30th) is rejected.
    assert result.rowcount == 3
    assert rows(session, "SELECT * FROM dbo.tt ORDER BY id") == TEMPORAL_ROWS
    # Loaded values order by instant.
    assert rows(session, "SELECT id FROM dbo.tt ORDER BY o") == [(2,), (1,), (3,)]


def test_polybase_keeps_100ns_and_offsets(session: DuckDBSession, temporal_blob: str) -> None:
    _polybase_objects(session)
    results(
        session,
        "CREATE EXTERNAL FILE FORMAT nohead WITH (FORMAT_TYPE = DELIMITEDTEXT, "
        "FORMAT_OPTIONS (FIELD_TERMINATOR = ','), "
        "DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec')",
    )
    # The target's shape: text columns in the external table, CAST in the CTAS.
    results(
        session,
        "CREATE EXTERNAL TABLE ext.tt (id INT, d NVARCHAR(40), tm NVARCHAR(40), o NVARCHAR(40)) "
        f"WITH (LOCATION = '/{temporal_blob}', DATA_SOURCE = src, FILE_FORMAT = nohead)",
    )
    results(
        session,
        "CREATE TABLE dbo.tt WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS SELECT id, "
        "CAST(d AS datetime2(7)) AS d, CAST(tm AS time(7)) AS tm, "
        "CAST(o AS datetimeoffset(7)) AS o FROM ext.tt WHERE id < 4",
    )
    assert rows(session, "SELECT * FROM dbo.tt ORDER BY id") == TEMPORAL_ROWS
    # Typed external-table columns read the same text directly.
    results(
        session,
        f"CREATE EXTERNAL TABLE ext.typed {TEMPORAL_TABLE} WITH (LOCATION = '/{temporal_blob}', "
        "DATA_SOURCE = src, FILE_FORMAT = nohead, REJECT_TYPE = VALUE, REJECT_VALUE = 1)",
    )
    assert rows(session, "SELECT * FROM ext.typed ORDER BY id") == TEMPORAL_ROWS


def test_polybase_external_table_keeps_collations_and_rereads_its_files(
    session: DuckDBSession, container: ContainerClient
) -> None:
    _polybase_objects(session)
    container.upload_blob("cased/part-1.csv", b"id,name,code\n1,Alpha,Alpha\n")
    results(
        session,
        "CREATE EXTERNAL TABLE ext.cased (id INT NOT NULL, name NVARCHAR(20), "
        "code NVARCHAR(20) COLLATE Latin1_General_100_BIN2) "
        "WITH (LOCATION = '/cased/', DATA_SOURCE = src, FILE_FORMAT = plain)",
    )
    # The database default collation is case-insensitive; the declared BIN2 one is not.
    assert rows(session, "SELECT id FROM ext.cased WHERE name = 'ALPHA'") == [(1,)]
    assert rows(session, "SELECT id FROM ext.cased WHERE code = 'ALPHA'") == []
    # Each statement reads the files as they are then.
    container.upload_blob("cased/part-2.csv", b"id,name,code\n2,beta,beta\n")
    assert rows(session, "SELECT id, name, code FROM ext.cased ORDER BY id") == [
        (1, "Alpha", "Alpha"),
        (2, "beta", "beta"),
    ]
    (result,) = results(
        session,
        "CREATE TABLE dbo.cased WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS SELECT * FROM ext.cased",
    )
    assert result.rowcount == 2
    assert rows(session, "SELECT id FROM dbo.cased WHERE name = 'BETA'") == [(2,)]
    # The declared BIN2 collation goes with the column into the CTAS, as on a pool.
    assert rows(session, "SELECT id FROM dbo.cased WHERE code = 'BETA'") == []
    assert rows(session, "SELECT id FROM dbo.cased WHERE code = 'beta'") == [(2,)]
