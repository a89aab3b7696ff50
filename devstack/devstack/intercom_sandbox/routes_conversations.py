"""Endpoints for conversations (search, by id, deleted, attributes) and tickets."""

from __future__ import annotations

import re

from devstack.intercom_sandbox import errors
from devstack.intercom_sandbox.api import App, Body, Request, page_number, paged

DELETED_MAX_PER_PAGE = 60


def _list_item(req: Request, record: Body) -> Body:
    return req.shape("conversation", record)


def conversations_search(app: App, req: Request) -> Body:
    """``POST /conversations/search`` (list items carry no parts)."""
    rows, pages, total = app.searcher.page("conversation", req.body, req.version)
    items = [_list_item(req, app.workspace.conversation(i)) for i in rows]
    return {
        "type": "conversation.list",
        "pages": pages,
        "total_count": total,
        "conversations": items,
    }


def conversations_list(app: App, req: Request) -> Body:
    """``GET /conversations?per_page=&starting_after=`` (cursor list, id order)."""
    body = {
        "pagination": {
            "per_page": req.params.get("per_page"),
            "starting_after": req.params.get("starting_after"),
        }
    }
    inner = Request(req.method, req.path, req.params, body, req.version, req.base_url)
    return conversations_search(app, inner)


def conversation(app: App, req: Request) -> Body:
    """``GET /conversations/{id}``: the conversation with its most recent 500 parts."""
    index = app.workspace.conversation_index(req.args["id"])
    if index is None:
        raise errors.not_found()
    record = app.workspace.conversation(index, with_parts=True)
    parts = record["conversation_parts"]
    parts["conversation_parts"] = [
        req.shape("conversation_part", p) for p in parts["conversation_parts"]
    ]
    if req.params.get("display_as") == "plaintext":
        record["source"]["body"] = _plain(record["source"]["body"])
        for part in parts["conversation_parts"]:
            part["body"] = _plain(part["body"])
    return req.shape("conversation", record)


def _plain(html: str | None) -> str | None:
    """``display_as=plaintext``: bodies without their HTML markup."""
    return None if html is None else re.sub(r"<[^>]+>", "", html)


def conversations_deleted(app: App, req: Request) -> Body:
    """``GET /conversations/deleted?page=&per_page=&order=`` (2.16): ids of deleted ones."""
    ws = app.workspace
    page, per_page = page_number(req, 20, DELETED_MAX_PER_PAGE)
    order = req.params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise errors.invalid("order must be asc or desc", field="order")
    with ws.lock:
        deleted = sorted(ws.conversations.deleted.items(), reverse=order == "desc")
    items = [
        {
            "type": "conversation",
            "id": ws.conversation_id(index),
            "metrics_retained": index % 2 == 0,
            "deleted_at": deleted_at,
        }
        for index, deleted_at in deleted
    ]
    chosen, pages = paged(req, items, page, per_page)
    return {
        "type": "conversations.list",
        "total_count": len(items),
        "pages": pages,
        "conversations": chosen,
    }


def conversation_attributes(app: App, req: Request) -> Body:
    """``GET /conversations/attributes?include_archived=`` (2.16)."""
    items = app.workspace.catalogs.conversation_attributes
    if not req.flag("include_archived"):
        items = [a for a in items if not a["archived"]]
    return {"type": "list", "data": items}


def tickets_search(app: App, req: Request) -> Body:
    """``POST /tickets/search`` (tickets without their parts)."""
    rows, pages, total = app.searcher.page("ticket", req.body, req.version)
    items = [req.shape("ticket", app.workspace.ticket(i)) for i in rows]
    return {"type": "ticket.list", "tickets": items, "total_count": total, "pages": pages}


def ticket(app: App, req: Request) -> Body:
    """``GET /tickets/{id}``: the ticket with its most recent 500 parts."""
    index = app.workspace.ticket_index(req.args["id"])
    if index is None:
        raise errors.not_found("Ticket not found", "ticket_not_found")
    return req.shape("ticket", app.workspace.ticket(index, with_parts=True))


def ticket_types(app: App, req: Request) -> Body:
    """``GET /ticket_types``."""
    return {"type": "list", "data": app.workspace.catalogs.ticket_types}


def ticket_states(app: App, req: Request) -> Body:
    """``GET /ticket_states``."""
    return {"type": "list", "data": app.workspace.catalogs.ticket_states}
