"""Endpoints for internal articles, content snippets, workspace settings and custom objects."""

from __future__ import annotations

import math

from devstack.intercom_sandbox import errors, workspace_settings
from devstack.intercom_sandbox.api import App, Body, Request, page_number, paged


def internal_articles(app: App, req: Request) -> Body:
    """``GET /internal_articles``: every internal article, one page."""
    items = workspace_settings.of(app.workspace).internal_articles
    pages = {"type": "pages", "page": 1, "per_page": max(25, len(items)), "total_pages": 1}
    return {"type": "list", "pages": pages, "total_count": len(items), "data": items}


def content_snippets(app: App, req: Request) -> Body:
    """``GET /content_snippets?page=&per_page=``: page numbers at the top level."""
    page, per_page = page_number(req, 50)
    items = workspace_settings.of(app.workspace).content_snippets
    total_pages = math.ceil(len(items) / per_page) if items else 0
    return {
        "type": "list",
        "data": items[(page - 1) * per_page : page * per_page],
        "total_count": len(items),
        "page": page,
        "per_page": per_page,
        "total_pages": total_pages,
    }


def brands(app: App, req: Request) -> Body:
    """``GET /brands``."""
    return {"type": "list", "data": workspace_settings.of(app.workspace).brands}


def emails(app: App, req: Request) -> Body:
    """``GET /emails``."""
    return {"type": "list", "data": workspace_settings.of(app.workspace).emails}


def office_hours_schedules(app: App, req: Request) -> Body:
    """``GET /office_hours_schedules``."""
    items = workspace_settings.of(app.workspace).office_hours_schedules
    return {"type": "office_hours_schedule.list", "data": items}


def away_status_reasons(app: App, req: Request) -> Body:
    """``GET /away_status_reasons`` (deleted reasons included, flagged)."""
    return {"type": "list", "data": workspace_settings.of(app.workspace).away_status_reasons}


def activity_log_event_types(app: App, req: Request) -> Body:
    """``GET /admins/activity_log_event_types``."""
    return {
        "type": "activity_log_event_type.list",
        "event_types": list(workspace_settings.EVENT_TYPES),
    }


def custom_object_instances(app: App, req: Request) -> Body:
    """``GET /custom_object_instances/{type}?page=&per_page=`` (2.16 lists; max 150)."""
    objects = workspace_settings.of(app.workspace).custom_objects
    name = req.args["type"]
    if name not in objects:
        raise errors.not_found(f"Custom object type `{name}` not found")
    items = objects[name]
    external = req.params.get("external_id")
    if external is not None:
        for item in items:
            if item["external_id"] == external:
                return item
        raise errors.not_found("Custom object instance not found")
    page, per_page = page_number(req, 20)
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "pages": pages, "total_count": len(items), "data": chosen}
