"""Translating T-SQL DML and queries (sqlglot, read="tsql") into DuckDB SQL.

Besides sqlglot's own transpilation this fixes what it gets wrong for T-SQL (float is 8 bytes,
bit is a boolean, ``+`` on strings is concatenation, casts to ``nvarchar(n)`` truncate, MERGE
and UPDATE ... FROM shapes DuckDB refuses), points INFORMATION_SCHEMA and ``sys.*`` at the shadow
catalog's views, and works out the declared T-SQL type of each result column.
"""

from __future__ import annotations

import dataclasses
import re
import typing as t

import sqlglot
from sqlglot import exp

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import collation, errors, types
from devstack.sqldw_emulator.engine.result_types import NOW_FUNCTIONS, ResultTypes, tsql_type
from devstack.sqldw_emulator.engine.temporal_rewrite import TemporalRewrite
from devstack.sqldw_emulator.engine.views import view_name

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import TableInfo

TableLookup = t.Callable[[str | None, str], "TableInfo | None"]
ObjectIdLookup = t.Callable[[str, str | None], "int | None"]

# SERVERPROPERTY answers of a dedicated SQL pool (EngineEdition 6 = Azure Synapse).
_SERVER_PROPERTIES: dict[str, str | int] = {
    "engineedition": 6,
    "edition": "SQL Azure",
    "productversion": "10.0.15665.0",
    "productlevel": "RTM",
    "servername": "devstack",
    "collation": "SQL_Latin1_General_CP1_CI_AS",
    "isintegratedsecurityonly": 0,
}


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


