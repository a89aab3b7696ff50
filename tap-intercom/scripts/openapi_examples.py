"""The response examples of Intercom's OpenAPI descriptions, as records of the tap's streams.

Imported by ``generate_schemas.py``. Each example of an endpoint a stream reads (``READS``),
or of an endpoint that returns the same entity (``SAME_ENTITY``), becomes test data: the
generator widens the schemas until every example record fits ("the example wins"), and writes
the examples to the sandbox package (``EXAMPLES_FILE``) so the tests can serve them over HTTP.
"""

from __future__ import annotations

import json
import pathlib
import typing as t

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES_FILE = ROOT / "devstack" / "devstack" / "intercom_sandbox" / "openapi_examples.json"

# (method, path) -> (stream, where the records are in the body: a dotted key, "" = the body).
READS: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/admins"): ("admins", "admins"),
    ("GET", "/teams"): ("teams", "teams"),
    ("GET", "/tags"): ("tags", "data"),
    ("GET", "/ticket_types"): ("ticket_types", "data"),
    ("GET", "/ticket_states"): ("ticket_states", "data"),
    ("GET", "/subscription_types"): ("subscription_types", "data"),
    ("GET", "/help_center/help_centers"): ("help_centers", "data"),
    ("GET", "/help_center/collections"): ("help_center_collections", "data"),
    ("GET", "/articles"): ("articles", "data"),
    ("GET", "/news/news_items"): ("news_items", "data"),
    ("GET", "/news/newsfeeds"): ("newsfeeds", "data"),
    ("GET", "/data_attributes"): ("data_attributes", "data"),
    ("GET", "/conversations/attributes"): ("conversation_attributes", "data"),
    ("GET", "/segments"): ("segments", "segments"),
    ("GET", "/companies/scroll"): ("companies", "data"),
    ("GET", "/companies/{company_id}/segments"): ("company_segments", "data"),
    ("POST", "/contacts/search"): ("contacts", "data"),
    ("GET", "/contacts/{contact_id}/notes"): ("contact_notes", "data"),
    ("POST", "/conversations/search"): ("conversations", "conversations"),
    ("GET", "/conversations/{conversation_id}"): (
        "conversation_parts",
        "conversation_parts.conversation_parts",
    ),
    ("GET", "/conversations/deleted"): ("deleted_conversations", "conversations"),
    ("POST", "/tickets/search"): ("tickets", "tickets"),
    ("GET", "/tickets/{ticket_id}"): ("ticket_parts", "ticket_parts.ticket_parts"),
    ("GET", "/admins/activity_logs"): ("activity_logs", "activity_logs"),
    ("GET", "/macros"): ("macros", "data"),
    ("GET", "/internal_articles"): ("internal_articles", "data"),
    ("GET", "/content_snippets"): ("content_snippets", "data"),
    ("GET", "/brands"): ("brands", "data"),
    ("GET", "/emails"): ("emails", "data"),
    ("GET", "/office_hours_schedules"): ("office_hours_schedules", "data"),
    ("GET", "/away_status_reasons"): ("away_status_reasons", "data"),
    ("GET", "/admins/activity_log_event_types"): ("activity_log_event_types", "event_types"),
    ("GET", "/companies/{company_id}/notes"): ("company_notes", "data"),
    ("GET", "/conversations/{id}/handling_events"): (
        "conversation_handling_events",
        "handling_events",
    ),
    ("GET", "/calls"): ("calls", "data"),
    # A text file: the body of its example is the transcript (the record's ``transcript``).
    ("GET", "/calls/{call_id}/transcript"): ("call_transcripts", ""),
    ("GET", "/custom_object_instances/{custom_object_type_identifier}"): (
        "custom_object_instances",
        "data",
    ),
}

