"""Widening a JSON Schema until a value fits it (pure; used at run time and by the generator)."""

from __future__ import annotations

import dataclasses
import decimal
import functools
import typing as t

import fastjsonschema

#: Any JSON value, with its types spelled out (tools that read a schema need a ``type``).
ANY_VALUE_TYPES = ("string", "number", "boolean", "object", "array", "null")

#: Keywords that say nothing about a value's type or structure.
_ANNOTATIONS = frozenset({"description", "title", "examples", "default", "$comment"})


@dataclasses.dataclass(frozen=True)
class Widening:
    """One property whose type was widened.

    Attributes:
        path: Dotted property path (``metadata.before``; ``[]`` marks array items).
        before: The declared types before (``any`` when untyped).
        after: The types after, or ``any`` when every constraint was lifted.
    """

    path: str
    before: str
    after: str


def any_value(description: str | None = None) -> dict[str, t.Any]:
    """A schema any JSON value fits.

    Args:
        description: Kept as the schema's description.

    Returns:
        The schema.
    """
    node: dict[str, t.Any] = {"description": description} if description else {}
    node["type"] = list(ANY_VALUE_TYPES)
    return node


def json_type(value: t.Any) -> str:
    """The JSON Schema type of a decoded JSON value (a float or Decimal is ``number``).

    Args:
        value: A decoded JSON value.

    Returns:
        ``null``, ``boolean``, ``integer``, ``number``, ``string``, ``array`` or ``object``.

    Example:
        >>> [json_type(v) for v in (None, True, 3, 3.0, "x", [], {})]
        ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, decimal.Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def declared_types(node: dict[str, t.Any]) -> list[str] | None:
    """The node's ``type`` as a list, or None when it declares none (any type).

    Args:
        node: A schema node.

    Returns:
        The types, or None.
    """
    kind = node.get("type")
    if kind is None:
        return None
    return [str(k) for k in kind] if isinstance(kind, list) else [str(kind)]


def _type_label(types: list[str] | None) -> str:
    return "any" if types is None else "|".join(types)


@functools.lru_cache(maxsize=32)
def _format_check(fmt: str) -> t.Callable[[t.Any], t.Any]:
    return fastjsonschema.compile({"type": "string", "format": fmt}, use_default=False)


def _fits_format(fmt: str, value: str) -> bool:
    try:
        _format_check(fmt)(value)
    except fastjsonschema.JsonSchemaValueException:
        return False
    except fastjsonschema.JsonSchemaDefinitionException:
        return True  # a format the validator does not know checks nothing
    return True


def _allows(types: list[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def schema_for(value: t.Any) -> dict[str, t.Any]:
    """A nullable schema that ``value`` fits (any value for null: its type is unknown).

    Args:
        value: A decoded JSON value.

    Returns:
        The schema.

    Example:
        >>> schema_for({"n": 1, "gone": None})["properties"]["n"]
        {'type': ['integer', 'null']}
        >>> schema_for(["a"])
        {'type': ['array', 'null'], 'items': {'type': ['string', 'null']}}
    """
    kind = json_type(value)
    if kind == "null":
        return any_value()
    if kind == "object":
        return {
            "type": ["object", "null"],
            "properties": {str(k): schema_for(v) for k, v in value.items()},
        }
    if kind == "array":
        items: dict[str, t.Any] | None = None
        for item in value:
            if items is None:
                items = schema_for(item)
            else:
                widen(items, item, add_missing=True)
        return {"type": ["array", "null"], "items": items or {}}
    return {"type": [kind, "null"]}


def widen(
    node: dict[str, t.Any], value: t.Any, path: str = "", *, add_missing: bool = False
) -> list[Widening]:
    """Widen ``node`` in place until ``value`` fits it; return what was widened.

    Only declared properties are visited unless ``add_missing``: then a property an object
    schema with ``properties`` does not declare is added (:func:`schema_for`), so a target
    gets a column for it instead of the value being dropped. A type the node lacks is added
    to its ``type`` list (an integer where a number is
    declared fits already; a number where only an integer is declared replaces it); a string
    that fails the node's ``format`` drops the format; a construct this function does not
    model (``anyOf``, ``enum``, ...) that the value fails is lifted to "any value".

    Args:
        node: A JSON Schema node (modified).
        value: The decoded JSON value.
        path: The node's dotted path, for the report.
        add_missing: Also declare properties the node's object schema lacks.

    Returns:
        One :class:`Widening` per node changed.

    Example:
        >>> schema = {"type": "object", "properties": {"before": {"type": ["object", "null"]}}}
        >>> widen(schema, {"before": "old name"})
        [Widening(path='before', before='object|null', after='object|null|string')]
        >>> schema["properties"]["before"]["type"]
        ['object', 'null', 'string']
    """
    changes: list[Widening] = []
    if not node:
        return changes
    kind = json_type(value)
    types = declared_types(node)
    if _unmodelled(node) and not _fits(node, value):
        before = _type_label(types)
        for key in [k for k in node if k not in _ANNOTATIONS]:
            del node[key]
        node.update(any_value())
        return [Widening(path or "(record)", before, "any")]
    if types is not None and not _allows(types, kind):
        before = _type_label(types)
        if kind == "number" and "integer" in types:
            types[types.index("integer")] = "number"
        else:
            types.append(kind)
        node["type"] = types
        changes.append(Widening(path or "(record)", before, _type_label(types)))
    if kind == "string" and "format" in node and not _fits_format(str(node["format"]), value):
        del node["format"]
        changes.append(Widening(path or "(record)", "string format", "string"))
    if kind == "object":
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key)
            if child is None and isinstance(extra, dict):
                child = extra
            where = f"{path}.{key}" if path else str(key)
            if isinstance(child, dict):
                changes.extend(widen(child, item, where, add_missing=add_missing))
            elif child is None and add_missing and "properties" in node and extra is None:
                properties[key] = schema_for(item)
                added = _type_label(declared_types(properties[key]))
                changes.append(Widening(where, "undeclared", added))
            elif child is None and extra is False:
                node["additionalProperties"] = True
                changes.append(Widening(path or "(record)", "closed object", "open object"))
                extra = True
    elif kind == "array" and isinstance(node.get("items"), dict):
        for item in value:
            changes.extend(widen(node["items"], item, f"{path}[]", add_missing=add_missing))
    return changes


_MODELLED = frozenset(
    {"type", "properties", "items", "format", "additionalProperties", "required", "$schema"}
)


def _unmodelled(node: dict[str, t.Any]) -> bool:
    return any(key not in _MODELLED and key not in _ANNOTATIONS for key in node)


def _fits(node: dict[str, t.Any], value: t.Any) -> bool:
    try:
        fastjsonschema.compile(node, use_default=False)(value)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


class RecordChecker:
    """Checks records against a schema with a compiled validator (fast path: one call).

    Example:
        >>> checker = RecordChecker({"type": "object", "properties": {"n": {"type": "integer"}}})
        >>> checker.fits({"n": 1}), checker.fits({"n": "one"})
        (True, False)
    """

    def __init__(self, schema: dict[str, t.Any]) -> None:
        self._validate = fastjsonschema.compile(schema, use_default=False)

    def fits(self, record: dict[str, t.Any]) -> bool:
        """Whether ``record`` is valid against the schema.

        Args:
            record: The record.

        Returns:
            True when it fits.
        """
        try:
            self._validate(record)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True
