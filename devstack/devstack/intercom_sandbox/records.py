"""Rebuild one contact, company, conversation or ticket (and their parts) from its row.

Records come out in the 2.16 shape; ``versions.shape`` trims them for older versions. Known
type drift of the real API is reproduced on purpose: ``statistics.last_closed_by_id`` is a
number although documented as a string, attachment ``width``/``height`` are strings.
"""

from __future__ import annotations

import typing as t

from devstack.intercom_sandbox import catalogs, parts
from devstack.intercom_sandbox.catalog_items import CUSTOM_TICKET_ATTRIBUTES
from devstack.intercom_sandbox.tables import row_rng

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.workspace import Workspace

Record = dict[str, t.Any]
EMBED_CAP = 10
COUNTRIES = (
    ("Ireland", "Dublin", "Dublin", "IRL", "EU"),
    ("United States", "California", "San Francisco", "USA", "NA"),
    ("Japan", "Tokyo", "Tokyo", "JPN", "AS"),
    ("Brazil", "São Paulo", "São Paulo", "BRA", "SA"),
)
# Fields the 2.16 and 2.14 response examples of contacts carry beyond the schema, with the
# examples' values.
CONTACT_EXAMPLE_FIELDS = {
    "utm_campaign": None,
    "utm_content": None,
    "utm_medium": None,
    "utm_source": None,
    "utm_term": None,
    "referrer": None,
    "enabled_push_messaging": None,
}


def _embedded(kind: str, ids: list[str], owner_url: str, item_url: str) -> Record:
    """A contact's embedded list: at most 10 items, with the true total and ``has_more``."""
    return {
        "type": "list",
        "data": [{"type": kind, "id": i, "url": f"{item_url}/{i}"} for i in ids[:EMBED_CAP]],
        "url": owner_url,
        "total_count": len(ids),
        "has_more": len(ids) > EMBED_CAP,
    }


def contact_links(ws: Workspace, index: int) -> tuple[list[int], list[int], int, list[int]]:
    """Tag indexes, company indexes, note count and segment indexes of a contact."""
    rng = row_rng(ws.seed, 11, index)
    tags_n = len(ws.catalogs.tags)
    companies_n = len(ws.companies)
    if index == 1 or (index % 97 == 50):
        n_tags, n_companies, n_notes = 13, 11, 12
    else:
        n_tags, n_companies, n_notes = (
            rng.pick((0, 0, 1, 2, 3)),
            rng.pick((0, 1, 1, 2)),
            rng.pick((0, 0, 1, 3)),
        )
    tags = rng.sample(tags_n, n_tags)
    companies = rng.sample(companies_n, n_companies)
    segments = contact_segment_indexes(ws, index)
    overrides = ws.contacts.overrides.get(index, {})
    if "tag_ids" in overrides:  # set by an update mutation, as tag ids
        tags = sorted(int(tag_id) - catalogs.TAG_BASE for tag_id in overrides["tag_ids"])
    return tags, companies, n_notes, segments


def contact_segment_indexes(ws: Workspace, index: int) -> list[int]:
    """Which segments a contact is in: a cheap hash, as segment counts scan every contact."""
    h = ((index + 1) * 2_654_435_761 ^ ws.seed * 40_503) & 0xFFFF_FFFF
    return [k for k in range(len(ws.catalogs.segments)) if (h >> (3 * k + 5)) & 3 == 0]


