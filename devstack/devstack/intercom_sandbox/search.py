"""Search and cursor pagination over the large tables.

Results are ordered by the requested sort (ties by id) and paged with keyset cursors: a
``starting_after`` cursor is base64 JSON ``[sort value, row, page]`` (Intercom's look like
``WzE3...``), so a page continues after the last row served even when rows changed meanwhile.
Evaluated result lists are cached per (query, sort, workspace revision).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import collections
import json
import math
import re
import threading
import typing as t

from devstack.intercom_sandbox import errors, query, records

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.intercom_sandbox.tables import Table
    from devstack.intercom_sandbox.workspace import Workspace

MAX_PER_PAGE = 150

CONTACT_FIELDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "id",
            "role",
            "name",
            "avatar",
            "owner_id",
            "email",
            "email_domain",
            "phone",
            "formatted_phone",
            "external_id",
            "language_override",
            "browser",
            "browser_language",
            "os",
            "location.country",
            "location.region",
            "location.city",
            "ios_app_version",
            "ios_device",
            "ios_app_device",
            "ios_os_version",
            "ios_app_name",
            "ios_sdk_version",
            "android_app_version",
            "android_device",
            "android_app_name",
            "andoid_sdk_version",
            "custom_attributes.plan",
        ),
        "string",
    ),
    **dict.fromkeys(
        (
            "created_at",
            "signed_up_at",
            "updated_at",
            "last_seen_at",
            "last_contacted_at",
            "last_replied_at",
            "last_email_opened_at",
            "last_email_clicked_at",
            "ios_last_seen_at",
            "android_last_seen_at",
            "custom_attributes.trial_ends_at",
        ),
        "date",
    ),
    **dict.fromkeys(
        (
            "unsubscribed_from_emails",
            "marked_email_as_spam",
            "has_hard_bounced",
            "custom_attributes.vip",
        ),
        "boolean",
    ),
    "custom_attributes.seats": "integer",
    "segment_id": "list",
    "tag_id": "list",
}

CONVERSATION_FIELDS: dict[str, str] = {
    "id": "integer",
    **dict.fromkeys(
        (
            "created_at",
            "updated_at",
            "waiting_since",
            "snoozed_until",
            "statistics.first_contact_reply_at",
            "statistics.first_assignment_at",
            "statistics.first_admin_reply_at",
            "statistics.first_close_at",
            "statistics.last_assignment_at",
            "statistics.last_assignment_admin_reply_at",
            "statistics.last_contact_reply_at",
            "statistics.last_admin_reply_at",
            "statistics.last_close_at",
        ),
        "date",
    ),
    **dict.fromkeys(
        (
            "source.type",
            "source.id",
            "source.delivered_as",
            "source.subject",
            "source.author.id",
            "source.author.type",
            "source.author.name",
            "source.author.email",
            "source.url",
            "channel_initiated",
            "state",
            "priority",
            "statistics.last_closed_by_id",
            "ai_agent.resolution_state",
            "ai_agent.last_answer_type",
            "ai_agent.source_type",
            "ai_agent.source_title",
            "title",
        ),
        "string",
    ),
    **dict.fromkeys(
        (
            "admin_assignee_id",
            "team_assignee_id",
            "statistics.time_to_assignment",
            "statistics.time_to_admin_reply",
            "statistics.time_to_first_close",
            "statistics.time_to_last_close",
            "statistics.median_time_to_reply",
            "statistics.count_reopens",
            "statistics.count_assignments",
            "statistics.count_conversation_parts",
            "ai_agent.rating",
        ),
        "integer",
    ),
    **dict.fromkeys(("open", "read", "ai_agent_participated"), "boolean"),
    "contact_ids": "list",
    "teammate_ids": "list",
    "tag_ids": "list",
    # Matched word by word: ``= "support"`` finds "I need support", ``= "need support"`` not.
    "source.body": "words",
}

# Field names and types as the 2.16 tickets search documents them.
TICKET_FIELDS: dict[str, str] = {
    "id": "integer",
    **dict.fromkeys(("created_at", "updated_at", "snoozed_until"), "date"),
    **dict.fromkeys(
        (
            "title",
            "description",
            "category",
            "ticket_type_id",
            "state",
            "admin_assignee_id",
            "team_assignee_id",
        ),
        "string",
    ),
    "open": "boolean",
    "contact_ids": "list",
    "teammate_ids": "list",
}

# The documented search terms for ticket categories.
TICKET_CATEGORY_TERMS = {"Customer": "request", "Back-office": "task", "Tracker": "tracker"}


class Model(t.NamedTuple):
    """One searchable entity."""

    name: str
    fields: dict[str, str]
    default_per_page: int


MODELS = {
    "contact": Model("contact", CONTACT_FIELDS, 50),
    "conversation": Model("conversation", CONVERSATION_FIELDS, 20),
    "ticket": Model("ticket", TICKET_FIELDS, 20),
}


def _lookup(record: dict[str, t.Any], path: str) -> t.Any:
    value: t.Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _derived(ws: Workspace, model: str, index: int, record: dict[str, t.Any], field: str) -> t.Any:
    if model == "contact":
        if field == "tag_id":
            return [ws.tag_id(k) for k in records.contact_links(ws, index)[0]]
        if field == "segment_id":
            segments = ws.catalogs.segments
            return [segments[k]["id"] for k in records.contact_links(ws, index)[3]]
        if field == "formatted_phone":
            return record.get("phone")
    else:
        if field == "id":
            return int(record["id"])
        if field == "contact_ids":
            return [c["id"] for c in record["contacts"]["contacts"]]
        if field == "teammate_ids":
            if model == "ticket":
                return [str(record["admin_assignee_id"])]
            return [a["id"] for a in record["teammates"]["teammates"]]
        if field == "tag_ids":
            return [tag["id"] for tag in record["tags"]["tags"]]
        if field == "channel_initiated":
            return (record.get("channel") or {}).get("initial")
        if field == "source.body":
            text = re.sub(r"<[^>]+>", " ", str(_lookup(record, field) or ""))
            return re.findall(r"[\w'-]+", text.lower())
        if model == "ticket":
            if field in ("title", "description"):
                return record["ticket_attributes"].get(f"_default_{field}_")
            if field == "category":
                return TICKET_CATEGORY_TERMS.get(record["category"])
            if field == "ticket_type_id":
                return record["ticket_type"]["id"]
            if field == "state":
                return record["ticket_state"]["category"]
            if field in ("admin_assignee_id", "team_assignee_id"):
                value = record.get(field)
                return None if value is None else str(value)
    return _lookup(record, field)


class _RowView:
    """Field access for the row at ``index``; the record is built only if a filter needs it."""

    __slots__ = ("created", "index", "model", "record", "searcher", "updated")

    def __init__(self, searcher: Searcher, model: str) -> None:
        table = searcher.ws.table(model)
        self.searcher = searcher
        self.model = model
        self.created = table.created
        self.updated = table.updated
        self.index = 0
        self.record: dict[str, t.Any] | None = None

    def get(self, field: str) -> t.Any:
        """The value of ``field`` for the current row."""
        if field == "updated_at":
            return self.updated[self.index]
        if field == "created_at":
            return self.created[self.index]
        if self.record is None:
            self.record = self.searcher.build(self.model, self.index)
        return _derived(self.searcher.ws, self.model, self.index, self.record, field)


class Searcher:
    """Runs searches for one workspace, with a small cache of evaluated result lists."""

    def __init__(
        self, ws: Workspace, *, contact_delay: int = 0, gt_inclusive: bool = False
    ) -> None:
        self.ws = ws
        self.contact_delay = contact_delay
        self.gt_inclusive = gt_inclusive
        self._cache: collections.OrderedDict[tuple[t.Any, ...], list[tuple[t.Any, int]]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def _table(self, model: str) -> Table:
        return self.ws.table(model)

    def build(self, model: str, index: int) -> dict[str, t.Any]:
        """Build the record of one row."""
        if model == "contact":
            return self.ws.contact(index)
        if model == "conversation":
            return self.ws.conversation(index)
        return self.ws.ticket(index)

    def getter(self, model: str, index: int) -> Callable[[str], t.Any]:
        """Field access for one row, building the record only when a filter needs it."""
        view = _RowView(self, model)
        view.index = index
        return view.get

    def results(
        self, model: str, raw_query: t.Any, sort: t.Any, *, day_granular: bool = True
    ) -> tuple[list[tuple[t.Any, int]], bool]:
        """All matching rows as sorted ``(sort key, row)`` pairs and whether descending."""
        spec = MODELS[model]
        rules = query.DateRules(
            self.ws.day_bounds if model == "contact" and day_granular else None,
            self.gt_inclusive,
        )
        predicate = (
            None if raw_query is None else query.compile_query(raw_query, spec.fields, rules)
        )
        sort_field, descending = query.sort_spec(sort, spec.fields)
        now = self.ws.now()
        hidden_after = (
            now - self.contact_delay if model == "contact" and self.contact_delay else None
        )
        key = (
            model,
            json.dumps(raw_query, sort_keys=True),
            sort_field,
            self.ws.revision,
            hidden_after,
            str(self.ws.tz),
            self.gt_inclusive,
            day_granular,
        )
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached, descending
        with self.ws.lock:
            # Concurrent identical searches queue here; only the first one computes.
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached, descending
            table = self._table(model)
            created = table.created
            deleted = table.deleted
            # One view reused for every row: this loop runs over whole large tables.
            view = _RowView(self, model)
            get = view.get
            rows: list[tuple[t.Any, int]] = []
            for index in range(len(table)):
                if index in deleted:
                    continue
                if hidden_after is not None and created[index] > hidden_after:
                    continue
                view.index = index
                view.record = None
                if predicate is not None and not predicate(get):
                    continue
                value = get(sort_field) if sort_field else None
                rows.append(((0, 0) if value is None else (1, value), index))
            rows.sort()
            with self._lock:
                self._cache[key] = rows
                while len(self._cache) > 8:
                    self._cache.popitem(last=False)
        return rows, descending

    def page(
        self, model: str, body: dict[str, t.Any], version: str = "2.16"
    ) -> tuple[list[int], dict[str, t.Any], int]:
        """One page of a search body: rows, the ``pages`` object and the total count.

        Raises:
            ApiError: 400 for a bad query, sort, ``per_page`` or cursor.
        """
        pagination = body.get("pagination") or {}
        if not isinstance(pagination, dict):
            raise errors.invalid("pagination must be an object")
        per_page = check_per_page(pagination.get("per_page"), MODELS[model].default_per_page)
        # Preview ("Unstable") filters contact timestamps to the exact second in UTC.
        day_granular = version != "Unstable"
        rows, descending = self.results(
            model, body.get("query"), body.get("sort"), day_granular=day_granular
        )
        cursor = pagination.get("starting_after")
        return keyset_page(rows, descending, per_page, cursor)


def check_per_page(raw: t.Any, default: int, maximum: int = MAX_PER_PAGE) -> int:
    """Validate ``per_page``.

    Raises:
        ApiError: 400 when it is not an integer in [1, maximum].
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise errors.invalid("per_page must be an integer", field="per_page") from None
    if value > maximum:
        raise errors.invalid(f"per_page must be less than or equal to {maximum}", field="per_page")
    if value < 1:
        raise errors.invalid("per_page must be greater than 0", field="per_page")
    return value


