"""Unix-second fields as ISO 8601 date-times (``timestamp_format: iso``) in schemas and records."""

from __future__ import annotations

import copy
import datetime
import decimal
import typing as t
from dataclasses import dataclass, field

from tap_intercom.windows import iso_utc

#: Timestamp properties whose names do not end in ``_at``.
OTHER_NAMES = frozenset({"snoozed_until", "waiting_since"})
#: Phrases by which Intercom's descriptions (and the custom attribute schemas) mark one.
DESCRIPTION_MARKS = ("unix timestamp", "unix time", "unix epoch")


def is_unix_seconds(name: str, node: t.Any) -> bool:
    """Whether a schema property holds Unix seconds.

    Args:
        name: The property name.
        node: Its JSON Schema.

    Returns:
        True for an integer property that is named or described as a timestamp.

    >>> is_unix_seconds("created_at", {"type": ["integer", "null"]})
    True
    >>> is_unix_seconds("time_to_admin_reply", {"type": ["integer", "null"]})
    False
    """
    if not isinstance(node, dict) or "integer" not in _types(node):
        return False
    if name.endswith("_at") or name in OTHER_NAMES:
        return True
    description = str(node.get("description") or "").lower()
    return any(mark in description for mark in DESCRIPTION_MARKS)


def _types(node: dict[str, t.Any]) -> list[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return [declared]
    return [str(x) for x in declared] if isinstance(declared, list) else []


@dataclass
class TimestampPlan:
    """Where a schema's Unix-second properties are.

    Attributes:
        here: The value at this place is Unix seconds.
        properties: Plans of object properties that contain timestamps.
        items: Plan of array items, when they contain timestamps.
    """

    here: bool = False
    properties: dict[str, TimestampPlan] = field(default_factory=dict)
    items: TimestampPlan | None = None

    @property
    def empty(self) -> bool:
        """True when no timestamp is reachable from here."""
        return not self.here and not self.properties and self.items is None

    @classmethod
    def of(cls, schema: t.Any) -> TimestampPlan:
        """The plan of a (sub)schema.

        Args:
            schema: A JSON Schema.

        Returns:
            Its plan (empty when it has no timestamps).
        """
        plan = cls()
        if not isinstance(schema, dict):
            return plan
        for name, node in (schema.get("properties") or {}).items():
            child = cls.of(node)
            child.here = is_unix_seconds(str(name), node)
            if not child.empty:
                plan.properties[str(name)] = child
        if isinstance(schema.get("items"), dict):
            items = cls.of(schema["items"])
            if not items.empty:
                plan.items = items
        for key in ("anyOf", "oneOf"):
            for option in schema.get(key) or []:
                alternative = cls.of(option)
                for name, child in alternative.properties.items():
                    plan.properties.setdefault(name, child)
                if plan.items is None:
                    plan.items = alternative.items
        return plan

    def schema(self, schema: dict[str, t.Any], *, iso: bool) -> dict[str, t.Any]:
        """A copy of ``schema`` with the planned properties in the chosen form.

        Args:
            schema: A schema of the same shape as the one the plan was made from (the tap's
                own, or a catalog's discovered in either format).
            iso: ISO 8601 ``date-time`` strings (True) or integer Unix seconds (False).

        Returns:
            The new schema.
        """
        result = copy.deepcopy(schema)
        self._rewrite(result, iso=iso)
        return result

    def _rewrite(self, node: t.Any, *, iso: bool) -> None:
        if not isinstance(node, dict):
            return
        if self.here:
            _retype(node, iso=iso)
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, child in self.properties.items():
                child._rewrite(properties.get(name), iso=iso)
        if self.items is not None:
            self.items._rewrite(node.get("items"), iso=iso)
        for key in ("anyOf", "oneOf"):
            for option in node.get(key) or []:
                self._without_here()._rewrite(option, iso=iso)

    def _without_here(self) -> TimestampPlan:
        return TimestampPlan(properties=self.properties, items=self.items)

    def convert(self, value: t.Any) -> t.Any:
        """``value`` with its planned Unix seconds as ISO 8601 UTC text (in place for objects).

        Args:
            value: A record, or a value inside one.

        Returns:
            The converted value. Values that are not numbers are left as they are.
        """
        if self.here:
            return iso_text(value)
        if isinstance(value, dict):
            for name, child in self.properties.items():
                if name in value and value[name] is not None:
                    value[name] = child.convert(value[name])
        elif isinstance(value, list) and self.items is not None:
            for index, item in enumerate(value):
                if item is not None:
                    value[index] = self.items.convert(item)
        return value


def catalog_plan(own_schema: dict[str, t.Any], catalog_schema: dict[str, t.Any]) -> TimestampPlan:
    """The plan for a stream's schema in an input catalog, discovered in either format.

    The tap's own schema file says where the API's Unix seconds are; custom attributes come
    from the workspace, so their date attributes are found in the catalog by description.

    Args:
        own_schema: The stream's schema file (integer timestamps).
        catalog_schema: The stream's schema in the catalog.

    Returns:
        The plan.
    """
    plan = TimestampPlan.of(own_schema)
    custom = (catalog_schema.get("properties") or {}).get("custom_attributes")
    if isinstance(custom, dict):
        for name, node in (custom.get("properties") or {}).items():
            description = (
                str(node.get("description") or "").lower() if isinstance(node, dict) else ""
            )
            if any(mark in description for mark in DESCRIPTION_MARKS):
                attributes = plan.properties.setdefault("custom_attributes", TimestampPlan())
                attributes.properties[str(name)] = TimestampPlan(here=True)
    return plan


def _retype(node: dict[str, t.Any], *, iso: bool) -> None:
    types = _types(node)
    if iso and "integer" in types:
        node["type"] = list(dict.fromkeys("string" if x == "integer" else x for x in types))
        node["format"] = "date-time"
    elif not iso and node.get("format") == "date-time":
        # Only what the iso form made (a catalog discovered with it) goes back to integers.
        node["type"] = list(dict.fromkeys("integer" if x == "string" else x for x in types))
        del node["format"]


def iso_text(value: t.Any) -> t.Any:
    """ISO 8601 UTC text for Unix seconds; other values unchanged.

    Args:
        value: A timestamp value from Intercom.

    Returns:
        ``2024-06-01T00:00:00+00:00`` for ``1717200000`` (fractions kept as microseconds).

    >>> iso_text(1717200000), iso_text("n/a")
    ('2024-06-01T00:00:00+00:00', 'n/a')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return value
    try:
        if isinstance(value, int) or value == int(value):
            return iso_utc(int(value))
        return datetime.datetime.fromtimestamp(float(value), tz=datetime.timezone.utc).isoformat()
    except (OverflowError, OSError, ValueError, ArithmeticError):
        return value