class Translator(ResultTypes):
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
        if isinstance(tree, exp.Query):
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
        TemporalRewrite(self.lookup, self.param_types).run(tree)
        self.cast_aggregates(tree)
        self._rewrite_datalength(tree)
        tree = tree.transform(self._rewrite, copy=False)
        sql = tree.sql("duckdb")
        return Translation(sql, kind, column_types, target, self.catalog_views, collations)

    # checks and shape fixes --------------------------------------------------------------

    def _check_insert(self, tree: exp.Insert) -> None:
        values = tree.expression
        if isinstance(values, exp.Values) and len(values.expressions) > 1:
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
                if info is not None and info.distribution != "HASH":
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
        if isinstance(node, exp.Add) and (
            self._stringy(node.this) or self._stringy(node.expression)
        ):
            return exp.DPipe(this=node.this, expression=node.expression, safe=True)
        if isinstance(node, exp.CurrentTimestamp | exp.CurrentDatetime):
            return exp.Anonymous(this="dw_utcnow", expressions=[])
        if isinstance(node, exp.CurrentTimestampLTZ):
            return exp.Anonymous(this="dw_utcnow_offset", expressions=[])
        if isinstance(node, exp.ObjectId):
            return self._object_id([node.this, node.expression])
        if isinstance(node, exp.CurrentUser):
            return exp.Literal.string(str(self.system.get("user", "dbo")))
        if isinstance(node, exp.CurrentSchema):
            return exp.Literal.string("dbo")
        if isinstance(node, exp.Anonymous):
            return self._rewrite_function(node)
        return node

    def _rewrite_table(self, node: exp.Table) -> exp.Expression:
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

    def _rewrite_function(self, node: exp.Anonymous) -> exp.Expression:
        name = str(node.this).upper()
        if name in NOW_FUNCTIONS:
            return exp.Anonymous(this=NOW_FUNCTIONS[name], expressions=[])
        if name == "NEWID":
            return exp.Anonymous(this="uuid", expressions=[])
        if name in ("DB_NAME", "ORIGINAL_DB_NAME") and not node.expressions:
            return exp.Literal.string(str(self.system.get("database", "")))
        if name == "DB_ID" and not node.expressions:
            return exp.Literal.number(5)
        if name in ("USER_NAME", "SUSER_NAME", "SUSER_SNAME") and not node.expressions:
            return exp.Literal.string(str(self.system.get("user", "dbo")))
        if name == "SERVERPROPERTY" and node.expressions:
            prop = node.expressions[0].name.lower()
            value = _SERVER_PROPERTIES.get(prop)
            if value is None:
                return exp.Null()
            if isinstance(value, int):
                return exp.Literal.number(value)
            return exp.Literal.string(value)
        if name == "NCHAR" and len(node.expressions) == 1:
            # NCHAR(n): the UTF-16 code unit n, like CHAR(n) for DuckDB's chr().
            return exp.Anonymous(this="chr", expressions=node.expressions)
        return node

    def _rewrite_datalength(self, tree: exp.Expression) -> None:
        """Replace every ``DATALENGTH`` while table names still resolve (before the rewrite)."""
        for node in list(tree.find_all(exp.Anonymous)):
            if str(node.this).upper() == "DATALENGTH" and len(node.expressions) == 1:
                node.replace(self._datalength(node.expressions[0]))

    def _datalength(self, operand: exp.Expression) -> exp.Expression:
        """``DATALENGTH``: bytes of binary values; of text, as SQL Server stores it.

        nchar/nvarchar store UTF-16 (2 bytes a code unit, 4 for a character beyond the BMP);
        char/varchar count UTF-8 bytes here (the emulator keeps no code pages).
        """
        declared = None
        if isinstance(operand, exp.Column):
            # The column's table may be named by an enclosing SELECT (a correlated subquery).
            select = operand.find_ancestor(exp.Select)
            while declared is None and select is not None:
                declared = self._column_type(operand, self._scope_tables(select))
                select = select.parent.find_ancestor(exp.Select) if select.parent else None
            if declared is None and operand.table:
                # A three-part [schema].[table].[column] outside the SELECT naming the table
                # (DELETE ... WHERE EXISTS).
                info = self.lookup(operand.db or None, operand.table)
                found = info.column(operand.name) if info is not None else None
                declared = found.type if found is not None else None
        stringy = (
            declared.name in types.CHAR_TYPES if declared is not None else self._stringy(operand)
        )
        if not stringy:
            return exp.Anonymous(this="octet_length", expressions=[operand])
        text = exp.Cast(this=operand, to=exp.DataType.build("TEXT"))
        unicode = declared is None or declared.name in ("nchar", "nvarchar", "sysname")
        if not unicode:
            return exp.Anonymous(this="strlen", expressions=[text])
        beyond_bmp = exp.Anonymous(
            this="len",
            expressions=[
                exp.Anonymous(
                    this="regexp_extract_all",
                    expressions=[text.copy(), exp.Literal.string("[\\x{10000}-\\x{10FFFF}]")],
                )
            ],
        )
        units = exp.Add(
            this=exp.Anonymous(this="length", expressions=[text]), expression=beyond_bmp
        )
        return exp.Mul(this=exp.Literal.number(2), expression=exp.Paren(this=units))

    def _object_id(self, args: list[exp.Expression | None]) -> exp.Expression:
        present = [arg for arg in args if arg is not None]
        if present and all(isinstance(arg, exp.Literal | exp.National) for arg in present):
            values = [arg.name for arg in present]
            found = self.object_id(values[0], values[1] if len(values) > 1 else None)
            return exp.Literal.number(found) if found is not None else exp.Null()
        raise errors.error(50000, "OBJECT_ID needs literal arguments in the emulator.")


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
    try:
        trees = sqlglot.parse(sql, read="tsql")
    except sqlglot.errors.ParseError as exc:
        raise errors.error(102, f"Incorrect syntax: {str(exc).splitlines()[0]}") from exc
    except sqlglot.errors.TokenError as exc:
        raise errors.error(102, f"Incorrect syntax: {exc}") from exc
    trees = [tree for tree in trees if tree is not None]
    if len(trees) != 1:
        raise errors.error(102, "Incorrect syntax: expected one statement.")
    tree = trees[0]
    assert isinstance(tree, exp.Expression)
    return tree
