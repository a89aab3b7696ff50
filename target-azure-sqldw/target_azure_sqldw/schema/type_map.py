"""JSON Schema to dedicated-pool / Fabric column types, lossless by construction.

Pure: schemas in, column types out.
"""

from __future__ import annotations

import dataclasses
import decimal as pydecimal
import typing as t
import warnings

from singer_sdk.sql.connector import JSONSchemaToSQL

from target_azure_sqldw.schema.flavor import SYNAPSE, Flavor, get_flavor
from target_azure_sqldw.schema.sql_types import (
    INTEGER_DIGITS,
    MAX_DECIMAL_PRECISION,
    ColumnType,
    SQLDWType,
    decimal,
    decimal_digits,
)
from target_azure_sqldw.settings import Settings

if t.TYPE_CHECKING:
    import sqlalchemy

INT_RANGES = (
    ("smallint", -(2**15), 2**15 - 1),
    ("int", -(2**31), 2**31 - 1),
    ("bigint", -(2**63), 2**63 - 1),
)
# RFC 5321 / browser / RFC 1035 / textual address limits, as singer-sdk sizes them.
FORMAT_LENGTHS = {"email": 254, "uri": 2083, "hostname": 253, "ipv4": 15, "ipv6": 45}


@dataclasses.dataclass(frozen=True)
class MappingOptions:
    """Settings that change the mapping.

    Attributes:
        flavor: Synapse or Fabric.
        wide_strings: ``(max)`` types are allowed (heap tables, or ``string_overflow: heap``).
        timestamp_type: ``datetime2`` (UTC) or ``datetimeoffset`` (Synapse only).
    """

    flavor: Flavor = SYNAPSE
    wide_strings: bool = False
    timestamp_type: str = "datetime2"


