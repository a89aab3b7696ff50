"""A compiled JSON Schema validator for records (``validate_records``).

Pure: compiles a schema, checks records.
"""

from __future__ import annotations

import decimal
import fractions
import typing as t

import fastjsonschema
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator, JSONSchemaValidator

from target_azure_sqldw.schema.sql_types import DECIMAL_CONTEXT

#: Types of the numbers :func:`is_multiple` decides exactly.
EXACT_NUMBERS = (int, decimal.Decimal)


def multiple_of(schema: t.Any) -> decimal.Decimal | None:
    """A schema's ``multipleOf`` as an exact, positive Decimal; None when it has none.

    Args:
        schema: A property's schema.

    Returns:
        The Decimal (a float is taken as the number it prints as, which is how the SCHEMA
        message wrote it), or None when there is no usable ``multipleOf``.
    """
    if not isinstance(schema, dict):
        return None
    multiple = schema.get("multipleOf")
    if type(multiple) not in {int, float, decimal.Decimal}:
        return None
    try:
        exact = decimal.Decimal(str(multiple))
    except decimal.InvalidOperation:
        return None
    return exact if exact.is_finite() and exact > 0 else None


def is_multiple(value: int | decimal.Decimal, multiple: decimal.Decimal) -> bool:
    """Whether ``value`` is an integer multiple of ``multiple``, exactly, at any size.

    Args:
        value: An int or a finite Decimal.
        multiple: A positive Decimal (see :func:`multiple_of`).

    Returns:
        True when ``value / multiple`` is a whole number.
    """
    if type(value) is decimal.Decimal and not value.is_finite():
        return False
    return (fractions.Fraction(value) / fractions.Fraction(multiple)).denominator == 1


def multiple_test(multiple: decimal.Decimal) -> t.Callable[[int | decimal.Decimal], bool]:
    """:func:`is_multiple` for one ``multipleOf``, with a shortcut for powers of ten.

    Args:
        multiple: A positive Decimal (see :func:`multiple_of`).

    Returns:
        ``test(value)`` for ints and Decimals.
    """
    _sign, digits, exponent = multiple.normalize().as_tuple()
    if digits != (1,) or not isinstance(exponent, int) or exponent > 0:
        return lambda value: is_multiple(value, multiple)
    # multipleOf 10^-k (numeric(p,k)): every int is one, and a Decimal written with at
    # most k decimals; others (``1.230`` for k=2) are decided exactly.
    least = exponent

    def test(value: int | decimal.Decimal) -> bool:
        if not isinstance(value, decimal.Decimal):
            return True
        shown = value.as_tuple().exponent
        return (isinstance(shown, int) and shown >= least) or is_multiple(value, multiple)

    return test


class CompiledValidator(BaseJSONSchemaValidator):
    """Validate records against a stream's schema with a compiled fastjsonschema function."""

    def __init__(self, schema: dict[str, t.Any]) -> None:
        """Compile the schema; string formats are not checked (the value codecs parse them).

        Args:
            schema: The stream's JSON Schema.
        """
        super().__init__(schema)
        # Formats are left to encode/values.py, which parses every date, time and date-time.
        plain = without_formats(schema)
        self._check = fastjsonschema.compile(plain, use_default=False)
        #: The properties whose ``multipleOf`` is decided here, not by the compiled code.
        self.multiples: dict[str, tuple[t.Callable[[t.Any], bool], str]] = {}
        properties = plain.get("properties") if isinstance(plain, dict) else None
        if isinstance(properties, dict):
            for name, prop in properties.items():
                multiple = multiple_of(prop)
                if multiple is not None:
                    # fastjsonschema's message shows the keyword's text.
                    self.multiples[name] = (multiple_test(multiple), str(prop["multipleOf"]))
        #: The code without those ``multipleOf`` (the full code still judges floats).
        self._check_rest = self._check
        if self.multiples:
            rest = {
                **plain,
                "properties": {
                    name: (
                        {k: v for k, v in prop.items() if k != "multipleOf"}
                        if name in self.multiples
                        else prop
                    )
                    for name, prop in properties.items()  # type: ignore[union-attr]
                },
            }
            self._check_rest = fastjsonschema.compile(rest, use_default=False)
        self._interpreted: JSONSchemaValidator | None = None

    def validate(self, record: dict[str, t.Any]) -> None:
        """Raise ``InvalidRecord`` when the record breaks the schema.

        Args:
            record: The record.

        Raises:
            InvalidRecord: With fastjsonschema's message (or one in its words for an
                exact ``multipleOf``).
        """
        multiples = self.multiples
        # A float keeps fastjsonschema's own float arithmetic, as before.
        exact = bool(multiples) and not any(type(record.get(name)) is float for name in multiples)
        try:
            (self._check_rest if exact else self._check)(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            # InvalidRecord adds "Record Message Validation Error: " itself.
            raise InvalidRecord(exc.message, record) from exc
        except TypeError:
            # The compiled code divides Decimals by floats for a nested ``multipleOf``;
            # such a record is checked by singer-sdk's validator, which does decimal
            # arithmetic.
            self.validate_interpreted(record)
            return
        if exact:
            for name, (test, shown) in multiples.items():
                value = record.get(name)
                if type(value) in EXACT_NUMBERS and not test(value):
                    msg = f"data.{name} must be multiple of {shown}"
                    raise InvalidRecord(msg, record)

    def validate_interpreted(self, record: dict[str, t.Any]) -> None:
        """Validate with singer-sdk's interpreted validator (the reference for any value).

        Args:
            record: The record (or any instance of the schema).
        """
        if self._interpreted is None:
            self._interpreted = JSONSchemaValidator(self.schema)
        validate_exactly(self._interpreted, record)


#: Enough digits for ``x % multipleOf`` of any number a JSON text of sane size holds.
_WIDE_CONTEXT = decimal.Context(prec=1000, traps=[decimal.InvalidOperation])


def validate_exactly(validator: BaseJSONSchemaValidator, record: dict[str, t.Any]) -> None:
    """Validate with Decimal arithmetic of 38 digits (more when a ``multipleOf`` needs it).

    Python's default 28 digits raise ``DivisionImpossible`` for ``x % 1E-30``; a quotient
    beyond 38 digits is computed in a 1,000-digit context, and beyond that the record is
    refused with one line.

    Args:
        validator: singer-sdk's interpreted validator.
        record: The record.

    Raises:
        InvalidRecord: When the record breaks the schema, or a number in it has too many
            digits to check.
    """
    try:
        with decimal.localcontext(DECIMAL_CONTEXT):
            validator.validate(record)
            return
    except decimal.InvalidOperation:
        pass
    try:
        with decimal.localcontext(_WIDE_CONTEXT):
            validator.validate(record)
    except decimal.InvalidOperation:
        msg = "a number has too many digits to check multipleOf"
        raise InvalidRecord(msg, record) from None


def without_formats(schema: t.Any) -> t.Any:
    """A copy of the schema without ``format`` keywords (formats are the codecs' job).

    Args:
        schema: A JSON Schema or part of one.

    Returns:
        The copy.
    """
    if isinstance(schema, dict):
        return {
            key: (without_formats(value) if key != "format" else value)
            for key, value in schema.items()
            if not (key == "format" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [without_formats(item) for item in schema]
    return schema


def compile_validator(schema: dict[str, t.Any]) -> CompiledValidator | None:
    """The compiled validator, or None when fastjsonschema cannot compile the schema.

    Args:
        schema: The stream's JSON Schema.

    Returns:
        The validator, or None.
    """
    try:
        return CompiledValidator(schema)
    except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError):
        return None
