"""Function calls in T-SQL statements: SERVERPROPERTY, DATALENGTH and the metadata functions.

A mixin of the translator (which provides ``_rewrite``, ``system``, ``object_id``); pure.
"""

from __future__ import annotations

import typing as t

from sqlglot import exp

from devstack.sqldw_emulator.engine import errors, flavors, metadata_functions, types
from devstack.sqldw_emulator.engine.result_types import NOW_FUNCTIONS, ResultTypes

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType

_METADATA_FUNCTIONS = frozenset(
    {"SCHEMA_ID", "SCHEMA_NAME", "OBJECT_NAME", "OBJECT_SCHEMA_NAME", "OBJECTPROPERTY",
     "COLUMNPROPERTY"}
)  # fmt: skip


class FunctionRewrites(ResultTypes):
    """Rewrites of T-SQL function calls into DuckDB SQL (see the module docstring)."""

    system: dict[str, t.Any]
    object_id: t.Callable[[str, str | None], int | None]
    catalog_views: bool
    _datalength_types: dict[int, SQLType | None]
    _rewrite: t.Callable[[exp.Expression], exp.Expression]

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
            flavor = str(self.system.get("flavor", "synapse"))
            value = flavors.server_property(flavor, node.expressions[0].name)
            if value is None:
                return exp.Null()
            if isinstance(value, int):
                return exp.Literal.number(value)
            return exp.Literal.string(value)
        if name == "DATABASEPROPERTYEX" and len(node.expressions) == 2:
            flavor = str(self.system.get("flavor", "synapse"))
            prop = flavors.database_property(flavor, node.expressions[1].name)
            return exp.Null() if prop is None else exp.Literal.string(prop)
        if name == "NCHAR" and len(node.expressions) == 1:
            # NCHAR(n): the UTF-16 code unit n, like CHAR(n) for DuckDB's chr().
            return exp.Anonymous(this="chr", expressions=node.expressions)
        if name == "DATALENGTH" and len(node.expressions) == 1:
            return self._datalength(node.expressions[0])
        if name in _METADATA_FUNCTIONS:
            return self._metadata_function(name, node)
        return node

    def _rewrite_replace(self, node: exp.Replace) -> exp.Expression:
        """A chain of REPLACEs whose patterns all start with one caseless character.

        Such a chain (target-azure-sqldw decodes each escaped staging field with six) leaves a
        value without that character unchanged, yet each REPLACE copies the value whole: the
        chain runs only for values that hold the character. The guard repeats the chain's
        value, so it applies only when that value is a column (no second evaluation of an
        expression), and only with literal, non-NULL patterns and replacements (a NULL one
        makes REPLACE NULL whatever the value).
        """
        steps: list[exp.Replace] = []
        base: exp.Expression = node
        while isinstance(base, exp.Replace):
            steps.append(base)
            base = base.this
        patterns = [step.expression for step in steps]
        column = base.this if isinstance(base, exp.Collate) else base
        if (
            len(steps) < 2
            or not isinstance(column, exp.Column)
            or not all(_text_literal(pattern) and pattern.name for pattern in patterns)
            or not all(_non_null_literal(step.args.get("replacement")) for step in steps)
        ):
            return node
        firsts = {pattern.name[0] for pattern in patterns}
        first = next(iter(firsts))
        if len(firsts) != 1 or not first.isascii() or first.isalpha():
            return node
        guarded = self._walked(base.copy())
        steps[-1].set("this", self._walked(base))
        present = exp.Anonymous(
            this="strpos", expressions=[guarded.copy(), exp.Literal.string(first)]
        )
        return exp.Case(
            ifs=[exp.If(this=exp.EQ(this=present, expression=exp.Literal.number(0)), true=guarded)],
            default=node,
        )

    def _walked(self, node: exp.Expression) -> exp.Expression:
        # A replacement is not walked by transform(): rewrite what goes into it here.
        return node.transform(self._rewrite, copy=False)

    def _metadata_function(self, name: str, node: exp.Anonymous) -> exp.Expression:
        args = [self._walked(arg) for arg in node.expressions]
        self.catalog_views = True
        if name == "SCHEMA_ID" and len(args) <= 1:
            return metadata_functions.schema_id(args[0] if args else None)
        if name == "SCHEMA_NAME" and len(args) == 1:
            return metadata_functions.schema_name(args[0])
        if name == "OBJECT_NAME" and len(args) == 1:
            return metadata_functions.object_name(args[0])
        if name == "OBJECT_SCHEMA_NAME" and len(args) == 1:
            return metadata_functions.object_schema_name(args[0])
        if name == "OBJECTPROPERTY" and len(args) == 2:
            return metadata_functions.object_property(args[0], args[1])
        if name == "COLUMNPROPERTY" and len(args) == 3:
            return metadata_functions.column_property(args[0], args[1], args[2])
        raise errors.error(
            174, f"The {name.lower()} function requires a different number of arguments."
        )

    def _datalength_operand_types(self, tree: exp.Expression) -> dict[int, SQLType | None]:
        """Declared types of ``DATALENGTH`` operands, found while table names still resolve."""
        found: dict[int, SQLType | None] = {}
        for node in tree.find_all(exp.Anonymous):
            if str(node.this).upper() != "DATALENGTH" or len(node.expressions) != 1:
                continue
            operand = node.expressions[0]
            if isinstance(operand, exp.Column):
                found[id(operand)] = self._statement_column_type(operand)
        return found

    def _statement_column_type(self, column: exp.Column) -> SQLType | None:
        """A column's declared type, looked up before the rewrite renames its tables.

        Its table may be named by an enclosing SELECT (a correlated subquery) or by the
        statement itself (``DELETE ... WHERE EXISTS``, ``UPDATE ... FROM``).
        """
        declared = None
        select = column.find_ancestor(exp.Select)
        while declared is None and select is not None:
            declared = self._column_type(column, self._scope_tables(select))
            select = select.parent.find_ancestor(exp.Select) if select.parent else None
        if declared is None and column.table:
            info = self.lookup(column.db or None, column.table)
            found = info.column(column.name) if info is not None else None
            declared = found.type if found is not None else None
        return declared

    def _datalength(self, operand: exp.Expression) -> exp.Expression:
        """DATALENGTH: bytes as SQL Server stores them (2 per UTF-16 unit for nvarchar)."""
        declared = self._datalength_types.get(id(operand)) or self._expression_type(operand, None)
        national = isinstance(operand, exp.National) or (
            declared is not None and declared.name in ("nvarchar", "nchar", "sysname")
        )
        walked = self._walked(operand)
        if declared is not None and declared.name in types.BINARY_TYPES:
            return exp.Anonymous(this="octet_length", expressions=[walked])
        if national or (declared is not None and declared.name in types.CHAR_TYPES):
            text = exp.Cast(this=walked, to=exp.DataType.build("VARCHAR"))
            if not national and self.system.get("flavor") == "fabric":
                # Fabric's varchar is UTF-8: DATALENGTH counts its bytes ('é' is 2).
                return exp.Anonymous(this="strlen", expressions=[text])
            length = exp.Anonymous(this="length", expressions=[text])
            if not national:
                return length
            astral = exp.Anonymous(
                this="length",
                expressions=[
                    exp.Anonymous(
                        this="regexp_replace",
                        expressions=[
                            text.copy(),
                            exp.Literal.string(types.NOT_ASTRAL_RUNS),
                            exp.Literal.string(""),
                            exp.Literal.string("g"),
                        ],
                    )
                ],
            )
            units = exp.Mul(
                this=exp.Literal.number(2),
                expression=exp.Paren(this=exp.Add(this=length, expression=astral)),
            )
            # A character beyond the BMP is 4 UTF-8 bytes (3 more than its 1 character), so
            # text with fewer extra bytes has none and skips the regexp (a merge's DATALENGTH
            # of every key, twice per row).
            extra = exp.Sub(
                this=exp.Anonymous(this="strlen", expressions=[text.copy()]),
                expression=length.copy(),
            )
            return exp.Case(
                ifs=[
                    exp.If(
                        this=exp.LT(this=extra, expression=exp.Literal.number(3)),
                        true=exp.Mul(this=exp.Literal.number(2), expression=length.copy()),
                    )
                ],
                default=units,
            )
        if declared is not None and types.max_length_bytes(declared) > 0:
            return exp.Case(
                ifs=[exp.If(this=exp.Is(this=walked, expression=exp.Null()), true=exp.Null())],
                default=exp.Literal.number(types.max_length_bytes(declared)),
            )
        if isinstance(operand, exp.Literal) and operand.is_string:
            return exp.Literal.number(len(operand.name.encode("cp1252", "replace")))
        return exp.Anonymous(
            this="octet_length",
            expressions=[exp.Cast(this=walked, to=exp.DataType.build("BLOB"))],
        )

    def _object_id(self, args: list[exp.Expression | None]) -> exp.Expression:
        present = [arg for arg in args if arg is not None]
        if present and all(isinstance(arg, exp.Literal | exp.National) for arg in present):
            values = [arg.name for arg in present]
            found = self.object_id(values[0], values[1] if len(values) > 1 else None)
            return exp.Literal.number(found) if found is not None else exp.Null()
        # A name computed per row: looked up in the catalog views (temp tables need a literal).
        self.catalog_views = True
        walked = [self._walked(arg) for arg in present]
        return metadata_functions.object_id(walked[0], walked[1] if len(walked) > 1 else None)


def _text_literal(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.National) or (isinstance(node, exp.Literal) and node.is_string)


def _non_null_literal(node: exp.Expression | None) -> bool:
    """A string literal, or CHAR(n) of a literal 0..255 (NULL beyond, in T-SQL)."""
    if _text_literal(node):
        return True
    if isinstance(node, exp.Chr) and len(node.expressions) == 1:
        code = node.expressions[0]
        return isinstance(code, exp.Literal) and code.is_int and 0 <= int(code.name) <= 255
    return False