def encode_cursor(sort_key: t.Any, index: int, page: int) -> str:
    """An opaque cursor: base64 JSON ``[sort key, row, page]``."""
    raw = json.dumps([sort_key, index, page], separators=(",", ":")).encode()
    return base64.b64encode(raw).decode()


def decode_cursor(cursor: t.Any) -> tuple[t.Any, int, int]:
    """Undo ``encode_cursor``.

    Raises:
        ApiError: 400 for a cursor this server did not issue.
    """
    try:
        sort_key, index, page = json.loads(base64.b64decode(str(cursor), validate=True))
        return _tuples(sort_key), int(index), int(page)
    except (binascii.Error, ValueError, TypeError):
        raise errors.invalid("starting_after is invalid", field="starting_after") from None


def _tuples(value: t.Any) -> t.Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def keyset_page(
    rows: list[tuple[t.Any, int]], descending: bool, per_page: int, cursor: t.Any
) -> tuple[list[int], dict[str, t.Any], int]:
    """Slice sorted ``rows`` after ``cursor`` and build Intercom's ``pages`` object."""
    page = 1
    if cursor:
        sort_key, index, previous = decode_cursor(cursor)
        page = previous + 1
        if descending:
            end = bisect.bisect_left(rows, (sort_key, index))
            chosen = rows[max(0, end - per_page) : end][::-1]
            more = end - per_page > 0
        else:
            start = bisect.bisect_right(rows, (sort_key, index))
            chosen = rows[start : start + per_page]
            more = start + per_page < len(rows)
    else:
        chosen = rows[::-1][:per_page] if descending else rows[:per_page]
        more = len(rows) > per_page
    total = len(rows)
    pages: dict[str, t.Any] = {
        "type": "pages",
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page) if total else 0,
    }
    if more and chosen:
        last_key, last_index = chosen[-1]
        pages["next"] = {
            "page": page + 1,
            "starting_after": encode_cursor(last_key, last_index, page),
        }
    return [index for _, index in chosen], pages, total
