"""Bulk loading of downloaded files into a table, shared by PolyBase and COPY INTO.

Runs DuckDB's file readers and one converting INSERT on the session's cursor; counts rejects.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import itertools
import re
import typing as t

import duckdb

from devstack.sqldw_emulator.engine import errors, flavors, temporal, types

if t.TYPE_CHECKING:
    import pathlib

    from devstack.sqldw_emulator.api import SQLError, SQLType

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
        max_row_bytes: Refuse a row with more bytes of data than this (the 1,000,000-byte
            limit of PolyBase and COPY): the whole load fails (see :func:`row_size_error`).
        reject_quoted_newlines: Reject rows with a row terminator inside quotes (PolyBase
            cannot read them).
        ignore_extra_fields: Ignore fields beyond the last one loaded (COPY INTO) rather than
            rejecting the row (PolyBase).
        utf8_lengths: Check char/varchar/binary lengths in UTF-8 bytes, (max) at 16 MB (a
            Fabric Warehouse, ``flavors.utf8_length_check``).
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
    utf8_lengths: bool = False


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
class ConvertedView:
    """Keep the converted rows and read them through a view instead of copying them.

    A load into a view (PolyBase's copy of an external table) then writes its rows once,
    where an INSERT into a table of the same columns would write them a second time.

    Attributes:
        rows_table: DuckDB name of the temporary table that keeps the converted rows; the
            caller drops it with the view.
        collations: Each target column's DuckDB ``COLLATE`` clause (``""`` for none), as
            its table column would declare it.
    """

    rows_table: str
    collations: list[str]


@dataclasses.dataclass
class Staged:
    """Parsed files in a temporary staging table."""

    table: str
    fields: int
    total: int
    rejects: list[Reject]
    names: dict[str, str]
    rejects_table: str | None = None
    lazy: bool = False


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_csv(
    cursor: duckdb.DuckDBPyConnection,
    paths: list[pathlib.Path],
    names: list[str],
    fields: int,
    options: CsvOptions,
    *,
    numbered: bool = True,
) -> Staged:
    """Parse delimited files into a staging table of text fields ``c0``..``cN``.

    Args:
        cursor: The session's DuckDB connection.
        paths: Local copies of the files.
        names: The blobs' names, for messages.
        fields: Fields per row.
        options: Parsing options.
        numbered: Number rows within each file (``__row``, for reject reports). Numbering
            forces a single-threaded read, so the first attempt of a load skips it.
    """
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
    ]
    if numbered:
        settings.append("parallel=false")
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
    row_number = (
        f"row_number() OVER (PARTITION BY filename) + {options.skip}" if numbered else "NULL"
    )
    # Unnumbered staging is a view: the files are parsed once, by the conversion query.
    kind = "TABLE" if numbered else "VIEW"
    cursor.execute(
        f"CREATE TEMP {kind} {table} AS SELECT *, {row_number} AS __row "
        f"FROM read_csv({files}, {', '.join(settings)})"
    )
    by_path = {str(path): name for path, name in zip(paths, names, strict=True)}
    staged = Staged(table, fields, -1, [], by_path, rejects_table, lazy=not numbered)
    if numbered:
        collect_parse_rejects(cursor, staged)
        row = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()
        staged.total = (int(row[0]) if row else 0) + len(staged.rejects)
    return staged


def collect_parse_rejects(cursor: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Move the rows DuckDB could not split into fields into ``staged.rejects``."""
    table = staged.rejects_table
    if table is None:
        return
    try:
        found = cursor.execute(
            f"SELECT s.file_path, e.line, e.error_type, e.csv_line, e.error_message "
            f"FROM {table} e JOIN {table}_scan s USING (scan_id, file_id) "
            "ORDER BY s.file_path, e.line"
        ).fetchall()
    except duckdb.CatalogException:
        found = []
    rejects = [
        Reject(
            staged.names.get(str(file), str(file)),
            int(line),
            _line_size(message) if kind == _LINE_TOO_LONG else f"{kind}: {message}",
            None,
            None,
            csv_line or "",
            ROW_SIZE if kind == _LINE_TOO_LONG else "parse",
        )
        for file, line, kind, csv_line, message in found
    ]
    _dedupe_line_rejects(rejects)
    staged.rejects.extend(rejects)
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"DROP TABLE IF EXISTS {table}_scan")
    staged.rejects_table = None