class SQLDWJSONSchemaToSQL(JSONSchemaToSQL):
    """Map JSON Schema to :class:`SQLDWType` (see the module docstring for the rules)."""

    def __init__(self, options: MappingOptions | None = None) -> None:
        """Register the dedicated-pool handlers.

        Args:
            options: Mapping options; Synapse defaults when omitted.
        """
        super().__init__(max_varchar_length=None)
        self.options = options or MappingOptions()
        flavor = self.options.flavor
        digits = flavor.fractional_digits
        timestamp = "datetime2"
        if self.options.timestamp_type == "datetimeoffset" and flavor.datetimeoffset:
            timestamp = "datetimeoffset"
        fixed = {
            "date-time": ColumnType(timestamp, scale=digits),
            "date": ColumnType("date"),
            "time": ColumnType("time", scale=digits),
            "uuid": ColumnType("char", length=36),
        }
        for fmt, column in fixed.items():
            self.register_format_handler(fmt, self._constant(column))
        for fmt, length in FORMAT_LENGTHS.items():
            self.register_format_handler(fmt, self._constant(flavor.string(length, wide=False)))
        self.register_format_handler("x-singer.decimal", self._singer_decimal)
        self.register_type_handler("string", self._string)
        self.register_type_handler("integer", self._integer)
        self.register_type_handler("number", self._number)
        self.register_type_handler("boolean", self._constant(ColumnType("bit")))
        self.register_type_handler("object", self._json)
        self.register_type_handler("array", self._json)

    @classmethod
    def from_config(
        cls,
        config: t.Mapping[str, t.Any] | Settings,
        *,
        max_varchar_length: int | None = None,
    ) -> SQLDWJSONSchemaToSQL:
        """Build the mapper from target settings.

        Args:
            config: The settings (or a configuration mapping).
            max_varchar_length: Ignored; lengths come from the flavor.

        Returns:
            The mapper.
        """
        return cls(options_from_config(config))

    # Handlers -------------------------------------------------------------------------

    @staticmethod
    def _constant(column: ColumnType) -> t.Callable[[dict], sqlalchemy.types.TypeEngine]:
        return lambda _schema: SQLDWType(column)

    def _json_type(self) -> ColumnType:
        base = self.options.flavor.string(None, wide=self.options.wide_strings)
        return dataclasses.replace(base, json=True)

    def _json(self, _schema: dict) -> SQLDWType:
        return SQLDWType(self._json_type())

    def _string(self, schema: dict) -> SQLDWType:
        if "format" in schema and (handled := self._handle_format(schema)) is not None:
            return t.cast("SQLDWType", handled)
        return SQLDWType(self._raw_string(schema.get("maxLength")))

    def _raw_string(self, max_length: int | None) -> ColumnType:
        return self.options.flavor.string(max_length, wide=self.options.wide_strings)

    @staticmethod
    def _integer(schema: dict) -> SQLDWType:
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is None or high is None:
            return SQLDWType(ColumnType("bigint"))
        for name, type_low, type_high in INT_RANGES:
            if type_low <= low and high <= type_high:
                return SQLDWType(ColumnType(name))
        return SQLDWType(decimal(MAX_DECIMAL_PRECISION, 0))

    @staticmethod
    def _number(schema: dict) -> SQLDWType:
        multiple = schema.get("multipleOf")
        scale = _decimal_scale(multiple) if multiple is not None else None
        if scale is None:
            return SQLDWType(ColumnType("float"))
        return SQLDWType(decimal(MAX_DECIMAL_PRECISION, scale))

    def _singer_decimal(self, schema: dict) -> SQLDWType:
        precision = schema.get("precision")
        scale = schema.get("scale", 0)
        if precision is None or precision > MAX_DECIMAL_PRECISION:
            warnings.warn(
                f"x-singer.decimal precision {precision} exceeds {MAX_DECIMAL_PRECISION}: "
                "the column stores the decimal as text",
                UserWarning,
                stacklevel=2,
            )
            return SQLDWType(self.options.flavor.string(100, wide=False))
        return SQLDWType(decimal(int(precision), int(scale)))

    # Entry points ---------------------------------------------------------------------

    def to_sql_type(self, schema: dict) -> sqlalchemy.types.TypeEngine:
        """Map a property schema to a SQLAlchemy type wrapping its :class:`ColumnType`.

        Args:
            schema: The property's JSON Schema.

        Returns:
            An :class:`SQLDWType`.
        """
        return SQLDWType(self.to_column_type(schema))

    def to_column_type(self, schema: dict, *, is_key: bool = False) -> ColumnType:
        """Map a property schema to a column type.

        Args:
            schema: The property's JSON Schema.
            is_key: The property is a key: never ``(max)``, which cannot be a
                distribution column.

        Returns:
            The column type.
        """
        column = self._column_type(schema)
        if is_key and column.is_max:
            column = dataclasses.replace(column, length=self.options.flavor.max_string_length)
        return column

    def _column_type(self, schema: dict) -> ColumnType:
        if sql_datatype := schema.get("x-sql-datatype"):
            return self._from_sql_datatype(str(sql_datatype))
        branches = _branches(schema)
        if not branches:
            return self._json_type()
        columns = [self._single(branch) for branch in branches]
        if len(set(columns)) == 1 and len({c.json for c in columns}) == 1:
            return columns[0]
        return self._combine(columns)

    def _single(self, branch: dict) -> ColumnType:
        result = super().to_sql_type(branch)
        if isinstance(result, SQLDWType):
            return result.column_type
        return self._json_type()

    def _combine(self, columns: list[ColumnType]) -> ColumnType:
        names = {c.name for c in columns}
        if names <= {"datetime2", "datetimeoffset"} and len(names) == 1:
            return columns[0]
        if any(c.is_string and not c.json for c in columns):
            return self._raw_string(None)
        numeric = set(INTEGER_DIGITS) | {"decimal", "float"}
        if names <= numeric:
            return ColumnType("float")
        return self._json_type()

    def _from_sql_datatype(self, text: str) -> ColumnType:
        column = ColumnType.parse(text)
        flavor = self.options.flavor
        if column.name == "nvarchar" and flavor.string_type != "nvarchar":
            length = column.length
            if length is not None and length > 0:
                length = min(length * flavor.bytes_per_char, flavor.max_string_length)
            return ColumnType(flavor.string_type, length=length)
        if column.name == "datetimeoffset" and not flavor.datetimeoffset:
            return ColumnType("datetime2", scale=flavor.fractional_digits)
        return column


def _branches(schema: dict) -> list[dict]:
    """Split a property schema into its non-null single-type alternatives."""
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            result: list[dict] = []
            for sub in schema[keyword]:
                result.extend(_branches(sub))
            return result
    schema_type = schema.get("type")
    if schema_type is None:
        return []
    if isinstance(schema_type, str):
        return [] if schema_type == "null" else [schema]
    return [{**schema, "type": name} for name in schema_type if name != "null"]


def _decimal_scale(multiple: float | str) -> int | None:
    """The scale k when ``multipleOf`` is 10^-k (0 <= k <= 38), else None."""
    try:
        value = pydecimal.Decimal(str(multiple))
    except pydecimal.InvalidOperation:
        return None
    if value.is_signed() or not value.is_finite() or value.is_zero():
        return None
    # Without normalize(), which would round a multipleOf of more than 28 digits first
    # (0.0100000000000000000000000000001 is not 0.01).
    digits = value.as_tuple().digits
    if digits[0] != 1 or any(digits[1:]):
        return None
    _whole, fraction = decimal_digits(value)
    return fraction if fraction <= MAX_DECIMAL_PRECISION else None


def options_from_config(config: t.Mapping[str, t.Any] | Settings) -> MappingOptions:
    """Build mapping options from target settings.

    Args:
        config: The settings (or a configuration mapping).

    Returns:
        The options.
    """
    settings = Settings.of(config)
    return MappingOptions(
        flavor=get_flavor(settings.flavor),
        wide_strings=settings.table_index_in_effect == "heap",
        timestamp_type=settings.timestamp_type,
    )
