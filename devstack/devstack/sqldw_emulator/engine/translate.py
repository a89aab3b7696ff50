"""Translating T-SQL DML and queries (sqlglot, read="tsql") into DuckDB SQL.

Pure: reads table definitions, returns DuckDB SQL and the result columns' T-SQL types.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

import sqlglot
from sqlglot import exp

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import collation, errors, metadata_functions, types
from devstack.sqldw_emulator.engine.function_rewrites import FunctionRewrites
from devstack.sqldw_emulator.engine.result_types import tsql_type
from devstack.sqldw_emulator.engine.temporal_rewrite import TemporalRewrite
from devstack.sqldw_emulator.engine.text_rules import ignore_trailing_spaces, spell_synonyms
from devstack.sqldw_emulator.engine.view_columns import view_name

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import TableInfo

TableLookup = t.Callable[[str | None, str], "TableInfo | None"]
ObjectIdLookup = t.Callable[[str, str | None], "int | None"]


@dataclasses.dataclass(slots=True)
class Translation:
    """A translated statement.

    Attributes:
        sql: DuckDB SQL text.
        kind: ``select``, ``insert``, ``update``, ``delete``, ``merge``.
        column_types: Declared T-SQL type per result column (None: ask DuckDB's type).
        target: (schema, name) of the table an INSERT/UPDATE/DELETE/MERGE writes.
        catalog_views: Whether the statement reads the shadow catalog's views.
        collations: Declared collation per result column (None: the database default).
    """

    sql: str
    kind: str
    column_types: list[SQLType | None]
    target: tuple[str | None, str] | None = None
    catalog_views: bool = False
    collations: list[str | None] = dataclasses.field(default_factory=list)


def _table_parts(table: exp.Table) -> tuple[str | None, str]:
    return (table.db or None, table.name)


class Translator(FunctionRewrites):
    """Translate one parsed statement for a session.

    Args:
        lookup: Finds a declared table by (schema or None, name).
        object_id: Resolves OBJECT_ID(name, type) for literal arguments.
        param_types: Declared types of the ``?`` placeholders, in order.
        system: Values of session functions: ``database``, ``user``.
    """

    def __init__(
        self,
        lookup: TableLookup,
        object_id: ObjectIdLookup,
        param_types: list[SQLType | None],
        system: dict[str, t.Any] | None = None,
    ) -> None:
        self.lookup = lookup
        self.object_id = object_id
        self.param_types = param_types
        self.system = system or {}
        self.catalog_views = False
        self._datalength_types: dict[int, SQLType | None] = {}

    def translate(self, tree: exp.Expression) -> Translation:
        """Check, rewrite and generate DuckDB SQL for a parsed T-SQL statement.

        Raises:
            SQLError: for statements the dedicated pool refuses or the emulator cannot run.
        """
        for node in tree.find_all(exp.Collate):
            collation.check(node.expression.name)
        kind = type(tree).__name__.lower()
        target: tuple[str | None, str] | None = None
        column_types: list[SQLType | None] = []
        collations: list[str | None] = []
        if isinstance(tree, exp.Select) and tree.args.get("into") is not None:
            # SELECT ... INTO #t answers a row count, as INSERT does (no result set).
            kind = "select_into"
        elif isinstance(tree, exp.Query):
            kind = "select"
            column_types = self.output_types(tree)
            collations = self.output_collations(tree)
        elif isinstance(tree, exp.Insert):
            table = tree.find(exp.Table)
            target = _table_parts(table) if table is not None else None
            self._check_insert(tree)
        elif isinstance(tree, exp.Update):
            target = self._fix_update(tree)
        elif isinstance(tree, exp.Delete):
            target = self._fix_delete(tree)
        elif isinstance(tree, exp.Merge):
            target = self._fix_merge(tree)
        else:
            raise errors.error(102, f"Incorrect syntax near '{tree.sql('tsql')[:40]}'.")
        ignore_trailing_spaces(tree)
        TemporalRewrite(self.lookup, self.param_types).run(tree)
        self.cast_aggregates(tree)
        self._datalength_types = self._datalength_operand_types(tree)
        self._pad_collated_comparisons(tree)
        tree = tree.transform(self._rewrite, copy=False)
        sql = tree.sql("duckdb")
        return Translation(sql, kind, column_types, target, self.catalog_views, collations)

    def _pad_collated_comparisons(self, tree: exp.Expression) -> None:
        """``a COLLATE c = b COLLATE c`` of two character columns ignores trailing spaces.

        T-SQL pads the shorter side with spaces before comparing, under every collation, so
        ``'x'`` equals ``'x '`` (which is why exact key comparisons add ``DATALENGTH``).
        Comparisons with an explicit ``COLLATE`` on both sides are rewritten; without one the
        column's own collation must stay in force, and a function call would drop it in DuckDB.
        """
        for node in list(tree.find_all(exp.EQ, exp.NEQ)):
            sides = (node.this, node.expression)
            if not all(isinstance(side, exp.Collate) for side in sides):
                continue
            if all(self._character_column(side.this) for side in sides):
                for side in sides:
                    side.set("this", exp.Anonymous(this="rtrim", expressions=[side.this.copy()]))

    def _character_column(self, node: exp.Expression) -> bool:
        if not isinstance(node, exp.Column):
            return False
        declared = self._statement_column_type(node)
        return declared is not None and declared.name in types.CHAR_TYPES

    # checks and shape fixes --------------------------------------------------------------

    def _check_insert(self, tree: exp.Insert) -> None:
        values = tree.expression
        # A dedicated pool has no multi-row VALUES; a Fabric Warehouse has (identity.md).
        fabric = self.system.get("flavor") == "fabric"
        if isinstance(values, exp.Values) and len(values.expressions) > 1 and not fabric:
            raise errors.parse_error(",")
        target = tree.this
        if isinstance(target, exp.Table):
            info = self.lookup(*_table_parts(target))
            if info is not None and any(column.identity for column in info.columns):
                # Without a column list T-SQL fills every column except the IDENTITY one.
                names = [exp.to_identifier(c.name) for c in info.columns if not c.identity]
                tree.set("this", exp.Schema(this=target.copy(), expressions=names))

    @staticmethod
    def _ansi_joins(joins: list[exp.Join]) -> bool:
        return any(
            join.args.get("on") or join.args.get("using") or join.side or join.kind
            for join in joins
        )

    def _fix_update(self, tree: exp.Update) -> tuple[str | None, str]:
        target = tree.this
        assert isinstance(target, exp.Table)
        source = tree.args.get("from_")
        if source is None:
            return _table_parts(target)
        first = source.this
        joins = list(first.args.get("joins") or []) if isinstance(first, exp.Table) else []
        if self._ansi_joins(joins):
            raise errors.error(104058, errors.UPDATE_DELETE_FROM_JOIN)
        for assignment in tree.expressions:
            # ``SET t.col = s.col``: the column can only be the target's; DuckDB wants it bare.
            column = assignment.this
            if isinstance(column, exp.Column):
                column.set("table", None)
                column.set("db", None)
        tables = [first, *[join.this for join in joins]]
        alias_name = target.name.lower()
        for position, table in enumerate(tables):
            if not isinstance(table, exp.Table):
                continue
            names = {table.name.lower(), table.alias_or_name.lower()}
            if alias_name in names and (target.db == "" or table.name.lower() == alias_name):
                # T-SQL's UPDATE alias ... FROM real AS alias: the target row is the FROM row.
                real = table.copy()
                real.set("joins", None)
                rest = [tb for i, tb in enumerate(tables) if i != position]
                tree.set("this", real)
                if rest:
                    new_from = rest[0].copy()
                    new_from.set("joins", None)
                    new_from.set("joins", [exp.Join(this=tb.copy()) for tb in rest[1:]] or None)
                    tree.set("from_", exp.From(this=new_from))
                else:
                    tree.set("from_", None)
                return _table_parts(real)
        first.set("joins", joins or None)
        return _table_parts(target)

    def _fix_delete(self, tree: exp.Delete) -> tuple[str | None, str]:
        table = tree.this
        if isinstance(table, exp.Table) and self._ansi_joins(list(table.args.get("joins") or [])):
            raise errors.error(104058, errors.UPDATE_DELETE_FROM_JOIN)
        if tree.args.get("tables"):
            raise errors.error(104058, errors.UPDATE_DELETE_FROM_JOIN)
        assert isinstance(table, exp.Table)
        return _table_parts(table)

    def _fix_merge(self, tree: exp.Merge) -> tuple[str | None, str]:
        target = tree.this
        assert isinstance(target, exp.Table)
        parts = _table_parts(target)
        info = self.lookup(*parts)
        whens = tree.args.get("whens")
        for when in whens.expressions if whens is not None else []:
            then = when.args.get("then")
            if isinstance(then, exp.Insert) and not when.args.get("source"):
                # Fabric tables have no distribution, and its MERGE inserts into any of them.
                fabric = self.system.get("flavor") == "fabric"
                if info is not None and info.distribution != "HASH" and not fabric:
                    raise errors.error(100088, errors.MERGE_NOT_HASH)
                if info is not None and any(column.identity for column in info.columns):
                    name = next(column.name for column in info.columns if column.identity)
                    raise errors.error(8102, f"Cannot update identity column '{name}'.")
            if isinstance(then, exp.Update):
                for assignment in then.expressions:
                    column = assignment.this
                    if isinstance(column, exp.Column):
                        column.set("table", None)
        return parts

    # rewrites ------------------------------------------------------------------------------

    def _rewrite(self, node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table):
            return self._rewrite_table(node)
        if isinstance(node, exp.Column) and node.args.get("db") is not None:
            return self._rewrite_qualified_column(node)
        if isinstance(node, exp.DataType):
            return self._rewrite_type(node)
        if isinstance(node, exp.Collate):
            return _duck_collate(node)
        if isinstance(node, exp.Cast):
            if _is_dto(node.args.get("to")):
                node.set("this", _offset_without_space(node.this))
            return self._rewrite_cast(node)
        if isinstance(node, exp.Convert) and _is_dto(node.this):
            node.set("expression", _offset_without_space(node.expression))
        if isinstance(node, exp.Convert) and isinstance(node.this, exp.DataType):
            return self._rewrite_convert(node)
        if isinstance(node, exp.Add) and (
            self._stringy(node.this) or self._stringy(node.expression)
        ):
            return exp.DPipe(
                this=self._walked(node.this), expression=self._walked(node.expression), safe=True
            )
        if isinstance(node, exp.CurrentTimestamp | exp.CurrentDatetime):
            return exp.Anonymous(this="dw_utcnow", expressions=[])
        if isinstance(node, exp.CurrentTimestampLTZ):
            return exp.Anonymous(this="dw_utcnow_offset", expressions=[])
        if isinstance(node, exp.ObjectId):
            return self._object_id([node.this, node.expression])
        if isinstance(node, exp.CurrentUser | exp.SessionUser):
            return exp.Literal.string(str(self.system.get("user", "dbo")))
        if isinstance(node, exp.CurrentSchema):
            if node.this is not None:  # SCHEMA_NAME(id)
                self.catalog_views = True
                return metadata_functions.schema_name(self._walked(node.this))
            return exp.Literal.string("dbo")
        if isinstance(node, exp.Anonymous):
            return self._rewrite_function(node)
        if isinstance(node, exp.Replace):
            return self._rewrite_replace(node)
        return node

    def _rewrite_qualified_column(self, node: exp.Column) -> exp.Expression:
        """``schema.table.column`` (and ``db.schema.table.column``) as ``table.column``.

        The table keeps its own name as its alias (see :meth:`_rewrite_table`), so the shorter
        reference names the same table, as it does in T-SQL.
        """
        catalog = node.args.get("catalog")
        if catalog is not None and catalog.name.lower() != self._database():
            raise errors.error(
                117,
                f"The object name '{node.sql('tsql')}' contains more than the maximum "
                "number of prefixes. The maximum is 3.",
            )
        node.set("db", None)
        node.set("catalog", None)
        return node

    def _database(self) -> str:
        return str(self.system.get("database", "")).lower()

    def _rewrite_table(self, node: exp.Table) -> exp.Expression:
        catalog = node.args.get("catalog")
        if catalog is not None and catalog.name.lower() in (self._database(), "master"):
            # Three-part names on the current database (the only one a pool serves).
            node.set("catalog", None)
        schema = node.db.lower()
        if schema in ("information_schema", "sys"):
            name = view_name(schema, node.name)
            if name is None:
                raise errors.error(208, f"Invalid object name '{node.db}.{node.name}'.")
            self.catalog_views = True
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
            return exp.Table(
                this=exp.to_identifier(name),
                db=exp.to_identifier("__devstack"),
                alias=alias,
                joins=node.args.get("joins"),
            )
        return node

    @staticmethod
    def _rewrite_type(node: exp.DataType) -> exp.Expression:
        kind = node.this
        if kind in (exp.DType.FLOAT,) and not node.expressions:
            return exp.DataType.build("DOUBLE")
        if kind == exp.DType.FLOAT:
            bits = int(node.expressions[0].sql())
            return exp.DataType.build("REAL" if bits <= 24 else "DOUBLE")
        if kind == exp.DType.BIT:
            return exp.DataType.build("BOOLEAN")
        if kind in (exp.DType.DATETIME2, exp.DType.DATETIME, exp.DType.SMALLDATETIME):
            return exp.DataType.build("TIMESTAMP")
        if kind in (exp.DType.NVARCHAR, exp.DType.VARCHAR, exp.DType.NCHAR, exp.DType.CHAR):
            return exp.DataType.build("VARCHAR")
        if kind in (exp.DType.VARBINARY, exp.DType.BINARY):
            return exp.DataType.build("BLOB")
        if kind == exp.DType.MONEY:
            return exp.DataType.build("DECIMAL(19,4)")
        if kind == exp.DType.SMALLMONEY:
            return exp.DataType.build("DECIMAL(10,4)")
        if kind == exp.DType.TIME:
            return exp.DataType.build("TIME")
        return node

    def _rewrite_cast(self, node: exp.Cast) -> exp.Expression:
        declared = node.args.get("to")
        if not isinstance(declared, exp.DataType):
            return node
        sql = tsql_type(declared)
        if sql is not None and sql.name in types.CHAR_TYPES and sql.length not in (None, -1):
            # T-SQL casts to a shorter string truncate silently; DuckDB ignores the length.
            # The replacement is not walked by transform(): rewrite the operand here.
            operand = node.this.transform(self._rewrite, copy=False)
            return exp.Anonymous(
                this="left",
                expressions=[
                    exp.Cast(this=operand, to=exp.DataType.build("VARCHAR")),
                    exp.Literal.number(sql.length),
                ],
            )
        return node

    def _rewrite_convert(self, node: exp.Convert) -> exp.Expression:
        """CONVERT to a character type of n (30 when not given) truncates, as CAST does."""
        declared = node.this
        assert isinstance(declared, exp.DataType)
        sql = tsql_type(declared)
        if sql is None or sql.name not in types.CHAR_TYPES or sql.length in (None, -1):
            return node
        node.set("expression", self._walked(node.expression))
        if node.args.get("style") is not None:
            node.set("style", self._walked(node.args["style"]))
        return exp.Anonymous(
            this="left",
            expressions=[
                exp.Cast(this=node, to=exp.DataType.build("VARCHAR")),
                exp.Literal.number(sql.length),
            ],
        )

    def _stringy(self, node: exp.Expression) -> bool:
        if isinstance(node, exp.Literal):
            return node.is_string
        if isinstance(node, exp.National | exp.DPipe | exp.Concat):
            return True
        if isinstance(node, exp.Cast):
            declared = node.args.get("to")
            sql = tsql_type(declared) if isinstance(declared, exp.DataType) else None
            return sql is not None and sql.name in types.CHAR_TYPES
        if isinstance(node, exp.Add):
            return self._stringy(node.this) or self._stringy(node.expression)
        if isinstance(node, exp.Column):
            sql = self._column_type(node, None)
            return sql is not None and sql.name in types.CHAR_TYPES
        if isinstance(node, exp.Placeholder):
            index = self._placeholder_index(node)
            if index is not None and index < len(self.param_types):
                sql = self.param_types[index]
                return sql is not None and sql.name in types.CHAR_TYPES
        return False


_SPACED_OFFSET = r"\s+([+-]\d{1,2}:?\d{2})$"


def _offset_without_space(operand: exp.Expression) -> exp.Expression:
    """Let DuckDB read ``'... 10:00:00 +02:00'``: SQL Server allows a space before the offset."""
    if isinstance(operand, exp.Literal | exp.National):
        return exp.Literal.string(re.sub(_SPACED_OFFSET, r"\1", operand.name.strip()))
    if isinstance(operand, exp.Null):
        return operand
    return exp.Anonymous(
        this="regexp_replace",
        expressions=[
            # TEXT (nvarchar(max)): a cast the length rule below leaves alone.
            exp.Cast(this=operand, to=exp.DataType.build("TEXT")),
            exp.Literal.string(_SPACED_OFFSET),
            exp.Literal.string("\\1"),
        ],
    )


def _is_dto(declared: object) -> bool:
    return isinstance(declared, exp.DataType) and declared.this == exp.DType.TIMESTAMPTZ


def _duck_collate(node: exp.Collate) -> exp.Expression:
    """``x COLLATE <T-SQL name>`` as ``x COLLATE <DuckDB collation>`` (see collation.py)."""
    duck = collation.duck_collation(node.expression.name)
    name = exp.Identifier(this=duck, quoted=True) if duck == "binary" else exp.Var(this=duck)
    node.set("expression", name)
    return node


def parse(sql: str) -> exp.Expression:
    """Parse one T-SQL statement with sqlglot.

    Raises:
        SQLError: 102 when sqlglot cannot parse it.
    """
    sql = spell_synonyms(sql)
    try:
        trees = sqlglot.parse(sql, read="tsql")
    except sqlglot.errors.ParseError as exc:
        # sqlglot's own words (class names, "Required keyword") are not T-SQL's.
        details = exc.errors[0] if exc.errors else {}
        words = sql.split()
        near = str(details.get("highlight") or "").strip() or (words[0] if words else "")
        raise errors.error(102, f"Incorrect syntax near '{near}'.") from exc
    except sqlglot.errors.TokenError as exc:
        raise errors.error(102, f"Incorrect syntax: {exc}") from exc
    trees = [tree for tree in trees if tree is not None]
    if len(trees) != 1:
        raise errors.error(102, "Incorrect syntax: expected one statement.")
    tree = trees[0]
    assert isinstance(tree, exp.Expression)
    return tree
