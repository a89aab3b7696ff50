"""Workspace content, settings and custom objects the newer API versions list.

Internal articles, content snippets, brands, email settings, office hours schedules, away
status reasons, activity log event types and custom object instances: small lists, generated
from the seed in their 2.16 shapes. Custom object types are the ``reference.object_type_id``
of the workspace's relationship conversation attributes, which is how the 2.16 description
lets a client find them.
"""

from __future__ import annotations

import dataclasses
import random
import typing as t

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.workspace import Workspace

Record = dict[str, t.Any]

INTERNAL_ARTICLE_BASE = 4_100
SNIPPET_BASE = 5_300
BRAND_BASE = 30
EMAIL_BASE = 90
SCHEDULE_BASE = 180
AWAY_REASON_BASE = 210
OBJECT_BASE = 16_032_000

#: Custom object types and their instance counts (more than a page of 20 for ``Order``).
CUSTOM_OBJECT_TYPES = {"Order": 45, "Subscription": 7}

EVENT_TYPES = (
    "admin_assignment_limit_change",
    "admin_away_mode_change",
    "admin_deletion",
    "admin_invite_creation",
    "admin_login_success",
    "admin_logout",
    "admin_permission_change",
    "app_data_export",
    "app_name_change",
    "app_team_creation",
    "app_timezone_change",
    "app_webhook_creation",
    "bulk_export",
    "conversation_part_deletion",
    "conversation_topic_change",
    "help_center_settings_change",
    "inbound_conversations_change",
    "message_state_change",
    "office_schedule_change",
    "role_change",
    "ruleset_activation_title_preview",
    "search_browse_enabled_change",
    "upfront_email_collection_change",
    "welcome_message_change",
)


@dataclasses.dataclass
class WorkspaceSettings:
    """The generated lists, in API order."""

    internal_articles: list[Record]
    content_snippets: list[Record]
    brands: list[Record]
    emails: list[Record]
    office_hours_schedules: list[Record]
    away_status_reasons: list[Record]
    custom_objects: dict[str, list[Record]]


def of(ws: Workspace) -> WorkspaceSettings:
    """The workspace's settings lists (generated once per seed and anchor)."""
    return t.cast("WorkspaceSettings", ws.memo("workspace_settings", lambda: build(ws)))


