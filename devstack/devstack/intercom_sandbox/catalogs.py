"""The small, fully materialised collections of a workspace.

Admins, teams, tags, segments, attributes, ticket types and states, help center content, news,
subscription types, macros and activity logs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import typing as t

WORKSPACE_ID = "sbx4ws01"
ADMIN_BASE = 991_267_400
TEAM_BASE = 5_017_600
TAG_BASE = 7_000
HELP_CENTER_BASE = 70
COLLECTION_BASE = 150
ARTICLE_BASE = 6_871_000
NEWSFEED_BASE = 50
NEWS_BASE = 20
TICKET_TYPE_BASE = 60
TICKET_STATE_BASE = 8_260
SUBSCRIPTION_BASE = 130
MACRO_BASE = 120
ATTRIBUTE_BASE = 12_870
CONV_ATTRIBUTE_BASE = 1

FIRST = ("Ada", "Brian", "Chloe", "Dara", "Emeka", "Fiona", "Goran", "Hana", "Ivan", "Jun")
LAST = ("Lee", "Murphy", "Okafor", "Nakamura", "Silva", "Kowalski", "Byrne", "Haddad")
TICKET_STATE_CATEGORIES = ("submitted", "in_progress", "waiting_on_customer", "resolved")

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
    ticket_types, ticket_states = _tickets_catalog(rng, when)
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
    articles = [_article(k, rng, when, anchor, admins) for k in range(57)]
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
    news_items = [_news_item(k, rng, when, anchor, admins) for k in range(23)]
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
    macros = [_macro(k, rng, when, teams) for k in range(33)]
    activity_logs = [_activity_log(k, rng, when, admins) for k in range(120)]
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
    standard = (
        [
            ("name", "Name", "string"),
            ("email", "Email", "string"),
            ("created_at", "Signed up", "date"),
        ]
        if model == "contact"
        else [("name", "Company name", "string"), ("company_id", "Company ID", "string")]
    )
    custom = (
        [("plan", "string"), ("seats", "integer"), ("trial_ends_at", "date"), ("vip", "boolean")]
        if model == "contact"
        else [("industry_code", "string"), ("arr", "float"), ("renewal_at", "date")]
    )
    out: list[Record] = []
    for name, label, data_type in standard:
        out.append(
            {
                "type": "data_attribute",
                "name": name,
                "full_name": name,
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
    return out


def _tickets_catalog(
    rng: random.Random, when: t.Callable[[], int]
) -> tuple[list[Record], list[Record]]:
    states = []
    for k, category in enumerate(TICKET_STATE_CATEGORIES):
        label = category.replace("_", " ").capitalize()
        states.append(
            {
                "type": "ticket_state",
                "id": str(TICKET_STATE_BASE + k),
                "category": category,
                "internal_label": label,
                "external_label": label,
                "archived": False,
            }
        )
    types = []
    for k, (name, category) in enumerate(
        (("Bug Report", "Customer"), ("Refund", "Back-office"), ("Incident", "Tracker"))
    ):
        created = when()
        type_id = str(TICKET_TYPE_BASE + k)
        attributes = [
            {
                "type": "ticket_type_attribute",
                "id": str(160 + k * 10 + n),
                "workspace_id": WORKSPACE_ID,
                "name": attr,
                "description": "",
                "data_type": "string",
                "input_options": {"multiline": n == 1},
                "order": n,
                "required_to_create": False,
                "required_to_create_for_contacts": False,
                "visible_on_create": True,
                "visible_to_contacts": True,
                "default": True,
                "ticket_type_id": int(type_id),
                "archived": False,
                "created_at": created,
                "updated_at": created,
            }
            for n, attr in enumerate(("_default_title_", "_default_description_"))
        ]
        types.append(
            {
                "type": "ticket_type",
                "id": type_id,
                "category": category,
                "name": name,
                "description": f"{name} template",
                "icon": "🎟️",
                "workspace_id": WORKSPACE_ID,
                "ticket_type_attributes": {"type": "list", "data": attributes},
                "ticket_states": {"type": "list", "data": [dict(s) for s in states]},
                "archived": False,
                "created_at": created,
                "updated_at": created + rng.randrange(86_400),
            }
        )
    short = [
        {k: v for k, v in tt.items() if k not in ("ticket_type_attributes", "ticket_states")}
        for tt in types
    ]
    for state in states:
        state["ticket_types"] = {"type": "list", "data": short}
    return types, states


def _article(
    k: int, rng: random.Random, when: t.Callable[[], int], anchor: int, admins: list[Record]
) -> Record:
    created = when()
    updated = rng.randrange(created, anchor)
    author = int(admins[k % len(admins)]["id"])
    title = f"How to do thing {k}"
    return {
        "type": "article",
        "id": str(ARTICLE_BASE + k),
        "workspace_id": WORKSPACE_ID,
        "title": title,
        "description": None if k % 5 == 0 else f"Steps for thing {k}",
        "body": f"<p>Body of article {k}</p>",
        "body_markdown": f"# {title}\n\nBody of article {k}\n",
        "author_id": author,
        "state": "draft" if k % 9 == 0 else "published",
        "created_at": created,
        "updated_at": updated,
        "has_unpublished_changes": k % 7 == 0,
        "draft_updated_at": updated if k % 7 == 0 else None,
        "url": None if k % 9 == 0 else f"https://help0.example.com/en/articles/{ARTICLE_BASE + k}",
        "parent_id": COLLECTION_BASE + k % 7,
        "parent_ids": [COLLECTION_BASE + k % 7],
        "parent_type": "collection",
        "ai_chatbot_availability": True,
        "ai_copilot_availability": True,
        "ai_sales_agent_availability": k % 2 == 0,
        "created_by_id": author,
        "updated_by_id": author,
        "exclude_from_article_suggestions": False,
        "help_center_audience": "everyone",
        "scheduled_publish_at": None,
        "scheduled_unpublish_at": None,
        "default_locale": "en",
        "translated_content": None,
        "tags": {"type": "tag.list", "tags": []},
    }


def _news_item(
    k: int, rng: random.Random, when: t.Callable[[], int], anchor: int, admins: list[Record]
) -> Record:
    created = when()
    live = k % 4 != 0
    return {
        "type": "news-item",
        "id": str(NEWS_BASE + k),
        "workspace_id": WORKSPACE_ID,
        "title": f"Release note {k}",
        "body": f"<p>What changed in release {k}</p>",
        "sender_id": int(admins[k % len(admins)]["id"]),
        "state": "live" if live else "draft",
        "newsfeed_assignments": (
            [{"newsfeed_id": NEWSFEED_BASE + k % 2, "published_at": created}] if live else []
        ),
        "labels": ["Product"] if k % 2 else [],
        "cover_image_url": None,
        "reactions": ["😆", "😅"] if k % 3 == 0 else [],
        "deliver_silently": k % 5 == 0,
        "created_at": created,
        "updated_at": rng.randrange(created, anchor),
    }


def _macro(k: int, rng: random.Random, when: t.Callable[[], int], teams: list[Record]) -> Record:
    created = when()
    updated = created + rng.randrange(0, 90 * 86_400)
    specific = k % 4 == 0
    return {
        "type": "macro",
        "id": str(MACRO_BASE + k),
        "name": f"Saved reply {k}",
        "body": f'<p>Hi <attribute key="user.name" default="there"/>, reply {k}.</p>',
        "body_text": f'Hi {{{{user.name|fallback:"there"}}}}, reply {k}.',
        "created_at": iso(created),
        "updated_at": iso(updated),
        "visible_to": "specific_teams" if specific else "everyone",
        "visible_to_team_ids": [teams[k % len(teams)]["id"]] if specific else [],
        "available_on": ["inbox", "messenger"] if k % 2 == 0 else ["inbox"],
    }


def _activity_log(
    k: int, rng: random.Random, when: t.Callable[[], int], admins: list[Record]
) -> Record:
    admin = admins[k % len(admins)]
    activity = ("admin_login_success", "app_name_change", "admin_away_mode_change", "macro_update")
    kind = activity[k % len(activity)]
    return {
        "id": f"{rng.getrandbits(64):016x}-log-{k:04d}",
        "performed_by": {
            "type": "admin",
            "id": admin["id"],
            "email": admin["email"],
            "ip": "127.0.0.1",
        },
        "metadata": {"sign_in_method": "email_password"} if kind == "admin_login_success" else {},
        "created_at": when(),
        "activity_type": kind,
        "activity_description": f"{admin['name']} did {kind.replace('_', ' ')}.",
    }


def iso(timestamp: int) -> str:
    """Intercom's ISO-8601 form for macro timestamps (milliseconds, ``Z``)."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
