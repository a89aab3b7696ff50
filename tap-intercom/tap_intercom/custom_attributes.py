"""Typed ``custom_attributes`` schemas built from the workspace's data attributes (pure)."""

from __future__ import annotations

import copy
import typing as t

# Intercom data attribute type -> JSON Schema for the value.
DATA_TYPES: dict[str, dict[str, t.Any]] = {
    "string": {"type": ["string", "null"]},
    "integer": {"type": ["integer", "null"]},
    "float": {"type": ["number", "null"]},
    "decimal": {"type": ["number", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    # Custom dates are Unix timestamps in API responses.
    "date": {"type": ["integer", "null"], "description": "Unix timestamp (seconds)"},
    "datetime": {"type": ["integer", "null"], "description": "Unix timestamp (seconds)"},
    "list": {"type": ["string", "null"]},
}


def custom_attribute_properties(attributes: t.Iterable[dict[str, t.Any]]) -> dict[str, t.Any]:
    """JSON Schema properties for the custom attributes among ``attributes``.

    Args:
        attributes: Records of ``/data_attributes`` or ``/conversations/attributes``.

    Returns:
        ``{name: schema}``; attributes of unknown type accept any JSON value.
    """
    properties: dict[str, t.Any] = {}
    for attribute in attributes:
        name = attribute.get("name")
        if not name:
            continue
        full_name = str(attribute.get("full_name") or "")
        is_custom = attribute.get("custom") or full_name.startswith("custom_attributes.")
        # Conversation attributes are all custom and carry no ``custom`` flag.
        if attribute.get("type") == "conversation_attribute":
            is_custom = True
        if not is_custom:
            continue
        data_type = str(attribute.get("data_type") or "")
        properties[str(name)] = copy.deepcopy(DATA_TYPES.get(data_type, {}))
    return properties


def with_custom_attributes(schema: dict[str, t.Any], typed: dict[str, t.Any]) -> dict[str, t.Any]:
    """A copy of a stream schema whose ``custom_attributes`` object has typed properties.

    Args:
        schema: The stream schema (not modified).
        typed: Properties from :func:`custom_attribute_properties`.

    Returns:
        The new schema.
    """
    result = copy.deepcopy(schema)
    properties = result.setdefault("properties", {})
    current = properties.get("custom_attributes") or {}
    properties["custom_attributes"] = {
        **{k: v for k, v in current.items() if k not in ("properties", "type")},
        "type": ["object", "null"],
        "properties": copy.deepcopy(typed),
        # Attributes created after discovery still reach the target.
        "additionalProperties": True,
    }
    return result
