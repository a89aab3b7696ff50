"""Column-wise checks of a property's values, with the outcome the record validator gives.

Pure: reads schemas and values, writes nothing.
"""

from __future__ import annotations

import ast
import decimal
import itertools
import operator
import typing as t

import fastjsonschema
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import JSONSchemaValidator

from target_azure_sqldw.encode.number_texts import plain_decimal_texts
from target_azure_sqldw.ingest.validation import multiple_of, multiple_test, without_formats

NoneType = type(None)
Decimal = decimal.Decimal
#: Python types of the values a JSON type admits (as parsed by the target's reader).
JSON_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float, Decimal}),
    "boolean": frozenset({bool}),
    "null": frozenset({NoneType}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
}
NUMBERS = JSON_TYPES["number"]
#: Keywords that change no validation outcome.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "readOnly",
        "writeOnly",
        "deprecated",
        "format",  # formats are not validated (validation.py); dates are parsed here
    }
)
#: Keywords :func:`simple_check` decides by column.
CHECKED = frozenset(
    {
        "type",
        "properties",
        "items",
        "required",
        "additionalProperties",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "multipleOf",
    }
)


class ColumnCheck(t.Protocol):
    """Whether every value of a column is valid; ``types`` is the set of their types if known."""

    def __call__(self, values: list[t.Any], types: set[type] | None = None, /) -> bool:
        """True when every value is valid."""


def _allowed_types(schema: dict[str, t.Any]) -> frozenset[type] | None:
    """The Python types a property's ``type`` admits; None for any (no ``type``)."""
    kinds = schema.get("type")
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = [kinds]
    allowed: set[type] = set()
    for kind in kinds:
        if kind not in JSON_TYPES:
            return frozenset()  # an unknown type name: nothing is proved
        allowed |= JSON_TYPES[kind]
    return frozenset(allowed)


def _literal(value: t.Any) -> t.Any:
    """A bound as the compiled code compares with it: the Python literal of its text.

    fastjsonschema writes a bound into its code as text, so ``Decimal('0.1')`` becomes the
    float ``0.1``; comparing with the same literal gives the same outcome.
    """
    if type(value) not in {int, float, Decimal}:
        raise ValueError(value)
    return ast.literal_eval(str(value))


def simple_check(schema: t.Any, *, top_level: bool = False) -> ColumnCheck | None:
    """A column-wise check for a schema of the keywords in :data:`CHECKED`; else None.

    Args:
        schema: A property's schema.
        top_level: The schema is a record property's own: its ``multipleOf`` is decided
            exactly, as the record validator decides it (nested ones are left to the
            compiled code).

    Returns:
        ``check(values)``: True when every value is valid (None values included, which
        must then be allowed by ``type``); or None when the schema has other keywords.
    """
    if schema is True or schema == {}:
        return _any
    if not isinstance(schema, dict):
        return None
    keys = set(schema) - ANNOTATIONS
    if keys == {"anyOf"}:
        # The record validator decides only a property's own multipleOf, not a branch's.
        return _nullable_check(schema["anyOf"])
    if not keys <= CHECKED:
        return None
    if schema.get("additionalProperties", True) is not True:
        return None
    multiple = multiple_of(schema) if "multipleOf" in keys else None
    if "multipleOf" in keys and (multiple is None or not top_level):
        return None
    try:
        low, high, shortest, longest = (
            _literal(schema[name]) if name in schema else None
            for name in ("minimum", "maximum", "minLength", "maxLength")
        )
    except ValueError:
        return None
    allowed = _allowed_types(schema)
    required = list(schema.get("required") or ())
    nested: list[tuple[str, ColumnCheck]] = []
    for name, sub in (schema.get("properties") or {}).items():
        sub_check = simple_check(sub)
        if sub_check is None:
            return None
        nested.append((name, sub_check))
    items = schema.get("items")
    item_check = None if items is None else simple_check(items)
    if items is not None and item_check is None:
        return None
    get_nested = tuple_getter([name for name, _ in nested])
    bounded = low is not None or high is not None
    lengths = shortest is not None or longest is not None
    multiples = None if multiple is None else _multiples_check(multiple)

    def check(values: list[t.Any], types: set[type] | None = None) -> bool:
        if types is None:
            types = set(map(type, values))
        if allowed is not None and not types <= allowed:
            return False
        if (bounded or multiples) and not types.isdisjoint(NUMBERS):
            numbers = [value for value in values if type(value) in NUMBERS]
            if low is not None and min(numbers) < low:
                return False
            if high is not None and max(numbers) > high:
                return False
            if multiples is not None and not multiples(numbers):
                return False
        if lengths and str in types:
            sizes = [len(value) for value in values if type(value) is str]
            if shortest is not None and min(sizes) < shortest:
                return False
            if longest is not None and max(sizes) > longest:
                return False
        if nested or required:
            objects = values if types == _DICT else [v for v in values if type(v) is dict]
            for name in required:
                if not all(map(operator.contains, objects, itertools.repeat(name))):
                    return False
            if nested and objects and not _nested_valid(objects, nested, get_nested):
                return False
        if item_check is not None:
            lists = values if types == _LIST else [v for v in values if type(v) is list]
            elements = list(itertools.chain.from_iterable(lists))
            if elements and not item_check(elements):
                return False
        return True

    return check


