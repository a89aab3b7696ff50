"""Conversation and ticket parts: the most recent 500, oldest first (Intercom's cap)."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.workspace import Workspace

Record = dict[str, t.Any]
PARTS_CAP = 500
PART_TYPES = ("comment", "note", "assignment", "open", "close", "snoozed", "away_mode_assignment")


def build(ws: Workspace, kind: str, index: int) -> list[Record]:
    """The most recent 500 parts of a conversation or ticket, oldest first."""
    table = ws.conversations if kind == "conversation" else ws.tickets
    generated = table.parts[index]
    extra = table.extra_parts.get(index, [])
    total = generated + len(extra)
    first = max(0, total - PARTS_CAP)
    created, last = table.created[index], table.generated_updated[index]
    admins = ws.catalogs.admins
    base_id = int(ws.conversation_id(index) if kind == "conversation" else ws.ticket_id(index))
    out = []
    for j in range(first, total):
        if j < generated:
            at = created + ((last - created) * (j + 1)) // max(1, generated)
            admin_index = (index + j) % len(admins)
        else:
            at, admin_index = extra[j - generated]
        admin = admins[admin_index]
        from_contact = j % 2 == 0 and j < generated
        author = (
            {
                "type": "user",
                "id": ws.contact_id(index % max(1, len(ws.contacts))),
                "name": None,
                "email": "user@example.com",
            }
            if from_contact
            else {
                "type": "admin",
                "id": admin["id"],
                "name": admin["name"],
                "email": admin["email"],
            }
        )
        part_id = str(base_id * 100_000 + j)
        if kind == "conversation":
            out.append(_conversation_part(part_id, j, at, author))
        else:
            out.append(_ticket_part(part_id, j, at, author))
    return out


def _conversation_part(part_id: str, j: int, at: int, author: Record) -> Record:
    part_type = "comment" if author["type"] == "user" else PART_TYPES[j % len(PART_TYPES)]
    author = {**author, "from_ai_agent": False, "is_ai_answer": False}
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": part_type,
        "body": f"<p>Part {j}</p>" if part_type in ("comment", "note") else None,
        "created_at": at,
        "updated_at": at,
        "notified_at": at,
        "assigned_to": {"type": "admin", "id": author["id"]} if part_type == "assignment" else None,
        "author": author,
        "attachments": [],
        "external_id": None,
        "redacted": False,
        "email_message_metadata": None,
        "metadata": None,
        "state": "closed" if part_type == "close" else "open",
        "tags": [],
        "event_details": None,
        "app_package_code": None,
    }


def _ticket_part(part_id: str, j: int, at: int, author: Record) -> Record:
    states = ("submitted", "in_progress", "waiting_on_customer", "resolved")
    return {
        "type": "ticket_part",
        "id": part_id,
        "part_type": "comment" if j % 3 else "ticket_state_updated_by_admin",
        "body": f"<p>Ticket part {j}</p>" if j % 3 else None,
        "previous_ticket_state": states[max(0, j % 4 - 1)],
        "ticket_state": states[j % 4],
        "created_at": at,
        "updated_at": at,
        "assigned_to": None,
        "author": {k: v for k, v in author.items() if k in ("type", "id", "name", "email")},
        "attachments": [],
        "external_id": None,
        "redacted": False,
        "app_package_code": None,
        "updated_attribute_data": None,
    }
