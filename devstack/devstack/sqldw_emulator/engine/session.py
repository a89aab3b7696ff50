"""One client session: batches, variables, transactions, and dispatch of each statement.

Runs everything on its own DuckDB cursor; holds the variables, temp tables and transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import typing as t

import duckdb
from sqlglot import exp

from devstack.sqldw_emulator.api import (
    ConnectionDropped,
    Parameter,
    SQLError,
    SQLType,
    StatementResult,
)
from devstack.sqldw_emulator.engine import (
    control,
    copy_into,
    ddl_exec,
    errors,
    fabric_rules,
    flavors,
    guard,
    polybase,
    result_rows,
    temporal,
    types,
)
from devstack.sqldw_emulator.engine.batch import (
    BatchSyntaxError,
    IfStatement,
    Node,
    Statement,
    split_batch,
)
from devstack.sqldw_emulator.engine.binding import TEMP_PREFIX, Bound, bind, undeclared
from devstack.sqldw_emulator.engine.catalog_undo import CatalogUndo
from devstack.sqldw_emulator.engine.lexer import LexError, read_name, tokenize
from devstack.sqldw_emulator.engine.statement_cache import BindTemplate, BoundedCache, bind_template
from devstack.sqldw_emulator.engine.translate import Translation, Translator, parse

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from devstack.sqldw_emulator.engine.catalog import TableInfo
    from devstack.sqldw_emulator.engine.protocols import SharedEngine

MAX_PARAMETERS = 2098
_CACHE_SIZE = 512
# Longer batches (COPY INTO, CTAS scripts) are one-offs: not worth keeping their tokens.
_CACHED_TEXT = 4000
_MACROS = (
    "CREATE OR REPLACE TEMP MACRO dw_utcnow() AS "
    "CAST(timezone('UTC', get_current_timestamp()) AS TIMESTAMP)",
    "CREATE OR REPLACE TEMP MACRO dw_utcnow_offset() AS "
    "strftime(timezone('UTC', get_current_timestamp()), '%Y-%m-%d %H:%M:%S.%f0 +00:00')",
)
_EXPRESSION_DEPTH = 8192
_VIEWS = frozenset({"information_schema", "sys"})
_DDL_HEADS = frozenset({"CREATE", "DROP", "ALTER", "RENAME", "TRUNCATE"})
_DML_HEADS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "("})


class DuckDBSession:
    """A client connection's state on the shared engine.

    Args:
        engine: The shared engine.
        cursor: This session's own DuckDB connection (its transactions and temp tables).
        session_id: The ``SIDnn`` id shown in sys.dm_pdw_exec_requests.
        user: The login.
    """

    def __init__(
        self, engine: SharedEngine, cursor: duckdb.DuckDBPyConnection, session_id: str, user: str
    ) -> None:
        self.engine = engine
        self.cursor = cursor
        self.session_id = session_id
        self.user = user
        self.variables: dict[str, tuple[SQLType | None, t.Any]] = {}
        self.params: dict[str, Parameter] = {}
        self.temp_tables: dict[str, TableInfo] = {}
        self._in_transaction = False
        # What this transaction's DDL changed in the shared catalog (Fabric only).
        self._undo: CatalogUndo | None = None
        self._busy = 0
        self.last_rowcount = 0
        # (schema, table) the last DML statement wrote (Fabric names it in conflicts).
        self.last_target: tuple[str | None, str] | None = None
        self.current_label: str | None = None
        self.closed = False
        # Work that depends only on the text, by text: a loader and the drivers' prepared
        # handles repeat the same statements with new parameters.
        self._batches: BoundedCache[str, list[Node]] = BoundedCache(_CACHE_SIZE)
        self._guarded: BoundedCache[str, bool] = BoundedCache(_CACHE_SIZE)
        self._templates: BoundedCache[str, BindTemplate | bool] = BoundedCache(_CACHE_SIZE)
        self._translations: BoundedCache[tuple[t.Any, ...], _Plan] = BoundedCache(_CACHE_SIZE)
        self.temp_version = 0
        cursor.execute(f"USE {engine.db_alias}")
        cursor.execute(f"SET search_path = '{engine.db_alias}.dbo'")
        cursor.execute("SET TimeZone = 'UTC'")
        # A load's per-row checks chain a test per column (1,024 columns as a pool allows):
        # DuckDB's default depth of 1000 would refuse them.
        cursor.execute(f"SET max_expression_depth TO {_EXPRESSION_DEPTH}")
        for macro in (*_MACROS, *temporal.MACROS):
            cursor.execute(macro)

    # Session protocol ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Parameter] = ()) -> Iterator[StatementResult]:
        """Execute a batch, yielding one result per statement as it completes.

        Raises:
            SQLError: on the first failing statement; results yielded before it stand.
        """
        if len(params) > MAX_PARAMETERS:
            raise errors.error(
                8003,
                "The incoming request has too many parameters. The server supports a maximum "
                f"of {MAX_PARAMETERS} parameters. Reduce the number of parameters and resend "
                "the request.",
            )
        self.params = {param.name.lower(): param for param in params}
        nodes = self._batches.get(sql)
        if nodes is None:
            try:
                nodes = split_batch(sql)
            except (BatchSyntaxError, LexError) as exc:
                raise errors.error(102, str(exc)) from exc
            if len(sql) <= _CACHED_TEXT:
                self._batches.put(sql, nodes)
        self.variables = {}
        yield from self._run_nodes(nodes)

    def _run_nodes(self, nodes: list[Node]) -> Iterator[StatementResult]:
        for node in nodes:
            if isinstance(node, IfStatement):
                branch = node.then if self._condition(node.condition) else node.otherwise
                yield from self._run_nodes(branch)
            else:
                result = self.run_statement(node)
                if result is not None:
                    yield result

    def begin_transaction(self) -> None:
        """Start a transaction (TDS transaction-manager BEGIN_XACT)."""
        if self._in_transaction:
            return
        # The transaction's snapshot must include the catalog views as they are now.
        self.engine.sync_catalog_views()
        self.cursor.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        self._undo = CatalogUndo() if self.engine.fabric else None

    def commit(self) -> None:
        """Commit the open transaction.

        Raises:
            SQLError: 3902 when none is open; 3930 when it was doomed by an error.
        """
        if not self._in_transaction:
            raise errors.error(
                3902, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."
            )
        self._in_transaction = False
        self._undo = None
        try:
            self.cursor.execute("COMMIT")
        except duckdb.Error as exc:
            raise errors.error(
                3930,
                "The current transaction cannot be committed and cannot support operations that "
                f"write to the log file. Roll back the transaction. ({str(exc).splitlines()[0]})",
            ) from exc

    def rollback(self) -> None:
        """Roll back the open transaction (no-op when none is open)."""
        if not self._in_transaction:
            return
        self._in_transaction = False
        self.cursor.execute("ROLLBACK")
        undo, self._undo = self._undo, None
        if undo is not None and not undo.empty:
            undo.restore(self.engine.catalog)
            self.engine.save_catalog()

    def interrupt(self) -> None:
        """Cancel the statement running on this session (TDS ATTENTION; any thread).

        Nothing happens between statements: a cancel must never reach a later statement.
        """
        if not self.closed and self._busy > 0:
            self.cursor.interrupt()

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        return self._in_transaction

    def close(self) -> None:
        """Roll back what is open, drop temp tables and close the DuckDB connection."""
        if self.closed:
            return
        self.closed = True
        try:
            self.rollback()
        finally:
            self.cursor.close()

    # variables (binding.VariableSource) ----------------------------------------------------

    def lookup_variable(self, name: str) -> tuple[SQLType | None, t.Any]:
        """Type and value of a parameter or declared variable.

        Raises:
            SQLError: 137 when it is neither.
        """
        key = name.lower()
        param = self.params.get(key)
        if param is not None:
            return param.type, types.to_storage(param.value, param.type)
        if key in self.variables:
            sql_type, value = self.variables[key]
            return sql_type, types.to_storage(value, sql_type)
        raise undeclared(name)

    def system_variable(self, name: str) -> t.Any:
        """``@@ROWCOUNT``, ``@@TRANCOUNT``, ``@@VERSION``, ``@@SPID``, ``@@ERROR``..."""
        values: dict[str, t.Any] = {
            "ROWCOUNT": self.last_rowcount,
            "TRANCOUNT": 1 if self._in_transaction else 0,
            "SPID": int(self.session_id[3:]),
            "ERROR": 0,
            "IDENTITY": None,
            "SERVERNAME": "devstack",
            "VERSION": flavors.version(self.engine.config.flavor),
        }
        return values.get(name)

    # statements ----------------------------------------------------------------------------

    def _condition(self, condition: Statement) -> bool:
        bound = bind(condition.tokens, self)
        bound.text = f"SELECT CASE WHEN {bound.text} THEN 1 ELSE 0 END"
        result = self.query(bound)
        rows = result.result_set.rows if result.result_set else []
        return bool(rows and rows[0][0] == 1)

    def run_statement(self, statement: Statement) -> StatementResult | None:
        """Run one statement with logging, fault injection and error mapping.

        Returns:
            Its result, or None for statements that produce nothing for the client.
        """
        keywords = statement.keywords
        if keywords[:2] == ["EXEC", "DEVSTACK_INJECT_FAULT"] or keywords[:2] == [
            "EXECUTE",
            "DEVSTACK_INJECT_FAULT",
        ]:
            return control.inject_fault(self, statement)
        self.current_label = None
        record = self.engine.new_request(self.session_id, statement.text, None)
        try:
            self.engine.faults.check(self.engine.config.database)
            if self._guarded.get(statement.text) is None:
                guard.check_tokens(statement.tokens)
                self._guarded.put(statement.text, True)
            self._busy += 1  # a counter: IF / EXEC run statements inside statements
            try:
                result = self._dispatch(statement)
            finally:
                self._busy -= 1
        except ConnectionDropped:
            record.status = "Failed"
            record.end_time = _now()
            raise
        except SQLError as exc:
            self._fail(record, exc)
            raise
        except duckdb.Error as exc:
            mapped = self._map_duckdb(exc)
            self._fail(record, mapped)
            raise mapped from exc
        record.status = "Completed"
        record.end_time = _now()
        record.label = self.current_label
        if result is not None:
            record.row_count = result.rowcount
            if result.rowcount is not None:
                self.last_rowcount = result.rowcount
        return result

    def _fail(self, record: t.Any, exc: SQLError) -> None:
        record.label = self.current_label
        record.status = "Failed"
        record.end_time = _now()
        record.error_id = str(exc.number)

    def _map_duckdb(self, exc: duckdb.Error) -> SQLError:
        text = str(exc)
        if (
            self.engine.fabric
            and isinstance(exc, duckdb.TransactionException)
            and ("conflict" in text.lower())
        ):
            return fabric_rules.snapshot_conflict(self.last_target, self.engine.config.database)
        if "transaction is aborted" in text.lower():
            return errors.error(
                3930,
                "The current transaction cannot be committed and cannot support operations that "
                "write to the log file. Roll back the transaction.",
            )
        return errors.from_duckdb(
            exc, database=self.engine.config.database, qualify=self._qualified_name
        )

    def _qualified_name(self, table: str) -> str:
        if table.lower() in self.temp_tables:
            return "#" + table[len(TEMP_PREFIX) :]
        for info in list(self.engine.catalog.tables.values()):
            if info.name.lower() == table.lower():
                return f"{info.schema}.{info.name}"
        return table

    def _dispatch(self, statement: Statement) -> StatementResult | None:
        keywords = statement.keywords
        head = keywords[0]
        if head == "BEGIN" and keywords[1:2] and keywords[1] in ("TRAN", "TRANSACTION"):
            self.begin_transaction()
            return None
        if head == "COMMIT":
            self.commit()
            return None
        if head == "ROLLBACK":
            if not self._in_transaction:
                raise errors.error(
                    3903,
                    "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.",
                )
            self.rollback()
            return None
        if head in ("DECLARE", "SET", "PRINT", "EXEC", "EXECUTE", "THROW", "RAISERROR"):
            return control.run(self, statement)
        if head == "COPY":
            # AUTO_CREATE_TABLE creates a table, inside a Fabric transaction too.
            with self.catalog_change():
                return copy_into.run(self, statement)
        if head in _DDL_HEADS:
            if self.engine.fabric:
                fabric_rules.check_statement(statement)
                return self._fabric_ddl(statement)
            if self._in_transaction and head != "TRUNCATE":
                raise errors.error(111212, "Operation cannot be performed within a transaction.")
            return ddl_exec.run(self, statement)
        if head == "MERGE" and not statement.terminated:
            raise errors.error(10713, "A MERGE statement must be terminated by a semi-colon (;).")
        if (
            head == "SELECT"
            and len(statement.tokens) > 2
            and statement.tokens[1].kind == "var"
            and not statement.tokens[1].text.startswith("@@")
            and statement.tokens[2].text == "="
        ):
            control.assign_select(self, statement)
            return None
        if head in _DML_HEADS:
            return self.query(self._bind(statement))
        raise errors.error(102, f"Incorrect syntax near '{statement.tokens[0].text}'.")

    def _fabric_ddl(self, statement: Statement) -> StatementResult | None:
        """DDL as a Fabric Warehouse runs it: also inside a transaction, undone by ROLLBACK."""
        with self.catalog_change():
            return ddl_exec.run(self, statement)

    @contextlib.contextmanager
    def catalog_change(self) -> Iterator[None]:
        """Record what the DDL run inside changes in the catalog, for ROLLBACK (Fabric)."""
        undo = self._undo
        if undo is None:
            yield
            return
        undo.before(self.engine.catalog)
        try:
            yield
        finally:
            undo.after(self.engine.catalog)

    def _bind(self, statement: Statement) -> Bound:
        template = self._templates.get(statement.text)
        if template is None:
            template = self._templates.put(statement.text, bind_template(statement.tokens) or False)
        if template is False:
            return bind(statement.tokens, self)
        return t.cast(BindTemplate, template).bind(self)

    # lookups used by the translator and DDL --------------------------------------------------

    def lookup_table(self, schema: str | None, name: str) -> TableInfo | None:
        """A declared table by optional schema and name (temp tables included)."""
        if name.startswith(TEMP_PREFIX):
            return self.temp_tables.get(name.lower())
        return self._exact(self.engine.catalog.table(schema or "dbo", name), schema, name)

    def _check_name_case(self, tree: exp.Expression) -> None:
        """Refuse a table named in another case than declared (Fabric; DuckDB would find it).

        Raises:
            SQLError: 208, as for a table that does not exist.
        """
        for node in tree.find_all(exp.Table):
            name, schema = node.name, node.db or None
            if not name or name.startswith(TEMP_PREFIX) or (schema or "").lower() in _VIEWS:
                continue
            declared = self.engine.catalog.table(schema or "dbo", name)
            if declared is not None and self._exact(declared, schema, name) is None:
                shown = f"{schema}.{name}" if schema else name
                raise errors.error(208, f"Invalid object name '{shown}'.")

    def _exact(self, info: TableInfo | None, schema: str | None, name: str) -> TableInfo | None:
        """``info``, unless a Fabric Warehouse would not match it.

        A warehouse's names compare under Latin1_General_100_BIN2_UTF8, so case-sensitively;
        the pool's compare case-insensitively.
        """
        if info is None or not self.engine.fabric:
            return info
        if info.name != name or (schema and info.schema != schema):
            return None
        return info

    def object_id(self, name: str, kind: str | None) -> int | None:
        """OBJECT_ID(name[, type]) over the shadow catalog and this session's temp tables."""
        try:
            parts, _ = read_name(tokenize(name), 0)
        except LexError:
            return None
        if not parts or not parts[-1] or len(parts) > 3:
            return None
        table_name = parts[-1]
        wanted = (kind or "").strip().upper()
        if table_name.startswith(TEMP_PREFIX):
            info = self.temp_tables.get(table_name.lower())
        else:
            # ``db..name`` and ``name`` are in the default schema.
            schema = (parts[-2] if len(parts) >= 2 else "") or "dbo"
            if len(parts) == 3 and parts[0].lower() not in (
                self.engine.config.database.lower(),
                "tempdb",
            ):
                return None
            info = self._exact(self.engine.catalog.table(schema, table_name), schema, table_name)
            if info is None:
                return self._constraint_id(schema, table_name, wanted)
        if info is None:
            return None
        if wanted and wanted not in ("U", "ET", "V"):
            return None
        if (wanted == "V" and info.kind != "V") or (wanted == "U" and info.kind == "V"):
            return None
        return info.object_id

    def _constraint_id(self, schema: str, name: str, wanted: str) -> int | None:
        """The object_id of a PRIMARY KEY / UNIQUE constraint (they are schema objects too)."""
        for info in list(self.engine.catalog.tables.values()):
            if info.schema.lower() != schema.lower():
                continue
            for key in info.keys:
                if info.key_name(key).lower() == name.lower() and wanted in ("", key.kind):
                    return key.object_id
        return None

    def translator(self, bound: Bound) -> Translator:
        """A translator bound to this session's view of the catalog."""
        system = {
            "database": self.engine.config.database,
            "user": self.user,
            "flavor": self.engine.config.flavor,
        }
        return Translator(self.lookup_table, self.object_id, bound.types, system)

    # queries and DML ---------------------------------------------------------------------

    def query(self, bound: Bound) -> StatementResult:
        """Translate and run a SELECT / INSERT / UPDATE / DELETE / MERGE."""
        self.current_label = bound.label
        key = (
            bound.text,
            tuple(bound.types),
            self.engine.catalog.version,
            self.temp_version,
        )
        plan = self._translations.get(key)
        if plan is None:
            tree = parse(bound.text)
            if self.engine.fabric:
                self._check_name_case(tree)
            translator = self.translator(bound)
            external = polybase.materialize_references(self, tree)
            translation = translator.translate(tree)
            plan = _Plan(tree, translation, self._parsed(translation.sql))
            if not external:
                self._translations.put(key, plan)
        tree, translation = plan.tree, plan.translation
        if translation.catalog_views:
            self.engine.sync_views()
        self.last_target = translation.target
        result = self.cursor.execute(plan.statement, bound.values)
        if translation.kind != "select":
            row = result.fetchone()
            count = int(row[0]) if row else 0
            outcome = StatementResult(rowcount=count)
            self.current_label = bound.label
            return outcome
        description = result.description or []
        rows = result.fetchall()
        result_set = result_rows.result_set(tree, description, rows, translation.column_types)
        outcome = StatementResult(result_set=result_set, rowcount=len(rows))
        self.current_label = bound.label
        return outcome

    def _parsed(self, sql: str) -> str | duckdb.Statement:
        # DuckDB re-parses a text on every execute; a parsed statement skips that.
        try:
            parsed = self.cursor.extract_statements(sql)
        except duckdb.Error:
            return sql  # let execute() report it as usual
        return parsed[0] if len(parsed) == 1 else sql


class _Plan(t.NamedTuple):
    """A translated statement: sqlglot tree (for column names), translation, DuckDB statement."""

    tree: t.Any
    translation: Translation
    statement: str | duckdb.Statement


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