def contact(ws: Workspace, index: int) -> Record:
    """The contact at ``index``."""
    rng = row_rng(ws.seed, 1, index)
    table = ws.contacts
    cid = ws.contact_id(index)
    first, last = rng.pick(catalogs.FIRST), rng.pick(catalogs.LAST)
    role = "lead" if rng.random() < 0.2 else "user"
    created, updated = table.created[index], table.updated[index]
    seen = updated - rng.below(86_400 * 3) if rng.random() < 0.8 else None
    country, region, city, country_code, continent_code = rng.pick(COUNTRIES)
    tags, companies, n_notes, _ = contact_links(ws, index)
    record: Record = {
        "type": "contact",
        "id": cid,
        "external_id": None if role == "lead" else f"ext-{index}",
        "workspace_id": catalogs.WORKSPACE_ID,
        "role": role,
        "email": f"{first.lower()}.{last.lower()}{index}@example.com",
        "email_domain": "example.com",
        "phone": f"+3531{index:07d}" if rng.random() < 0.3 else None,
        "name": f"{first} {last}",
        "owner_id": ws.catalogs.admins[index % len(ws.catalogs.admins)]["id"]
        if index % 3
        else None,
        "has_hard_bounced": index % 53 == 0,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": index % 11 == 0,
        "created_at": created,
        "updated_at": updated,
        "signed_up_at": created if role == "user" else None,
        "last_seen_at": max(created, seen) if seen else None,
        "last_replied_at": None,
        "last_contacted_at": None,
        "last_email_opened_at": None,
        "last_email_clicked_at": None,
        "language_override": None,
        "browser": rng.pick(("chrome", "firefox", "safari")),
        "browser_version": f"{rng.between(90, 130)}.0",
        "browser_language": "en",
        "os": rng.pick(("OS X", "Windows", "Linux")),
        "android_app_name": None,
        "android_app_version": None,
        "android_device": None,
        "android_os_version": None,
        "android_sdk_version": None,
        "android_last_seen_at": None,
        "ios_app_name": None,
        "ios_app_version": None,
        "ios_device": None,
        "ios_os_version": None,
        "ios_sdk_version": None,
        "ios_last_seen_at": None,
        "custom_attributes": {
            "plan": rng.pick(("free", "pro", "enterprise")),
            "seats": rng.between(1, 500),
            "trial_ends_at": created + 14 * 86_400,
            "vip": index % 17 == 0,
        },
        "avatar": None,
        "tags": _embedded("tag", [ws.tag_id(k) for k in tags], f"/contacts/{cid}/tags", "/tags"),
        "notes": _embedded(
            "note",
            [ws.note_id(index, k) for k in range(n_notes)],
            f"/contacts/{cid}/notes",
            "/notes",
        ),
        "companies": _embedded(
            "company",
            [ws.company_id(k) for k in companies],
            f"/contacts/{cid}/companies",
            "/companies",
        ),
        "location": {
            "type": "location",
            "country": country,
            "region": region,
            "city": city,
            "country_code": country_code,
            "continent_code": continent_code,
        },
        "social_profiles": {"type": "list", "data": []},
        "merge_history": None,
        **CONTACT_EXAMPLE_FIELDS,
        "opted_in_subscription_types": _embedded(
            "subscription", [], f"/contacts/{cid}/subscriptions", "/subscription_types"
        ),
        "opted_out_subscription_types": _embedded(
            "subscription", [], f"/contacts/{cid}/subscriptions", "/subscription_types"
        ),
    }
    overrides = table.overrides.get(index)
    if overrides:
        _apply(record, overrides)
    return record


def _apply(record: Record, overrides: dict[str, t.Any]) -> None:
    for name, value in overrides.items():
        if name == "tag_ids":
            continue
        if name.startswith("custom_attributes."):
            record["custom_attributes"][name.split(".", 1)[1]] = value
        else:
            record[name] = value


def note(ws: Workspace, contact_index: int, k: int) -> Record:
    """Note ``k`` of a contact."""
    created = ws.contacts.created[contact_index] + 3_600 * (k + 1)
    admin = ws.catalogs.admins[(contact_index + k) % len(ws.catalogs.admins)]
    return {
        "type": "note",
        "id": ws.note_id(contact_index, k),
        "created_at": created,
        "contact": {"type": "contact", "id": ws.contact_id(contact_index)},
        "author": {
            key: admin[key]
            for key in ("type", "id", "name", "email", "away_mode_enabled", "away_mode_reassign")
        },
        "body": f"<p>Note {k} about this contact.</p>",
    }


def company_segment_indexes(ws: Workspace, index: int) -> list[int]:
    """Which company segments a company is in."""
    n = len(ws.catalogs.company_segments)
    return [k for k in range(n) if (index + k) % (k + 2) == 0]


