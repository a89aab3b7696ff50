"""Catalog entries with more fields, and the id bases every catalog uses.

Ticket types and states, articles, news items and macros.
"""

from __future__ import annotations

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


#: The custom ticket type attribute of each ticket type: (name, data type).
CUSTOM_TICKET_ATTRIBUTES = (
    ("Severity", "string"),
    ("Refund amount", "decimal"),
    ("Outage start", "datetime"),
)


def tickets_catalog(
    rng: random.Random, when: t.Callable[[], int]
) -> tuple[list[Record], list[Record]]:
    """The ticket types (with their attributes) and the ticket states."""
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
        # One custom attribute per type, so tickets' ticket_attributes have typed values.
        custom_name, custom_type = CUSTOM_TICKET_ATTRIBUTES[k]
        attributes.append(
            {
                **attributes[0],
                "id": str(160 + k * 10 + 2),
                "name": custom_name,
                "description": f"{custom_name} of the ticket",
                "data_type": custom_type,
                "input_options": {},
                "order": 2,
                "visible_to_contacts": False,
                "default": False,
            }
        )
        types.append(
            {
                "type": "ticket_type",
                "id": type_id,
                "category": category,
                "name": name,
                "description": f"{name} template",
                "icon": "🎟️",
                "workspace_id": WORKSPACE_ID,
                # Shapes as the 2.16 description gives them: the attribute list keys its
                # items `ticket_type_attributes`; nested states are plain `ticket_state`s.
                "ticket_type_attributes": {"type": "list", "ticket_type_attributes": attributes},
                "ticket_states": {
                    "type": "list",
                    "data": [{k: v for k, v in s.items() if k != "archived"} for s in states],
                },
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


def article(
    k: int, rng: random.Random, when: t.Callable[[], int], anchor: int, admins: list[Record]
) -> Record:
    """Article ``k`` (2.16 fields; older versions trim them)."""
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


def news_item(
    k: int, rng: random.Random, when: t.Callable[[], int], anchor: int, admins: list[Record]
) -> Record:
    """News item ``k``."""
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


def macro(k: int, rng: random.Random, when: t.Callable[[], int], teams: list[Record]) -> Record:
    """Macro ``k`` (timestamps are ISO strings, as the macros API sends them)."""
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


def iso(timestamp: int) -> str:
    """Intercom's ISO-8601 form for macro timestamps (milliseconds, ``Z``)."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
