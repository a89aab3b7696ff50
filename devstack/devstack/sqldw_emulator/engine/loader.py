"""Bulk loading of downloaded files into a table, shared by PolyBase and COPY INTO.

Files are parsed by DuckDB (``read_csv`` with every field as text, or ``read_parquet``) into a
staging table; conversion to the declared T-SQL types then runs as one vectorized SELECT whose
``__err`` column names the first field of a row that does not convert or fit. Rows with an
error are rejected (counted against MAXERRORS / REJECT_VALUE, and written to ERRORFILE); the
rest are inserted in one statement.
"""

from __future__ import annotations

import dataclasses
import itertools
import typing as t

from devstack.sqldw_emulator.engine import types

if t.TYPE_CHECKING:
    import pathlib

    import duckdb

    from devstack.sqldw_emulator.api import SQLType

_ids = itertools.count(1)
_HEX = "^(0x)?([0-9a-fA-F]{2})*$"


@dataclasses.dataclass
class CsvOptions:
    r"""How delimited text is read.

    Attributes:
        delimiter: Field terminator.
        quote: String delimiter (None: no quoting).
        row_terminator: Explicit row terminator (None: ``\n`` or ``\r\n``).
        skip: Rows to skip at the start of each file (FIRSTROW / FIRST_ROW minus one).
        encoding: ``utf-8`` or ``utf-16``.
        compression: ``auto`` (by extension), ``gzip`` or ``none``.
        empty_is_null: Whether a quoted empty string loads as NULL (PolyBase) or as ``''``
            (COPY INTO).
        use_type_default: PolyBase USE_TYPE_DEFAULT: missing values load as the type's default.
        max_row_bytes: Reject rows longer than this (PolyBase's 1 MB limit).
        reject_quoted_newlines: Reject rows with a row terminator inside quotes (PolyBase
            cannot read them).
        ignore_extra_fields: Ignore fields beyond the last one loaded (COPY INTO) rather than
            rejecting the row (PolyBase).
    """

    delimiter: str = ","
    quote: str | None = '"'
    row_terminator: str | None = None
    skip: int = 0
    encoding: str = "utf-8"
    compression: str = "auto"
    empty_is_null: bool = False
    use_type_default: bool = False
    max_row_bytes: int | None = None
    reject_quoted_newlines: bool = False
    ignore_extra_fields: bool = True


@dataclasses.dataclass
class TargetColumn:
    """A table column fed by a file field (``field`` 0-based) or by its default (None)."""

    name: str
    type: SQLType
    nullable: bool
    field: int | None
    default: t.Any = None


@dataclasses.dataclass
class Reject:
    """One rejected row."""

    file: str
    row: int
    reason: str
    column_number: int | None
    column_name: str | None
    text: str
    kind: str = "conversion"


@dataclasses.dataclass
class Staged:
    """Parsed files in a temporary staging table."""

    table: str
    fields: int
    total: int
    rejects: list[Reject]
    names: dict[str, str]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_csv(
    cursor: duckdb.DuckDBPyConnection,
    paths: list[pathlib.Path],
    names: list[str],
    fields: int,
    options: CsvOptions,
) -> Staged:
    """Parse delimited files into a staging table of text fields ``c0``..``cN``."""
    number = next(_ids)
    table = f"__dw_stage_{number}"
    rejects_table = f"__dw_rejects_{number}"
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(fields))
    settings = [
        f"columns={{{columns}}}",
        f"delim={_literal(options.delimiter)}",
        "header=false",
        "auto_detect=false",
        f"skip={options.skip}",
        f"allow_quoted_nulls={'true' if options.empty_is_null else 'false'}",
        "nullstr=''",
        "store_rejects=true",
        f"rejects_table='{rejects_table}'",
        f"rejects_scan='{rejects_table}_scan'",
        "filename=true",
        "parallel=false",
    ]
    if options.quote:
        settings += [f"quote={_literal(options.quote)}", f"escape={_literal(options.quote)}"]
    else:
        settings += ["quote=''", "escape=''"]
    if options.row_terminator in ("\n", "\r\n", "\r"):
        settings.append(f"new_line={_literal(options.row_terminator)}")
    if options.compression != "auto":
        settings.append(f"compression='{options.compression}'")
    if options.encoding.lower().replace("-", "") in ("utf16", "utf16le"):
        settings.append("encoding='utf-16'")
    files = "[" + ", ".join(_literal(str(path)) for path in paths) + "]"
    cursor.execute(
        f"CREATE TEMP TABLE {table} AS SELECT *, "
        f"row_number() OVER (PARTITION BY filename) + {options.skip} AS __row "
        f"FROM read_csv({files}, {', '.join(settings)})"
    )
    by_path = {str(path): name for path, name in zip(paths, names, strict=True)}
    rejects = [
        Reject(
            by_path.get(str(file), str(file)),
            int(line),
            f"{kind}: {message}",
            None,
            None,
            csv_line or "",
            "parse",
        )
        for file, line, kind, csv_line, message in cursor.execute(
            f"SELECT s.file_path, e.line, e.error_type, e.csv_line, e.error_message "
            f"FROM {rejects_table} e JOIN {rejects_table}_scan s USING (scan_id, file_id) "
            "ORDER BY s.file_path, e.line"
        ).fetchall()
    ]
    _dedupe_line_rejects(rejects)
    cursor.execute(f"DROP TABLE IF EXISTS {rejects_table}")
    cursor.execute(f"DROP TABLE IF EXISTS {rejects_table}_scan")
    row = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()
    total = int(row[0]) if row else 0
    return Staged(table, fields, total + len(rejects), rejects, by_path)


