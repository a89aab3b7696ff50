"""The columns of the emulated INFORMATION_SCHEMA and ``sys.*`` views, with their T-SQL types.

Pure data.
"""

from __future__ import annotations

from devstack.sqldw_emulator.api import SQLType

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
        ("parent_object_id", "INTEGER", _INT),
        ("principal_id", "INTEGER", _INT),
        ("is_ms_shipped", "BOOLEAN", _BIT),
    ],
    # Not a catalog view: every name form OBJECT_ID accepts, for OBJECT_ID(<expression>).
    "dw_object_names": [
        ("name_key", "VARCHAR", _SYSNAME),
        ("type", "VARCHAR", SQLType("char", 2)),
        ("object_id", "INTEGER", _INT),
    ],
    "sys_key_constraints": [
        ("name", "VARCHAR", _SYSNAME),
        ("object_id", "INTEGER", _INT),
        ("schema_id", "INTEGER", _INT),
        ("parent_object_id", "INTEGER", _INT),
        ("type", "VARCHAR", SQLType("char", 2)),
        ("type_desc", "VARCHAR", SQLType("nvarchar", 60)),
        ("unique_index_id", "INTEGER", _INT),
        ("is_system_named", "BOOLEAN", _BIT),
        ("is_enforced", "BOOLEAN", _BIT),
    ],
    "sys_default_constraints": [
        ("name", "VARCHAR", _SYSNAME),
        ("object_id", "INTEGER", _INT),
        ("schema_id", "INTEGER", _INT),
        ("parent_object_id", "INTEGER", _INT),
        ("type", "VARCHAR", SQLType("char", 2)),
        ("parent_column_id", "INTEGER", _INT),
        ("definition", "VARCHAR", SQLType("nvarchar", -1)),
    ],
    "sys_computed_columns": [
        ("object_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("column_id", "INTEGER", _INT),
        ("definition", "VARCHAR", SQLType("nvarchar", -1)),
        ("is_persisted", "BOOLEAN", _BIT),
    ],
    "sys_identity_columns": [
        ("object_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("column_id", "INTEGER", _INT),
        ("is_identity", "BOOLEAN", _BIT),
        ("seed_value", "BIGINT", _BIGINT),
        ("increment_value", "BIGINT", _BIGINT),
    ],
    "sys_extended_properties": [
        ("class", "UTINYINT", _TINYINT),
        ("class_desc", "VARCHAR", SQLType("nvarchar", 60)),
        ("major_id", "INTEGER", _INT),
        ("minor_id", "INTEGER", _INT),
        ("name", "VARCHAR", _SYSNAME),
        ("value", "VARCHAR", SQLType("nvarchar", 4000)),
    ],
    "sys_index_columns": [
        ("object_id", "INTEGER", _INT),
        ("index_id", "INTEGER", _INT),
        ("index_column_id", "INTEGER", _INT),
        ("column_id", "INTEGER", _INT),
        ("key_ordinal", "UTINYINT", _TINYINT),
        ("is_descending_key", "BOOLEAN", _BIT),
        ("is_included_column", "BOOLEAN", _BIT),
    ],
    "is_table_constraints": [
        ("CONSTRAINT_CATALOG", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_SCHEMA", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_NAME", "VARCHAR", _SYSNAME),
        ("TABLE_CATALOG", "VARCHAR", _SYSNAME),
        ("TABLE_SCHEMA", "VARCHAR", _SYSNAME),
        ("TABLE_NAME", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_TYPE", "VARCHAR", SQLType("varchar", 11)),
        ("IS_DEFERRABLE", "VARCHAR", SQLType("varchar", 2)),
        ("INITIALLY_DEFERRED", "VARCHAR", SQLType("varchar", 2)),
    ],
    "is_key_column_usage": [
        ("CONSTRAINT_CATALOG", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_SCHEMA", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_NAME", "VARCHAR", _SYSNAME),
        ("TABLE_CATALOG", "VARCHAR", _SYSNAME),
        ("TABLE_SCHEMA", "VARCHAR", _SYSNAME),
        ("TABLE_NAME", "VARCHAR", _SYSNAME),
        ("COLUMN_NAME", "VARCHAR", _SYSNAME),
        ("ORDINAL_POSITION", "INTEGER", _INT),
    ],
    "is_referential_constraints": [
        ("CONSTRAINT_CATALOG", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_SCHEMA", "VARCHAR", _SYSNAME),
        ("CONSTRAINT_NAME", "VARCHAR", _SYSNAME),
        ("UNIQUE_CONSTRAINT_CATALOG", "VARCHAR", _SYSNAME),
        ("UNIQUE_CONSTRAINT_SCHEMA", "VARCHAR", _SYSNAME),
        ("UNIQUE_CONSTRAINT_NAME", "VARCHAR", _SYSNAME),
        ("MATCH_OPTION", "VARCHAR", SQLType("varchar", 7)),
        ("UPDATE_RULE", "VARCHAR", SQLType("varchar", 11)),
        ("DELETE_RULE", "VARCHAR", SQLType("varchar", 11)),
    ],
    "is_views": [
        ("TABLE_CATALOG", "VARCHAR", _SYSNAME),
        ("TABLE_SCHEMA", "VARCHAR", _SYSNAME),
        ("TABLE_NAME", "VARCHAR", _SYSNAME),
        ("VIEW_DEFINITION", "VARCHAR", SQLType("nvarchar", 4000)),
        ("CHECK_OPTION", "VARCHAR", SQLType("varchar", 7)),
        ("IS_UPDATABLE", "VARCHAR", SQLType("varchar", 2)),
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
        ("default_object_id", "INTEGER", _INT),
        ("is_computed", "BOOLEAN", _BIT),
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
        ("is_unique", "BOOLEAN", _BIT),
        ("is_primary_key", "BOOLEAN", _BIT),
        ("is_unique_constraint", "BOOLEAN", _BIT),
        ("has_filter", "BOOLEAN", _BIT),
        ("filter_definition", "VARCHAR", SQLType("nvarchar", -1)),
        ("is_disabled", "BOOLEAN", _BIT),
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
