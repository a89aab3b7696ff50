"""Intercom's search query language: validation and evaluation (pure logic, no I/O).

A query is ``{"field", "operator", "value"}`` or ``{"operator": "AND"|"OR", "value": [...]}``,
at most two compound levels deep and at most 15 entries per group. Operators are typed.

Two date semantics exist:

- ``day`` (contacts on stable versions): the value is truncated to its calendar day in the
  workspace time zone; ``=`` matches that day, ``>`` starts at the next day, ``<`` ends before
  the day; ``!=``, ``>=``, ``<=``, ``IN`` and ``NIN`` are refused.
- ``exact`` (conversations, tickets): whole seconds; ``>=`` and ``<=`` are accepted.
"""

from __future__ import annotations

import typing as t

from devstack.intercom_sandbox import errors

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Getter = t.Callable[[str], t.Any]
Predicate = t.Callable[[Getter], bool]

MAX_DEPTH = 2
MAX_GROUP = 15
COMPOUND = ("AND", "OR")
OPERATORS = ("=", "!=", "IN", "NIN", "<", "<=", ">", ">=", "~", "!~", "^", "$")
STRING_OPS = ("~", "!~", "^", "$")
ORDER_OPS = ("<", "<=", ">", ">=")


class DateRules(t.NamedTuple):
    """How date fields compare for one model.

    Attributes:
        day_bounds: For day granularity, maps a timestamp to the [start, end) of its local
            day; None for exact seconds.
        gt_inclusive: With exact seconds, whether ``>``/``<`` include the bound.
    """

    day_bounds: Callable[[int], tuple[int, int]] | None
    gt_inclusive: bool = False


def compile_query(query: t.Any, fields: Mapping[str, str], rules: DateRules) -> Predicate:
    """Validate a query against a model's field types and return its predicate.

    Args:
        query: The ``query`` member of the request body.
        fields: Field name to type (``string``, ``integer``, ``date``, ``boolean``, ``list``,
            or ``words`` for a text matched word by word).
        rules: How date fields compare.

    Raises:
        ApiError: 400 for anything Intercom refuses.
    """
    return _compile(query, fields, rules, depth=0)


def _compile(query: t.Any, fields: Mapping[str, str], rules: DateRules, depth: int) -> Predicate:
    if not isinstance(query, dict):
        raise errors.invalid("query must be an object with field, operator and value")
    operator = query.get("operator")
    if operator in COMPOUND:
        if depth >= MAX_DEPTH:
            raise errors.invalid(f"Search queries can be nested at most {MAX_DEPTH} levels deep")
        value = query.get("value")
        if not isinstance(value, list) or not value:
            raise errors.invalid(f"{operator} expects a non-empty array of queries")
        if len(value) > MAX_GROUP:
            raise errors.invalid(f"A {operator} group can hold at most {MAX_GROUP} filters")
        parts = [_compile(item, fields, rules, depth + 1) for item in value]
        if operator == "AND":
            return lambda get: all(part(get) for part in parts)
        return lambda get: any(part(get) for part in parts)
    return _single(query, fields, rules)


def _field_type(name: t.Any, fields: Mapping[str, str]) -> str:
    if not isinstance(name, str) or not name:
        raise errors.invalid("field is required")
    if name in fields:
        return fields[name]
    raise errors.invalid(f"{name} is not a searchable field", field=name)


def _single(query: dict[str, t.Any], fields: Mapping[str, str], rules: DateRules) -> Predicate:
    name = query.get("field")
    kind = _field_type(name, fields)
    operator = query.get("operator")
    if operator not in OPERATORS:
        raise errors.invalid(f"Operator {operator!r} is not supported", field=str(name))
    if "value" not in query:
        raise errors.invalid("value is required", field=str(name))
    raw = query["value"]
    field = t.cast("str", name)
    if operator in ("IN", "NIN"):
        if not isinstance(raw, list):
            raise errors.invalid(f"{operator} expects an array value", field=field)
        if kind == "date" and rules.day_bounds is not None:
            raise _date_refused(operator, field)
        values = [_coerce(v, kind, field) for v in raw]
        if operator == "IN":
            return lambda get: any(_equals(get(field), v, kind) for v in values)
        return lambda get: not any(_equals(get(field), v, kind) for v in values)
    if operator in STRING_OPS and kind not in ("string", "words"):
        raise errors.invalid(f"Operator {operator} is only valid on String fields", field=field)
    if operator in ORDER_OPS and kind not in ("integer", "date"):
        raise errors.invalid(
            f"Operator {operator} is only valid on Integer and Date fields", field=field
        )
    value = _coerce(raw, kind, field)
    if kind == "date" and rules.day_bounds is not None:
        return _day_predicate(field, operator, value, rules.day_bounds)
    return _plain_predicate(field, operator, value, kind, rules.gt_inclusive)


