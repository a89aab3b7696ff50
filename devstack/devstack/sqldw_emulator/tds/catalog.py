"""Result sets of the drivers' catalog procedures (sp_datatype_info_100, describe calls).

Pure.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import Column, ResultSet, SQLType
from devstack.sqldw_emulator.tds.datatypes import decimal_size, time_size

_SYSNAME = SQLType("nvarchar", 128)
_SMALLINT = SQLType("smallint")
_INT = SQLType("int")
_VARCHAR32 = SQLType("varchar", 32)

_TYPE_INFO_COLUMNS = [
    Column("TYPE_NAME", _SYSNAME, False),
    Column("DATA_TYPE", _SMALLINT, False),
    Column("PRECISION", _INT),
    Column("LITERAL_PREFIX", _VARCHAR32),
    Column("LITERAL_SUFFIX", _VARCHAR32),
    Column("CREATE_PARAMS", _VARCHAR32),
    Column("NULLABLE", _SMALLINT, False),
    Column("CASE_SENSITIVE", _SMALLINT, False),
    Column("SEARCHABLE", _SMALLINT, False),
    Column("UNSIGNED_ATTRIBUTE", _SMALLINT),
    Column("MONEY", _SMALLINT, False),
    Column("AUTO_INCREMENT", _SMALLINT),
    Column("LOCAL_TYPE_NAME", _SYSNAME),
    Column("MINIMUM_SCALE", _SMALLINT),
    Column("MAXIMUM_SCALE", _SMALLINT),
    Column("SQL_DATA_TYPE", _SMALLINT, False),
    Column("SQL_DATETIME_SUB", _SMALLINT),
    Column("NUM_PREC_RADIX", _INT),
    Column("INTERVAL_PRECISION", _SMALLINT),
    Column("USERTYPE", _SMALLINT),
]

# (name, ODBC type, column size, prefix, suffix, create params, case sensitive, unsigned,
#  money, min scale, max scale, SQL_DATA_TYPE, datetime sub, radix). Within one ODBC type the
# first row is what the drivers adopt: datetime (size 23) for SQL_TYPE_TIMESTAMP, which is why
# pyodbc sends datetime parameters with millisecond precision to SQL Server.
_TYPES: list[tuple[t.Any, ...]] = [
    ("bit", -7, 1, None, None, None, 0, None, 0, 0, 0, -7, None, None),
    ("tinyint", -6, 3, None, None, None, 0, 1, 0, 0, 0, -6, None, 10),
    ("bigint", -5, 19, None, None, None, 0, 0, 0, 0, 0, -5, None, 10),
    ("varbinary", -3, 8000, "0x", None, "max length", 0, None, 0, None, None, -3, None, None),
    ("binary", -2, 8000, "0x", None, "length", 0, None, 0, None, None, -2, None, None),
    ("nvarchar", -9, 4000, "N'", "'", "max length", 0, None, 0, None, None, -9, None, None),
    ("nchar", -8, 4000, "N'", "'", "length", 0, None, 0, None, None, -8, None, None),
    ("uniqueidentifier", -11, 36, "'", "'", None, 0, None, 0, None, None, -11, None, None),
    ("char", 1, 8000, "'", "'", "length", 0, None, 0, None, None, 1, None, None),
    ("numeric", 2, 38, None, None, "precision,scale", 0, 0, 0, 0, 38, 2, None, 10),
    ("decimal", 3, 38, None, None, "precision,scale", 0, 0, 0, 0, 38, 3, None, 10),
    ("money", 3, 19, "$", None, None, 0, 0, 1, 4, 4, 3, None, 10),
    ("int", 4, 10, None, None, None, 0, 0, 0, 0, 0, 4, None, 10),
    ("smallint", 5, 5, None, None, None, 0, 0, 0, 0, 0, 5, None, 10),
    ("float", 6, 53, None, None, None, 0, 0, 0, None, None, 6, None, 2),
    ("real", 7, 24, None, None, None, 0, 0, 0, None, None, 7, None, 2),
    ("varchar", 12, 8000, "'", "'", "max length", 0, None, 0, None, None, 12, None, None),
    ("date", 91, 10, "'", "'", None, 0, None, 0, None, None, 9, 1, None),
    ("datetime", 93, 23, "'", "'", None, 0, None, 0, 3, 3, 9, 3, None),
    ("smalldatetime", 93, 16, "'", "'", None, 0, None, 0, 0, 0, 9, 3, None),
    ("datetime2", 93, 27, "'", "'", "scale", 0, None, 0, 0, 7, 9, 3, None),
    ("time", -154, 16, "'", "'", "scale", 0, None, 0, 0, 7, -154, 0, None),
    ("datetimeoffset", -155, 34, "'", "'", "scale", 0, None, 0, 0, 7, -155, 0, None),
]


def datatype_info(data_type: int | None) -> ResultSet:
    """The result of ``sp_datatype_info_100 @data_type`` (0 or NULL: every type)."""
    rows = []
    for (
        name,
        odbc,
        size,
        prefix,
        suffix,
        params,
        case,
        unsigned,
        money,
        smin,
        smax,
        sql,
        sub,
        radix,
    ) in _TYPES:
        if data_type and odbc != data_type:
            continue
        searchable = 3 if odbc in (-9, -8, 1, 12) else 2
        auto = 0 if radix else None
        rows.append(
            (name, odbc, size, prefix, suffix, params, 1, case, searchable, unsigned, money, auto,
             name, smin, smax, sql, sub, radix, None, 0)
        )  # fmt: skip
    return ResultSet(list(_TYPE_INFO_COLUMNS), rows)


_SYSTEM_TYPE_IDS = {
    "bit": 104, "tinyint": 48, "smallint": 52, "int": 56, "bigint": 127, "real": 59, "float": 62,
    "decimal": 106, "numeric": 108, "money": 60, "smallmoney": 122, "date": 40, "time": 41,
    "datetime2": 42, "datetimeoffset": 43, "datetime": 61, "smalldatetime": 58, "char": 175,
    "varchar": 167, "nchar": 239, "nvarchar": 231, "binary": 173, "varbinary": 165,
    "uniqueidentifier": 36,
}  # fmt: skip
# TDS type ids the drivers use to build parameter TYPE_INFO.
_TDS_TYPE_IDS = {
    "bit": 104, "tinyint": 38, "smallint": 38, "int": 38, "bigint": 38, "real": 109,
    "float": 109, "decimal": 106, "numeric": 108, "money": 110, "smallmoney": 110, "date": 40,
    "time": 41, "datetime2": 42, "datetimeoffset": 43, "datetime": 111, "smalldatetime": 111,
    "char": 175, "varchar": 167, "nchar": 239, "nvarchar": 231, "binary": 173, "varbinary": 165,
    "uniqueidentifier": 36,
}  # fmt: skip
_FIXED_LENGTHS = {
    "bit": 1, "tinyint": 1, "smallint": 2, "int": 4, "bigint": 8, "real": 4, "float": 8,
    "money": 8, "smallmoney": 4, "date": 3, "datetime": 8, "smalldatetime": 4,
    "uniqueidentifier": 16,
}  # fmt: skip

_DESCRIBE_COLUMNS = [
    Column("parameter_ordinal", _INT, False),
    Column("name", _SYSNAME, False),
    Column("suggested_system_type_id", _INT, False),
    Column("suggested_system_type_name", SQLType("nvarchar", 256)),
    Column("suggested_max_length", _SMALLINT, False),
    Column("suggested_precision", SQLType("tinyint"), False),
    Column("suggested_scale", SQLType("tinyint"), False),
    Column("suggested_user_type_id", _INT),
    Column("suggested_user_type_database", _SYSNAME),
    Column("suggested_user_type_schema", _SYSNAME),
    Column("suggested_user_type_name", _SYSNAME),
    Column("suggested_assembly_qualified_type_name", SQLType("nvarchar", 4000)),
    Column("suggested_xml_collection_id", _INT),
    Column("suggested_xml_collection_database", _SYSNAME),
    Column("suggested_xml_collection_schema", _SYSNAME),
    Column("suggested_xml_collection_name", _SYSNAME),
    Column("suggested_is_xml_document", SQLType("bit"), False),
    Column("suggested_is_case_sensitive", SQLType("bit"), False),
    Column("suggested_is_fixed_length_type", SQLType("bit"), False),
    Column("suggested_is_input", SQLType("bit"), False),
    Column("suggested_is_output", SQLType("bit"), False),
    Column("formal_parameter_name", _SYSNAME),
    Column("suggested_tds_type_id", _INT, False),
    Column("suggested_tds_length", _INT, False),
]


def type_name(sql: SQLType) -> str:
    """The T-SQL spelling of a type: ``nvarchar(40)``, ``decimal(38,6)``, ``datetime2(7)``."""
    if sql.name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary"):
        return f"{sql.name}({'max' if sql.length == -1 else sql.length or 1})"
    if sql.name in ("decimal", "numeric"):
        return f"{sql.name}({sql.precision or 18},{sql.scale or 0})"
    if sql.name in ("time", "datetime2", "datetimeoffset"):
        return f"{sql.name}({7 if sql.scale is None else sql.scale})"
    return sql.name


def _max_length(sql: SQLType) -> int:
    if sql.name in _FIXED_LENGTHS:
        return _FIXED_LENGTHS[sql.name]
    if sql.name in ("decimal", "numeric"):
        return decimal_size(sql.precision or 18)
    scale = 7 if sql.scale is None else sql.scale
    if sql.name == "time":
        return time_size(scale)
    if sql.name == "datetime2":
        return time_size(scale) + 3
    if sql.name == "datetimeoffset":
        return time_size(scale) + 5
    if sql.length == -1:
        return -1
    unit = 2 if sql.name in ("nchar", "nvarchar") else 1
    return (sql.length or 1) * unit


def describe_parameters(names: list[str], types: list[SQLType]) -> ResultSet:
    """The result of ``sp_describe_undeclared_parameters`` for parameters and their types."""
    rows = []
    for ordinal, (name, sql) in enumerate(zip(names, types, strict=True), start=1):
        length = _max_length(sql)
        precision = {"decimal": sql.precision or 18, "numeric": sql.precision or 18}.get(
            sql.name, 0
        )
        scale = sql.scale or 0 if sql.name in ("decimal", "numeric", "time", "datetime2",
                                               "datetimeoffset") else 0  # fmt: skip
        fixed = sql.name in _FIXED_LENGTHS or sql.name in ("char", "nchar", "binary")
        tds_length = 0xFFFF if length == -1 else length
        rows.append(
            (ordinal, name, _SYSTEM_TYPE_IDS.get(sql.name, 231), type_name(sql), length,
             precision, scale, None, None, None, None, None, None, None, None, None, False,
             False, fixed, True, False, name, _TDS_TYPE_IDS.get(sql.name, 231), tds_length)
        )  # fmt: skip
    return ResultSet(list(_DESCRIBE_COLUMNS), rows)