def company(ws: Workspace, index: int) -> Record:
    """The company at ``index``."""
    rng = row_rng(ws.seed, 2, index)
    table = ws.companies
    created, updated = table.created[index], table.updated[index]
    users = 0 if index % 7 == 3 else rng.between(1, 400)
    segments = [ws.catalogs.company_segments[k] for k in company_segment_indexes(ws, index)]
    tags = [ws.catalogs.tags[(index + k) % len(ws.catalogs.tags)] for k in range(index % 3)]
    record: Record = {
        "type": "company",
        "id": ws.company_id(index),
        "name": f"Company {index}",
        "app_id": catalogs.WORKSPACE_ID,
        "plan": {
            "type": "plan",
            "id": str(1 + index % 3),
            "name": ("free", "pro", "ent")[index % 3],
        },
        "company_id": f"remote-{index}",
        "remote_created_at": created,
        "created_at": created,
        "updated_at": updated,
        "last_request_at": max(created, updated - rng.below(86_400 * 20)),
        "size": rng.between(1, 5000),
        "website": f"https://company{index}.example.com",
        "industry": rng.pick(("Software", "Retail", "Finance", "Health")),
        "monthly_spend": rng.below(10_000),
        "session_count": rng.below(10_000),
        "user_count": users,
        "custom_attributes": {
            "industry_code": f"IC{index % 40}",
            "arr": round(rng.random() * 1e5, 2),
        },
        "tags": {
            "type": "tag.list",
            "tags": [{"type": "tag", "id": t_["id"], "name": t_["name"]} for t_ in tags],
        },
        "segments": {"type": "segment.list", "segments": segments},
        "notes": {"type": "note.list", "notes": []},
    }
    overrides = table.overrides.get(index)
    if overrides:
        _apply(record, overrides)
    return record


def conversation(ws: Workspace, index: int, *, with_parts: bool) -> Record:
    """The conversation at ``index``; with its (capped) parts when fetched by id."""
    rng = row_rng(ws.seed, 3, index)
    table = ws.conversations
    created, updated = table.created[index], table.updated[index]
    admins = ws.catalogs.admins
    admin = admins[rng.below(len(admins))]
    team_id = int(ws.catalogs.teams[rng.below(len(ws.catalogs.teams))]["id"])
    state = rng.pick(("open", "closed", "closed", "snoozed"))
    contact_index = rng.below(max(1, len(ws.contacts)))
    contact_id = ws.contact_id(contact_index)
    tag_ids = [ws.tag_id(k) for k in rng.sample(len(ws.catalogs.tags), rng.pick((0, 0, 1, 2)))]
    total_parts = table.part_count(index)
    closed_at = updated if state == "closed" else None
    record: Record = {
        "type": "conversation",
        "id": ws.conversation_id(index),
        "title": None if index % 4 else f"Conversation {index}",
        "created_at": created,
        "updated_at": updated,
        "waiting_since": updated if state == "open" else None,
        "snoozed_until": updated + 86_400 if state == "snoozed" else None,
        "open": state != "closed",
        "state": state,
        "read": rng.random() < 0.7,
        "priority": "high" if index % 10 == 0 else "none",
        "admin_assignee_id": int(admin["id"]),
        "team_assignee_id": team_id,
        "company": None,
        "tags": {
            "type": "tag.list",
            "tags": [
                {
                    "type": "tag",
                    "id": i,
                    "name": ws.tag_name(i),
                    "applied_at": created,
                    "applied_by": {"type": "admin", "id": admin["id"]},
                }
                for i in tag_ids
            ],
        },
        "conversation_rating": _rating(index, contact_id, admin, updated),
        "source": {
            "type": rng.pick(("conversation", "email", "push")),
            "id": str(400_000_000 + index),
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": f"<p>Help with order {index}</p>",
            "author": {
                "type": "user",
                "id": contact_id,
                "name": None,
                "email": f"user{contact_index}@example.com",
            },
            "attachments": [
                {
                    "type": "upload",
                    "name": "screenshot.png",
                    "url": f"https://files.example.com/{index}.png",
                    "content_type": "image/png",
                    "filesize": 1024,
                    "width": "640",
                    "height": "480",
                }
            ]
            if index % 13 == 0
            else [],
            "url": None,
            "redacted": False,
        },
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": contact_id, "external_id": f"ext-{contact_index}"}
            ],
        },
        "teammates": {"type": "admin.list", "teammates": [{"type": "admin", "id": admin["id"]}]},
        "custom_attributes": {
            "Issue type": rng.pick(("Bug", "Billing", "How-to")),
            "Order number": f"ORD-{index}",
        },
        "first_contact_reply": {"created_at": created, "type": "conversation", "url": None},
        "sla_applied": None,
        "statistics": {
            "type": "conversation_statistics",
            "time_to_assignment": 0,
            "time_to_admin_reply": 120 + index % 600,
            "time_to_first_close": (closed_at - created) if closed_at else None,
            "time_to_last_close": (closed_at - created) if closed_at else None,
            "median_time_to_reply": 300,
            "first_contact_reply_at": created,
            "first_assignment_at": created,
            "first_admin_reply_at": created + 120 + index % 600,
            "first_close_at": closed_at,
            "last_assignment_at": created,
            "last_assignment_admin_reply_at": created + 120 + index % 600,
            "last_contact_reply_at": created,
            "last_admin_reply_at": updated,
            "last_close_at": closed_at,
            "last_closed_by_id": int(admin["id"]) if closed_at else None,
            "count_reopens": 0,
            "count_assignments": 1,
            "count_conversation_parts": total_parts,
            "assigned_team_first_response_time": [],
            "assigned_team_first_response_time_in_office_hours": [],
            "handling_time": 600,
            "adjusted_handling_time": None,
        },
        "linked_objects": {"type": "list", "total_count": 0, "has_more": False, "data": []},
        "ai_agent_participated": index % 5 == 0,
        "ai_agent": None,
        "sales_agent_participated": False,
        "sales_agent": None,
        "channel": {"initial": "chat", "current": "chat"},
        "external_references": [],
        "monitor_evaluations": [],
        "scorecards": [],
        # Beyond the schema, as the response examples carry them.
        "topics": {},
        "ticket": None,
    }
    overrides = table.overrides.get(index)
    if overrides:
        _apply(record, overrides)
    if with_parts:
        record["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": parts.build(ws, "conversation", index),
            "total_count": total_parts,
        }
    return record


