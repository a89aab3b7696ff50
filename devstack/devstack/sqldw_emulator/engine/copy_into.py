"""COPY INTO: loading CSV and Parquet blobs from (emulated) Azure storage into a table.

Reads the statement and its options; fileload and loader run the load.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing as t

from devstack.sqldw_emulator.api import StatementResult
from devstack.sqldw_emulator.engine import copy_autocreate, errors, fileload
from devstack.sqldw_emulator.engine.binding import strip_label
from devstack.sqldw_emulator.engine.blob_bridge import Credential, parse_url
from devstack.sqldw_emulator.engine.identifiers import duck_name, split_name
from devstack.sqldw_emulator.engine.lexer import is_identifier, matching_paren, read_name
from devstack.sqldw_emulator.engine.lexer import split_top_level as split
from devstack.sqldw_emulator.engine.loader import CsvOptions, TargetColumn
from devstack.sqldw_emulator.engine.polybase import csv_options_of

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_KNOWN = frozenset(
    {"FILE_TYPE", "FILE_FORMAT", "CREDENTIAL", "ERRORFILE", "ERRORFILE_CREDENTIAL", "MAXERRORS",
     "COMPRESSION", "FIELDQUOTE", "FIELDTERMINATOR", "ROWTERMINATOR", "FIRSTROW", "DATEFORMAT",
     "ENCODING", "IDENTITY_INSERT", "AUTO_CREATE_TABLE"}
)  # fmt: skip


@dataclasses.dataclass
class CopyStatement:
    """A parsed COPY INTO."""

    table: list[str]
    column_list: list[tuple[str, t.Any, int | None]] | None
    sources: list[str]
    options: dict[str, t.Any]


def terminator(text: str) -> str:
    r"""Decode a FIELDTERMINATOR / ROWTERMINATOR value (``0x0A``, ``\n``, ``\t`` or literal)."""
    if text.lower().startswith("0x"):
        return bytes.fromhex(text[2:]).decode("utf-8")
    return text.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")


def _value(tokens: list[Token]) -> t.Any:
    if len(tokens) == 1:
        token = tokens[0]
        if token.kind == "string":
            return token.string_value
        if token.kind == "number":
            return int(token.text) if token.text.isdigit() else float(token.text)
        return token.ident
    if tokens and tokens[0].text == "(":
        inner = tokens[1:-1]
        return {group[0].upper: _value(group[2:]) for group in split(inner) if len(group) >= 3}
    return " ".join(token.text for token in tokens)


_DATEFORMATS = frozenset(("mdy", "dmy", "ymd", "ydm", "myd", "dym"))


def parse(tokens: list[Token]) -> CopyStatement:
    """Parse COPY INTO's tokens.

    Raises:
        SQLError: 103010 for syntax COPY does not have.
    """
    if len(tokens) < 2 or not tokens[1].is_word("INTO"):
        raise errors.parse_error("COPY")
    table, index = read_name(tokens, 2)
    column_list: list[tuple[str, t.Any, int | None]] | None = None
    if index < len(tokens) and tokens[index].text == "(":
        end = matching_paren(tokens, index)
        column_list = []
        for group in split(tokens[index + 1 : end]):
            name = group[0].ident
            default: t.Any = None
            field: int | None = None
            position = 1
            if position < len(group) and group[position].is_word("DEFAULT"):
                default = _value(group[position + 1 : position + 2])
                position += 2
            if position < len(group) and group[position].kind == "number":
                field = int(group[position].text)
            column_list.append((name, default, field))
        index = end + 1
    if index >= len(tokens) or not tokens[index].is_word("FROM"):
        raise errors.parse_error(tokens[index].text if index < len(tokens) else "COPY")
    index += 1
    sources: list[str] = []
    while index < len(tokens) and tokens[index].kind == "string":
        sources.append(tokens[index].string_value)
        index += 1
        if index < len(tokens) and tokens[index].text == ",":
            index += 1
    if not sources:
        raise errors.parse_error(tokens[index].text if index < len(tokens) else "FROM")
    options: dict[str, t.Any] = {}
    if index < len(tokens) and tokens[index].is_word("WITH"):
        end = matching_paren(tokens, index + 1)
        for group in split(tokens[index + 2 : end]):
            key = group[0].upper
            if key not in _KNOWN or len(group) < 3 or group[1].text != "=":
                raise errors.parse_error(group[0].text)
            options[key] = _value(group[2:])
        index = end + 1
    if index < len(tokens):
        raise errors.parse_error(tokens[index].text)
    return CopyStatement(table, column_list, sources, options)


def _credential(value: t.Any) -> Credential:
    if not value:
        return Credential()
    if not isinstance(value, dict):
        raise errors.parse_error("CREDENTIAL")
    return Credential(str(value.get("IDENTITY", "")), str(value.get("SECRET", "")))


#: A pool refuses rows over 1,000,000 bytes for COPY as for PolyBase (a COPY INTO report:
#: "It exceeds the maximum allowed row size of 1000000 bytes for Polybase"; the loading
#: guidance documents the limit for PolyBase).
MAX_ROW_BYTES = 1_000_000


def _csv_options(session: StatementSession, options: dict[str, t.Any]) -> CsvOptions:
    csv = CsvOptions(max_row_bytes=MAX_ROW_BYTES)
    fmt_name = options.get("FILE_FORMAT")
    if fmt_name:
        csv = csv_options_of(session, str(fmt_name))
        csv.empty_is_null = False
        csv.use_type_default = False
        csv.reject_quoted_newlines = False
        csv.ignore_extra_fields = True
    if "FIELDQUOTE" in options:
        csv.quote = str(options["FIELDQUOTE"]) or None
    if "FIELDTERMINATOR" in options:
        csv.delimiter = terminator(str(options["FIELDTERMINATOR"]))
    if "ROWTERMINATOR" in options:
        row = terminator(str(options["ROWTERMINATOR"]))
        if row not in ("\n", "\r\n", "\r"):
            raise errors.error(
                50000,
                "ROWTERMINATOR other than \\n, \\r\\n or \\r is not modelled by the emulator.",
            )
        csv.row_terminator = None if row in ("\n", "\r\n") else row
    if "FIRSTROW" in options:
        csv.skip = max(0, int(options["FIRSTROW"]) - 1)
    if "ENCODING" in options:
        encoding = str(options["ENCODING"]).upper()
        if encoding not in ("UTF8", "UTF16"):
            raise errors.parse_error(encoding)
        csv.encoding = "utf-16" if encoding == "UTF16" else "utf-8"
    compression = str(options.get("COMPRESSION", "")).upper()
    if compression in ("GZIP", "DEFAULTCODEC"):
        csv.compression = "gzip"
    elif compression and compression != "NONE":
        raise errors.parse_error(compression)
    return csv


def run(session: StatementSession, statement: Statement) -> StatementResult:
    """Run COPY INTO.

    Raises:
        SQLError: for unknown tables, refused credentials, missing files, and rejected rows
            beyond MAXERRORS (4863 truncation, 4864 conversion); 107090 for a row over
            1,000,000 bytes, whatever MAXERRORS allows.
    """
    tokens, label = strip_label(statement.tokens)
    session.current_label = label
    copy = parse(tokens)
    options = copy.options
    auto_create = copy_autocreate.is_on(options)
    if "DATEFORMAT" in options and str(options["DATEFORMAT"]).lower() not in _DATEFORMATS:
        raise errors.parse_error(str(options["DATEFORMAT"]))
    schema, name = split_name(session, copy.table)
    info = session.lookup_table(schema or None, name)
    file_type = str(options.get("FILE_TYPE", "CSV")).upper()
    if file_type not in ("CSV", "PARQUET"):
        raise errors.error(50000, f"FILE_TYPE '{file_type}' is not modelled by the emulator.")
    discover = _discovery(session, copy, info, schema, name) if auto_create else None
    if (info is None and discover is None) or (info is not None and info.kind != "U"):
        raise errors.error(208, f"Invalid object name '{'.'.join(copy.table)}'.")
    identity_insert = str(options.get("IDENTITY_INSERT", "OFF")).upper() == "ON"
    columns = (
        _target_columns(info, copy.column_list, identity_insert=identity_insert)
        if info is not None
        else []
    )
    locations = [parse_url(source) for source in copy.sources]
    first = locations[0]
    if any(
        (loc.account.lower(), loc.container) != (first.account.lower(), first.container)
        for loc in locations
    ):
        raise errors.error(50000, "COPY INTO sources must be in one storage account and container.")
    credential = _credential(options.get("CREDENTIAL"))
    max_errors = int(options.get("MAXERRORS", 0))
    csv = _csv_options(session, options) if file_type == "CSV" else CsvOptions()
    csv.utf8_lengths = session.engine.fabric
    outcome = fileload.load(
        session,
        locations,
        credential,
        file_type,
        csv,
        columns,
        duck_name(schema, name),
        max_errors,
        discover=discover,
    )
    if outcome.rejects and "ERRORFILE" in options:
        _write_errorfile(session, first, options, outcome.rejects)
    if len(outcome.rejects) > max_errors:
        first_reject = outcome.rejects[0]
        number = 4863 if first_reject.kind == "truncation" else 4864
        kind = (
            "truncation"
            if number == 4863
            else ("type mismatch or invalid character for the specified codepage")
        )
        column = (
            f", column {first_reject.column_number} ({first_reject.column_name})"
            if first_reject.column_number
            else ""
        )
        raise errors.error(
            number,
            f"Bulk load data conversion error ({kind}) for row {first_reject.row}{column} in "
            f"data file {first_reject.file}. {len(outcome.rejects)} row(s) rejected, "
            f"MAXERRORS = {max_errors}. {first_reject.reason}",
        )
    messages = []
    if outcome.rejects:
        messages.append(f"{len(outcome.rejects)} row(s) rejected.")
    return StatementResult(rowcount=outcome.inserted, messages=messages)


def _discovery(
    session: StatementSession, copy: CopyStatement, info: t.Any, schema: str, name: str
) -> t.Callable[[list[tuple[str, str]]], tuple[list[TargetColumn], list[str]]]:
    """AUTO_CREATE_TABLE = 'ON': the table's columns from the Parquet files, by name."""
    if str(copy.options.get("FILE_TYPE", "CSV")).upper() != "PARQUET":
        raise errors.error(
            50000, "COPY INTO AUTO_CREATE_TABLE = 'ON' is available only for Parquet files."
        )
    if info is None and copy.column_list is not None:
        raise errors.error(208, f"Invalid object name '{'.'.join(copy.table)}'.")
    if info is None and session.in_transaction and not session.engine.fabric:
        # Creating the table is DDL, which a user transaction refuses.
        raise errors.error(111212, "Operation cannot be performed within a transaction.")

    def discover(file_schema: list[tuple[str, str]]) -> tuple[list[TargetColumn], list[str]]:
        table = info or copy_autocreate.create_table(session, schema, name, file_schema)
        if copy.column_list is not None:
            targets = _target_columns(table, copy.column_list, identity_insert=False)
            return targets, [column for column, _kind in file_schema]
        return copy_autocreate.columns_by_name(table, file_schema)

    return discover