def _date_refused(operator: str, field: str) -> errors.ApiError:
    return errors.invalid(
        f"Operator {operator} is not supported on Date fields ({field}); "
        "use =, > or < (dates are matched by calendar day)",
        field=field,
    )


def _day_predicate(
    field: str, operator: str, value: t.Any, bounds: Callable[[int], tuple[int, int]]
) -> Predicate:
    if operator in ("!=", ">=", "<="):
        raise _date_refused(operator, field)
    if value is None:
        return lambda get: get(field) is None if operator == "=" else False
    start, end = bounds(int(value))

    def match(get: Getter) -> bool:
        x = get(field)
        if x is None:
            return False
        if operator == "=":
            return bool(start <= x < end)
        if operator == ">":
            return bool(x >= end)
        return bool(x < start)

    return match


def _plain_predicate(
    field: str, operator: str, value: t.Any, kind: str, gt_inclusive: bool
) -> Predicate:
    if operator == "=":
        return lambda get: _equals(get(field), value, kind)
    if operator == "!=":
        return lambda get: not _equals(get(field), value, kind)
    if operator in ORDER_OPS:
        inclusive = operator in (">=", "<=") or (kind == "date" and gt_inclusive)
        greater = operator.startswith(">")

        def compare(get: Getter) -> bool:
            x = get(field)
            if x is None or value is None:
                return False
            if greater:
                return bool(x >= value if inclusive else x > value)
            return bool(x <= value if inclusive else x < value)

        return compare
    text = str(value).lower()

    def string_match(get: Getter) -> bool:
        x = get(field)
        if isinstance(x, list):  # a word-split field: match against the whole text
            x = " ".join(x)
        if operator == "!~":
            return x is None or text not in str(x).lower()
        if x is None:
            return False
        s = str(x).lower()
        if operator == "~":
            return text in s
        if operator == "^":
            return s.startswith(text)
        return s.endswith(text)

    return string_match


def _equals(x: t.Any, value: t.Any, kind: str) -> bool:
    if kind == "list":
        return value in (x or ())
    if kind == "words":
        return str(value).lower() in (x or ())
    if kind == "string" and isinstance(x, str) and isinstance(value, str):
        return x.lower() == value.lower()
    return bool(x == value)


def _coerce(raw: t.Any, kind: str, field: str) -> t.Any:
    """Check a value against the field's type, as Intercom does, and normalise it."""
    if raw is None:
        return None
    if kind in ("integer", "date"):
        if isinstance(raw, bool):
            raise _type_error(raw, kind, field)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise _type_error(raw, kind, field)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise _type_error(raw, kind, field)
    if isinstance(raw, (dict, list)):
        raise _type_error(raw, kind, field)
    return str(raw)


def _type_error(raw: t.Any, kind: str, field: str) -> errors.ApiError:
    expected = {"date": "a Date (UNIX timestamp)", "integer": "an Integer"}.get(kind, kind)
    return errors.invalid(f"{field} expects {expected}, got {raw!r}", field=field)


def sort_spec(sort: t.Any, fields: Mapping[str, str]) -> tuple[str | None, bool]:
    """The sort field and whether it is descending.

    Raises:
        ApiError: 400 ``invalid_sort_order`` or ``parameter_invalid``.
    """
    if sort is None:
        return None, False
    if not isinstance(sort, dict):
        raise errors.invalid("sort must be an object with field and order")
    field = sort.get("field")
    if field is not None and field not in fields:
        raise errors.invalid(f"{field} is not a sortable field", field=str(field))
    order = sort.get("order", "ascending")
    if order not in ("ascending", "descending"):
        raise errors.ApiError(
            400,
            "invalid_sort_order",
            f"Invalid sort order '{order}'. Must be one of: ascending, descending",
        )
    return field, order == "descending"