def sniff_fields(path: pathlib.Path, options: CsvOptions) -> int:
    """How many fields the first data row of a delimited file has (0 when it has none)."""
    import csv
    import gzip
    import io

    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    gzipped = head[:2] == b"\x1f\x8b"
    if gzipped:
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(1 << 16)
        except (EOFError, OSError):
            with gzip.open(path, "rb") as stream:
                head = stream.read(1 << 16)
    encoding = "utf-16" if options.encoding == "utf-16" else "utf-8"
    text = head.decode(encoding, errors="ignore")
    reader = csv.reader(
        io.StringIO(text),
        delimiter=options.delimiter if len(options.delimiter) == 1 else ",",
        quotechar=options.quote or '"',
        quoting=csv.QUOTE_MINIMAL if options.quote else csv.QUOTE_NONE,
    )
    try:
        for index, record in enumerate(reader):
            if index >= options.skip:
                if len(options.delimiter) > 1:
                    return len(options.delimiter.join(record).split(options.delimiter))
                return len(record)
    except csv.Error:
        return 0
    return 0


def _dedupe_line_rejects(rejects: list[Reject]) -> None:
    seen: set[tuple[str, int]] = set()
    keep = []
    for reject in rejects:
        key = (reject.file, reject.row)
        if key not in seen:
            seen.add(key)
            keep.append(reject)
    rejects[:] = keep


def stage_parquet(
    cursor: duckdb.DuckDBPyConnection, paths: list[pathlib.Path], names: list[str]
) -> tuple[Staged, list[tuple[str, str]]]:
    """Read Parquet files into a staging table; returns it and the files' (name, type) schema."""
    number = next(_ids)
    table = f"__dw_stage_{number}"
    files = "[" + ", ".join(_literal(str(path)) for path in paths) + "]"
    cursor.execute(
        f"CREATE TEMP TABLE {table} AS SELECT *, "
        f"row_number() OVER (PARTITION BY filename) AS __row "
        f"FROM read_parquet({files}, filename=true)"
    )
    schema = [
        (str(row[0]), str(row[1]))
        for row in cursor.execute(f"DESCRIBE {table}").fetchall()
        if str(row[0]) not in ("filename", "__row")
    ]
    row = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()
    by_path = {str(path): name for path, name in zip(paths, names, strict=True)}
    return Staged(table, len(schema), int(row[0]) if row else 0, [], by_path), schema


def _conversion(raw: str, sql: SQLType) -> str:
    """SQL converting text (or a Parquet value) ``raw`` to the column's storage; NULL if not."""
    storage = types.storage_type(sql)
    name = sql.name
    text = f"CAST({raw} AS VARCHAR)"
    if name in types.CHAR_TYPES:
        return text
    if name in types.BINARY_TYPES:
        return (
            f"CASE WHEN typeof({raw}) = 'BLOB' THEN CAST({raw} AS BLOB) "
            f"WHEN regexp_full_match({text}, '{_HEX}') "
            f"THEN unhex(regexp_replace({text}, '^0x', '')) END"
        )
    if name == "bit":
        return (
            f"CASE lower(trim({text})) WHEN '1' THEN true WHEN 'true' THEN true "
            f"WHEN '0' THEN false WHEN 'false' THEN false END"
        )
    if name == "datetimeoffset":
        return (
            f"CASE WHEN regexp_full_match(trim({text}), '{types.DTO_PATTERN}') "
            f"THEN trim({text}) END"
        )
    if name in ("bigint", "int", "smallint", "tinyint", "decimal", "numeric", "money",
                "smallmoney", "float", "real"):  # fmt: skip
        return f"TRY_CAST(trim({text}) AS {storage})"
    return f"TRY_CAST({raw} AS {storage})"


def _type_default(sql: SQLType) -> str:
    if sql.name in types.CHAR_TYPES:
        return "''"
    if sql.name in types.BINARY_TYPES:
        return "''::BLOB"
    if sql.name == "bit":
        return "false"
    if sql.name in ("date", "datetime", "datetime2", "smalldatetime"):
        return "TIMESTAMP '1900-01-01'" if sql.name != "date" else "DATE '1900-01-01'"
    if sql.name == "time":
        return "TIME '00:00:00'"
    if sql.name == "datetimeoffset":
        return "'1900-01-01 00:00:00.0000000 +00:00'"
    if sql.name == "uniqueidentifier":
        return "'00000000-0000-0000-0000-000000000000'::UUID"
    return "0"