def _target_columns(
    info: t.Any, column_list: list[tuple[str, t.Any, int | None]] | None, *, identity_insert: bool
) -> list[TargetColumn]:
    if column_list is None:
        usable = [c for c in info.columns if identity_insert or not c.identity]
        return [
            TargetColumn(c.name, c.type, c.nullable, position) for position, c in enumerate(usable)
        ]
    result = []
    for position, (name, default, field) in enumerate(column_list):
        declared = info.column(name)
        if declared is None:
            raise errors.error(207, f"Invalid column name '{name}'.")
        source = (field - 1) if field is not None else position
        result.append(
            TargetColumn(declared.name, declared.type, declared.nullable, source, default)
        )
    return result


def _write_errorfile(
    session: StatementSession, source: t.Any, options: dict[str, t.Any], rejects: list[t.Any]
) -> None:
    target = str(options["ERRORFILE"])
    location = parse_url(target) if "://" in target else source.child("/" + target.lstrip("/"))
    credential = _credential(options.get("ERRORFILE_CREDENTIAL") or options.get("CREDENTIAL"))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d_%H%M%S")
    folder = f"{location.path.strip('/')}/_rejectedrows/{stamp}".lstrip("/")
    request = session.engine.requests[-1].request_id if session.engine.requests else "QID0"
    by_file: dict[str, list[t.Any]] = {}
    for reject in rejects:
        by_file.setdefault(reject.file.rsplit("/", 1)[-1], []).append(reject)
    bridge = session.engine.blob_bridge
    for index, (file, items) in enumerate(sorted(by_file.items()), start=1):
        rows = "".join(f"{item.text}\n" for item in items)
        reasons = "".join(f"Row {item.row}: {item.reason}\n" for item in items)
        base = f"{folder}/{request}_{index}_{file}"
        bridge.upload(location, f"{base}.Row.Txt", rows.encode("utf-8"), credential)
        bridge.upload(location, f"{base}.Error.Txt", reasons.encode("utf-8"), credential)
    _ = is_identifier