def build(ws: Workspace) -> WorkspaceSettings:
    """Generate the lists for a workspace."""
    rng = random.Random(ws.seed ^ 0x5E771)  # noqa: S311 - reproducible data, not security
    anchor = ws.anchor
    start = anchor - 400 * 86_400
    admins = ws.catalogs.admins

    def when() -> int:
        return rng.randrange(start, anchor - 86_400)

    internal = []
    for k in range(14):
        created = when()
        author = int(admins[k % len(admins)]["id"])
        title = f"Internal: handling case {k}"
        internal.append(
            {
                "type": "internal_article",
                "id": str(INTERNAL_ARTICLE_BASE + k),
                "title": title,
                "body": f"<p>Steps for case {k}</p>",
                "body_markdown": f"# {title}\n\nSteps for case {k}\n",
                "owner_id": author,
                "author_id": author,
                "created_at": created,
                "updated_at": created + rng.randrange(86_400 * 30),
                "locale": ("en", "fr", "de")[k % 3],
                "audience_ids": [1 + k % 3],
                "ai_chatbot_availability": k % 2 == 0,
                "ai_copilot_availability": True,
                "ai_sales_agent_availability": k % 4 == 0,
            }
        )
    snippets = []
    for k in range(62):
        created = when()
        title = f"Snippet {k}: how to reset a password"
        snippets.append(
            {
                "type": "content_snippet",
                "id": str(SNIPPET_BASE + k),
                "title": title,
                "locale": "en",
                "json_blocks": [{"type": "paragraph", "text": f"Step {k}: open Settings."}],
                "body_markdown": f"# {title}\n\nStep {k}: open Settings.\n",
                "chatbot_availability": k % 2,
                "copilot_availability": 1,
                "ai_chatbot_availability": k % 2 == 1,
                "ai_copilot_availability": True,
                "ai_sales_agent_availability": False,
                "created_at": created,
                "updated_at": created + rng.randrange(86_400 * 10),
                "audience_ids": [1, 2] if k % 5 == 0 else [],
            }
        )
    brands = [
        {
            "type": "brand",
            "id": str(BRAND_BASE + k),
            "name": ("Default Brand", "Premium Brand", "Outlet")[k],
            "is_default": k == 0,
            "created_at": (created := when()),
            "updated_at": created + 86_400 * k,
            "help_center_id": str(
                ws.catalogs.help_centers[k % len(ws.catalogs.help_centers)]["id"]
            ),
            "default_address_settings_id": str(EMAIL_BASE + k),
        }
        for k in range(3)
    ]
    emails = [
        {
            "type": "email_setting",
            "id": str(EMAIL_BASE + k),
            "email": ("support", "hello", "billing", "outlet")[k] + "@sandbox.example.com",
            "verified": k != 3,
            "domain": "sandbox.example.com",
            "brand_id": brands[min(k, 2)]["id"],
            "forwarding_enabled": k % 2 == 0,
            "forwarded_email_last_received_at": anchor - 3600 * (k + 1) if k % 2 == 0 else None,
            "created_at": (created := when()),
            "updated_at": created + 7200,
        }
        for k in range(4)
    ]
    schedules = [
        {
            "type": "office_hours_schedule",
            "id": str(SCHEDULE_BASE + k),
            "name": ("Standard Support Hours", "Weekend cover")[k],
            "time_zone_name": ("America/New_York", "Europe/Dublin")[k],
            "time_intervals": [
                {"start_minute": 540 + d * 1440, "end_minute": 1020 + d * 1440, "day_of_week": d}
                for d in (range(5) if k == 0 else (5, 6))
            ],
            "twenty_four_seven": False,
            "created_at": (created := when()),
            "updated_at": created + 600,
        }
        for k in range(2)
    ]
    reasons = [
        {
            "type": "away_status_reason",
            "id": str(AWAY_REASON_BASE + k),
            "label": label,
            "emoji": emoji,
            "order": k + 1,
            "deleted": k == 3,
            "created_at": (created := when()),
            "updated_at": created + 60 * k,
        }
        for k, (label, emoji) in enumerate(
            (
                ("On a break", "☕"),
                ("In a meeting", "📅"),
                ("Finished for the day", "🏠"),
                ("Old", "❌"),
            )
        )
    ]
    objects: dict[str, list[Record]] = {}
    serial = 0
    for name, count in CUSTOM_OBJECT_TYPES.items():
        instances = []
        for k in range(count):
            serial += 1
            created = when()
            external = None if k % 6 == 5 else created
            attributes: Record = (
                {"order_number": f"ORDER-{10_000 + k}", "total_amount": round(9.99 + k * 7.5, 2)}
                if name == "Order"
                else {"plan": ("basic", "pro")[k % 2], "seats": 1 + k}
            )
            instances.append(
                {
                    "id": str(OBJECT_BASE + serial),
                    "type": name,
                    "custom_attributes": attributes,
                    "external_id": f"{name.lower()}_{k:03d}",
                    "external_created_at": external,
                    "external_updated_at": external,
                    "created_at": created,
                    "updated_at": created + 3600 * (k % 5),
                }
            )
        objects[name] = sorted(instances, key=lambda i: -int(i["id"]))
    return WorkspaceSettings(internal, snippets, brands, emails, schedules, reasons, objects)


def relationship_attributes(first_id: int, created: int) -> list[Record]:
    """The conversation attributes that reference the custom object types (2.16 shape)."""
    return [
        {
            "type": "conversation_attribute",
            "id": first_id + k,
            "name": f"Related {name.lower()}s",
            "description": "",
            "data_type": "relationship",
            "required": False,
            "visible_to_team_ids": [],
            "archived": False,
            "created_at": created,
            "updated_at": created,
            "admin_id": "16",
            "reference": {"type": "many", "object_type_id": name},
        }
        for k, name in enumerate(CUSTOM_OBJECT_TYPES)
    ]
