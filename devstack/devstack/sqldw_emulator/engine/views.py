"""INFORMATION_SCHEMA and ``sys.*`` views built from the shadow catalog.

Each view is materialized as a small DuckDB table in the ``__devstack`` schema, rebuilt when the
catalog changes, so client queries against them (joins, filters, ORDER BY) run as plain SQL.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import collation, types

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import Catalog, ColumnInfo, TableInfo

_SYSNAME = SQLType("nvarchar", 128)
_INT = SQLType("int")
_SMALLINT = SQLType("smallint")
_TINYINT = SQLType("tinyint")
_BIT = SQLType("bit")
_DT = SQLType("datetime")
_NV = SQLType("nvarchar", 4000)
_BIGINT = SQLType("bigint")

SYSTEM_TYPE_IDS = {
    "bigint": 127,
    "int": 56,
    "smallint": 52,
    "tinyint": 48,
    "bit": 104,
    "float": 62,
    "real": 59,
    "decimal": 106,
    "numeric": 108,
    "money": 60,
    "smallmoney": 122,
    "char": 175,
    "varchar": 167,
    "nchar": 239,
    "nvarchar": 231,
    "binary": 173,
    "varbinary": 165,
    "date": 40,
    "time": 41,
    "datetime": 61,
    "datetime2": 42,
    "datetimeoffset": 43,
    "smalldatetime": 58,
    "uniqueidentifier": 36,
}

# view -> [(column, DuckDB type, T-SQL type)]
COLUMNS: dict[str, list[tuple[str, str, SQLType]]] = {
    "is_columns": [
        ("TABLE_CATALOG", "VARCHAR", _SYSNAME),
        ("TABLE_SCHEMA", "VARCHAR", _SYSNAME),
        ("TABLE_NAME", "VARCHAR", _SYSNAME),
        ("COLUMN_NAME", "VARCHAR", _SYSNAME),
        ("ORDINAL_POSITION", "INTEGER", _INT),
        ("COLUMN_DEFAULT", "VARCHAR", _NV),
        ("IS_NULLABLE", "VARCHAR", SQLType("varchar", 3)),
        ("DATA_TYPE", "VARCHAR", _SYSNAME),
        ("CHARACTER_MAXIMUM_LENGTH", "INTEGER", _INT),
        ("CHARACTER_OCTET_LENGTH", "INTEGER", _INT),
        ("NUMERIC_PRECISION", "UTINYINT", _TINYINT),
        ("NUMERIC_PRECISION_RADIX", "SMALLINT", _SMALLINT),
        ("NUMERIC_SCALE", "INTEGER", _INT),
        ("DATETIME_PRECISION", "SMALLINT", _SMALLINT),
        ("CHARACTER_SET_NAME", "VARCHAR", _SYSNAME),
        ("COLLATION_NAME", "VARCHAR", _SYSNAME),
    ],
    "is_tables": [
        ("TABLE_CATALOG", "VARCHAR", _SYSNAME),
        ("TABLE_SCHEMA", "VARCHAR", _SYSNAME),
        ("TABLE_NAME", "VARCHAR", _SYSNAME),
        ("TABLE_TYPE", "VARCHAR", SQLType("varchar", 10)),
    ],
    "is_schemata": [
        ("CATALOG_NAME", "VARCHAR", _SYSNAME),
        ("SCHEMA_NAME", "VARCHAR", _SYSNAME),
        ("SCHEMA_OWNER", "VARCHAR", _SYSNAME),
    ],
    "sys_schemas": [
        ("name", "VARCHAR", _SYSNAME),
        ("schema_id", "INTEGER", _INT),
        ("principal_id", "INTEGER", _INT),
    ],
    "sys_objects": [
        ("name", "VARCHAR", _SYSNAME),
        ("object_id", "INTEGER", _INT),
        ("schema_id", "INTEGER", _INT),
        ("type", "VARCHAR", SQLType("char", 2)),
        ("type_desc", "VARCHAR", SQLType("nvarchar", 60)),
        ("create_date", "TIMESTAMP", _DT),
        ("modify_date", "TIMESTAMP", _DT),
    ],
    "sys_tables": [
        ("name", "VARCHAR", _SYSNAME),
        ("object_id", "INTEGER", _INT),
        ("schema_id", "INTEGER", _INT),
        ("type", "VARCHAR", SQLType("char", 2)),
        ("type_desc", "VARCHAR", SQLType("nvarchar", 60)),
        ("create_date", "TIMESTAMP", _DT),
        ("modify_date", "TIMESTAMP", _DT),
        ("is_external", "BOOLEAN", _BIT),
    ],
    "sys_external_tables": [
        ("name", "VARCHAR", _SYSNAME),
        ("object_id", "INTEGER", _INT),
        ("schema_id", "INTEGER", _INT),
        ("location", "VARCHAR", _NV),
        ("data_source_id", "INTEGER", _INT),
        ("file_format_id", "INTEGER", _INT),
        ("reject_type", "VARCHAR", SQLType("nvarchar", 20)),
        ("reject_value", "DOUBLE", SQLType("float", precision=53)),
    ],
    "sys_columns": [
        ("object_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("column_id", "INTEGER", _INT),
        ("system_type_id", "UTINYINT", _TINYINT),
        ("user_type_id", "INTEGER", _INT),
        ("max_length", "SMALLINT", _SMALLINT),
        ("precision", "UTINYINT", _TINYINT),
        ("scale", "UTINYINT", _TINYINT),
        ("is_nullable", "BOOLEAN", _BIT),
        ("is_identity", "BOOLEAN", _BIT),
        ("collation_name", "VARCHAR", _SYSNAME),
    ],
    "sys_types": [
        ("name", "VARCHAR", _SYSNAME),
        ("system_type_id", "UTINYINT", _TINYINT),
        ("user_type_id", "INTEGER", _INT),
        ("max_length", "SMALLINT", _SMALLINT),
        ("precision", "UTINYINT", _TINYINT),
        ("scale", "UTINYINT", _TINYINT),
        ("is_nullable", "BOOLEAN", _BIT),
        ("is_user_defined", "BOOLEAN", _BIT),
    ],
    "sys_indexes": [
        ("object_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("index_id", "INTEGER", _INT),
        ("type", "UTINYINT", _TINYINT),
        ("type_desc", "VARCHAR", SQLType("nvarchar", 60)),
    ],
    "sys_pdw_table_distribution_properties": [
        ("object_id", "INTEGER", _INT),
        ("distribution_policy", "UTINYINT", _TINYINT),
        ("distribution_policy_desc", "VARCHAR", SQLType("nvarchar", 60)),
    ],
    "sys_pdw_column_distribution_properties": [
        ("object_id", "INTEGER", _INT),
        ("column_id", "INTEGER", _INT),
        ("distribution_ordinal", "UTINYINT", _TINYINT),
    ],
    "sys_external_data_sources": [
        ("data_source_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("location", "VARCHAR", _NV),
        ("type_desc", "VARCHAR", SQLType("nvarchar", 255)),
        ("credential_id", "INTEGER", _INT),
    ],
    "sys_external_file_formats": [
        ("file_format_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("format_type", "VARCHAR", SQLType("nvarchar", 100)),
        ("field_terminator", "VARCHAR", SQLType("nvarchar", 10)),
        ("string_delimiter", "VARCHAR", SQLType("nvarchar", 10)),
        ("first_row", "INTEGER", _INT),
        ("encoding", "VARCHAR", SQLType("nvarchar", 10)),
        ("data_compression", "VARCHAR", SQLType("nvarchar", 255)),
    ],
    "sys_database_scoped_credentials": [
        ("credential_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("credential_identity", "VARCHAR", SQLType("nvarchar", 4000)),
    ],
    "sys_symmetric_keys": [
        ("name", "VARCHAR", _SYSNAME),
        ("symmetric_key_id", "INTEGER", _INT),
    ],
    "sys_dm_pdw_exec_requests": [
        ("request_id", "VARCHAR", SQLType("nvarchar", 32)),
        ("session_id", "VARCHAR", SQLType("nvarchar", 32)),
        ("status", "VARCHAR", SQLType("nvarchar", 32)),
        ("submit_time", "TIMESTAMP", _DT),
        ("start_time", "TIMESTAMP", _DT),
        ("end_compile_time", "TIMESTAMP", _DT),
        ("end_time", "TIMESTAMP", _DT),
        ("total_elapsed_time", "INTEGER", _INT),
        ("label", "VARCHAR", SQLType("nvarchar", 255)),
        ("error_id", "VARCHAR", SQLType("nvarchar", 36)),
        ("database_id", "INTEGER", _INT),
        ("command", "VARCHAR", SQLType("nvarchar", 4000)),
        ("resource_class", "VARCHAR", SQLType("nvarchar", 20)),
        ("importance", "VARCHAR", SQLType("nvarchar", 128)),
        ("row_count", "BIGINT", _BIGINT),
    ],
}
VIEW_COLUMN_TYPES = {
    view: {name.lower(): sql for name, _duck, sql in columns} for view, columns in COLUMNS.items()
}
_ALIASES = {"sys_all_columns": "sys_columns", "sys_all_objects": "sys_objects"}


def view_name(schema: str, name: str) -> str | None:
    """The materialized table behind ``INFORMATION_SCHEMA.X`` or ``sys.x``, if emulated."""
    prefix = "is" if schema.lower() == "information_schema" else "sys"
    candidate = f"{prefix}_{name.lower()}"
    candidate = _ALIASES.get(candidate, candidate)
    return candidate if candidate in COLUMNS else None


def _type_row(sql: SQLType) -> tuple[t.Any, ...]:
    name = sql.name
    char_len: int | None = None
    octet: int | None = None
    precision: int | None = None
    radix: int | None = None
    scale: int | None = None
    dt_precision: int | None = None
    if name in types.CHAR_TYPES or name in types.BINARY_TYPES:
        char_len = sql.length
        octet = -1 if sql.length == -1 else types.max_length_bytes(sql)
    elif name in ("decimal", "numeric"):
        precision, radix, scale = sql.precision, 10, sql.scale
    elif name in ("bigint", "int", "smallint", "tinyint", "money", "smallmoney"):
        precision = {
            "bigint": 19,
            "int": 10,
            "smallint": 5,
            "tinyint": 3,
            "money": 19,
            "smallmoney": 10,
        }[name]
        radix, scale = 10, 4 if "money" in name else 0
    elif name in ("float", "real"):
        precision, radix = (53 if name == "float" else 24), 2
    elif name in ("datetime2", "time", "datetimeoffset"):
        dt_precision = 7 if sql.scale is None else sql.scale
    elif name in ("datetime", "smalldatetime", "date"):
        dt_precision = {"datetime": 3, "smalldatetime": 0, "date": 0}[name]
    return char_len, octet, precision, radix, scale, dt_precision


def _collation(column: ColumnInfo) -> str | None:
    if column.type.name not in types.CHAR_TYPES:
        return None
    return column.collation or collation.DATABASE_DEFAULT


def build_rows(catalog: Catalog, database: str) -> dict[str, list[tuple[t.Any, ...]]]:
    """Rows of every catalog view (except the request log) from the current catalog."""
    rows: dict[str, list[tuple[t.Any, ...]]] = {view: [] for view in COLUMNS}
    schema_ids = {key: sid for key, (_name, sid) in catalog.schemas.items()}
    for name, sid in catalog.schemas.values():
        rows["sys_schemas"].append((name, sid, 1))
        rows["is_schemata"].append((database, name, "dbo"))
    externals = {(obj.kind, obj.name.lower()): obj for obj in catalog.externals.values()}
    tables: list[TableInfo] = sorted(catalog.tables.values(), key=lambda i: i.object_id)
    for info in tables:
        sid = schema_ids.get(info.schema.lower(), 1)
        created = info.created[:26].replace("T", " ") if info.created else None
        kind_desc = {"U": "USER_TABLE", "ET": "USER_TABLE", "V": "VIEW"}[info.kind]
        rows["sys_objects"].append(
            (
                info.name,
                info.object_id,
                sid,
                "U " if info.kind != "V" else "V ",
                kind_desc,
                created,
                created,
            )
        )
        if info.kind != "V":
            rows["sys_tables"].append(
                (
                    info.name,
                    info.object_id,
                    sid,
                    "U ",
                    "USER_TABLE",
                    created,
                    created,
                    info.kind == "ET",
                )
            )
        rows["is_tables"].append(
            (database, info.schema, info.name, "VIEW" if info.kind == "V" else "BASE TABLE")
        )
        if info.kind == "ET":
            source = externals.get(("DATA_SOURCE", info.external.get("DATA_SOURCE", "").lower()))
            fmt = externals.get(("FILE_FORMAT", info.external.get("FILE_FORMAT", "").lower()))
            reject = info.external.get("REJECT_VALUE")
            rows["sys_external_tables"].append(
                (
                    info.name,
                    info.object_id,
                    sid,
                    info.external.get("LOCATION"),
                    source.object_id if source else None,
                    fmt.object_id if fmt else None,
                    info.external.get("REJECT_TYPE", "VALUE"),
                    float(reject) if reject is not None else 0.0,
                )
            )
        elif info.kind == "U":
            policy = {"HASH": 2, "ROUND_ROBIN": 4, "REPLICATE": 3}[info.distribution]
            rows["sys_pdw_table_distribution_properties"].append(
                (info.object_id, policy, info.distribution)
            )
            index_type = {
                "HEAP": (0, "HEAP"),
                "CLUSTERED INDEX": (1, "CLUSTERED"),
                "CLUSTERED COLUMNSTORE INDEX": (5, "CLUSTERED COLUMNSTORE"),
            }
            number, desc = index_type.get(info.index, (0, "HEAP"))
            rows["sys_indexes"].append(
                (
                    info.object_id,
                    None if number == 0 else f"ClusteredIndex_{info.object_id}",
                    number,
                    number,
                    desc,
                )
            )
        for position, column in enumerate(info.columns, start=1):
            sql = column.type
            char_len, octet, precision, radix, scale, dt_precision = _type_row(sql)
            rows["is_columns"].append(
                (
                    database,
                    info.schema,
                    info.name,
                    column.name,
                    position,
                    column.default,
                    "YES" if column.nullable else "NO",
                    sql.name,
                    char_len,
                    octet,
                    precision,
                    radix,
                    scale,
                    dt_precision,
                    "UNICODE"
                    if sql.name.startswith("n") and char_len
                    else ("iso_1" if char_len and sql.name in types.CHAR_TYPES else None),
                    _collation(column),
                )
            )
            sys_precision = precision if sql.name in ("decimal", "numeric") else (precision or 0)
            sys_scale = scale if scale is not None else (dt_precision if dt_precision else 0)
            rows["sys_columns"].append(
                (
                    info.object_id,
                    column.name,
                    position,
                    SYSTEM_TYPE_IDS.get(sql.name, 231),
                    SYSTEM_TYPE_IDS.get(sql.name, 231),
                    types.max_length_bytes(sql),
                    sys_precision if sys_precision and sys_precision < 256 else 0,
                    sys_scale or 0,
                    column.nullable,
                    column.identity,
                    _collation(column),
                )
            )
            if info.kind == "U" and column.name.lower() in [
                c.lower() for c in info.distribution_columns
            ]:
                ordinal = [c.lower() for c in info.distribution_columns].index(column.name.lower())
                rows["sys_pdw_column_distribution_properties"].append(
                    (info.object_id, position, ordinal + 1)
                )
            elif info.kind == "U":
                rows["sys_pdw_column_distribution_properties"].append((info.object_id, position, 0))
    for name, type_id in SYSTEM_TYPE_IDS.items():
        sql = types.make_type(name, [])
        rows["sys_types"].append(
            (name, type_id, type_id, types.max_length_bytes(sql), 0, 0, True, False)
        )
    rows["sys_types"].append(("sysname", 231, 256, 256, 0, 0, False, False))
    for obj in sorted(catalog.externals.values(), key=lambda o: o.object_id):
        options = obj.options
        if obj.kind == "DATA_SOURCE":
            credential = externals.get(("CREDENTIAL", options.get("CREDENTIAL", "").lower()))
            rows["sys_external_data_sources"].append(
                (
                    obj.object_id,
                    obj.name,
                    options.get("LOCATION"),
                    options.get("TYPE", "HADOOP"),
                    credential.object_id if credential else None,
                )
            )
        elif obj.kind == "FILE_FORMAT":
            rows["sys_external_file_formats"].append(
                (
                    obj.object_id,
                    obj.name,
                    options.get("FORMAT_TYPE"),
                    options.get("FIELD_TERMINATOR"),
                    options.get("STRING_DELIMITER"),
                    int(options.get("FIRST_ROW", "1")),
                    options.get("ENCODING", "UTF8"),
                    options.get("DATA_COMPRESSION"),
                )
            )
        elif obj.kind == "CREDENTIAL":
            rows["sys_database_scoped_credentials"].append(
                (obj.object_id, obj.name, options.get("IDENTITY"))
            )
    if catalog.master_key:
        rows["sys_symmetric_keys"].append(("##MS_DatabaseMasterKey##", 101))
    return rows


def create_statement(view: str) -> str:
    """DDL creating the (empty) materialized table of a view."""
    columns = ", ".join(f'"{name}" {duck}' for name, duck, _sql in COLUMNS[view])
    return f"CREATE OR REPLACE TABLE __devstack.{view} ({columns})"
