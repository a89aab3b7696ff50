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


def embedded_attributes(ticket_type: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The attributes a ticket type embeds.

    The 2.16 schema keys the list ``ticket_type_attributes``; its examples key it ``data``.

    Args:
        ticket_type: A ticket type record.

    Returns:
        Its attributes.

    >>> embedded_attributes({"ticket_type_attributes": {"data": [{"id": "1"}]}})
    [{'id': '1'}]
    """
    embedded = ticket_type.get("ticket_type_attributes")
    if not isinstance(embedded, dict):
        return []
    items = embedded.get("ticket_type_attributes") or embedded.get("data") or []
    return [item for item in items if isinstance(item, dict)]


def ticket_attribute_properties(attributes: t.Iterable[dict[str, t.Any]]) -> dict[str, t.Any]:
    """JSON Schema properties of tickets' ``ticket_attributes``, from the ticket types'.

    Every attribute counts (the defaults, ``_default_title_``, are keys of the object too).
    A name two ticket types give different types accepts any JSON value.

    Args:
        attributes: The ticket type attributes of every ticket type.

    Returns:
        ``{name: schema}``.

    >>> ticket_attribute_properties([
    ...     {"name": "Refund amount", "data_type": "decimal"},
    ...     {"name": "Code", "data_type": "string"}, {"name": "Code", "data_type": "integer"},
    ... ])
    {'Refund amount': {'type': ['number', 'null']}, 'Code': {}}
    """
    properties: dict[str, t.Any] = {}
    for attribute in attributes:
        name = attribute.get("name")
        if not name:
            continue
        typed = copy.deepcopy(DATA_TYPES.get(str(attribute.get("data_type") or ""), {}))
        if str(name) in properties and properties[str(name)] != typed:
            typed = {}
        properties[str(name)] = typed
    return properties


def with_custom_attributes(
    schema: dict[str, t.Any], typed: dict[str, t.Any], field: str = "custom_attributes"
) -> dict[str, t.Any]:
    """A copy of a stream schema whose custom attributes object has typed properties.

    Args:
        schema: The stream schema (not modified).
        typed: Properties from :func:`custom_attribute_properties`.
        field: The object's property (tickets': ``ticket_attributes``).

    Returns:
        The new schema.
    """
    result = copy.deepcopy(schema)
    properties = result.setdefault("properties", {})
    current = properties.get(field) or {}
    properties[field] = {
        **{k: v for k, v in current.items() if k not in ("properties", "type")},
        "type": ["object", "null"],
        "properties": copy.deepcopy(typed),
        # Attributes created after discovery still reach the target.
        "additionalProperties": True,
    }
    return result