#: DuckDB's reject type for a line over its ``max_line_size``, and that size's default.
_LINE_TOO_LONG = "LINE SIZE OVER MAXIMUM"
DUCKDB_MAX_LINE_BYTES = 2_000_000
#: The kind of a row over ``CsvOptions.max_row_bytes``; its reason is the row's size.
ROW_SIZE = "row_size"


def _line_size(message: str) -> str:
    """The byte size DuckDB reports for a line over its maximum (``Actual Size:N bytes``)."""
    found = re.search(r"Actual Size:\s*(\d+)", message)
    return found.group(1) if found else f"more than {DUCKDB_MAX_LINE_BYTES}"


def row_size_error(rejects: list[Reject], limit: int) -> SQLError | None:
    """The pool's error for the first row over the row-size limit, if any row is.

    A dedicated pool refuses such a row whatever MAXERRORS or REJECT_VALUE allow: its reader
    stops ("HdfsBridge::recordReaderFillBuffer"), for PolyBase and COPY alike.

    Args:
        rejects: The load's rejected rows.
        limit: The limit in bytes.

    Returns:
        Error 107090 naming the row's ordinal and size, or None.
    """
    for reject in rejects:
        if reject.kind == ROW_SIZE:
            return errors.error(
                107090,
                "HdfsBridge::recordReaderFillBuffer - Unexpected error encountered filling "
                f"record reader buffer: HadoopExecutionException: The size of the schema/row at "
                f"ordinal {reject.row} is {reject.reason} bytes. It exceeds the maximum allowed "
                f"row size of {limit} bytes for Polybase.",
            )
    return None


def sniff_fields(path: pathlib.Path, options: CsvOptions) -> int:
    """How many fields the first data row of a delimited file has (0 when it has none)."""
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
    stored = temporal.store_sql(raw, sql, strict=False)
    if stored is not None:
        return stored
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
    if temporal.text_kind(sql) == "datetime2":
        return "'1900-01-01 00:00:00.0000000'"
    if temporal.text_kind(sql) == "time":
        return "'00:00:00.0000000'"
    if sql.name == "uniqueidentifier":
        return "'00000000-0000-0000-0000-000000000000'::UUID"
    return "0"


def can_quote_newlines(options: CsvOptions) -> bool:
    """Whether a field read with ``options`` can hold a row terminator (CR or LF).

    Only a quoted field can: without a string delimiter DuckDB ends the row at a line feed
    and refuses a lone carriage return, so the per-field search PolyBase's rule needs (two
    ``strpos`` a field, a fifth of a 200-column load) would never find one.
    """
    return options.quote is not None or options.row_terminator is not None


