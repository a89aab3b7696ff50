"""Endpoints for admins, teams, tags, segments, data attributes, contacts and companies."""

from __future__ import annotations

from devstack.intercom_sandbox import errors, records
from devstack.intercom_sandbox.api import App, Body, Request, page_number, paged

COMPANIES_LIST_CAP = 10_000
SCROLL_PAGE = 50


def me(app: App, req: Request) -> Body:
    """``GET /me``: the token's admin, with its app."""
    admin = dict(app.workspace.catalogs.admins[0])
    admin["app"] = {
        "type": "app",
        "id_code": "sbx4ws01",
        "name": "Sandbox workspace",
        "created_at": app.workspace.anchor - 400 * 86_400,
        "secure": False,
        "identity_verification": False,
        "timezone": str(app.workspace.tz),
        "region": "US",
    }
    return req.shape("admin", admin)


def admins(app: App, req: Request) -> Body:
    """``GET /admins``."""
    items = [req.shape("admin", a) for a in app.workspace.catalogs.admins]
    return {"type": "admin.list", "admins": items}


def admin(app: App, req: Request) -> Body:
    """``GET /admins/{id}``."""
    for item in app.workspace.catalogs.admins:
        if item["id"] == req.args["id"]:
            return req.shape("admin", item)
    raise errors.not_found("Admin not found", "admin_not_found")


def teams(app: App, req: Request) -> Body:
    """``GET /teams``."""
    return {"type": "team.list", "teams": list(app.workspace.catalogs.teams)}


def tags(app: App, req: Request) -> Body:
    """``GET /tags``."""
    return {"type": "list", "data": list(app.workspace.catalogs.tags)}


def segments(app: App, req: Request) -> Body:
    """``GET /segments?include_count=``."""
    items = [dict(s) for s in app.workspace.catalogs.segments]
    if req.flag("include_count"):
        counts = app.workspace.memo("segment_counts", lambda: _segment_counts(app))
        for k, item in enumerate(items):
            item["count"] = counts[k]
    return {"type": "segment.list", "segments": items}


def _segment_counts(app: App) -> list[int]:
    ws = app.workspace
    counts = [0] * len(ws.catalogs.segments)
    for index in range(len(ws.contacts)):
        for k in records.contact_segment_indexes(ws, index):
            counts[k] += 1
    return counts


def data_attributes(app: App, req: Request) -> Body:
    """``GET /data_attributes?model=contact|company&include_archived=``.

    On 2.16 ``model=conversation`` is refused (use ``/conversations/attributes``); older
    versions still list conversation attributes here.
    """
    ws = app.workspace
    model = req.params.get("model")
    modern = req.version in ("2.16", "Unstable")
    if model == "conversation" and modern:
        raise errors.ApiError(
            422,
            "parameter_invalid",
            "model=conversation is no longer supported. Use GET /conversations/attributes instead",
        )
    if model not in (None, "contact", "company", "conversation"):
        raise errors.invalid(f"{model} is not a valid model", field="model")
    items: list[Body] = []
    if model in (None, "contact"):
        items += ws.catalogs.contact_attributes
    if model in (None, "company"):
        items += ws.catalogs.company_attributes
    if model == "conversation" or (model is None and not modern):
        items += [_as_data_attribute(a) for a in ws.catalogs.conversation_attributes]
    if not req.flag("include_archived"):
        items = [a for a in items if not a.get("archived")]
    return {"type": "list", "data": items}


def _as_data_attribute(attribute: Body) -> Body:
    kinds = {"list": "string", "decimal": "float", "datetime": "date"}
    return {
        "type": "data_attribute",
        "id": attribute["id"],
        "model": "conversation",
        "name": attribute["name"],
        "full_name": f"custom_attributes.{attribute['name']}",
        "label": attribute["name"],
        "description": attribute["description"],
        "data_type": kinds.get(attribute["data_type"], attribute["data_type"]),
        "options": [o["label"] for o in attribute.get("options", [])],
        "api_writable": True,
        "messenger_writable": False,
        "ui_writable": True,
        "custom": True,
        "archived": attribute["archived"],
        "created_at": attribute["created_at"],
        "updated_at": attribute["updated_at"],
        "admin_id": attribute["admin_id"],
    }


# ---------------------------------------------------------------------------------- contacts


def contacts_search(app: App, req: Request) -> Body:
    """``POST /contacts/search``."""
    rows, pages, total = app.searcher.page("contact", req.body, req.version)
    data = [_with_merge_history(app, req, i) for i in rows]
    return {"type": "list", "data": data, "total_count": total, "pages": pages}


def contacts_list(app: App, req: Request) -> Body:
    """``GET /contacts?per_page=&starting_after=`` (cursor list, id order)."""
    body = {
        "pagination": {
            "per_page": req.params.get("per_page"),
            "starting_after": req.params.get("starting_after"),
        }
    }
    return contacts_search(
        app, Request(req.method, req.path, req.params, body, req.version, req.base_url)
    )


def _contact_index(app: App, req: Request) -> int:
    index = app.workspace.contact_index(req.args["id"])
    if index is None or index in app.workspace.contacts.merged:
        raise errors.not_found("User Not Found")
    return index


def contact(app: App, req: Request) -> Body:
    """``GET /contacts/{id}``: 410 with a ``Link`` to the canonical contact once merged."""
    ws = app.workspace
    index = ws.contact_index(req.args["id"])
    if index is not None and index in ws.contacts.merged:
        canonical = ws.contact_id(ws.canonical_contact(index))
        raise errors.ApiError(
            410,
            "contact_merged",
            "This contact has been merged. See the 'Link' header for the canonical contact.",
            headers={"Link": f'</contacts/{canonical}>; rel="canonical"'},
        )
    return _with_merge_history(app, req, index if index is not None else _contact_index(app, req))


