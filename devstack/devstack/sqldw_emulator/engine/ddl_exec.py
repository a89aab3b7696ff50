"""Executing DDL: schemas, tables, CTAS, views, ALTER TABLE, DROP, RENAME OBJECT, TRUNCATE.

Runs DuckDB DDL through the session's cursor and keeps the catalog in step.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import SQLType, StatementResult
from devstack.sqldw_emulator.engine import (
    ddl,
    ddl_alter,
    errors,
    fabric_rules,
    polybase,
    temporal,
    types,
)
from devstack.sqldw_emulator.engine.binding import bind, display_name
from devstack.sqldw_emulator.engine.catalog import ColumnInfo, TableInfo
from devstack.sqldw_emulator.engine.identifiers import duck_name, quote, split_name
from devstack.sqldw_emulator.engine.lexer import read_name
from devstack.sqldw_emulator.engine.table_storage import create_storage
from devstack.sqldw_emulator.engine.translate import parse

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_REFUSED_CREATE = {
    "SEQUENCE": "Sequences",
    "TRIGGER": "Triggers",
    "SYNONYM": "Synonyms",
    "TYPE": "User-defined types",
    "RULE": "Rules",
    "XML": "XML indexes",
    "SPATIAL": "Spatial indexes",
    "FULLTEXT": "Full-text indexes",
}


def run(session: StatementSession, statement: Statement) -> StatementResult | None:
    """Run a DDL statement.

    Raises:
        SQLError: with the dedicated pool's refusal or SQL Server's error for the fault.
    """
    tokens = statement.tokens
    words = statement.keywords
    head = words[0]
    if head == "CREATE":
        return _create(session, statement, tokens, words)
    if head == "DROP":
        _drop(session, tokens, words)
        return None
    if head == "ALTER":
        ddl_alter.alter(session, tokens, words)
        return None
    if head == "RENAME":
        ddl_alter.rename(session, tokens)
        return None
    if head == "TRUNCATE":
        parts, _ = read_name(tokens, 2)
        schema, name = split_name(session, parts)
        info = session.lookup_table(schema or None, name)
        if info is None or (info.kind != "U" and not info.temporary):
            raise errors.error(
                4701,
                f'Cannot find the object "{display_name(name)}" because it does not exist or '
                "you do not have permissions.",
            )
        session.cursor.execute(f"DELETE FROM {duck_name(schema, name)}")
        return None
    raise errors.error(102, f"Incorrect syntax near '{tokens[0].text}'.")


def _create(
    session: StatementSession, statement: Statement, tokens: list[Token], words: list[str]
) -> StatementResult | None:
    kind = words[1] if len(words) > 1 else ""
    if kind in _REFUSED_CREATE:
        raise errors.not_supported(_REFUSED_CREATE[kind])
    if kind == "SCHEMA":
        name = tokens[2].ident
        ddl.check_identifier(name)
        if session.engine.catalog.schema(name) is not None:
            raise errors.error(2714, f"There is already an object named '{name}' in the database.")
        session.engine.catalog.add_schema(name)
        session.cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(name)}")
        session.engine.save_catalog()
        return None
    if kind == "TABLE":
        return _create_table(session, statement)
    if kind in ("MASTER", "DATABASE", "EXTERNAL"):
        if kind == "EXTERNAL" and words[2] == "TABLE":
            return _create_table(session, statement)
        return polybase.create_object(session, statement)
    if kind in ("VIEW", "OR"):
        _create_view(session, statement)
        return None
    if kind in ("UNIQUE", "CLUSTERED", "NONCLUSTERED", "INDEX", "STATISTICS", "COLUMNSTORE"):
        if "ON" in [tok.upper for tok in tokens]:
            on = [tok.upper for tok in tokens].index("ON")
            parts, _ = read_name(tokens, on + 1)
            schema, name = split_name(session, parts)
            info = session.lookup_table(schema or None, name)
            if info is None:
                raise errors.error(1088, f'Cannot find the object "{name}".')
            if info.kind == "V":
                raise errors.not_supported("Indexed views")
        if kind == "UNIQUE":
            raise errors.error(104467, ddl._ENFORCED_MESSAGE)
        # Secondary indexes and statistics only change plans; the emulator records nothing.
        return None
    if kind in ("PROCEDURE", "PROC", "FUNCTION"):
        raise errors.error(50000, f"CREATE {kind} is not modelled by the devstack emulator.")
    if kind == "MATERIALIZED":
        raise errors.error(50000, "Materialized views are not modelled by the devstack emulator.")
    raise errors.parse_error(tokens[1].text if len(tokens) > 1 else "CREATE")


def _create_table(session: StatementSession, statement: Statement) -> StatementResult | None:
    bound_tokens = statement.tokens
    parsed = ddl.parse_create_table(bound_tokens, statement.text)
    schema, name = split_name(session, parsed.name)
    catalog = session.engine.catalog
    # The catalog's own (case-insensitive) lookup: DuckDB cannot hold two names that differ
    # only in case, which a Fabric Warehouse's case-sensitive names allow.
    taken = session.lookup_table(schema or None, name) is not None or (
        bool(schema) and catalog.table(schema, name) is not None
    )
    if taken:
        raise errors.error(
            2714, f"There is already an object named '{display_name(name)}' in the database."
        )
    if parsed.external:
        return polybase.create_external_table(session, schema, name, parsed)
    options = parsed.options
    index = options.index or session.engine.default_index
    if parsed.as_select is not None:
        return _ctas(session, schema, name, parsed, index, statement)
    ddl.check_columnstore(parsed.columns, index)
    _check_distribution(parsed.columns, options)
    for key in parsed.keys:
        key.object_id = catalog.next_id()
    info = TableInfo(
        schema=schema,
        name=name,
        columns=parsed.columns,
        object_id=catalog.next_id(),
        distribution=options.distribution or "ROUND_ROBIN",
        distribution_columns=options.distribution_columns,
        index=index,
        index_columns=options.index_columns,
        temporary=not schema,
        keys=parsed.keys,
    )
    create_storage(session, info)
    return None


def _check_distribution(columns: list[ColumnInfo], options: ddl.TableOptions) -> None:
    names = {column.name.lower() for column in columns}
    for column in options.distribution_columns:
        if column.lower() not in names:
            raise errors.error(
                1911, f"Column name '{column}' does not exist in the target table or view."
            )
    for column in options.index_columns:
        if column.lower() not in names:
            raise errors.error(
                1911, f"Column name '{column}' does not exist in the target table or view."
            )


def _ctas(
    session: StatementSession,
    schema: str,
    name: str,
    parsed: ddl.CreateTable,
    index: str,
    statement: Statement,
) -> StatementResult:
    options = parsed.options
    if options.distribution is None and schema and not session.engine.fabric:
        raise errors.error(
            100089,
            "CREATE TABLE AS SELECT requires a DISTRIBUTION option (HASH, ROUND_ROBIN or "
            "REPLICATE) in Azure Synapse dedicated SQL pool.",
        )
    select_start = next(
        position
        for position, token in enumerate(statement.tokens)
        if (
            token.is_word("AS")
            and position + 1 < len(statement.tokens)
            and statement.tokens[position + 1].is_word("SELECT", "WITH")
        )
        or (
            token.is_word("AS")
            and position + 1 < len(statement.tokens)
            and statement.tokens[position + 1].text == "("
        )
    )
    bound = bind(statement.tokens[select_start + 1 :], session)
    session.current_label = bound.label
    tree = parse(bound.text)
    polybase.materialize_references(session, tree)
    translation = session.translator(bound).translate(tree)
    if translation.catalog_views:
        session.engine.sync_views()
    described = (
        session.cursor.execute(
            f"SELECT * FROM ({translation.sql}) AS ctas_source LIMIT 0", bound.values
        ).description
        or []
    )
    columns: list[ColumnInfo] = []
    for position, item in enumerate(described):
        declared = (
            translation.column_types[position] if position < len(translation.column_types) else None
        )
        if declared is None:
            declared = types.from_duck_type(item[1])
            if declared.name == "nvarchar" and declared.length == -1:
                declared = SQLType("nvarchar", 4000)
            if session.engine.fabric:
                declared = fabric_rules.inferred_type(declared)
        elif session.engine.fabric:
            fabric_rules.check_type(declared)
        column_name = (
            parsed.column_names[position]
            if parsed.column_names and position < len(parsed.column_names)
            else str(item[0])
        )
        ddl.check_identifier(column_name)
        collations = translation.collations
        chosen = collations[position] if position < len(collations) else None
        columns.append(ColumnInfo(column_name, declared, collation=chosen))
    ddl.check_columnstore(columns, index)
    _check_distribution(columns, options)
    info = TableInfo(
        schema=schema,
        name=name,
        columns=columns,
        object_id=session.engine.catalog.next_id(),
        distribution=options.distribution or "ROUND_ROBIN",
        distribution_columns=options.distribution_columns,
        index=index,
        index_columns=options.index_columns,
        temporary=not schema,
    )
    create_storage(session, info)
    source = _stored_select(translation.sql, columns, [str(item[1]) for item in described])
    try:
        result = session.cursor.execute(
            f"INSERT INTO {duck_name(schema, name)} {source}", bound.values
        )
        row = result.fetchone()
    except Exception:
        _drop_storage(session, info)
        raise
    outcome = StatementResult(rowcount=int(row[0]) if row else 0)
    session.current_label = bound.label
    return outcome


def _stored_select(sql: str, columns: list[ColumnInfo], duck_types: list[str]) -> str:
    """CTAS's source query, with values of text-stored temporal columns made canonical.

    A projection that DuckDB computes as TIMESTAMP (``SYSUTCDATETIME()``) or plain text (an
    nvarchar column) for a ``datetime2(7)``/``datetimeoffset`` column goes through its macro.
    """
    picks: list[str] = []
    for position, (column, duck_type) in enumerate(zip(columns, duck_types, strict=True)):
        ref = f"__src.__c{position}"
        stored = temporal.store_sql(ref, column.type)
        picks.append(stored if stored is not None and duck_type.upper() != "VARCHAR" else ref)
    if picks == [f"__src.__c{i}" for i in range(len(columns))]:
        return sql
    names = ", ".join(f"__c{i}" for i in range(len(columns)))
    return f"SELECT {', '.join(picks)} FROM ({sql}) AS __src({names})"


def _create_view(session: StatementSession, statement: Statement) -> None:
    tokens = statement.tokens
    index = 2
    if tokens[1].is_word("OR"):
        raise errors.parse_error("OR")
    parts, index = read_name(tokens, index)
    schema, name = split_name(session, parts)
    if session.lookup_table(schema, name) is not None:
        raise errors.error(2714, f"There is already an object named '{name}' in the database.")
    while index < len(tokens) and not tokens[index].is_word("AS"):
        if tokens[index].is_word("SCHEMABINDING"):
            pass
        index += 1
    bound = bind(tokens[index + 1 :], session, placeholders=False)
    tree = parse(bound.text)
    translation = session.translator(bound).translate(tree)
    session.cursor.execute(f"CREATE VIEW {duck_name(schema, name)} AS {translation.sql}")
    described = (
        session.cursor.execute(f"SELECT * FROM {duck_name(schema, name)} LIMIT 0").description or []
    )
    columns = []
    for position, item in enumerate(described):
        declared = (
            translation.column_types[position] if position < len(translation.column_types) else None
        )
        columns.append(ColumnInfo(str(item[0]), declared or types.from_duck_type(item[1])))
    info = TableInfo(schema, name, columns, session.engine.catalog.next_id(), kind="V")
    session.engine.catalog.put_table(info)
    session.engine.save_catalog()


def _drop_storage(session: StatementSession, info: TableInfo) -> None:
    kind = "VIEW" if info.kind == "V" else "TABLE"
    if info.kind != "ET":
        session.cursor.execute(f"DROP {kind} IF EXISTS {duck_name(info.schema, info.name)}")
    if info.temporary:
        session.temp_tables.pop(info.name.lower(), None)
        session.temp_version += 1
    else:
        session.engine.catalog.drop_table(info.schema, info.name)
        session.engine.save_catalog()


def _drop(session: StatementSession, tokens: list[Token], words: list[str]) -> None:
    kind = words[1] if len(words) > 1 else ""
    if kind in ("EXTERNAL", "DATABASE", "MASTER") and not (
        kind == "EXTERNAL" and words[2] == "TABLE"
    ):
        polybase.drop_object(session, tokens, words)
        return
    if kind in _REFUSED_CREATE:
        raise errors.not_supported(_REFUSED_CREATE[kind])
    offset = 3 if kind == "EXTERNAL" else 2
    if kind == "SCHEMA":
        name = tokens[2].ident
        if session.engine.catalog.schema(name) is None:
            raise errors.error(
                3701,
                f"Cannot drop the schema '{name}', because it does not exist or you do not have "
                "permission.",
            )
        if any(
            info.schema.lower() == name.lower()
            for info in list(session.engine.catalog.tables.values())
        ):
            raise errors.error(
                3729, f"Cannot drop schema '{name}' because it is being referenced by objects."
            )
        session.engine.catalog.drop_schema(name)
        session.cursor.execute(f"DROP SCHEMA IF EXISTS {quote(name)}")
        session.engine.save_catalog()
        return
    if kind in ("INDEX", "STATISTICS"):
        return
    if kind not in ("TABLE", "VIEW", "EXTERNAL"):
        raise errors.parse_error(tokens[1].text if len(tokens) > 1 else "DROP")
    if_exists = False
    if offset < len(tokens) and tokens[offset].is_word("IF"):
        # A Fabric Warehouse has DROP TABLE IF EXISTS (sql-docs drop-table-transact-sql); a
        # dedicated pool does not.
        if_exists = kind == "TABLE" and fabric_rules.drops_if_exists(session, tokens, offset)
        if not if_exists:
            raise errors.parse_error("IF", column=tokens[offset].start + 1)
        offset += 2
    index = offset
    while index < len(tokens):
        parts, index = read_name(tokens, index)
        schema, name = split_name(session, parts)
        info = session.lookup_table(schema or None, name)
        wanted = {"TABLE": ("U",), "VIEW": ("V",), "EXTERNAL": ("ET",)}[kind]
        if (info is None and not if_exists) or (info is not None and info.kind not in wanted):
            noun = {"TABLE": "table", "VIEW": "view", "EXTERNAL": "external table"}[kind]
            raise errors.error(
                3701,
                f"Cannot drop the {noun} '{display_name(name)}', because it does not exist or "
                "you do not have permission.",
            )
        if info is not None:
            _drop_storage(session, info)
        if index < len(tokens) and tokens[index].text == ",":
            index += 1
        else:
            break
