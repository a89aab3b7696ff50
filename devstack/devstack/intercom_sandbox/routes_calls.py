"""Endpoints for calls, call transcripts, conversation handling events and company notes."""

from __future__ import annotations

import math

from devstack.intercom_sandbox import calls, errors
from devstack.intercom_sandbox.api import App, Body, Download, Request, page_number, paged

#: ``GET /calls`` refuses a larger ``per_page`` (the description: "Max 25").
CALLS_MAX_PER_PAGE = 25


def calls_list(app: App, req: Request) -> Body:
    """``GET /calls?page=&per_page=`` (max 25): newest first, numbered pages."""
    page, per_page = page_number(req, 25, maximum=CALLS_MAX_PER_PAGE)
    ws = app.workspace
    with ws.lock:
        rows = calls.call_indexes(ws)
        rows.sort(key=lambda i: (-ws.conversations.created[i], -i))
        chosen = rows[(page - 1) * per_page : page * per_page]
        data = [calls.call(ws, i) for i in chosen]
    total_pages = math.ceil(len(rows) / per_page) if rows else 0
    pages = {"type": "pages", "page": page, "per_page": per_page, "total_pages": total_pages}
    return {"type": "list", "data": data, "total_count": len(rows), "pages": pages}


def call(app: App, req: Request) -> Body:
    """``GET /calls/{id}``."""
    return calls.call(app.workspace, _call_index(app, req))


def call_transcript(app: App, req: Request) -> Download:
    """``GET /calls/{id}/transcript``: the transcript as a text file."""
    index = _call_index(app, req)
    day = app.workspace.conversations.created[index]
    return Download(
        calls.transcript(app.workspace, index).encode(),
        "text/plain; charset=utf-8",
        {"Content-Disposition": f"attachment; filename=transcription_data-{day}.txt"},
    )


def calls_search(app: App, req: Request) -> Body:
    """``POST /calls/search`` ``{"conversation_ids": [...]}`` (1 to 20): calls with transcripts."""
    ids = req.body.get("conversation_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
        raise errors.invalid("conversation_ids must list 1 to 20 ids", field="conversation_ids")
    ws = app.workspace
    data = []
    for value in ids:
        index = ws.conversation_index(str(value))
        if index is None or calls.call_index(ws, calls.call_id(index)) is None:
            continue
        text = calls.transcript(ws, index)
        lines = [{"text": line} for line in text.splitlines()]
        data.append(
            {**calls.call(ws, index), "transcript": lines, "transcript_status": "completed"}
        )
    return {"type": "list", "data": data}


def handling_events(app: App, req: Request) -> Body:
    """``GET /conversations/{id}/handling_events``."""
    index = app.workspace.conversation_index(req.args["id"])
    if index is None:
        raise errors.not_found("Conversation Not Found", "conversation_not_found")
    return {"handling_events": calls.handling_events(app.workspace, index)}


def company_notes(app: App, req: Request) -> Body:
    """``GET /companies/{id}/notes?page=&per_page=`` (2.15+)."""
    index = app.workspace.company_index(req.args["id"])
    if index is None:
        raise errors.not_found("Company Not Found", "company_not_found")
    page, per_page = page_number(req, 50)
    notes = calls.company_notes(app.workspace, index)
    chosen, pages = paged(req, notes, page, per_page)
    return {"type": "list", "data": chosen, "total_count": len(notes), "pages": pages}


def _call_index(app: App, req: Request) -> int:
    index = calls.call_index(app.workspace, req.args["id"])
    if index is None:
        raise errors.not_found("Call Not Found", "call_not_found")
    return index
