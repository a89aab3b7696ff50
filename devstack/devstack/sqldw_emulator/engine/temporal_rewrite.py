"""Rewriting statements around the text-stored temporal types (see temporal.py).

Pure: sqlglot trees in and out.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from devstack.sqldw_emulator.engine import temporal
from devstack.sqldw_emulator.engine.result_types import tsql_type

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType
    from devstack.sqldw_emulator.engine.catalog import TableInfo

    TableLookup = t.Callable[[str | None, str], TableInfo | None]

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ)
_VALUE_PARENTS = (
    exp.Select,
    exp.Group,
    exp.Distinct,
    exp.Count,
    exp.Max,
    exp.Min,
    exp.Is,
    exp.Ordered,
    exp.Tuple,
    exp.Values,
)
_DUCK_TYPE = {"datetime2": "TIMESTAMP", "time": "TIME"}


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


class TemporalRewrite:
    """One statement's rewrite.

    Args:
        lookup: Finds a declared table by (schema or None, name).
        param_types: Declared types of the ``?`` placeholders, in order.
    """

    def __init__(self, lookup: TableLookup, param_types: list[SQLType | None]) -> None:
        self.lookup = lookup
        self.param_types = param_types
        self.done: set[int] = set()
        self.statement_scope: dict[str, TableInfo] = {}
        self.placeholders: dict[int, int] = {}

    # what a node is ------------------------------------------------------------------------

    def _scope(self, node: exp.Expression) -> dict[str, TableInfo]:
        scope = dict(self.statement_scope)
        select = node.find_ancestor(exp.Select)
        while select is not None:
            for table in _tables_of(select):
                info = self._info(table)
                if info is not None:
                    scope.setdefault(table.alias_or_name.lower(), info)
            select = select.find_ancestor(exp.Select)
        return scope

    def _info(self, table: exp.Table) -> TableInfo | None:
        if table.db.lower() in ("information_schema", "sys") or not table.name:
            return None
        return self.lookup(table.db or None, table.name)

    def column_type(self, column: exp.Column) -> SQLType | None:
        """The declared type of a column reference, when it resolves to one table column."""
        scope = self._scope(column)
        qualifier = column.table.lower()
        if qualifier:
            candidates = [scope[qualifier]] if qualifier in scope else []
        else:
            candidates = list(scope.values())
        for info in candidates:
            declared = info.column(column.name)
            if declared is not None:
                return declared.type
        return None

    def kind(self, node: exp.Expression) -> str | None:
        """``datetime2``/``time``/``datetimeoffset`` when ``node`` yields that type's text."""
        node = _unparen(node)
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            return temporal.text_kind(self.column_type(node))
        if isinstance(node, exp.Cast | exp.TryCast):
            to = node.args.get("to")
            return temporal.text_kind(tsql_type(to)) if isinstance(to, exp.DataType) else None
        if isinstance(node, exp.Convert) and isinstance(node.this, exp.DataType):
            return temporal.text_kind(tsql_type(node.this))
        if isinstance(node, exp.Placeholder):
            index = self.placeholders.get(id(node))
            if index is not None and index < len(self.param_types):
                return temporal.text_kind(self.param_types[index])
        if isinstance(node, exp.CurrentTimestampLTZ) or (
            isinstance(node, exp.Anonymous) and str(node.this).upper() == "SYSDATETIMEOFFSET"
        ):
            return "datetimeoffset"
        return None

    def canonical(self, node: exp.Expression, kind: str) -> bool:
        """Whether ``node`` already holds canonical text of ``kind`` (a stored column)."""
        inner = _unparen(node)
        return isinstance(inner, exp.Column) and self.kind(inner) == kind

    def _text_of(self, node: exp.Expression, kind: str) -> t.Callable[[], exp.Expression]:
        """Decide (while ``node`` is in the tree) how to make it canonical text of ``kind``.

        Returns:
            A builder to call once ``node`` is detached: it returns the replacement.
        """
        inner = _unparen(node)
        if self.canonical(node, kind):
            self.done.add(id(inner))
            return lambda: node
        own = self.kind(inner)
        if own is not None and isinstance(inner, exp.Cast | exp.TryCast | exp.Convert):
            operand = inner.expression if isinstance(inner, exp.Convert) else inner.this
            self.done.add(id(_unparen(operand)))

            def from_cast() -> exp.Expression:
                value = operand if own == kind else _call(temporal.macro(own), operand)
                return _call(temporal.macro(kind), value)

            return from_cast
        self.done.add(id(inner))
        return lambda: _call(temporal.macro(kind), node)

    def make_text(self, node: exp.Expression, kind: str) -> None:
        """Replace ``node`` in its tree with its canonical text of ``kind``."""
        _swap(node, self._text_of(node, kind))

    def make_key(self, node: exp.Expression) -> None:
        """Replace ``node`` with the instant of its datetimeoffset value."""
        build = self._text_of(node, "datetimeoffset")
        _swap(node, lambda: _call("dw_dto_key", build()))

    # the rewrite -----------------------------------------------------------------------------

    def run(self, tree: exp.Expression) -> None:
        """Rewrite ``tree`` in place."""
        for position, placeholder in enumerate(tree.find_all(exp.Placeholder)):
            self.placeholders[id(placeholder)] = position
        if isinstance(tree, exp.Update | exp.Delete | exp.Merge):
            for table in [tree.this, *_source_tables(tree)]:
                if isinstance(table, exp.Table):
                    info = self._info(table)
                    if info is not None:
                        self.statement_scope[table.alias_or_name.lower()] = info
        if isinstance(tree, exp.Insert):
            self._insert(tree)
        if isinstance(tree, exp.Merge):
            self._merge_inserts(tree)
        for binary in list(tree.find_all(*_COMPARISONS)):
            if _is_assignment(binary):
                self._assignment(binary)
            else:
                self._comparison(binary)
        for member in list(tree.find_all(exp.In, exp.Between)):
            self._membership(member)
        for ordered in list(tree.find_all(exp.Ordered)):
            if self.kind(ordered.this) == "datetimeoffset":
                self.make_key(ordered.this)
        for aggregate in list(tree.find_all(exp.Max, exp.Min)):
            value = aggregate.this
            if self.kind(value) == "datetimeoffset":
                name = "arg_max" if isinstance(aggregate, exp.Max) else "arg_min"
                copy = value.copy()
                stored = self.canonical(value, "datetimeoffset")
                self.done.add(id(_unparen(value)))
                order = copy if stored else _call("dw_dto", copy)
                aggregate.replace(_call(name, value, _call("dw_dto_key", order)))
        self._contexts(tree)

    def _insert(self, tree: exp.Insert) -> None:
        target = tree.this
        table = target.this if isinstance(target, exp.Schema) else target
        if not isinstance(table, exp.Table):
            return
        info = self._info(table)
        if info is None:
            return
        if isinstance(target, exp.Schema):
            names = [column.name for column in target.expressions]
        else:
            names = [column.name for column in info.columns if not column.identity]
        kinds = []
        for name in names:
            declared = info.column(name)
            kinds.append(temporal.text_kind(declared.type) if declared is not None else None)
        if not any(kinds):
            return
        source = tree.expression
        if isinstance(source, exp.Values):
            for row in source.expressions:
                values = row.expressions if isinstance(row, exp.Tuple) else [row]
                for value, kind in zip(values, kinds, strict=False):
                    if kind is not None:
                        self.make_text(value, kind)
            return
        if isinstance(source, exp.Select) and not any(
            isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
            for p in source.expressions
        ):
            for projection, kind in zip(source.expressions, kinds, strict=False):
                if kind is None:
                    continue
                inner = projection.this if isinstance(projection, exp.Alias) else projection
                self.make_text(inner, kind)
            return
        if isinstance(source, exp.Query):
            columns = [f"__c{i}" for i in range(len(names))]
            picks: list[exp.Expression] = []
            for column, kind in zip(columns, kinds, strict=True):
                ref = exp.column(column, table="__src")
                picks.append(_call(temporal.macro(kind), ref) if kind else ref)
            alias = exp.TableAlias(
                this=exp.to_identifier("__src"),
                columns=[exp.to_identifier(column) for column in columns],
            )
            wrapped = exp.select(*picks).from_(exp.Subquery(this=source, alias=alias))
            tree.set("expression", wrapped)

    def _merge_inserts(self, tree: exp.Merge) -> None:
        target = tree.this
        info = self._info(target) if isinstance(target, exp.Table) else None
        whens = tree.args.get("whens")
        if info is None or whens is None:
            return
        for when in whens.expressions:
            then = when.args.get("then")
            if not isinstance(then, exp.Insert):
                continue
            columns, values = then.this, then.expression
            if not isinstance(columns, exp.Tuple) or not isinstance(values, exp.Tuple):
                continue
            for column, value in zip(columns.expressions, values.expressions, strict=False):
                declared = info.column(column.name)
                kind = temporal.text_kind(declared.type) if declared is not None else None
                if kind is not None:
                    self.make_text(value, kind)

    def _assignment(self, node: exp.Binary) -> None:
        column = node.this
        if not isinstance(column, exp.Column):
            return
        kind = self.kind(column)
        if kind is None:
            return
        self.done.add(id(column))
        self.make_text(node.expression, kind)

    def _comparison(self, node: exp.Binary) -> None:
        left, right = node.this, node.expression
        kinds = {self.kind(left), self.kind(right)} - {None}
        if not kinds:
            return
        if "datetimeoffset" in kinds:
            self.make_key(left)
            self.make_key(right)
            return
        kind = str(next(iter(kinds)))
        self.make_text(left, kind)
        self.make_text(right, kind)

    def _membership(self, node: t.Any) -> None:
        subject = node.this
        kind = self.kind(subject)
        if kind is None:
            return
        items = [subject]
        for name in ("expressions", "low", "high"):
            value = node.args.get(name)
            if isinstance(value, list):
                items.extend(value)
            elif isinstance(value, exp.Expression):
                items.append(value)
        for item in items:
            if isinstance(item, exp.Query):
                continue
            if kind == "datetimeoffset":
                self.make_key(item)
            else:
                self.make_text(item, kind)

    def _contexts(self, tree: exp.Expression) -> None:
        """Columns read elsewhere become TIMESTAMP/TIME; value-context casts become text."""
        for node in list(tree.find_all(exp.Column, exp.Placeholder, exp.Cast, exp.Convert)):
            if id(node) in self.done:
                continue
            kind = self.kind(node)
            if kind is None:
                continue
            value_context = _in_value_context(node)
            if value_context and isinstance(node.parent, exp.Convert):
                # CONVERT(varchar, x, 121) of the stored text is that text: no strftime.
                node.parent.set("style", None)
            if isinstance(node, exp.Cast | exp.Convert):
                if value_context:
                    self.make_text(node, kind)
            elif not value_context and kind in _DUCK_TYPE:
                duck = _DUCK_TYPE[kind]
                _swap(
                    node,
                    lambda node=node, duck=duck: exp.Cast(  # type: ignore[misc]
                        this=node, to=exp.DataType.build(duck)
                    ),
                )


