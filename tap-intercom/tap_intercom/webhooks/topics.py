"""Webhook topics to the poll mode's streams, and a notification's item to their records (pure)."""

from __future__ import annotations

import dataclasses
import typing as t

from tap_intercom.streams._parts import parent_context

Record = dict[str, t.Any]

#: Topic prefix → (item type, stream, parts stream or None).
ENTITIES: dict[str, tuple[str, str, str | None]] = {
    "contact": ("contact", "contacts", None),
    "company": ("company", "companies", None),
    "conversation": ("conversation", "conversations", "conversation_parts"),
    "ticket": ("ticket", "tickets", "ticket_parts"),
}

#: Streams that receive ``*.deleted`` notifications (records with ``_sdc_deleted_at``).
DELETABLE = frozenset({"contacts", "companies", "conversations"})

#: Topics that carry nothing to load (Intercom's test notification).
IGNORED = frozenset({"ping"})


@dataclasses.dataclass(frozen=True)
class Change:
    """One record a notification would emit, with the version it carries.

    Attributes:
        stream: The stream (table) it belongs to.
        key: The entity's primary key value.
        record: The record (``{"id", "_sdc_deleted_at"}`` for a deletion).
        updated_at: The item's ``updated_at`` (None for a deletion).
        deleted_at: The notification's ``created_at`` for a deletion, else None.
    """

    stream: str
    key: str
    record: Record
    updated_at: int | None
    deleted_at: int | None = None


def streams_of(topic: str, item: t.Any) -> tuple[str, ...] | None:
    """The streams a notification feeds, () for ignored topics, None when unmapped.

    >>> streams_of("conversation.admin.replied", {"type": "conversation", "id": "1"})
    ('conversations', 'conversation_parts')
    >>> streams_of("contact.tag.created", {"type": "contact_tag"}) is None
    True
    """
    if topic in IGNORED:
        return ()
    entity = ENTITIES.get(topic.split(".", 1)[0])
    if entity is None or not isinstance(item, dict) or item.get("type") != entity[0]:
        return None
    if item.get("id") in (None, ""):
        return None
    item_type, stream, parts_stream = entity
    if topic == f"{item_type}.deleted":
        return (stream,) if stream in DELETABLE else None
    return (stream, parts_stream) if parts_stream else (stream,)


def changes_of(
    topic: str, created_at: int | None, item: t.Any, deleted_at_iso: str
) -> list[Change]:
    """The records one notification carries: the entity, and its new parts if any.

    Args:
        topic: The notification's topic (mapped: see :func:`streams_of`).
        created_at: The notification's ``created_at`` (Unix seconds).
        item: ``data.item``.
        deleted_at_iso: ``created_at`` as the ISO 8601 text ``_sdc_deleted_at`` holds.

    Returns:
        The changes, entity first.
    """
    streams = streams_of(topic, item) or ()
    if not streams:
        return []
    entity_id = str(item["id"])
    if topic.endswith(".deleted"):
        record = {"id": entity_id, "_sdc_deleted_at": deleted_at_iso}
        return [Change(streams[0], entity_id, record, None, deleted_at=created_at or 0)]
    kind = str(item["type"])
    parts_key = f"{kind}_parts"
    container = item.get(parts_key)
    entity = {k: v for k, v in item.items() if k != parts_key}
    updated = _epoch(item.get("updated_at"), created_at)
    changes = [Change(streams[0], entity_id, entity, updated)]
    if len(streams) > 1 and isinstance(container, dict):
        parts = container.get(parts_key) or []
        total = container.get("total_count")
        extra = {
            **parent_context(kind, item),
            f"{kind}_total_parts": int(total) if total is not None else None,
            # The delivery carries every part it announces: nothing was cut off.
            f"{kind}_parts_truncated": False,
        }
        for part in parts:
            if isinstance(part, dict) and part.get("id") is not None:
                changes.append(
                    Change(
                        streams[1],
                        str(part["id"]),
                        {**part, **extra},
                        _epoch(part.get("updated_at"), created_at),
                    )
                )
    return changes


def _epoch(value: t.Any, fallback: int | None) -> int | None:
    if isinstance(value, bool):
        return fallback
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return fallback
