"""Declared T-SQL column types: a value object, its parser, and the widening rules.

Pure.
"""

from __future__ import annotations

import dataclasses
import decimal as pydecimal
import re
import typing as t

import sqlalchemy as sa

#: Character and binary types whose ``length`` matters.
STRING_TYPES = frozenset({"nvarchar", "varchar", "nchar", "char"})
UNICODE_TYPES = frozenset({"nvarchar", "nchar"})
INTEGER_DIGITS = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}
TEMPORAL_WITH_PRECISION = frozenset({"time", "datetime2", "datetimeoffset"})
MAX = -1
#: The most digits a ``decimal``/``numeric`` column keeps.
MAX_DECIMAL_PRECISION = 38
#: Decimal arithmetic on warehouse numbers: 38 significant digits, as many as a column keeps
#: (Python's default context has 28, which rounds ``decimal(38,s)`` values and makes
#: ``x % 1E-30`` impossible); an inexact or impossible result raises instead of rounding.
DECIMAL_CONTEXT = pydecimal.Context(
    prec=MAX_DECIMAL_PRECISION,
    traps=[pydecimal.InvalidOperation, pydecimal.DivisionByZero, pydecimal.Overflow],
)

_TYPE_TEXT = re.compile(
    r"^\s*(?P<name>[a-z0-9_]+)\s*(?:\(\s*(?P<a>max|\d+)\s*(?:,\s*(?P<b>\d+)\s*)?\))?\s*$",
    re.IGNORECASE,
)
SUPPORTED_TYPES = frozenset(
    {
        "bigint",
        "int",
        "smallint",
        "tinyint",
        "bit",
        "decimal",
        "numeric",
        "float",
        "real",
        "money",
        "smallmoney",
        "date",
        "time",
        "datetime2",
        "datetimeoffset",
        "datetime",
        "smalldatetime",
        "char",
        "varchar",
        "nchar",
        "nvarchar",
        "binary",
        "varbinary",
        "uniqueidentifier",
    },
)


@dataclasses.dataclass(frozen=True)
class ColumnType:
    """A declared column type such as ``nvarchar(4000)`` or ``decimal(38,6)``.

    Attributes:
        name: Lower-case base type name.
        length: Characters (n-types) or bytes for strings; ``-1`` for ``(max)``.
        precision: Decimal precision.
        scale: Decimal scale, or fractional-second digits for time types.
        json: True when the column holds JSON text (objects, arrays, untyped values);
            not part of the declared type, so it does not take part in comparisons.
    """

    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    json: bool = dataclasses.field(default=False, compare=False)

    @property
    def sql(self) -> str:
        """The T-SQL spelling, e.g. ``nvarchar(max)``."""
        if self.name in STRING_TYPES or self.name in {"binary", "varbinary"}:
            length = "max" if self.length == MAX else str(self.length)
            return f"{self.name}({length})"
        if self.name in {"decimal", "numeric"}:
            return f"{self.name}({self.precision},{self.scale})"
        if self.name in TEMPORAL_WITH_PRECISION and self.scale is not None:
            return f"{self.name}({self.scale})"
        return self.name

    @property
    def is_string(self) -> bool:
        """Whether this is a character type."""
        return self.name in STRING_TYPES

    @property
    def is_max(self) -> bool:
        """Whether this is a ``(max)`` type, which columnstore tables cannot hold."""
        return self.length == MAX

    def __str__(self) -> str:
        return self.sql

    @classmethod
    def parse(cls, text: str) -> ColumnType:
        """Parse a T-SQL type spelling.

        Args:
            text: E.g. ``NVARCHAR(40)``, ``decimal(10, 2)``, ``datetime2(6)``, ``bit``.

        Returns:
            The type.

        Raises:
            ValueError: If the text is not a type this target can create.
        """
        match = _TYPE_TEXT.match(text)
        if not match:
            msg = f"Not a T-SQL type: {text!r}"
            raise ValueError(msg)
        name = match["name"].lower()
        if name not in SUPPORTED_TYPES:
            msg = f"Type {name!r} is not supported by dedicated SQL pools"
            raise ValueError(msg)
        a, b = match["a"], match["b"]
        if name in STRING_TYPES or name in {"binary", "varbinary"}:
            length = 1 if a is None else (MAX if a.lower() == "max" else int(a))
            return cls(name, length=length)
        if name in {"decimal", "numeric"}:
            precision = 18 if a is None else int(a)
            return cls(name, precision=precision, scale=int(b) if b else 0)
        if name in TEMPORAL_WITH_PRECISION:
            return cls(name, scale=7 if a is None else int(a))
        if name == "float" and a is not None and int(a) <= 24:
            return cls("real")
        return cls(name)

    @classmethod
    def from_catalog(
        cls,
        data_type: str,
        character_maximum_length: int | None = None,
        numeric_precision: int | None = None,
        numeric_scale: int | None = None,
        datetime_precision: int | None = None,
    ) -> ColumnType:
        """Build a type from ``INFORMATION_SCHEMA.COLUMNS`` values.

        Args:
            data_type: ``DATA_TYPE``.
            character_maximum_length: ``CHARACTER_MAXIMUM_LENGTH`` (-1 for max).
            numeric_precision: ``NUMERIC_PRECISION``.
            numeric_scale: ``NUMERIC_SCALE``.
            datetime_precision: ``DATETIME_PRECISION``.

        Returns:
            The type.
        """
        name = data_type.lower()
        if name in STRING_TYPES or name in {"binary", "varbinary"}:
            return cls(name, length=character_maximum_length)
        if name in {"decimal", "numeric"}:
            return cls(name, precision=numeric_precision, scale=numeric_scale)
        if name in TEMPORAL_WITH_PRECISION:
            return cls(name, scale=datetime_precision)
        return cls(name)


