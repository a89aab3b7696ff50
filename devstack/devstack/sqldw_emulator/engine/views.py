"""INFORMATION_SCHEMA and ``sys.*`` views built from the shadow catalog.

Materializes them as small DuckDB tables in the ``__devstack`` schema.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import collation, types
from devstack.sqldw_emulator.engine.view_columns import COLUMNS, SYSTEM_TYPE_IDS

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType
    from devstack.sqldw_emulator.engine.catalog import Catalog, ColumnInfo, TableInfo

__all__ = ["COLUMNS", "build_rows", "create_statement", "sys_precision_scale"]

Rows = dict[str, list[tuple[t.Any, ...]]]
_INTEGER_PRECISION = {"bigint": 19, "int": 10, "smallint": 5, "tinyint": 3, "money": 19,
                      "smallmoney": 10}  # fmt: skip
# sys.columns.precision of the date and time types without fractional seconds (SQL Server's
# "precision" of datetime2(n) is 19 + n + 1, of time(n) 8 + n + 1, datetimeoffset(n) 26 + n + 1).
_TEMPORAL_BASE = {"datetime2": 19, "time": 8, "datetimeoffset": 26}
_FIXED_PRECISION_SCALE = {"bit": (1, 0), "float": (53, 0), "real": (24, 0), "date": (10, 0),
                          "datetime": (23, 3), "smalldatetime": (16, 0), "money": (19, 4),
                          "smallmoney": (10, 4)}  # fmt: skip
_INDEX_TYPES = {
    "HEAP": (0, "HEAP"),
    "CLUSTERED INDEX": (1, "CLUSTERED"),
    "CLUSTERED COLUMNSTORE INDEX": (5, "CLUSTERED COLUMNSTORE"),
}


def sys_precision_scale(sql: SQLType) -> tuple[int, int]:
    """``sys.columns.precision`` and ``.scale`` as SQL Server reports them for a type."""
    name = sql.name
    if name in ("decimal", "numeric"):
        return sql.precision or 18, sql.scale or 0
    if name in _TEMPORAL_BASE:
        scale = 7 if sql.scale is None else sql.scale
        return _TEMPORAL_BASE[name] + (scale + 1 if scale else 0), scale
    if name in _FIXED_PRECISION_SCALE:
        return _FIXED_PRECISION_SCALE[name]
    return _INTEGER_PRECISION.get(name, 0), 0


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
    elif name in _INTEGER_PRECISION:
        precision = _INTEGER_PRECISION[name]
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


def default_object_id(info: TableInfo, position: int) -> int:
    """The object_id of a column's DEFAULT constraint (derived: defaults are not named here).

    Above every catalog-assigned id while the catalog has fewer than a million objects.
    """
    return 1_000_000_000 + info.object_id * 1024 + position


#: A table's column rows by view, with the key of what they were built from.
ColumnRowCache = dict[int, tuple[tuple[t.Any, ...], Rows]]


def build_rows(catalog: Catalog, database: str, cache: ColumnRowCache | None = None) -> Rows:
    """Rows of every catalog view (except the request log) from the current catalog.

    Args:
        catalog: The shadow catalog.
        database: The database name the views show.
        cache: Column rows of earlier calls by object_id, reused for a table whose columns
            and names are unchanged (built anew otherwise) and left holding the current
            tables' rows; None builds every row.
    """
    rows: Rows = {view: [] for view in COLUMNS}
    schema_ids = {key: sid for key, (_name, sid) in catalog.schemas.items()}
    for name, sid in catalog.schemas.values():
        rows["sys_schemas"].append((name, sid, 1))
        rows["is_schemata"].append((database, name, "dbo"))
    tables: list[TableInfo] = sorted(catalog.tables.values(), key=lambda i: i.object_id)
    seen: ColumnRowCache = {}
    for info in tables:
        sid = schema_ids.get(info.schema.lower(), 1)
        _table_rows(rows, catalog, info, sid, database)
        _key_rows(rows, info, sid, database)
        if cache is None:
            for position, column in enumerate(info.columns, start=1):
                _column_rows(rows, info, position, column, sid, database)
            continue
        for view, found in _cached_column_rows(cache, seen, info, sid, database).items():
            rows[view].extend(found)
    if cache is not None:
        cache.clear()
        cache.update(seen)
    for name, type_id in SYSTEM_TYPE_IDS.items():
        sql = types.make_type(name, [])
        precision, scale = sys_precision_scale(sql)
        rows["sys_types"].append(
            (name, type_id, type_id, types.max_length_bytes(sql), precision, scale, True, False)
        )
    rows["sys_types"].append(("sysname", 231, 256, 256, 0, 0, False, False))
    _external_rows(rows, catalog)
    _name_rows(rows, catalog, database)
    if catalog.master_key:
        rows["sys_symmetric_keys"].append(("##MS_DatabaseMasterKey##", 101))
    return rows


def _cached_column_rows(
    cache: ColumnRowCache, seen: ColumnRowCache, info: TableInfo, sid: int, database: str
) -> Rows:
    # Building a wide table's column rows costs ten times its key (what they are built from).
    key = (
        info.schema, info.name, info.kind, sid, database, tuple(info.distribution_columns),
        tuple((c.name, c.type, c.nullable, c.identity, c.default, c.collation)
              for c in info.columns),
    )  # fmt: skip
    entry = cache.get(info.object_id)
    if entry is None or entry[0] != key:
        built: Rows = {view: [] for view in COLUMNS}
        for position, column in enumerate(info.columns, start=1):
            _column_rows(built, info, position, column, sid, database)
        entry = (key, {view: found for view, found in built.items() if found})
    seen[info.object_id] = entry
    return entry[1]


def _table_rows(rows: Rows, catalog: Catalog, info: TableInfo, sid: int, database: str) -> None:
    created = info.created[:26].replace("T", " ") if info.created else None
    kind_desc = {"U": "USER_TABLE", "ET": "USER_TABLE", "V": "VIEW"}[info.kind]
    kind = "V" if info.kind == "V" else "U"
    rows["sys_objects"].append(
        (info.name, info.object_id, sid, kind, kind_desc, created, created, 0, None, False)
    )
    if info.kind != "V":
        rows["sys_tables"].append(
            (info.name, info.object_id, sid, "U", "USER_TABLE", created, created,
             info.kind == "ET")
        )  # fmt: skip
    rows["is_tables"].append(
        (database, info.schema, info.name, "VIEW" if info.kind == "V" else "BASE TABLE")
    )
    if info.kind == "V":
        rows["is_views"].append((database, info.schema, info.name, None, "NONE", "NO"))
    if info.kind == "ET":
        source = catalog.external("DATA_SOURCE", info.external.get("DATA_SOURCE", ""))
        fmt = catalog.external("FILE_FORMAT", info.external.get("FILE_FORMAT", ""))
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
        number, desc = _INDEX_TYPES.get(info.index, (0, "HEAP"))
        name = None if number == 0 else f"ClusteredIndex_{info.object_id}"
        rows["sys_indexes"].append(
            (info.object_id, name, number, number, desc, False, False, False, False, None, False)
        )
        if number == 1:
            for ordinal, column in enumerate(info.index_columns, start=1):
                rows["sys_index_columns"].append(
                    (info.object_id, 1, ordinal, _column_id(info, column), ordinal, False, False)
                )


def _column_id(info: TableInfo, name: str) -> int:
    for position, column in enumerate(info.columns, start=1):
        if column.name.lower() == name.lower():
            return position
    return 0


def _key_rows(rows: Rows, info: TableInfo, sid: int, database: str) -> None:
    """PRIMARY KEY / UNIQUE NOT ENFORCED: a constraint object and a nonclustered index each."""
    created = info.created[:26].replace("T", " ") if info.created else None
    for number, key in enumerate(info.keys, start=2):
        name = info.key_name(key)
        desc = "PRIMARY_KEY_CONSTRAINT" if key.kind == "PK" else "UNIQUE_CONSTRAINT"
        rows["sys_objects"].append(
            (name, key.object_id, sid, key.kind, desc, created, created, info.object_id, None,
             False)
        )  # fmt: skip
        rows["sys_key_constraints"].append(
            (name, key.object_id, sid, info.object_id, key.kind, desc, number, key.name is None,
             False)
        )  # fmt: skip
        rows["sys_indexes"].append(
            (info.object_id, name, number, 2, "NONCLUSTERED", True, key.kind == "PK",
             key.kind == "UQ", False, None, False)
        )  # fmt: skip
        kind = "PRIMARY KEY" if key.kind == "PK" else "UNIQUE"
        rows["is_table_constraints"].append(
            (database, info.schema, name, database, info.schema, info.name, kind, "NO", "NO")
        )
        for ordinal, column in enumerate(key.columns, start=1):
            column_id = _column_id(info, column)
            rows["sys_index_columns"].append(
                (info.object_id, number, ordinal, column_id, ordinal, False, False)
            )
            declared = info.columns[column_id - 1].name if column_id else column
            rows["is_key_column_usage"].append(
                (database, info.schema, name, database, info.schema, info.name, declared, ordinal)
            )


def _column_rows(
    rows: Rows, info: TableInfo, position: int, column: ColumnInfo, sid: int, database: str
) -> None:
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
    sys_precision, sys_scale = sys_precision_scale(sql)
    default_id = default_object_id(info, position) if column.default is not None else 0
    rows["sys_columns"].append(
        (
            info.object_id,
            column.name,
            position,
            SYSTEM_TYPE_IDS.get(sql.name, 231),
            SYSTEM_TYPE_IDS.get(sql.name, 231),
            types.max_length_bytes(sql),
            sys_precision,
            sys_scale,
            column.nullable,
            column.identity,
            _collation(column),
            default_id,
            False,
        )
    )
    if column.default is not None:
        name = f"DF__{info.name[:9]}__{column.name[:5]}__{default_id:08X}"
        rows["sys_default_constraints"].append(
            (name, default_id, sid, info.object_id, "D", position, f"({column.default})")
        )
    if column.identity:
        rows["sys_identity_columns"].append((info.object_id, column.name, position, True, 1, 1))
    if info.kind == "U":
        lowered = [c.lower() for c in info.distribution_columns]
        ordinal = lowered.index(column.name.lower()) + 1 if column.name.lower() in lowered else 0
        rows["sys_pdw_column_distribution_properties"].append((info.object_id, position, ordinal))


def _name_rows(rows: Rows, catalog: Catalog, database: str) -> None:
    """Every name OBJECT_ID resolves: ``name`` (dbo), ``schema.name``, ``db.schema.name``."""
    schemas = {sid: name.lower() for name, sid in catalog.schemas.values()}
    db = database.lower()
    for name, object_id, sid, kind, *_rest in rows["sys_objects"]:
        schema = schemas.get(sid, "dbo")
        lowered = name.lower()
        forms = [f"{schema}.{lowered}", f"{db}.{schema}.{lowered}"]
        if schema == "dbo":
            forms += [lowered, f"{db}..{lowered}"]
        rows["dw_object_names"].extend((form, kind, object_id) for form in forms)


def _external_rows(rows: Rows, catalog: Catalog) -> None:
    for obj in sorted(catalog.externals.values(), key=lambda o: o.object_id):
        options = obj.options
        if obj.kind == "DATA_SOURCE":
            credential = catalog.external("CREDENTIAL", options.get("CREDENTIAL", ""))
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


def create_statement(view: str) -> str:
    """DDL creating the (empty) materialized table of a view."""
    columns = ", ".join(f'"{name}" {duck}' for name, duck, _sql in COLUMNS[view])
    return f"CREATE OR REPLACE TABLE __devstack.{view} ({columns})"
