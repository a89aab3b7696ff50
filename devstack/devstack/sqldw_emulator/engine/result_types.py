"""The declared T-SQL type of each result column of a query, worked out from the catalog.

Pure: reads table definitions, never runs SQL.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import types
from devstack.sqldw_emulator.engine.view_columns import VIEW_COLUMN_TYPES, view_name

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.catalog import ColumnInfo, TableInfo

_DTYPE_TO_TSQL = {
    exp.DType.NVARCHAR: "nvarchar",
    exp.DType.VARCHAR: "varchar",
    exp.DType.NCHAR: "nchar",
    exp.DType.CHAR: "char",
    exp.DType.VARBINARY: "varbinary",
    exp.DType.BINARY: "binary",
    exp.DType.INT: "int",
    exp.DType.BIGINT: "bigint",
    exp.DType.SMALLINT: "smallint",
    exp.DType.UTINYINT: "tinyint",
    exp.DType.TINYINT: "tinyint",
    exp.DType.BIT: "bit",
    exp.DType.BOOLEAN: "bit",
    exp.DType.FLOAT: "float",
    exp.DType.DOUBLE: "float",
    exp.DType.DECIMAL: "decimal",
    exp.DType.MONEY: "money",
    exp.DType.SMALLMONEY: "smallmoney",
    exp.DType.DATE: "date",
    exp.DType.TIME: "time",
    exp.DType.DATETIME: "datetime",
    exp.DType.DATETIME2: "datetime2",
    exp.DType.SMALLDATETIME: "smalldatetime",
    exp.DType.TIMESTAMPTZ: "datetimeoffset",
    exp.DType.UUID: "uniqueidentifier",
    exp.DType.TEXT: "nvarchar",
}
_INTEGER_RANK = {"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4}
_DUCK_INTEGERS = {"int": "INT", "bigint": "BIGINT"}


def aggregate_type(node: exp.Expression, argument: SQLType | None) -> SQLType | None:
    """The T-SQL type of ``SUM(x)`` / ``AVG(x)`` for an argument of type ``argument``."""
    if argument is None:
        return None
    name = argument.name
    if name in ("tinyint", "smallint", "int"):
        return SQLType("int")
    if name == "bigint":
        return SQLType("bigint")
    if name in ("float", "real"):
        return SQLType("float", precision=53)
    if name in ("money", "smallmoney"):
        return SQLType("money")
    if name in ("decimal", "numeric"):
        scale = argument.scale or 0
        if isinstance(node, exp.Avg):
            # DuckDB averages decimals as DOUBLE: report what it computes, not decimal(38, 6).
            return None
        return SQLType("decimal", precision=38, scale=scale)
    return None


def integer_arithmetic_type(left: SQLType | None, right: SQLType | None) -> SQLType | None:
    """The type of ``+ - * / %`` on two integer types (the wider one); None otherwise."""
    if left is None or right is None:
        return None
    if left.name not in _INTEGER_RANK or right.name not in _INTEGER_RANK:
        return None
    wider = max(left.name, right.name, key=_INTEGER_RANK.__getitem__)
    return SQLType(wider)


NOW_FUNCTIONS = {
    "SYSUTCDATETIME": "dw_utcnow",
    "SYSDATETIME": "dw_utcnow",
    "GETUTCDATE": "dw_utcnow",
    "SYSDATETIMEOFFSET": "dw_utcnow_offset",
}


#: The length of ``CAST(x AS varchar)`` and ``CONVERT(nvarchar, x)`` (Transact-SQL reference,
#: "char and varchar": "When n isn't specified when using the CAST and CONVERT functions, the
#: default length is 30").
CAST_DEFAULT_LENGTH = 30


def tsql_type(data_type: exp.DataType) -> SQLType | None:
    """The T-SQL type a sqlglot (tsql) DataType names in CAST or CONVERT, if known."""
    name = _DTYPE_TO_TSQL.get(data_type.this)
    if name is None:
        return None
    args = [param.sql("tsql") for param in data_type.expressions]
    if name == "nvarchar" and data_type.this == exp.DType.TEXT:
        args = ["max"]
    if not args and (name in types.CHAR_TYPES or name in types.BINARY_TYPES):
        # Without a length, CAST and CONVERT use 30 (DECLARE and column definitions use 1).
        args = [str(CAST_DEFAULT_LENGTH)]
    if name == "float" and data_type.this == exp.DType.FLOAT and args:
        pass
    try:
        return types.make_type(name, args)
    except (types.DeclaredTypeError, ValueError):
        return None


class ResultTypes:
    """Result-column typing, shared by the translator (which provides these attributes)."""

    lookup: t.Callable[[str | None, str], TableInfo | None]
    param_types: list[SQLType | None]

    def _placeholder_index(self, node: exp.Placeholder) -> int | None:
        root = node.root()
        # Depth first, so positions follow the text (sqlglot's default walk is breadth first:
        # in ``SELECT ? + 1, ?`` it would reach the second ``?`` first).
        for position, placeholder in enumerate(root.find_all(exp.Placeholder, bfs=False)):
            if placeholder is node:
                return position
        return None

    # result column types -------------------------------------------------------------------

    def _scope_tables(self, select: exp.Select) -> dict[str, TableInfo]:
        scope: dict[str, TableInfo] = {}
        from_ = select.args.get("from_")
        tables: list[exp.Expression] = []
        if from_ is not None:
            tables.append(from_.this)
            tables.extend(join.this for join in from_.this.args.get("joins") or [])
        tables.extend(join.this for join in select.args.get("joins") or [])
        for table in tables:
            if not isinstance(table, exp.Table):
                continue
            schema = table.db.lower()
            if schema in ("information_schema", "sys"):
                continue
            info = self.lookup(table.db or None, table.name)
            if info is not None:
                scope[table.alias_or_name.lower()] = info
        return scope

    def _column_info(
        self, column: exp.Column, scope: dict[str, TableInfo] | None
    ) -> ColumnInfo | None:
        if scope is None:
            select = column.find_ancestor(exp.Select)
            scope = self._scope_tables(select) if select is not None else {}
        qualifier = column.table.lower()
        candidates = [scope[qualifier]] if qualifier in scope else list(scope.values())
        if qualifier and qualifier not in scope:
            candidates = []
        for info in candidates:
            declared = info.column(column.name)
            if declared is not None:
                return declared
        return None

    def _column_type(
        self, column: exp.Column, scope: dict[str, TableInfo] | None
    ) -> SQLType | None:
        declared = self._column_info(column, scope)
        return declared.type if declared is not None else None

    def output_collations(self, query: exp.Expression) -> list[str | None]:
        """Declared collation of each result column, as CTAS gives them to its new columns.

        An explicit ``COLLATE`` wins, then the source column's; None is the database default.
        ``*`` and ``t.*`` give each source column's, in the order of the FROM clause, when
        every table there is known (otherwise nothing is known of any column).
        """
        select = query
        while isinstance(select, exp.SetOperation):
            select = select.this
        if not isinstance(select, exp.Select):
            return []
        scope = self._scope_tables(select)
        result: list[str | None] = []
        for projection in select.expressions:
            node = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(node, exp.Collate):
                name = node.expression.name
                result.append(None if name.lower() == "database_default" else name)
            elif isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
                declared = self._column_info(node, scope)
                result.append(declared.collation if declared is not None else None)
            elif isinstance(node, exp.Star | exp.Column):
                expanded = self._star_collations(select, node, scope)
                if expanded is None:
                    return []
                result.extend(expanded)
            else:
                result.append(None)
        return result

    def _star_collations(
        self, select: exp.Select, star: exp.Expression, scope: dict[str, TableInfo]
    ) -> list[str | None] | None:
        """The declared collations ``*`` (or ``t.*``) stands for; None when not all are known."""
        if len(scope) != self._source_count(select):
            return None
        if isinstance(star, exp.Column):
            info = scope.get(star.table.lower())
            return None if info is None else [column.collation for column in info.columns]
        return [column.collation for info in scope.values() for column in info.columns]

    @staticmethod
    def _source_count(select: exp.Select) -> int:
        """How many FROM and JOIN items the SELECT has (each must be a known table for ``*``)."""
        from_ = select.args.get("from_")
        count = 0
        if from_ is not None:
            count = 1 + len(from_.this.args.get("joins") or [])
        return count + len(select.args.get("joins") or [])

    def _expression_type(
        self, node: exp.Expression, scope: dict[str, TableInfo] | None
    ) -> SQLType | None:
        if isinstance(node, exp.Alias | exp.Collate):
            return self._expression_type(node.this, scope)
        if isinstance(node, exp.Column):
            return self._column_type(node, scope)
        if isinstance(node, exp.Cast):
            declared = node.args.get("to")
            return tsql_type(declared) if isinstance(declared, exp.DataType) else None
        if isinstance(node, exp.Convert) and isinstance(node.this, exp.DataType):
            return tsql_type(node.this)
        if isinstance(node, exp.Placeholder):
            index = self._placeholder_index(node)
            if index is not None and index < len(self.param_types):
                return self.param_types[index]
        if isinstance(node, exp.ObjectId | exp.Length | exp.DateDiff):
            return SQLType("int")
        if isinstance(node, exp.Count):
            return SQLType("bigint" if node.args.get("big_int") else "int")
        if isinstance(node, exp.Sum | exp.Avg):
            return aggregate_type(node, self._expression_type(node.this, scope))
        if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
            return integer_arithmetic_type(
                self._expression_type(node.this, scope),
                self._expression_type(node.expression, scope),
            )
        if isinstance(node, exp.Literal) and node.is_int:
            return SQLType("int") if abs(int(node.name)) < 2**31 else None
        if isinstance(node, exp.Paren):
            return self._expression_type(node.this, scope)
        if isinstance(node, exp.Coalesce):
            return self._expression_type(node.this, scope)
        if isinstance(node, exp.Max | exp.Min):
            return self._expression_type(node.this, scope)
        if isinstance(node, exp.National) or (isinstance(node, exp.Literal) and node.is_string):
            length = max(1, types.utf16_length(node.name))
            return SQLType("nvarchar" if isinstance(node, exp.National) else "varchar", length)
        if isinstance(node, exp.Anonymous) and str(node.this).upper() in NOW_FUNCTIONS:
            return SQLType("datetime2", scale=7)
        if isinstance(node, exp.CurrentTimestamp):
            return SQLType("datetime")
        if isinstance(node, exp.CurrentTimestampLTZ):
            return SQLType("datetimeoffset", scale=7)
        return None

    def cast_aggregates(self, tree: exp.Expression) -> None:
        """Make DuckDB compute COUNT, SUM, AVG and ``/`` in the types T-SQL gives them.

        DuckDB's COUNT is BIGINT, SUM of integers HUGEINT and AVG of integers DOUBLE; T-SQL's
        COUNT is int, COUNT_BIG bigint, SUM/AVG of int int (AVG divides as integers) and of
        bigint bigint. The cast also raises 8115 where T-SQL overflows. ``/`` of two integers
        is integer division truncating toward zero in T-SQL (DuckDB's ``//``).
        """
        for division in list(tree.find_all(exp.Div)):
            if self._expression_type(division, None) is not None:
                division.replace(
                    exp.IntDiv(this=division.this.copy(), expression=division.expression.copy())
                )
        node: t.Any
        for node in list(tree.find_all(exp.Count, exp.Sum, exp.Avg)):
            if not isinstance(node.parent, exp.Expression):
                continue
            declared = self._expression_type(node, None)
            if declared is None or declared.name not in _DUCK_INTEGERS:
                continue
            copy = node.copy()
            inner: t.Any = copy
            if isinstance(node, exp.Avg):
                inner = exp.Anonymous(this="trunc", expressions=[copy])
            node.replace(exp.Cast(this=inner, to=exp.DataType.build(_DUCK_INTEGERS[declared.name])))

    def output_types(self, query: exp.Query) -> list[SQLType | None]:
        """Declared T-SQL types of a query's result columns (None where unknown)."""
        select = query
        while isinstance(select, exp.SetOperation):
            select = select.this
        if not isinstance(select, exp.Select):
            return []
        scope = self._scope_tables(select)
        for table in select.find_all(exp.Table):
            if table.db.lower() in ("information_schema", "sys"):
                return self._view_types(select, table)
        result: list[SQLType | None] = []
        for projection in select.expressions:
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                qualifier = projection.table.lower() if isinstance(projection, exp.Column) else ""
                infos = [scope[qualifier]] if qualifier in scope else list(scope.values())
                if len(infos) != len(self._from_tables(select)) and not qualifier:
                    return []
                for info in infos:
                    result.extend(column.type for column in info.columns)
                continue
            result.append(self._expression_type(projection, scope))
        return result

    @staticmethod
    def _from_tables(select: exp.Select) -> list[exp.Expression]:
        from_ = select.args.get("from_")
        if from_ is None:
            return []
        return [from_.this, *[join.this for join in from_.this.args.get("joins") or []]]

    @staticmethod
    def _view_types(select: exp.Select, table: exp.Table) -> list[SQLType | None]:
        known = VIEW_COLUMN_TYPES.get(view_name(table.db.lower(), table.name) or "", {})
        result: list[SQLType | None] = []
        for projection in select.expressions:
            inner = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(inner, exp.Column):
                result.append(known.get(inner.name.lower()))
            elif isinstance(inner, exp.Star):
                return []
            else:
                result.append(None)
        return result