# Endpoints that return the entity a stream reads elsewhere: more documented shapes of it.
SAME_ENTITY: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/admins/{admin_id}"): ("admins", ""),
    ("GET", "/teams/{team_id}"): ("teams", ""),
    ("GET", "/tags/{tag_id}"): ("tags", ""),
    ("POST", "/tags"): ("tags", ""),
    ("GET", "/ticket_types/{ticket_type_id}"): ("ticket_types", ""),
    ("POST", "/ticket_types"): ("ticket_types", ""),
    ("GET", "/help_center/help_centers/{help_center_id}"): ("help_centers", ""),
    ("GET", "/help_center/collections/{collection_id}"): ("help_center_collections", ""),
    ("POST", "/help_center/collections"): ("help_center_collections", ""),
    ("GET", "/articles/{article_id}"): ("articles", ""),
    ("POST", "/articles"): ("articles", ""),
    ("GET", "/news/news_items/{news_item_id}"): ("news_items", ""),
    ("POST", "/news/news_items"): ("news_items", ""),
    ("GET", "/news/newsfeeds/{newsfeed_id}/items"): ("news_items", "data"),
    ("GET", "/news/newsfeeds/{newsfeed_id}"): ("newsfeeds", ""),
    ("GET", "/conversations/attributes/{id}"): ("conversation_attributes", ""),
    ("POST", "/conversations/attributes"): ("conversation_attributes", ""),
    ("POST", "/data_attributes"): ("data_attributes", ""),
    ("GET", "/segments/{segment_id}"): ("segments", ""),
    ("GET", "/companies/{company_id}"): ("companies", ""),
    ("POST", "/companies"): ("companies", ""),
    ("POST", "/companies/list"): ("companies", "data"),
    ("GET", "/contacts/{contact_id}/companies"): ("companies", "data"),
    ("GET", "/contacts/{contact_id}/segments"): ("company_segments", "data"),
    ("GET", "/contacts"): ("contacts", "data"),
    ("GET", "/contacts/{contact_id}"): ("contacts", ""),
    ("POST", "/contacts"): ("contacts", ""),
    ("GET", "/contacts/find_by_external_id/{external_id}"): ("contacts", ""),
    ("POST", "/contacts/merge"): ("contacts", ""),
    ("GET", "/companies/{company_id}/contacts"): ("contacts", "data"),
    ("POST", "/contacts/{contact_id}/notes"): ("contact_notes", ""),
    ("POST", "/companies/{company_id}/notes"): ("company_notes", ""),
    ("GET", "/conversations"): ("conversations", "conversations"),
    ("POST", "/conversations/{conversation_id}/reply"): (
        "conversation_parts",
        "conversation_parts.conversation_parts",
    ),
    ("POST", "/conversations/{conversation_id}/parts"): (
        "conversation_parts",
        "conversation_parts.conversation_parts",
    ),
    ("POST", "/tickets/{ticket_id}/reply"): ("ticket_parts", ""),
    ("POST", "/tickets"): ("tickets", ""),
    ("POST", "/admins/activity_logs/search"): ("activity_logs", "activity_logs"),
    ("GET", "/macros/{id}"): ("macros", ""),
    ("POST", "/ticket_types/{ticket_type_id}/attributes"): ("ticket_type_attributes", ""),
    ("PUT", "/ticket_types/{ticket_type_id}/attributes/{attribute_id}"): (
        "ticket_type_attributes",
        "",
    ),
    ("GET", "/internal_articles/{internal_article_id}"): ("internal_articles", ""),
    ("POST", "/internal_articles"): ("internal_articles", ""),
    ("GET", "/content_snippets/{id}"): ("content_snippets", ""),
    ("POST", "/content_snippets"): ("content_snippets", ""),
    ("GET", "/brands/{id}"): ("brands", ""),
    ("GET", "/emails/{id}"): ("emails", ""),
    ("GET", "/office_hours_schedules/{id}"): ("office_hours_schedules", ""),
    ("POST", "/office_hours_schedules"): ("office_hours_schedules", ""),
    ("GET", "/calls/{call_id}"): ("calls", ""),
    (
        "GET",
        "/custom_object_instances/{custom_object_type_identifier}/{custom_object_instance_id}",
    ): (
        "custom_object_instances",
        "",
    ),
    ("POST", "/custom_object_instances/{custom_object_type_identifier}"): (
        "custom_object_instances",
        "",
    ),
}

# Lists of bare names: each name becomes a record ``{field: name}``, as the tap emits it.
NAME_LISTS = {"activity_log_event_types": "event_type"}

# The conversation bodies of these endpoints are conversations too (their parts are read above).
CONVERSATION_BODIES = (
    ("GET", "/conversations/{conversation_id}"),
    ("POST", "/conversations/{conversation_id}/reply"),
    ("POST", "/conversations/{conversation_id}/parts"),
)
TICKET_BODIES = (("GET", "/tickets/{ticket_id}"),)


def step(node: t.Any, key: str) -> t.Any:
    """One step of a dotted key: an object's key, or a list's position (``data.0.x``).

    Args:
        node: The current node.
        key: The key or position.

    Returns:
        The node there, or None.
    """
    if isinstance(node, list) and key.isdigit():
        return node[int(key)] if int(key) < len(node) else None
    return node.get(key) if isinstance(node, dict) else None