def drop_staging(cursor: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Drop a staging table or view."""
    kind = "VIEW" if staged.lazy else "TABLE"
    cursor.execute(f"DROP {kind} IF EXISTS {staged.table}")


def _row_texts(
    cursor: duckdb.DuckDBPyConnection,
    staged: Staged,
    options: CsvOptions,
    failed: list[tuple[t.Any, ...]],
    source_names: list[str] | None,
) -> list[str]:
    """The source text of rejected rows (fields re-joined), for ERRORFILE."""
    if not failed:
        return []
    if source_names is None:
        fields = [f"coalesce(c{i}, '')" for i in range(staged.fields)]
    else:
        fields = [f"coalesce(CAST(\"{name}\" AS VARCHAR), '')" for name in source_names]
    joined = f" || {_literal(options.delimiter)} || ".join(fields) or "''"
    keys = ", ".join(f"({_literal(str(file))}, {int(row)})" for file, row, _err in failed)
    found = {
        (str(file), int(row)): str(text)
        for file, row, text in cursor.execute(
            f"SELECT filename, __row, {joined} FROM {staged.table} "
            f"WHERE (filename, __row) IN (SELECT * FROM (VALUES {keys}))"
        ).fetchall()
    }
    return [found.get((str(file), int(row)), "") for file, row, _err in failed]


def convert_and_insert(
    cursor: duckdb.DuckDBPyConnection,
    staged: Staged,
    target: str,
    columns: list[TargetColumn],
    options: CsvOptions,
    max_errors: int | None,
    *,
    source_names: list[str] | None = None,
    clean_only: bool = False,
    view: ConvertedView | None = None,
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
        clean_only: Insert only when no row is rejected (a first, unnumbered attempt).
        view: Create ``target`` as a temporary view of the accepted rows (kept in
            ``view.rows_table``) rather than insert them into an existing table.

    Returns:
        Rows inserted and the rejected rows.
    """
    raws: list[str] = []
    values: list[str] = []
    checks: list[str] = []
    for position, column in enumerate(columns, start=1):
        index = position - 1
        if column.field is None:
            raws.append("NULL")
            values.append("NULL" if column.default is None else _literal(str(column.default)))
            continue
        if column.field >= staged.fields:
            raw = "NULL"
        elif source_names is not None:
            raw = '"' + source_names[column.field].replace('"', '""') + '"'
        else:
            raw = f"c{column.field}"
        if options.empty_is_null and source_names is None and raw != "NULL":
            raw = f"NULLIF({raw}, '')"
        converted = _conversion(f"r{index}", column.type)
        if options.use_type_default:
            converted = f"COALESCE({converted}, {_type_default(column.type)})"
        raws.append(raw)
        values.append(converted)
        # The label goes inside SQL string literals below.
        label = f"Column {position} ({column.name})".replace("'", "''")
        value = f"v{index}"
        if column.type.name not in types.CHAR_TYPES:
            # A cast to VARCHAR never turns a value into NULL: for a string column this test
            # cannot fire, and a wide load paid for it on every value.
            checks.append(
                f"WHEN r{index} IS NOT NULL AND {value} IS NULL "
                f"THEN 'conversion|{position}|{label}: type mismatch or invalid character for "
                f"{types.type_text(column.type)}'"
            )
        if options.utf8_lengths:
            length = flavors.utf8_length_check(value, column.type.name, column.type.length)
        else:
            length = types.length_check(value, column.type)
        if length is not None:
            checks.append(
                f"WHEN ({length}) IS FALSE "
                f"THEN 'truncation|{position}|{label}: string or binary data would be truncated "
                f"to {types.type_text(column.type)}'"
            )
        if not column.nullable:
            checks.append(
                f"WHEN {value} IS NULL THEN 'null|{position}|{label}: NULL into a column "
                "that does not allow nulls'"
            )
    fields = [f"c{i}" for i in range(staged.fields)] if source_names is None else []
    # Row-wide checks are computed with the values, so the fields need not be carried out.
    row_checks: list[str] = []
    if options.reject_quoted_newlines and fields and can_quote_newlines(options):
        newline = " OR ".join(f"strpos({field}, chr(10)) > 0 OR strpos({field}, chr(13)) > 0"
                              for field in fields)  # fmt: skip
        row_checks.append(f"({newline}) AS __newline")
        checks.insert(
            0,
            "WHEN __newline THEN 'parse|0|Row terminator inside a quoted field is not "
            "supported by PolyBase DELIMITEDTEXT'",
        )
    if options.max_row_bytes and fields:
        size = " + ".join(f"coalesce(strlen({field}), 0)" for field in fields)
        row_checks.append(f"({size}) AS __size")
        checks.insert(
            0,
            f"WHEN __size > {options.max_row_bytes} "
            f"THEN '{ROW_SIZE}|0|' || CAST(__size AS VARCHAR)",
        )
    err = f"CASE {' '.join(checks)} END" if checks else "NULL"
    converted_table = view.rows_table if view is not None else f"{staged.table}_conv"
    raw_list = ", ".join(f"{raw} AS r{i}" for i, raw in enumerate(raws))
    value_list = ", ".join(f"{value} AS v{i}" for i, value in enumerate(values))
    value_names = ", ".join(f"v{i}" for i in range(len(values)))
    inner = ", ".join([*(f"r{i}" for i in range(len(raws))), value_list, *row_checks])
    # Two levels so each conversion runs once: values first, then the checks that read them.
    # Only the values and the verdict are kept: a temporary table of every raw field as well
    # took longer to write than the conversions took to run.
    cursor.execute(
        f"CREATE TEMP TABLE {converted_table} AS SELECT __file, __row, {value_names}, "
        f"{err} AS __err FROM ("
        f"SELECT filename AS __file, __row, {inner} FROM ("
        f"SELECT *, {raw_list} FROM {staged.table}))"
    )
    if staged.total < 0:
        collect_parse_rejects(cursor, staged)
        row = cursor.execute(f"SELECT count(*) FROM {converted_table}").fetchone()
        staged.total = (int(row[0]) if row else 0) + len(staged.rejects)
    rejects = list(staged.rejects)
    failed = cursor.execute(
        f"SELECT __file, __row, __err FROM {converted_table} WHERE __err IS NOT NULL "
        "ORDER BY __file, __row"
    ).fetchall()
    texts = (
        [""] * len(failed)
        if clean_only
        else _row_texts(cursor, staged, options, failed, source_names)
    )
    for (file, row, err_text), text in zip(failed, texts, strict=True):
        kind, number, reason = str(err_text).split("|", 2)
        column_number = int(number) or None
        name = columns[column_number - 1].name if column_number else None
        source = staged.names.get(str(file), str(file))
        line = int(row) if row is not None else 0
        rejects.append(Reject(source, line, reason, column_number, name, text, kind))
    inserted = 0
    allowed = max_errors is None or len(rejects) <= max_errors
    # A row over the row-size limit fails the whole load (see ``row_size_error``).
    allowed = allowed and all(reject.kind != ROW_SIZE for reject in rejects)
    if allowed and not (clean_only and rejects) and view is not None:
        _create_view(cursor, target, columns, view)
        row = cursor.execute(f"SELECT count(*) FROM {target}").fetchone()
        drop_staging(cursor, staged)
        return (int(row[0]) if row else 0), rejects
    if allowed and not (clean_only and rejects):
        names = ", ".join('"' + column.name.replace('"', '""') + '"' for column in columns)
        picks = ", ".join(f"v{i}" for i in range(len(columns)))
        where = " WHERE __err IS NULL" if failed else ""
        result = cursor.execute(
            f"INSERT INTO {target} ({names}) SELECT {picks} FROM {converted_table}{where}"
        ).fetchone()
        inserted = int(result[0]) if result else 0
    cursor.execute(f"DROP TABLE IF EXISTS {converted_table}")
    drop_staging(cursor, staged)
    return inserted, rejects


def _create_view(
    cursor: duckdb.DuckDBPyConnection, name: str, columns: list[TargetColumn], view: ConvertedView
) -> None:
    """The view ``name`` of the accepted converted rows, typed as the table columns would be."""
    # The casts and collations are those an INSERT into a table of these columns applies.
    picks = ", ".join(
        f"CAST(v{index} AS {types.storage_type(column.type)}){view.collations[index]} AS "
        + '"'
        + column.name.replace('"', '""')
        + '"'
        for index, column in enumerate(columns)
    )
    cursor.execute(
        f"CREATE TEMP VIEW {name} AS SELECT {picks} FROM {view.rows_table} WHERE __err IS NULL"
    )