def _with_merge_history(app: App, req: Request, index: int) -> Body:
    """The contact, with ``merge_history`` filled for users when the request asks for it."""
    ws = app.workspace
    record = ws.contact(index)
    if req.flag("include_merge_history") and record["role"] == "user":
        record["merge_history"] = [
            {
                "type": "merge_history",
                "source_contact_id": ws.contact_id(source),
                "source_contact_role": ws.contact(source)["role"],
                "merged_at": at,
            }
            for source, (target, at) in sorted(ws.contacts.merged.items())
            if target == index
        ]
    return req.shape("contact", record)


def contact_tags(app: App, req: Request) -> Body:
    """``GET /contacts/{id}/tags``: the full list (the embedded one stops at 10)."""
    ws = app.workspace
    index = _contact_index(app, req)
    created = ws.contacts.created[index]
    applied_by = {"type": "admin", "id": ws.catalogs.admins[0]["id"]}
    data = [
        {**ws.catalogs.tags[k], "applied_at": created, "applied_by": applied_by}
        for k in records.contact_links(ws, index)[0]
    ]
    return {"type": "list", "data": data}


def contact_companies(app: App, req: Request) -> Body:
    """``GET /contacts/{id}/companies?page=&per_page=``."""
    ws = app.workspace
    index = _contact_index(app, req)
    page, per_page = page_number(req, 50)
    items = [req.shape("company", ws.company(k)) for k in records.contact_links(ws, index)[1]]
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "data": chosen, "pages": pages, "total_count": len(items)}


def contact_notes(app: App, req: Request) -> Body:
    """``GET /contacts/{id}/notes?page=&per_page=`` (newest first)."""
    ws = app.workspace
    index = _contact_index(app, req)
    page, per_page = page_number(req, 50)
    count = records.contact_links(ws, index)[2]
    items = [records.note(ws, index, k) for k in reversed(range(count))]
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "data": chosen, "total_count": count, "pages": pages}


def contact_segments(app: App, req: Request) -> Body:
    """``GET /contacts/{id}/segments``."""
    ws = app.workspace
    index = _contact_index(app, req)
    data = [ws.catalogs.segments[k] for k in records.contact_links(ws, index)[3]]
    return {"type": "list", "data": data}


# --------------------------------------------------------------------------------- companies


def companies_scroll(app: App, req: Request) -> Body:
    """``GET /companies/scroll?scroll_param=``: one open scroll per workspace."""
    ws = app.workspace
    param = req.params.get("scroll_param")
    if not param:
        if len(ws.companies) == 0:
            raise errors.not_found("Company Not Found", "company_not_found")
        param = app.scroll.open()
    # Listed once per workspace revision, not per page: a million companies are 20,000 pages.
    live = ws.memo(
        "live_companies",
        lambda: [i for i in range(len(ws.companies)) if i not in ws.companies.deleted],
    )
    start, end = app.scroll.advance(param, SCROLL_PAGE, len(live))
    data = [req.shape("company", ws.company(i)) for i in live[start:end]]
    return {"type": "list", "data": data, "pages": None, "total_count": None, "scroll_param": param}


def companies_list(app: App, req: Request) -> Body:
    """``POST /companies/list?page=&per_page=&order=``.

    Sorted by ``last_request_at`` (descending unless ``order=asc``); companies without users
    are left out and only the first 10,000 can be reached, as Intercom documents.
    """
    ws = app.workspace
    page, per_page = page_number(req, 15)
    order = {**req.body, **req.params}.get("order", "desc")
    keyed = ws.memo("companies_by_last_request", lambda: _companies_by_last_request(app))
    if order != "asc":
        keyed = keyed[::-1]
    reachable = keyed[:COMPANIES_LIST_CAP]
    window = reachable[(page - 1) * per_page : page * per_page]
    # Only the requested page is built; the others are placeholders for the page maths.
    items: list[Body] = [{}] * len(reachable)
    items[(page - 1) * per_page : (page - 1) * per_page + len(window)] = [
        req.shape("company", ws.company(index)) for _, index in window
    ]
    chosen, pages = paged(req, items, page, per_page)
    return {"type": "list", "data": chosen, "pages": pages, "total_count": len(items)}


def _companies_by_last_request(app: App) -> list[tuple[int, int]]:
    """(last_request_at, row) of the companies that have users, oldest request first."""
    ws = app.workspace
    keyed = []
    for index in range(len(ws.companies)):
        if index in ws.companies.deleted:
            continue
        record = ws.company(index)
        if record["user_count"]:
            keyed.append((record["last_request_at"], index))
    keyed.sort()
    return keyed


def _company_index(app: App, req: Request) -> int:
    index = app.workspace.company_index(req.args["id"])
    if index is None:
        raise errors.not_found("Company Not Found", "company_not_found")
    return index


def company(app: App, req: Request) -> Body:
    """``GET /companies/{id}``."""
    return req.shape("company", app.workspace.company(_company_index(app, req)))


def company_segments(app: App, req: Request) -> Body:
    """``GET /companies/{id}/segments``."""
    ws = app.workspace
    index = _company_index(app, req)
    data = [ws.catalogs.company_segments[k] for k in records.company_segment_indexes(ws, index)]
    return {"type": "list", "data": data}
