"""PolyBase: master key, credential, external data source, file format, external table, CTAS.

Pure builders: return statements, execute nothing.
"""

from __future__ import annotations

import hashlib
import typing as t

from target_azure_sqldw.encode.formats import FIELD_TERMINATOR, escaped_decode_sql
from target_azure_sqldw.load.sql.ddl import STAGE_LAYOUT, STAGE_SEQUENCE_COLUMN
from target_azure_sqldw.load.sql.statement import (
    REDACTED,
    Statement,
    option_label,
    secret_literal,
)
from target_azure_sqldw.schema.names import quote_identifier, quote_table, string_literal
from target_azure_sqldw.schema.sql_types import MAX, ColumnType

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from target_azure_sqldw.load.sql.ddl import ColumnDef

OBJECT_PREFIX = "target_azure_sqldw"
FILE_FORMAT_NAME = f"{OBJECT_PREFIX}_escaped_gzip_v1"
#: "Already exists" errors of the CREATE statements here: master key (15578), credential
#: (15025), data source or file format (2714, "There is already an object named ...").
ALREADY_EXISTS_ERRORS = frozenset({15578, 15025, 2714})
# Widest canonical text of a non-string value: decimal(38,s) with sign and point is 41.
SCALAR_TEXT_LENGTH = 64


def object_names(account: str, container: str) -> tuple[str, str]:
    """Names of the credential and data source for one storage container.

    Args:
        account: Storage account name.
        container: Container name.

    Returns:
        ``(credential, data_source)``, stable for the same account and container.
    """
    digest = hashlib.sha256(f"{account}/{container}".encode()).hexdigest()[:10]
    return f"{OBJECT_PREFIX}_cred_{digest}", f"{OBJECT_PREFIX}_src_{digest}"


def master_key_exists() -> Statement:
    """Query: does the database have a master key (one row when it does)?"""
    return Statement(
        "SELECT name FROM sys.symmetric_keys WHERE name = ?",
        ("##MS_DatabaseMasterKey##",),
    )


def object_exists(catalog_view: str, name: str) -> Statement:
    """Query: does a named object exist in a catalog view?

    Args:
        catalog_view: ``sys.database_scoped_credentials``, ``sys.external_data_sources`` or
            ``sys.external_file_formats``.
        name: Object name.

    Returns:
        The query (one row when it exists).
    """
    allowed = {
        "sys.database_scoped_credentials",
        "sys.external_data_sources",
        "sys.external_file_formats",
    }
    if catalog_view not in allowed:
        msg = f"Unexpected catalog view {catalog_view!r}"
        raise ValueError(msg)
    return Statement(f"SELECT name FROM {catalog_view} WHERE name = ?", (name,))


def create_master_key(password: str | None = None) -> Statement:
    """``CREATE MASTER KEY`` (Synapse can create one without a password).

    Args:
        password: Optional encryption password.

    Returns:
        The statement (redacted for logs when a password is given).
    """
    if password is None:
        return Statement("CREATE MASTER KEY")
    return Statement(
        f"CREATE MASTER KEY ENCRYPTION BY PASSWORD = {secret_literal(password)}",
        redacted=f"CREATE MASTER KEY ENCRYPTION BY PASSWORD = {REDACTED}",
    )


def create_credential(name: str, account_key: str | None, *, alter: bool = False) -> Statement:
    """``CREATE DATABASE SCOPED CREDENTIAL`` with a storage key, or the managed identity.

    SAS tokens are not accepted by dedicated-pool external data sources, so there is no SAS
    form here.

    Args:
        name: Credential name.
        account_key: Storage account key; None for the workspace's managed identity.
        alter: ``ALTER`` an existing credential instead (key rotation).

    Returns:
        The statement, redacted for logs.
    """
    verb = "ALTER" if alter else "CREATE"
    head = f"{verb} DATABASE SCOPED CREDENTIAL {quote_identifier(name)}"
    if account_key is None:
        return Statement(f"{head}\nWITH IDENTITY = 'Managed Service Identity'")
    return Statement(
        f"{head}\nWITH IDENTITY = 'user', SECRET = {secret_literal(account_key)}",
        redacted=f"{head}\nWITH IDENTITY = 'user', SECRET = {REDACTED}",
    )


def create_data_source(name: str, location: str, credential: str) -> Statement:
    """``CREATE EXTERNAL DATA SOURCE`` of ``TYPE = HADOOP`` over a container.

    Args:
        name: Data source name.
        location: ``wasbs://<container>@<account>.blob.core.windows.net``.
        credential: Credential name.

    Returns:
        The statement.
    """
    return Statement(
        f"CREATE EXTERNAL DATA SOURCE {quote_identifier(name)}\n"
        f"WITH (TYPE = HADOOP, LOCATION = {string_literal(location)}, "
        f"CREDENTIAL = {quote_identifier(credential)})"
    )


