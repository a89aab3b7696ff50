"""PolyBase: master key, credentials, external data sources, file formats and external tables.

Keeps the objects in the catalog; loads an external table's files when a statement reads it.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from devstack.sqldw_emulator.engine import collation, ddl, errors, fileload, types
from devstack.sqldw_emulator.engine.blob_bridge import Credential, parse_url
from devstack.sqldw_emulator.engine.catalog import TableInfo
from devstack.sqldw_emulator.engine.identifiers import quote
from devstack.sqldw_emulator.engine.lexer import TEMP_PREFIX, Token, matching_paren
from devstack.sqldw_emulator.engine.lexer import split_top_level as split
from devstack.sqldw_emulator.engine.loader import ConvertedView, CsvOptions, TargetColumn

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import StatementResult
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.ddl import CreateTable
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_GZIP = ("org.apache.hadoop.io.compress.gzipcodec", "org.apache.hadoop.io.compress.defaultcodec")
_MAX_ROW_BYTES = 1_000_000


def _options(tokens: list[Token]) -> dict[str, str]:
    """``KEY = value`` pairs of an option list; nested FORMAT_OPTIONS are flattened."""
    result: dict[str, str] = {}
    for group in split(tokens):
        if not group:
            continue
        key = group[0].upper
        if key == "FORMAT_OPTIONS" and len(group) > 1 and group[1].text == "(":
            end = matching_paren(group, 1)
            result.update(_options(group[2:end]))
            continue
        if len(group) < 3 or group[1].text != "=":
            raise errors.parse_error(group[0].text)
        value = group[2]
        result[key] = value.string_value if value.kind == "string" else value.ident
    return result


def _with_options(tokens: list[Token], start: int) -> dict[str, str]:
    for index in range(start, len(tokens)):
        if tokens[index].is_word("WITH"):
            if index + 1 < len(tokens) and tokens[index + 1].text == "(":
                end = matching_paren(tokens, index + 1)
                return _options(tokens[index + 2 : end])
            return _options(tokens[index + 1 :])
    raise errors.parse_error(tokens[-1].text)


def create_object(session: StatementSession, statement: Statement) -> StatementResult | None:
    """CREATE MASTER KEY / DATABASE SCOPED CREDENTIAL / EXTERNAL DATA SOURCE / FILE FORMAT.

    Raises:
        SQLError: for duplicates, a missing master key, unknown references, and SAS
            credentials on HADOOP data sources (dedicated pools refuse them).
    """
    tokens = statement.tokens
    words = statement.keywords
    catalog = session.engine.catalog
    if words[1] == "MASTER":
        if catalog.master_key:
            raise errors.error(
                15578, "There is already a master key in the database. Please drop it before "
                "performing this statement."
            )  # fmt: skip
        catalog.master_key = True
        catalog.version += 1
        session.engine.save_catalog()
        return None
    if words[1:4] == ["DATABASE", "SCOPED", "CREDENTIAL"]:
        name = tokens[4].ident
        ddl.check_identifier(name)
        if not catalog.master_key:
            raise errors.error(
                15581,
                "Please create a master key in the database or open the master key in the "
                "session before performing this operation.",
            )
        if catalog.external("CREDENTIAL", name) is not None:
            raise errors.error(15025, f"The credential '{name}' already exists.")
        options = _options(tokens[6:]) if tokens[5].is_word("WITH") else {}
        if "IDENTITY" not in options:
            raise errors.parse_error(tokens[-1].text)
        catalog.put_external("CREDENTIAL", name, options)
        session.engine.save_catalog()
        return None
    if words[1:4] == ["EXTERNAL", "DATA", "SOURCE"]:
        name = tokens[4].ident
        options = _with_options(tokens, 5)
        if catalog.external("DATA_SOURCE", name) is not None:
            raise errors.error(2714, f"There is already an object named '{name}' in the database.")
        location = options.get("LOCATION", "")
        parse_url(location)
        credential_name = options.get("CREDENTIAL")
        if credential_name:
            credential = catalog.external("CREDENTIAL", credential_name)
            if credential is None:
                raise errors.error(
                    15151,
                    f"Cannot find the credential '{credential_name}', because it does not exist "
                    "or you do not have permission.",
                )
            identity = credential.options.get("IDENTITY", "").lower()
            if (
                identity == "shared access signature"
                and options.get("TYPE", "").upper() == "HADOOP"
            ):
                raise errors.error(
                    105019,
                    "Shared Access Signature credentials are not supported for HADOOP external "
                    "data sources in dedicated SQL pools; use the storage account key or a "
                    "managed identity.",
                )
        catalog.put_external("DATA_SOURCE", name, options)
        session.engine.save_catalog()
        return None
    if words[1:4] == ["EXTERNAL", "FILE", "FORMAT"]:
        name = tokens[4].ident
        options = _with_options(tokens, 5)
        if catalog.external("FILE_FORMAT", name) is not None:
            raise errors.error(2714, f"There is already an object named '{name}' in the database.")
        format_type = options.get("FORMAT_TYPE", "").upper()
        if format_type not in ("DELIMITEDTEXT", "PARQUET"):
            raise errors.error(
                50000, f"FORMAT_TYPE '{format_type}' is not modelled by the emulator."
            )
        options["FORMAT_TYPE"] = format_type
        catalog.put_external("FILE_FORMAT", name, options)
        session.engine.save_catalog()
        return None
    raise errors.parse_error(tokens[1].text)


def drop_object(session: StatementSession, tokens: list[Token], words: list[str]) -> None:
    """DROP EXTERNAL DATA SOURCE / FILE FORMAT, DATABASE SCOPED CREDENTIAL, MASTER KEY.

    Raises:
        SQLError: 15151 when the object does not exist; 33100-style when it is in use.
    """
    catalog = session.engine.catalog
    if words[1] == "MASTER":
        if any(obj.kind == "CREDENTIAL" for obj in list(catalog.externals.values())):
            raise errors.error(
                15580, "Cannot drop master key because credentials are encrypted by it."
            )
        catalog.master_key = False
        catalog.version += 1
        session.engine.save_catalog()
        return
    if words[1:4] == ["DATABASE", "SCOPED", "CREDENTIAL"]:
        kind, name = "CREDENTIAL", tokens[4].ident
    elif words[1:4] == ["EXTERNAL", "DATA", "SOURCE"]:
        kind, name = "DATA_SOURCE", tokens[4].ident
    elif words[1:4] == ["EXTERNAL", "FILE", "FORMAT"]:
        kind, name = "FILE_FORMAT", tokens[4].ident
    else:
        raise errors.parse_error(tokens[1].text)
    if catalog.external(kind, name) is None:
        noun = {"CREDENTIAL": "credential", "DATA_SOURCE": "external data source",
                "FILE_FORMAT": "external file format"}[kind]  # fmt: skip
        raise errors.error(
            15151,
            f"Cannot drop the {noun} '{name}', because it does not exist or you do not have "
            "permission.",
        )
    users = [
        info.name
        for info in list(catalog.tables.values())
        if info.kind == "ET" and info.external.get(kind, "").lower() == name.lower()
    ]
    users += [
        obj.name
        for obj in list(catalog.externals.values())
        if obj.kind == "DATA_SOURCE" and obj.options.get(kind, "").lower() == name.lower()
    ]
    if users:
        raise errors.error(
            33101 if kind != "CREDENTIAL" else 15181,
            f"Cannot drop '{name}' because it is used by '{users[0]}'.",
        )
    catalog.drop_external(kind, name)
    session.engine.save_catalog()


def _source(session: StatementSession, info: TableInfo) -> tuple[t.Any, Credential, dict[str, str]]:
    catalog = session.engine.catalog
    source = catalog.external("DATA_SOURCE", info.external.get("DATA_SOURCE", ""))
    fmt = catalog.external("FILE_FORMAT", info.external.get("FILE_FORMAT", ""))
    if source is None or fmt is None:
        raise errors.error(
            46525 if source is None else 46526,
            f"External {'data source' if source is None else 'file format'} for "
            f"'{info.name}' does not exist.",
        )
    credential = Credential()
    if source.options.get("CREDENTIAL"):
        stored = catalog.external("CREDENTIAL", source.options["CREDENTIAL"])
        if stored is not None:
            credential = Credential(
                stored.options.get("IDENTITY", ""), stored.options.get("SECRET", "")
            )
    base = parse_url(source.options.get("LOCATION", ""))
    location = base.child(
        "/" + base.path.strip("/") + "/" + info.external.get("LOCATION", "").lstrip("/")
    )
    return location, credential, fmt.options


def csv_options_of(session: StatementSession, name: str) -> CsvOptions:
    """The delimited-text options of an external file format.

    Raises:
        SQLError: 46526-style error when it does not exist.
    """
    fmt = session.engine.catalog.external("FILE_FORMAT", name)
    if fmt is None:
        raise errors.error(46526, f"External file format '{name}' does not exist.")
    return _csv_options(fmt.options)


def _csv_options(options: dict[str, str]) -> CsvOptions:
    compression = options.get("DATA_COMPRESSION", "").lower()
    return CsvOptions(
        delimiter=options.get("FIELD_TERMINATOR", "|").replace("\\t", "\t"),
        quote=options.get("STRING_DELIMITER") or None,
        skip=max(0, int(options.get("FIRST_ROW", "1")) - 1),
        encoding="utf-16" if options.get("ENCODING", "UTF8").upper() == "UTF16" else "utf-8",
        compression="gzip" if compression in _GZIP else "auto",
        empty_is_null=True,
        use_type_default=options.get("USE_TYPE_DEFAULT", "FALSE").upper() == "TRUE",
        max_row_bytes=_MAX_ROW_BYTES,
        reject_quoted_newlines=True,
        ignore_extra_fields=False,
    )


def create_external_table(
    session: StatementSession, schema: str, name: str, parsed: CreateTable
) -> StatementResult | None:
    """CREATE EXTERNAL TABLE: checks its data source, file format and location.

    Raises:
        SQLError: for unknown objects or an unreachable location.
    """
    options = parsed.options.other
    for key in ("LOCATION", "DATA_SOURCE", "FILE_FORMAT"):
        if key not in options:
            raise errors.parse_error(key)
    info = TableInfo(
        schema=schema,
        name=name,
        columns=parsed.columns,
        object_id=session.engine.catalog.next_id(),
        kind="ET",
        external={key: str(value) for key, value in options.items()},
    )
    location, credential, _fmt = _source(session, info)
    # Like Synapse, creating the table checks that storage can be reached with the credential.
    session.engine.blob_bridge.container(location, credential)
    session.engine.catalog.put_table(info)
    session.engine.save_catalog()
    return None


def _reject_limit(info: TableInfo, rejected: int, total: int) -> None:
    kind = info.external.get("REJECT_TYPE", "VALUE").upper()
    value = float(info.external.get("REJECT_VALUE", "0"))
    exceeded = (
        (rejected / total * 100 > value) if kind == "PERCENTAGE" and total else rejected > value
    )
    if exceeded:
        unit = f"{value:g}%" if kind == "PERCENTAGE" else f"{int(value)} rows"
        raise errors.error(
            107090,
            f"Query aborted-- the maximum reject threshold ({unit}) was reached while reading "
            f"from an external source: {rejected} rows rejected out of total {total} rows "
            "processed.",
        )


def materialize(session: StatementSession, info: TableInfo) -> str:
    """Read an external table's files into a session temp view; returns its name.

    The view reads the converted rows the load keeps (written once, not copied again).
    """
    temp = f"{TEMP_PREFIX}_ext_{info.object_id}"
    rows = f"{temp}_rows"
    location, credential, fmt = _source(session, info)
    cursor = session.cursor
    cursor.execute(f"DROP VIEW IF EXISTS {quote(temp)}")
    cursor.execute(f"DROP TABLE IF EXISTS {quote(rows)}")
    columns = [
        TargetColumn(column.name, column.type, column.nullable, position)
        for position, column in enumerate(info.columns)
    ]
    collations = [
        collation.column_clause(column.collation) if column.type.name in types.CHAR_TYPES else ""
        for column in info.columns
    ]
    file_type = "PARQUET" if fmt.get("FORMAT_TYPE") == "PARQUET" else "CSV"
    outcome = fileload.load(
        session, [location], credential, file_type, _csv_options(fmt), columns, quote(temp),
        None, parquet_type_rules=True, view=ConvertedView(quote(rows), collations),
    )  # fmt: skip
    _reject_limit(info, len(outcome.rejects), outcome.total)
    session.temp_tables[temp.lower()] = TableInfo(
        "", temp, info.columns, info.object_id, temporary=True
    )
    return temp


def materialize_references(session: StatementSession, tree: exp.Expression) -> bool:
    """Load the external tables a statement reads and point the statement at the copies.

    Returns:
        Whether the statement reads an external table.
    """
    catalog = session.engine.catalog
    found = False
    for table in list(tree.find_all(exp.Table)):
        if table.db.lower() in ("sys", "information_schema") or not table.name:
            continue
        info = catalog.table(table.db or "dbo", table.name)
        if info is None or info.kind != "ET":
            continue
        found = True
        temp = materialize(session, info)
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        table.set("this", exp.to_identifier(temp, quoted=True))
        table.set("db", None)
        table.set("catalog", None)
        table.set("alias", alias)
    return found