def convert_and_insert(
    cursor: duckdb.DuckDBPyConnection,
    staged: Staged,
    target: str,
    columns: list[TargetColumn],
    options: CsvOptions,
    max_errors: int | None,
    *,
    source_names: list[str] | None = None,
) -> tuple[int, list[Reject]]:
    """Convert staged rows, reject the bad ones and insert the rest into ``target``.

    Args:
        cursor: The session's DuckDB connection.
        staged: The staging table.
        target: DuckDB name of the table to insert into.
        columns: Target columns and the fields feeding them.
        options: CSV options (empty/NULL rules, row limits).
        max_errors: Most rejected rows allowed (None: unlimited); when exceeded nothing is
            inserted and the rejects are returned for the caller to report.
        source_names: For Parquet: the staging column feeding each field number.

    Returns:
        Rows inserted and the rejected rows.
    """
    values: list[str] = []
    checks: list[str] = []
    for position, column in enumerate(columns, start=1):
        if column.field is None:
            values.append("NULL" if column.default is None else _literal(str(column.default)))
            continue
        raw = f'"{source_names[column.field]}"' if source_names is not None else f"c{column.field}"
        if column.field >= staged.fields:
            raw = "NULL"
        if options.empty_is_null and source_names is None:
            raw = f"NULLIF({raw}, '')"
        converted = _conversion(raw, column.type)
        if options.use_type_default:
            converted = (
                f"COALESCE({converted}, {_type_default(column.type)})"
                if raw != "NULL"
                else _type_default(column.type)
            )
        values.append(converted)
        label = f"Column {position} ({column.name})"
        checks.append(
            f"WHEN {raw} IS NOT NULL AND ({converted}) IS NULL "
            f"THEN 'conversion|{position}|{label}: type mismatch or invalid character for "
            f"{types.type_text(column.type)}'"
        )
        length = types.length_check("__VALUE__", column.type)
        if length is not None:
            checks.append(
                f"WHEN ({length.replace('__VALUE__', f'({converted})')}) IS FALSE "
                f"THEN 'truncation|{position}|{label}: string or binary data would be truncated "
                f"to {types.type_text(column.type)}'"
            )
        if not column.nullable:
            checks.append(
                f"WHEN ({converted}) IS NULL THEN 'null|{position}|{label}: NULL into a column "
                "that does not allow nulls'"
            )
    raw_fields = (
        [f"c{i}" for i in range(staged.fields)]
        if source_names is None
        else [f'CAST("{name}" AS VARCHAR)' for name in source_names]
    )
    row_text = (
        " || ".join(
            f"COALESCE({field}, '')"
            if i == 0
            else f"{_literal(options.delimiter)} || COALESCE({field}, '')"
            for i, field in enumerate(raw_fields)
        )
        or "''"
    )
    if options.reject_quoted_newlines and source_names is None:
        checks.insert(
            0,
            f"WHEN regexp_matches({row_text}, '[\\r\\n]') THEN 'parse|0|Row terminator inside a "
            "quoted field is not supported by PolyBase DELIMITEDTEXT'",
        )
    if options.max_row_bytes and source_names is None:
        checks.insert(
            0,
            f"WHEN strlen({row_text}) > {options.max_row_bytes} THEN 'parse|0|Row is larger "
            f"than the maximum allowed row size of {options.max_row_bytes} bytes'",
        )
    err = f"CASE {' '.join(checks)} END" if checks else "NULL"
    converted_table = f"{staged.table}_conv"
    select_values = ", ".join(f"{value} AS v{i}" for i, value in enumerate(values))
    cursor.execute(
        f"CREATE TEMP TABLE {converted_table} AS SELECT filename AS __file, __row, "
        f"{err} AS __err, {row_text} AS __text, {select_values} FROM {staged.table}"
    )
    rejects = list(staged.rejects)
    for file, row, err_text, text in cursor.execute(
        f"SELECT __file, __row, __err, __text FROM {converted_table} WHERE __err IS NOT NULL "
        "ORDER BY __file, __row"
    ).fetchall():
        kind, number, reason = str(err_text).split("|", 2)
        column_number = int(number) or None
        name = columns[column_number - 1].name if column_number else None
        source = staged.names.get(str(file), str(file))
        rejects.append(Reject(source, int(row), reason, column_number, name, str(text), kind))
    inserted = 0
    if max_errors is None or len(rejects) <= max_errors:
        names = ", ".join('"' + column.name.replace('"', '""') + '"' for column in columns)
        picks = ", ".join(f"v{i}" for i in range(len(columns)))
        result = cursor.execute(
            f"INSERT INTO {target} ({names}) SELECT {picks} FROM {converted_table} "
            "WHERE __err IS NULL"
        ).fetchone()
        inserted = int(result[0]) if result else 0
    cursor.execute(f"DROP TABLE IF EXISTS {converted_table}")
    cursor.execute(f"DROP TABLE IF EXISTS {staged.table}")
    return inserted, rejects