_DICT = {dict}
_LIST = {list}
_NULL = {NoneType}


def _nested_valid(objects: list[dict], nested: list[tuple[str, ColumnCheck]], get: t.Any) -> bool:
    """Whether every object's declared properties pass their checks, a property at a time.

    When every object has every property, one pass (``get``, an itemgetter of the names)
    reads them all; otherwise each property is read from the objects that have it.
    """
    columns = read_columns(objects, get)
    if columns is None:
        for name, sub_check in nested:
            present = [value[name] for value in objects if name in value]
            if present and not sub_check(present):
                return False
        return True
    for (_name, sub_check), column in zip(nested, columns, strict=False):
        if not sub_check(list(column)):
            return False
    return True


def tuple_getter(names: list[str]) -> t.Callable[[dict], tuple[t.Any, ...]] | None:
    """An ``itemgetter`` of ``names`` that returns a tuple for a single name too.

    Args:
        names: The keys.

    Returns:
        The getter (the first name is asked for twice, so its tuple has one value more
        than ``names``), or None for no names.
    """
    return operator.itemgetter(*names, names[0]) if names else None


def read_columns(
    objects: list[dict], get: t.Callable[[dict], tuple[t.Any, ...]]
) -> t.Iterator[tuple[t.Any, ...]] | None:
    """The values ``get`` (a :func:`tuple_getter`) reads, a key at a time, in one pass.

    One pass over the objects rather than one per key.

    Args:
        objects: The dicts.
        get: The getter.

    Returns:
        One tuple of values per key, in the getter's order, or None when an object lacks
        one of the keys.
    """
    try:
        rows = list(map(get, objects))
    except KeyError:
        return None
    return zip(*rows, strict=True)


def _multiples_check(multiple: Decimal) -> t.Callable[[list[t.Any]], bool]:
    """Whether every number (no floats: they keep the compiled float arithmetic) is a multiple."""
    test = multiple_test(multiple)
    _sign, digits, exponent = multiple.normalize().as_tuple()
    scale = -exponent if digits == (1,) and isinstance(exponent, int) and exponent <= 0 else None
    all_plain = plain_decimal_texts(None, scale or 0)

    def check(numbers: list[t.Any]) -> bool:
        kinds = set(map(type, numbers))
        if float in kinds:
            return False
        if Decimal not in kinds:
            return all(map(test, numbers))
        if scale is None:
            return all(map(test, numbers))
        # numeric(p,k): a number written with at most k decimals is a multiple of 10^-k
        # (one test of the column's texts); others (``1.230``, ``1E-7``) are worked out
        # exactly, one by one.
        if all_plain(list(map(str, numbers))):
            return True
        return all(map(test, numbers))

    return check


def _nullable_check(branches: t.Any) -> ColumnCheck | None:
    """``anyOf: [X, {type: null}]`` (either order): None values, and X's check of the rest."""
    if not isinstance(branches, list) or len(branches) != 2:
        return None
    nulls = [
        branch
        for branch in branches
        if isinstance(branch, dict) and set(branch) - ANNOTATIONS == {"type"}
        if branch["type"] == "null" or branch["type"] == ["null"]
    ]
    if len(nulls) != 1:
        return None
    (other,) = (branch for branch in branches if branch is not nulls[0])
    inner = simple_check(other)
    if inner is None:
        return None

    def check(values: list[t.Any], types: set[type] | None = None) -> bool:
        present = [value for value in values if value is not None]
        return not present or inner(present, None if types is None else types - _NULL)

    return check


def _any(values: list[t.Any], types: set[type] | None = None) -> bool:
    del values, types
    return True


def compiled_check(schema: dict[str, t.Any], draft: str | None = None) -> ColumnCheck | None:
    """A column-wise check running the property's compiled validator on each value.

    Args:
        schema: A property's schema.
        draft: The record schema's ``$schema``, which chooses the compiled rules.

    Returns:
        The check, or None when fastjsonschema cannot compile the schema.
    """
    plain = without_formats(schema)
    if draft is not None and isinstance(plain, dict):
        plain = {**plain, "$schema": draft}
    try:
        validate = fastjsonschema.compile(plain, use_default=False)
    except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError):
        return None
    interpreted: list[JSONSchemaValidator] = []

    def judge(value: t.Any) -> bool:
        """singer-sdk's verdict on a value the compiled code cannot judge (as the record path)."""
        if not interpreted:
            interpreted.append(JSONSchemaValidator(schema))
        try:
            interpreted[0].validate(value)
        except (InvalidRecord, ArithmeticError):
            return False
        return True

    def check(values: list[t.Any], types: set[type] | None = None) -> bool:
        del types  # each value is judged by the compiled code
        for value in values:
            try:
                validate(value)
            except fastjsonschema.JsonSchemaValueException:
                return False
            except TypeError:
                if not judge(value):
                    return False
        return True

    return check