def ticket(ws: Workspace, index: int, *, with_parts: bool) -> Record:
    """The ticket at ``index``; with its (capped) parts when fetched by id."""
    rng = row_rng(ws.seed, 4, index)
    table = ws.tickets
    created, updated = table.created[index], table.updated[index]
    ticket_type = ws.catalogs.ticket_types[index % len(ws.catalogs.ticket_types)]
    state_index = rng.below(len(ws.catalogs.ticket_states))
    state = ws.catalogs.ticket_states[state_index]
    admin = ws.catalogs.admins[rng.below(len(ws.catalogs.admins))]
    contact_index = rng.below(max(1, len(ws.contacts)))
    short_type = {k: v for k, v in ticket_type.items() if k != "ticket_states"}
    record: Record = {
        "type": "ticket",
        "id": ws.ticket_id(index),
        "ticket_id": str(index + 1),
        "category": ticket_type["category"],
        "ticket_attributes": {
            "_default_title_": f"Ticket {index}",
            "_default_description_": f"Problem number {index}",
            **_custom_ticket_attribute(index, created),
        },
        "ticket_state": {
            k: state[k] for k in ("type", "id", "category", "internal_label", "external_label")
        },
        "ticket_type": short_type,
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {
                    "type": "contact",
                    "id": ws.contact_id(contact_index),
                    "external_id": f"ext-{contact_index}",
                }
            ],
        },
        "admin_assignee_id": int(admin["id"]),
        "team_assignee_id": int(ws.catalogs.teams[index % len(ws.catalogs.teams)]["id"]),
        "created_at": created,
        "updated_at": updated,
        "open": state["category"] != "resolved",
        "snoozed_until": None,
        "linked_objects": {"type": "list", "total_count": 0, "has_more": False, "data": []},
        "is_shared": ticket_type["category"] == "Customer",
        "previous_ticket_state_id": ws.catalogs.ticket_states[max(0, state_index - 1)]["id"]
        if state_index
        else None,
    }
    overrides = table.overrides.get(index)
    if overrides:
        _apply(record, overrides)
    if with_parts:
        record["ticket_parts"] = {
            "type": "ticket_part.list",
            "ticket_parts": parts.build(ws, "ticket", index),
            "total_count": table.part_count(index),
        }
    return record


def _rating(index: int, contact_id: str, admin: Record, at: int) -> Record | None:
    """A rating on one conversation in six; ``teammate.id`` is a string, as the API sends."""
    if index % 6:
        return None
    return {
        "rating": 1 + index % 5,
        "remark": "" if index % 12 else "Quick and helpful",
        "created_at": at,
        "updated_at": at,
        "contact": {"type": "contact", "id": contact_id, "external_id": None},
        "teammate": {"type": "admin", "id": str(admin["id"])},
    }


def _custom_ticket_attribute(index: int, created: int) -> Record:
    """The value of the ticket type's custom attribute (see ``CUSTOM_TICKET_ATTRIBUTES``)."""
    kind = index % len(CUSTOM_TICKET_ATTRIBUTES)
    name = CUSTOM_TICKET_ATTRIBUTES[kind][0]
    value: t.Any = (("low", "high")[index % 2], round(5 + index * 1.25, 2), created - 3600)[kind]
    return {name: value}
