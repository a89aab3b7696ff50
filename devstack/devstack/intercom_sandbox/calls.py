"""Calls, call transcripts, conversation handling events and company notes.

They are derived from the generated conversation and company rows, so they follow the rows'
mutations: a call belongs to its conversation and changes when the conversation does
(``updated_at`` is the conversation's), handling events are the pauses and resumes of a
conversation's teammate, and a company's notes are written after the company was created.
Shapes follow the 2.16 description (``call``, ``handling_event``, ``note``).
"""

from __future__ import annotations

import datetime as dt
import typing as t

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.workspace import Workspace

Record = dict[str, t.Any]

CALL_BASE = 40_000_000
COMPANY_NOTE_BASE = 8_000_000
#: Every CALL_EVERY-th conversation (from the first) is a phone call.
CALL_EVERY = 4
#: Every HANDLED_EVERY-th conversation was paused (and resumed) by its teammate.
HANDLED_EVERY = 3
#: Every NOTED_EVERY-th company has notes.
NOTED_EVERY = 3


def call_indexes(ws: Workspace) -> list[int]:
    """Rows of the live conversations that are calls."""
    table = ws.conversations
    return [i for i in range(1, len(table), CALL_EVERY) if table.live(i)]


def call_id(index: int) -> str:
    """The call id of conversation row ``index``."""
    return str(CALL_BASE + index)


def call_index(ws: Workspace, value: str) -> int | None:
    """The conversation row of a call id, or None."""
    if not value.isdigit():
        return None
    index = int(value) - CALL_BASE
    live = 0 <= index < len(ws.conversations) and ws.conversations.live(index)
    return index if live and index % CALL_EVERY == 1 else None


def call(ws: Workspace, index: int) -> Record:
    """The call of conversation row ``index``."""
    table = ws.conversations
    created, updated = table.created[index], table.updated[index]
    admins = ws.catalogs.admins
    admin = admins[index % len(admins)]
    answered = created + 5 + index % 40
    ended = answered + 60 + (index * 37) % 1800
    missed = index % 9 == 5
    inbound = index % 3 != 0
    cid = call_id(index)
    return {
        "type": "call",
        "id": cid,
        "conversation_id": ws.conversation_id(index),
        "admin_id": None if missed else str(admin["id"]),
        "contact_id": ws.contact_id(index % max(1, len(ws.contacts))),
        "state": "missed" if missed else "completed",
        "initiated_at": created,
        "answered_at": None if missed else answered,
        "ended_at": ended,
        "created_at": created,
        "updated_at": updated,
        "recording_url": None if missed else f"https://calls.example.com/{cid}/recording.mp3",
        "transcription_url": None if missed else f"https://calls.example.com/{cid}/transcript",
        "call_type": "phone",
        "direction": "inbound" if inbound else "outbound",
        "ended_reason": "no_answer" if missed else "hung_up",
        "phone": f"+1555{index % 10_000_000:07d}",
        "fin_recording_url": None,
        "fin_transcription_url": None,
    }


def transcript(ws: Workspace, index: int) -> str:
    """The transcript text of a call (empty for a missed call), as the API sends it."""
    if index % 9 == 5:
        return ""
    lines = [
        ("Teammate 1", "Hello, thanks for calling. How can I help today?"),
        ("User", f"I have a question about order {index}."),
        ("Teammate 1", "Let me look that up for you."),
        ("User", "Thanks, that's great — merci!"),
    ]
    return "\n".join(f'[00:00:{6 * k:02d}] {who}: "{text}"' for k, (who, text) in enumerate(lines))


def handling_events(ws: Workspace, index: int) -> list[Record]:
    """Pause/resume events of conversation row ``index``, oldest first."""
    if index % HANDLED_EVERY != 0:
        return []
    table = ws.conversations
    admins = ws.catalogs.admins
    admin = admins[index % len(admins)]
    teammate = {
        "type": "admin",
        "id": int(admin["id"]),
        "name": admin["name"],
        "email": admin["email"],
    }
    start = table.created[index]
    events: list[Record] = []
    pauses = 1 + index % 2
    for k in range(pauses):
        paused = start + 600 + k * 3600
        events.append(
            {"teammate": teammate, "type": "paused", "timestamp": _iso(paused), "reason": "Paused"}
        )
        events.append({"teammate": teammate, "type": "resumed", "timestamp": _iso(paused + 600)})
    return events


def company_notes(ws: Workspace, index: int) -> list[Record]:
    """Notes of company row ``index``, newest first (as the API lists them)."""
    if index % NOTED_EVERY != 0:
        return []
    admins = ws.catalogs.admins
    created = ws.companies.created[index]
    notes = []
    for k in range(1 + index % 2):
        author = admins[(index + k) % len(admins)]
        notes.append(
            {
                "type": "note",
                "id": str(COMPANY_NOTE_BASE + index * 10 + k),
                "created_at": created + 3600 * (k + 1),
                "company": {"type": "company", "id": ws.company_id(index)},
                "author": {
                    "type": "admin",
                    "id": str(author["id"]),
                    "name": author["name"],
                    "email": author["email"],
                    "away_mode_enabled": False,
                    "away_mode_reassign": False,
                    "away_status_reason_id": None,
                    "has_inbox_seat": True,
                    "team_ids": [],
                    "team_priority_level": {},
                },
                "body": f"<p>Account review {k + 1} for company {index}.</p>",
            }
        )
    return sorted(notes, key=lambda n: -int(n["created_at"]))


def _iso(timestamp: int) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
