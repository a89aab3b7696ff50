"""The small, fully materialised collections of a workspace.

Admins, teams, tags, segments, attributes, ticket types and states, help center content, news,
subscription types, macros and activity logs.
"""

from __future__ import annotations

import dataclasses
import random
import typing as t

from devstack.intercom_sandbox import activity, workspace_settings
from devstack.intercom_sandbox import catalog_items as items
from devstack.intercom_sandbox.catalog_items import (
    ADMIN_BASE,
    ATTRIBUTE_BASE,
    COLLECTION_BASE,
    CONV_ATTRIBUTE_BASE,
    FIRST,
    HELP_CENTER_BASE,
    LAST,
    NEWSFEED_BASE,
    SUBSCRIPTION_BASE,
    TAG_BASE,
    TEAM_BASE,
    WORKSPACE_ID,
)

Record = dict[str, t.Any]


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


@dataclasses.dataclass
class Catalogs:
    """The workspace's small collections, in their API (2.16) shapes."""

    admins: list[Record]
    teams: list[Record]
    tags: list[Record]
    segments: list[Record]
    company_segments: list[Record]
    contact_attributes: list[Record]
    company_attributes: list[Record]
    conversation_attributes: list[Record]
    ticket_types: list[Record]
    ticket_states: list[Record]
    help_centers: list[Record]
    collections: list[Record]
    articles: list[Record]
    newsfeeds: list[Record]
    news_items: list[Record]
    subscription_types: list[Record]
    macros: list[Record]
    activity_logs: list[Record]


def build(seed: int, anchor: int, history_days: int, tag_count: int) -> Catalogs:
    """Generate the catalogs for a seed; ``anchor`` is when the generated history ends."""
    rng = random.Random(seed ^ 0x5EED)  # noqa: S311 - reproducible data, not security
    start = anchor - history_days * 86_400

    def when() -> int:
        return rng.randrange(start, anchor)

    admins = [_admin(i, rng) for i in range(8)]
    teams = []
    for k in range(3):
        members = [int(a["id"]) for j, a in enumerate(admins) if j % 3 == k]
        teams.append(
            {
                "type": "team",
                "id": str(TEAM_BASE + k),
                "name": ("Support", "Sales", "Billing")[k],
                "admin_ids": members,
                "admin_priority_level": {
                    "primary_admin_ids": members[:1],
                    "secondary_admin_ids": [],
                },
                "assignment_limit": 10 if k == 0 else None,
                "distribution_method": "round_robin" if k != 2 else "balanced",
            }
        )
    for admin in admins:
        team_id = TEAM_BASE + (int(admin["id"]) - ADMIN_BASE) % 3
        admin["team_ids"] = [team_id]
        admin["team_priority_level"] = {"primary_team_ids": [team_id], "secondary_team_ids": []}
    tags = [
        {"type": "tag", "id": str(TAG_BASE + k), "name": f"Tag {k:02d}"} for k in range(tag_count)
    ]
    segments = [
        {
            "type": "segment",
            "id": _hex(rng),
            "name": name,
            "created_at": (c := when()),
            "updated_at": rng.randrange(c, anchor),
            "person_type": kind,
        }
        for name, kind in (
            ("Active", "user"),
            ("New", "user"),
            ("Slipping away", "user"),
            ("Leads", "contact"),
            ("VIP", "user"),
        )
    ]
    company_segments = [
        {
            "type": "segment",
            "id": _hex(rng),
            "name": name,
            "created_at": (c := when()),
            "updated_at": rng.randrange(c, anchor),
            "person_type": "user",
        }
        for name in ("Enterprise accounts", "Churn risk", "Expansion")
    ]
    ticket_types, ticket_states = items.tickets_catalog(rng, when)
    help_centers = [
        {
            "id": str(HELP_CENTER_BASE + k),
            "workspace_id": WORKSPACE_ID,
            "created_at": (c := when()),
            "updated_at": rng.randrange(c, anchor),
            "identifier": f"help-{k}",
            "website_turned_on": k == 0,
            "display_name": ("Help Center", "Developer Docs")[k],
            "url": f"https://help{k}.example.com",
            "custom_domain": None if k else "help.example.com",
            "default": k == 0,
            "locales": ["en"] if k else ["en", "fr"],
        }
        for k in range(2)
    ]
    collections = []
    for k in range(7):
        created = when()
        collections.append(
            {
                "id": str(COLLECTION_BASE + k),
                "workspace_id": WORKSPACE_ID,
                "name": f"Collection {k}",
                "description": None if k % 3 == 0 else f"About topic {k}",
                "created_at": created,
                "updated_at": rng.randrange(created, anchor),
                "url": f"https://help0.example.com/en/collections/{COLLECTION_BASE + k}",
                "icon": "book-bookmark",
                "order": k + 1,
                "default_locale": "en",
                "translated_content": None,
                "parent_id": None if k < 4 else str(COLLECTION_BASE + k % 4),
                "help_center_id": HELP_CENTER_BASE + (k % 2) if k < 4 else None,
            }
        )
    articles = [items.article(k, rng, when, anchor, admins) for k in range(57)]
    newsfeeds = [
        {
            "id": str(NEWSFEED_BASE + k),
            "type": "newsfeed",
            "name": ("Visitor Feed", "Customer Feed")[k],
            "created_at": (c := when()),
            "updated_at": rng.randrange(c, anchor),
        }
        for k in range(2)
    ]
    news_items = [items.news_item(k, rng, when, anchor, admins) for k in range(23)]
    subscription_types = [
        {
            "type": "subscription",
            "id": str(SUBSCRIPTION_BASE + k),
            "state": ("live", "live", "draft", "archived")[k],
            "default_translation": {"name": name, "description": f"{name} emails", "locale": "en"},
            "translations": [{"name": name, "description": f"{name} emails", "locale": "en"}],
            "consent_type": "opt_out" if k % 2 == 0 else "opt_in",
            "content_types": ["email"] if k != 1 else ["email", "sms_message"],
        }
        for k, name in enumerate(("Newsletters", "Product updates", "Events", "Surveys"))
    ]
    macros = [items.macro(k, rng, when, teams) for k in range(33)]
    activity_logs = activity.activity_logs(rng, when, admins)
    activity_logs.sort(key=lambda r: (r["created_at"], r["id"]))
    return Catalogs(
        admins=admins,
        teams=teams,
        tags=tags,
        segments=segments,
        company_segments=company_segments,
        contact_attributes=_data_attributes("contact", when, admins),
        company_attributes=_data_attributes("company", when, admins),
        conversation_attributes=_conversation_attributes(when, teams),
        ticket_types=ticket_types,
        ticket_states=ticket_states,
        help_centers=help_centers,
        collections=collections,
        articles=articles,
        newsfeeds=newsfeeds,
        news_items=news_items,
        subscription_types=subscription_types,
        macros=macros,
        activity_logs=activity_logs,
    )