def create_file_format(name: str = FILE_FORMAT_NAME) -> Statement:
    """``CREATE EXTERNAL FILE FORMAT`` for the gzip ``escaped`` staging format.

    No STRING_DELIMITER: the format never quotes, and an empty field is NULL
    (``USE_TYPE_DEFAULT = FALSE``).

    Args:
        name: File format name.

    Returns:
        The statement.
    """
    return Statement(
        f"CREATE EXTERNAL FILE FORMAT {quote_identifier(name)}\n"
        "WITH (FORMAT_TYPE = DELIMITEDTEXT,\n"
        f"      FORMAT_OPTIONS (FIELD_TERMINATOR = '{FIELD_TERMINATOR}', "
        "USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8'),\n"
        "      DATA_COMPRESSION = 'org.apache.hadoop.io.compress.GzipCodec')"
    )


def external_text_type(column: ColumnType) -> ColumnType:
    """The ``nvarchar`` an external-table column needs to read a value's staged text.

    Args:
        column: The target column type.

    Returns:
        ``nvarchar(n)`` long enough for the escaped text (escapes can double it).
    """
    if not column.is_string:
        return ColumnType("nvarchar", length=SCALAR_TEXT_LENGTH)
    if column.is_max or (column.length or 0) * 2 > 4000:
        return ColumnType("nvarchar", length=MAX)
    return ColumnType("nvarchar", length=max(2, (column.length or 1) * 2))


def create_external_table(
    schema: str,
    name: str,
    columns: Sequence[ColumnDef],
    location: str,
    data_source: str,
    file_format: str = FILE_FORMAT_NAME,
) -> Statement:
    """``CREATE EXTERNAL TABLE`` over one batch folder; any rejected row fails the load.

    Args:
        schema: Schema name.
        name: External table name.
        columns: The target columns, in staged order (the sequence column is added last).
        location: The batch folder inside the container, e.g. ``/prefix/stream/run/batch/``.
        data_source: External data source name.
        file_format: External file format name.

    Returns:
        The statement.
    """
    lines = [
        f"    {quote_identifier(c.name)} {external_text_type(c.type).sql} NULL" for c in columns
    ]
    lines.append(f"    {quote_identifier(STAGE_SEQUENCE_COLUMN)} bigint NOT NULL")
    folder = "/" + location.strip("/") + "/"
    return Statement(
        f"CREATE EXTERNAL TABLE {quote_table(schema, name)} (\n" + ",\n".join(lines) + "\n)\n"
        f"WITH (LOCATION = {string_literal(folder)}, "
        f"DATA_SOURCE = {quote_identifier(data_source)}, "
        f"FILE_FORMAT = {quote_identifier(file_format)}, REJECT_TYPE = VALUE, REJECT_VALUE = 0)"
    )


def decode_expression(column: ColumnDef) -> str:
    """The CTAS expression turning a staged text column into its target type.

    Args:
        column: The target column.

    Returns:
        ``CAST(<decoded text> AS <type>)``.
    """
    source = quote_identifier(column.name)
    if column.type.is_string:
        decoded = escaped_decode_sql(source)
        return f"CAST({decoded} AS {column.type.sql}) COLLATE DATABASE_DEFAULT"
    return f"CAST({source} AS {column.type.sql})"


def ctas_stage(
    schema: str,
    stage: str,
    external: str,
    columns: Sequence[ColumnDef],
    label_text: str,
) -> Statement:
    """CTAS from the external table into a HEAP ROUND_ROBIN staging table, typed.

    Args:
        schema: Schema name.
        stage: Staging table name.
        external: External table name.
        columns: The target columns.
        label_text: The batch label.

    Returns:
        The statement.
    """
    selects = [f"    {decode_expression(c)} AS {quote_identifier(c.name)}" for c in columns]
    seq = quote_identifier(STAGE_SEQUENCE_COLUMN)
    selects.append(f"    {seq} AS {seq}")
    return Statement(
        f"CREATE TABLE {quote_table(schema, stage)}\n{STAGE_LAYOUT.with_options()}\nAS SELECT\n"
        + ",\n".join(selects)
        + f"\nFROM {quote_table(schema, external)}\n{option_label(label_text)}"
    )


def drop_external_table(schema: str, name: str) -> Statement:
    """``DROP EXTERNAL TABLE`` (guarded: it may not have been created).

    Args:
        schema: Schema name.
        name: External table name.

    Returns:
        The statement.
    """
    table = quote_table(schema, name)
    return Statement(
        f"IF OBJECT_ID({string_literal(table)}) IS NOT NULL DROP EXTERNAL TABLE {table}"
    )