def decimal_digits(value: pydecimal.Decimal) -> tuple[int, int]:
    """Digits before and after the point of a finite number, trailing zeros dropped.

    Exact for any number of digits: nothing is computed in a context (``normalize()`` would
    round to the context's precision first).

    Args:
        value: A finite Decimal.

    Returns:
        ``(whole, fraction)``: ``(29, 9)`` for ``99999999999999999999999999999.999999999``,
        ``(0, 3)`` for ``0.005``, ``(2, 0)`` for ``1.2E+1``, ``(0, 0)`` for zero.
    """
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    count = len(digits)
    while count > 1 and digits[count - 1] == 0:
        count -= 1
        exponent += 1
    if count == 1 and digits[0] == 0:
        return 0, 0
    return max(0, count + exponent), max(0, -exponent)


def nvarchar(length: int) -> ColumnType:
    """Return ``nvarchar(length)`` (``-1`` for max)."""
    return ColumnType("nvarchar", length=length)


def varchar(length: int) -> ColumnType:
    """Return ``varchar(length)`` (``-1`` for max)."""
    return ColumnType("varchar", length=length)


def decimal(precision: int, scale: int) -> ColumnType:
    """Return ``decimal(precision,scale)``."""
    return ColumnType("decimal", precision=precision, scale=scale)


class SQLDWType(sa.types.UserDefinedType):
    """A SQLAlchemy type carrying a :class:`ColumnType`, for ``JSONSchemaToSQL`` handlers."""

    cache_ok = True

    def __init__(self, column_type: ColumnType) -> None:
        self.column_type = column_type

    def get_col_spec(self, **kw: t.Any) -> str:
        """Return the declared T-SQL type.

        Args:
            kw: Compiler options (unused).

        Returns:
            The T-SQL type text.
        """
        return self.column_type.sql


def _integer_digits(column: ColumnType) -> int | None:
    if column.name in INTEGER_DIGITS:
        return INTEGER_DIGITS[column.name]
    if column.name in {"decimal", "numeric"} and column.precision is not None:
        return column.precision - (column.scale or 0)
    return None


def can_hold(existing: ColumnType, wanted: ColumnType) -> bool:
    """Whether every value of ``wanted`` can be stored exactly in ``existing``.

    Args:
        existing: The column type in the warehouse.
        wanted: The type the current schema maps to.

    Returns:
        True when the existing column can be kept unchanged.
    """
    if existing == wanted:
        return True
    if existing.is_string:
        if not wanted.is_string:
            # Text can carry any scalar exactly; the value encoder writes its text form.
            return existing.is_max or (existing.length or 0) >= 100
        if wanted.name in UNICODE_TYPES and existing.name not in UNICODE_TYPES:
            return False
        return existing.is_max or (
            not wanted.is_max and (existing.length or 0) >= (wanted.length or 0)
        )
    if wanted.name in INTEGER_DIGITS or wanted.name in {"decimal", "numeric"}:
        have, need = _integer_digits(existing), _integer_digits(wanted)
        if have is None or need is None:
            return existing.name in {"float"} and wanted.name in {"smallint", "int", "tinyint"}
        if existing.name in INTEGER_DIGITS and wanted.name in INTEGER_DIGITS:
            return have >= need
        return have >= need and (existing.scale or 0) >= (wanted.scale or 0)
    if wanted.name in {"float", "real"}:
        return existing.name == "float"
    if wanted.name == "date" and existing.name == "datetime2":
        return True
    if wanted.name in TEMPORAL_WITH_PRECISION and existing.name == wanted.name:
        return (existing.scale or 0) >= (wanted.scale or 0)
    return False


def widened(existing: ColumnType, wanted: ColumnType) -> ColumnType | None:
    """The narrowest type that holds both, when ``ALTER COLUMN`` can convert in place.

    Args:
        existing: The column type in the warehouse.
        wanted: The type the current schema maps to.

    Returns:
        The type to alter the column to, or None when the change is incompatible (the
        caller keeps the old column and versions the new one).
    """
    if can_hold(existing, wanted):
        return existing
    if existing.is_string and wanted.is_string:
        name = "nvarchar" if UNICODE_TYPES & {existing.name, wanted.name} else existing.name
        if existing.name == "char" and wanted.name == "char":
            name = "char"
        length = (
            MAX
            if MAX in {existing.length, wanted.length}
            else max(existing.length or 0, wanted.length or 0)
        )
        limit = 4000 if name in UNICODE_TYPES else 8000
        if length != MAX and length > limit:
            length = MAX
        return ColumnType(name if name != "char" else "varchar", length=length)
    have, need = _integer_digits(existing), _integer_digits(wanted)
    if existing.name in INTEGER_DIGITS and wanted.name in INTEGER_DIGITS:
        return wanted
    if have is not None and need is not None:
        scale = max(existing.scale or 0, wanted.scale or 0)
        digits = max(have, need)
        if digits + scale > 38:
            return None
        return decimal(digits + scale, scale)
    if wanted.name == "float" and existing.name in {"smallint", "int", "tinyint", "real"}:
        return ColumnType("float")
    if existing.name == wanted.name and wanted.name in TEMPORAL_WITH_PRECISION:
        return wanted
    if existing.name == "date" and wanted.name == "datetime2":
        return wanted
    return None