def _admin(i: int, rng: random.Random) -> Record:
    name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
    return {
        "type": "admin",
        "id": str(ADMIN_BASE + i),
        "name": name,
        "email": f"{name.split()[0].lower()}{i}@sandbox.example.com",
        "job_title": ("Support Engineer", "Account Manager", "Lead")[i % 3],
        "away_mode_enabled": i == 5,
        "away_mode_reassign": False,
        "away_status_reason_id": 12345 if i == 5 else None,
        "has_inbox_seat": i != 7,
        "team_ids": [],
        "avatar": None if i % 2 else f"https://static.example.com/avatars/{ADMIN_BASE + i}.png",
        "team_priority_level": {},
        "role": {"type": "role", "id": str(100 + i % 2), "name": ("Admin", "Teammate")[i % 2]},
    }


def _data_attributes(model: str, when: t.Callable[[], int], admins: list[Record]) -> list[Record]:
    # (name, full_name, label, type). ``name`` repeats within a model, as in the 2.16
    # description's example: companies' ``name`` and ``plan.name``, ``id`` and ``plan.id``.
    standard = (
        [
            ("name", "name", "Name", "string"),
            ("email", "email", "Email", "string"),
            ("created_at", "created_at", "Signed up", "date"),
        ]
        if model == "contact"
        else [
            ("name", "name", "Company name", "string"),
            ("company_id", "company_id", "Company ID", "string"),
            ("id", "id", "ID", "string"),
            ("name", "plan.name", "Plan name", "string"),
            ("id", "plan.id", "Plan ID", "string"),
        ]
    )
    custom = (
        [("plan", "string"), ("seats", "integer"), ("trial_ends_at", "date"), ("vip", "boolean")]
        if model == "contact"
        else [("industry_code", "string"), ("arr", "float"), ("renewal_at", "date")]
    )
    out: list[Record] = []
    for name, full_name, label, data_type in standard:
        out.append(
            {
                "type": "data_attribute",
                "name": name,
                "full_name": full_name,
                "label": label,
                "description": f"The {label.lower()}",
                "data_type": data_type,
                "api_writable": name != "created_at",
                "ui_writable": False,
                "messenger_writable": name == "email",
                "custom": False,
                "archived": False,
                "model": model,
            }
        )
    offset = 0 if model == "contact" else 50
    for k, (name, data_type) in enumerate(custom):
        created = when()
        out.append(
            {
                "type": "data_attribute",
                "id": ATTRIBUTE_BASE + offset + k,
                "model": model,
                "name": name,
                "full_name": f"custom_attributes.{name}",
                "label": name.replace("_", " ").title(),
                "description": f"Custom {name}",
                "data_type": data_type,
                "options": ["true", "false"] if data_type == "boolean" else [],
                "api_writable": True,
                "messenger_writable": False,
                "ui_writable": True,
                "custom": True,
                "archived": k == 3 and model == "contact",
                "created_at": created,
                "updated_at": created + 3600 * k,
                "admin_id": admins[k % len(admins)]["id"],
            }
        )
    return out


def _conversation_attributes(when: t.Callable[[], int], teams: list[Record]) -> list[Record]:
    specs = (
        ("Issue type", "list"),
        ("Order number", "string"),
        ("Refund amount", "decimal"),
        ("Escalated", "boolean"),
        ("Due", "datetime"),
        ("Legacy field", "string"),
    )
    out: list[Record] = []
    for k, (name, data_type) in enumerate(specs):
        created = when()
        record: Record = {
            "type": "conversation_attribute",
            "id": CONV_ATTRIBUTE_BASE + k,
            "name": name,
            "description": "",
            "data_type": data_type,
            "required": False,
            "visible_to_team_ids": [teams[0]["id"]] if k == 1 else [],
            "archived": k == 5,
            "created_at": created,
            "updated_at": created + 60 * k,
            "admin_id": str(ADMIN_BASE),
        }
        if data_type == "string":
            record["multiline"] = k == 1
        if data_type == "list":
            record["options"] = [
                {"id": f"opt-{k}-{n}", "label": label, "archived": False}
                for n, label in enumerate(("Bug", "Billing", "How-to"))
            ]
        out.append(record)
    # Relationship attributes name the workspace's custom object types.
    out += workspace_settings.relationship_attributes(CONV_ATTRIBUTE_BASE + len(specs), when())
    return out


iso = items.iso