def _swap(node: exp.Expression, build: t.Callable[[], exp.Expression]) -> None:
    """Put ``build()`` (which may contain ``node``) where ``node`` was."""
    marker = exp.Null()
    node.replace(marker)
    marker.replace(build())


def _is_assignment(node: t.Any) -> bool:
    parent = node.parent
    return isinstance(parent, exp.Update) and node.arg_key == "expressions"


def _in_value_context(node: exp.Expression) -> bool:
    child: exp.Expression = node
    parent = node.parent
    while isinstance(parent, exp.Paren | exp.Alias):
        child, parent = parent, parent.parent
    if isinstance(parent, exp.Window):
        return child.arg_key == "partition_by"
    if isinstance(parent, exp.Select):
        return child.arg_key == "expressions"
    if (
        isinstance(parent, exp.Convert)
        and child.arg_key == "expression"
        and _text_style(parent)
        and isinstance(parent.this, exp.DataType)
    ):
        declared = tsql_type(parent.this)
        return declared is not None and declared.name in ("char", "varchar", "nchar", "nvarchar")
    if isinstance(parent, exp.Cast | exp.TryCast):
        # The stored text is SQL Server's own text form of these types (style 121).
        to = parent.args.get("to")
        declared = tsql_type(to) if isinstance(to, exp.DataType) else None
        return declared is not None and declared.name in ("char", "varchar", "nchar", "nvarchar")
    return isinstance(parent, _VALUE_PARENTS)


#: CONVERT styles whose text is the stored text (ODBC canonical with fractions: 21, 25, 121).
_CANONICAL_STYLES = frozenset({"21", "25", "121"})


def _text_style(convert: exp.Convert) -> bool:
    style = convert.args.get("style")
    return style is None or (isinstance(style, exp.Literal) and style.name in _CANONICAL_STYLES)


def _tables_of(select: exp.Select) -> list[exp.Table]:
    found: list[exp.Table] = []
    from_ = select.args.get("from_")
    if from_ is not None:
        found.append(from_.this)
        found.extend(join.this for join in from_.this.args.get("joins") or [])
    found.extend(join.this for join in select.args.get("joins") or [])
    return [table for table in found if isinstance(table, exp.Table)]


def _source_tables(tree: exp.Expression) -> list[exp.Expression]:
    found: list[exp.Expression] = []
    from_ = tree.args.get("from_")
    if from_ is not None:
        found.append(from_.this)
        found.extend(join.this for join in from_.this.args.get("joins") or [])
    using = tree.args.get("using")
    if using is not None:
        found.append(using)
    return found
