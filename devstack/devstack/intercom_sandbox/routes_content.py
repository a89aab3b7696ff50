"""Endpoints for help center content, news, subscription types, macros and activity logs."""

from __future__ import annotations

import base64
import binascii
import json

from devstack.intercom_sandbox import catalogs, errors, search
from devstack.intercom_sandbox.api import App, Body, Request, page_number, paged


def articles(app: App, req: Request) -> Body:
    """``GET /articles?page=&per_page=``: most recently updated first."""
    page, per_page = page_number(req, 25)
    items = sorted(app.workspace.catalogs.articles, key=lambda a: (-a["updated_at"], a["id"]))
    shaped = [req.shape("article", a) for a in items]
    chosen, pages = paged(req, shaped, page, per_page)
    return {"type": "list", "pages": pages, "total_count": len(items), "data": chosen}


def article(app: App, req: Request) -> Body:
    """``GET /articles/{id}``."""
    for item in app.workspace.catalogs.articles:
        if item["id"] == req.args["id"]:
            statistics = {
                "type": "article_statistics",
                "views": int(item["id"]) % 97,
                "conversions": 0,
                "reactions": 3,
                "happy_reaction_percentage": 66.7,
                "neutral_reaction_percentage": 33.3,
                "sad_reaction_percentage": 0.0,
            }
            return req.shape("article", {**item, "statistics": statistics})
    raise errors.not_found("Resource Not Found")


def help_centers(app: App, req: Request) -> Body:
    """``GET /help_center/help_centers``."""
    items = [req.shape("help_center", h) for h in app.workspace.catalogs.help_centers]
    return {"type": "list", "data": items}


def collections(app: App, req: Request) -> Body:
    """``GET /help_center/collections?page=&per_page=``: most recently updated first."""
    page, per_page = page_number(req, 50)
    items = sorted(app.workspace.catalogs.collections, key=lambda c: (-c["updated_at"], c["id"]))
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "data": chosen, "total_count": len(items), "pages": pages}


def news_items(app: App, req: Request) -> Body:
    """``GET /news/news_items?page=&per_page=``."""
    page, per_page = page_number(req, 10)
    items = sorted(app.workspace.catalogs.news_items, key=lambda n: -int(n["id"]))
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "pages": pages, "total_count": len(items), "data": chosen}


def newsfeeds(app: App, req: Request) -> Body:
    """``GET /news/newsfeeds``."""
    items = app.workspace.catalogs.newsfeeds
    chosen, pages = paged(req, items, 1, max(10, len(items)), link=False)
    return {"type": "list", "pages": pages, "data": chosen, "total_count": len(items)}


def subscription_types(app: App, req: Request) -> Body:
    """``GET /subscription_types``."""
    return {"type": "list", "data": app.workspace.catalogs.subscription_types}


def macros(app: App, req: Request) -> Body:
    """``GET /macros?per_page=&starting_after=&updated_since=`` (2.16).

    Newest ``updated_at`` first; the cursor is base64 JSON ``[updated_at, id]`` of the last
    macro served, as the spec describes.
    """
    per_page = search.check_per_page(req.params.get("per_page"), 50)
    raw_since = req.params.get("updated_since")
    since = None
    if raw_since:
        if not raw_since.isdigit():
            raise errors.invalid("Invalid updated_since timestamp", field="updated_since")
        since = int(raw_since)
    keyed = []
    for item in app.workspace.catalogs.macros:
        updated = _iso_seconds(item["updated_at"])
        if since is None or updated > since:
            keyed.append(((updated, int(item["id"])), item))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    cursor = req.params.get("starting_after")
    if cursor:
        try:
            after = tuple(int(v) for v in json.loads(base64.b64decode(cursor, validate=True)))
        except (binascii.Error, ValueError, TypeError):
            raise errors.invalid("starting_after is invalid", field="starting_after") from None
        keyed = [pair for pair in keyed if pair[0] < after]
    chosen = keyed[:per_page]
    pages: Body = {"type": "pages", "per_page": per_page}
    if len(keyed) > per_page:
        last = chosen[-1][0]
        pages["next"] = {
            "starting_after": base64.b64encode(json.dumps(list(last)).encode()).decode()
        }
    return {"type": "list", "data": [item for _, item in chosen], "pages": pages}


def _iso_seconds(value: str) -> int:
    import datetime as dt

    moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000Z")
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp())


def activity_logs(app: App, req: Request) -> Body:
    """``GET /admins/activity_logs?created_at_after=&created_at_before=&page=&per_page=``."""
    after = req.params.get("created_at_after")
    if not after:
        raise errors.ApiError(
            400, "parameter_not_found", "created_at_after is a required parameter"
        )
    before = req.params.get("created_at_before")
    try:
        low = int(after)
        high = int(before) if before else None
    except ValueError:
        raise errors.invalid(
            "created_at_after and created_at_before must be UNIX timestamps"
        ) from None
    page, per_page = page_number(req, 20)
    items = [
        log
        for log in app.workspace.catalogs.activity_logs
        if log["created_at"] >= low and (high is None or log["created_at"] <= high)
    ]
    items.sort(key=lambda log: (-log["created_at"], log["id"]))
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "activity_log.list", "pages": pages, "activity_logs": chosen}


WORKSPACE = catalogs.WORKSPACE_ID