def records_at(body: t.Any, where: str) -> list[dict[str, t.Any]]:
    """The records at a dotted key of a response body (``""``: the body is one record).

    Args:
        body: The example response body.
        where: Dotted key.

    Returns:
        The records (dicts only).
    """
    node = body
    for key in [k for k in where.split(".") if k]:
        node = step(node, key)
    if where == "":
        return [node] if isinstance(node, dict) else []
    return [item for item in node or [] if isinstance(item, dict)]


def names_at(body: t.Any, where: str, field: str) -> list[dict[str, t.Any]]:
    """The bare names at a dotted key of a body, as records ``{field: name}``.

    Args:
        body: The example response body.
        where: Dotted key of the list of names.
        field: The record's field for a name.

    Returns:
        The records.
    """
    node = body
    for key in [k for k in where.split(".") if k]:
        node = step(node, key)
    return [{field: item} for item in node or [] if isinstance(item, str)]


def response_examples(spec: dict[str, t.Any], version: str) -> list[dict[str, t.Any]]:
    """Every 200 response example of the endpoints above, in spec order.

    Args:
        spec: The parsed OpenAPI description.
        version: Its version (``2.16``).

    Returns:
        ``{"version", "method", "path", "example", "role", "streams", "body"}`` per example;
        ``role`` is ``reads`` or ``same_entity``, ``streams`` is :func:`record_spots`.
    """
    found: list[dict[str, t.Any]] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            if key not in READS and key not in SAME_ENTITY:
                continue
            responses = operation.get("responses") or {}
            content = (responses.get("200") or responses.get(200) or {}).get("content") or {}
            media = content.get("application/json") or content.get("text/plain") or {}
            examples = media.get("examples") or {}
            for name, example in examples.items():
                body = example.get("value")
                found.append(
                    {
                        "version": version,
                        "method": key[0],
                        "path": path,
                        "example": name,
                        "role": "reads" if key in READS else "same_entity",
                        "streams": record_spots(key[0], path, body),
                        "body": body,
                    }
                )
    return found


def record_spots(method: str, path: str, body: t.Any) -> list[dict[str, str]]:
    """Which streams' records an example body holds, and where: ``[{"stream", "at"}]``.

    Conversation and ticket bodies that carry parts are also records of ``conversations`` /
    ``tickets``; ``data_attributes`` records belong to the stream of their ``model``.

    Args:
        method: The endpoint's method.
        path: The endpoint's path template.
        body: The example body.

    Returns:
        The spots.
    """
    key = (method, path)
    stream, where = READS.get(key) or SAME_ENTITY[key]
    spots = [{"stream": stream, "at": where}]
    kind = body.get("type") if isinstance(body, dict) else None
    if key in CONVERSATION_BODIES and kind == "conversation":
        spots.append({"stream": "conversations", "at": ""})
    if key in TICKET_BODIES and kind == "ticket":
        spots.append({"stream": "tickets", "at": ""})
    if stream == "ticket_types":
        # Each ticket type embeds its attributes, which the ticket_type_attributes stream reads.
        # The spec's schema keys the list ``ticket_type_attributes``, its examples ``data``.
        for n, ticket_type in enumerate(records_at(body, where)):
            embedded = ticket_type.get("ticket_type_attributes") or {}
            for key in ("ticket_type_attributes", "data"):
                if embedded.get(key):
                    prefix = f"{where}.{n}." if where else ""
                    spots.append(
                        {
                            "stream": "ticket_type_attributes",
                            "at": f"{prefix}ticket_type_attributes.{key}",
                        }
                    )
    return spots


def stream_records(example: dict[str, t.Any]) -> list[tuple[str, dict[str, t.Any]]]:
    """The (stream, record) pairs one example documents.

    Args:
        example: One entry of :func:`response_examples`.

    Returns:
        The pairs.
    """
    pairs = []
    for spot in example["streams"]:
        field = NAME_LISTS.get(spot["stream"])
        found = (
            names_at(example["body"], spot["at"], field)
            if field
            else records_at(example["body"], spot["at"])
        )
        for record in found:
            name = spot["stream"]
            if name == "data_attributes":
                name = f"{record.get('model') or 'contact'}_attributes"
            pairs.append((name, record))
    return pairs


def write_examples(examples: list[dict[str, t.Any]]) -> None:
    """Write the examples for the sandbox and the tests.

    Args:
        examples: Entries of :func:`response_examples` from every spec.
    """
    document = {
        "source": (
            "Response examples of Intercom's OpenAPI descriptions (intercom/Intercom-OpenAPI, "
            "MIT licence, Copyright (c) 2022 Intercom, Inc.), extracted by "
            "tap-intercom/scripts/generate_schemas.py"
        ),
        "examples": examples,
    }
    EXAMPLES_FILE.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
