"""Lists beyond the core streams: help center, news, macros, logs, attributes, tickets meta."""

from __future__ import annotations

import base64
import datetime as dt
import json
import typing as t

from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def _follow(
    sandbox_client: Client, path: str, key: str = "data", **params: t.Any
) -> list[dict[str, t.Any]]:
    body = sandbox_client.get(path, **params).json()
    items = list(body[key])
    pages = 1
    while body["pages"].get("next"):
        body = sandbox_client.session.get(body["pages"]["next"], timeout=10).json()
        items += body[key]
        pages += 1
        assert body["pages"]["page"] == pages
    assert pages == body["pages"]["total_pages"]
    return items


def test_articles_page_by_number_newest_first(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    articles = _follow(sandbox_client, "/articles", per_page=10)
    assert len(articles) == len(intercom_sandbox.workspace.catalogs.articles)
    stamps = [a["updated_at"] for a in articles]
    assert stamps == sorted(stamps, reverse=True)
    assert "body_markdown" in articles[0]  # 2.16
    assert "parent_id" not in articles[0]  # dropped in 2.16
    old = Client(intercom_sandbox, version="2.14").get("/articles").json()["data"][0]
    assert "parent_id" in old
    assert "body_markdown" not in old
    one = sandbox_client.get(f"/articles/{articles[0]['id']}").json()
    assert one["statistics"]["type"] == "article_statistics"


def test_help_centers_collections_news(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    catalogs = intercom_sandbox.workspace.catalogs
    centers = sandbox_client.get("/help_center/help_centers").json()
    assert centers["type"] == "list"
    assert len(centers["data"]) == len(catalogs.help_centers)
    collections = _follow(sandbox_client, "/help_center/collections", per_page=3)
    assert [c["updated_at"] for c in collections] == sorted(
        (c["updated_at"] for c in catalogs.collections), reverse=True
    )
    news = _follow(sandbox_client, "/news/news_items")
    assert len(news) == len(catalogs.news_items)
    assert {n["type"] for n in news} == {"news-item"}
    feeds = sandbox_client.get("/news/newsfeeds").json()
    assert [f["type"] for f in feeds["data"]] == ["newsfeed", "newsfeed"]


def test_subscription_types_ticket_types_and_states(sandbox_client: Client) -> None:
    subscriptions = sandbox_client.get("/subscription_types").json()
    assert subscriptions["type"] == "list"
    assert {s["type"] for s in subscriptions["data"]} == {"subscription"}
    types = sandbox_client.get("/ticket_types").json()["data"]
    assert {t_["category"] for t_ in types} == {"Customer", "Back-office", "Tracker"}
    attributes = types[0]["ticket_type_attributes"]["ticket_type_attributes"]
    # The two defaults, and the type's own custom attribute.
    assert [a["name"] for a in attributes] == [
        "_default_title_",
        "_default_description_",
        "Severity",
    ]
    states = sandbox_client.get("/ticket_states").json()["data"]
    assert [s["category"] for s in states] == [
        "submitted",
        "in_progress",
        "waiting_on_customer",
        "resolved",
    ]
    assert states[0]["ticket_types"]["data"]


def test_macros_cursor_and_updated_since(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    seen: list[dict[str, t.Any]] = []
    cursor = None
    while True:
        params = {"per_page": 10, **({"starting_after": cursor} if cursor else {})}
        body = sandbox_client.get("/macros", **params).json()
        seen += body["data"]
        cursor = body["pages"].get("next", {}).get("starting_after")
        if not cursor:
            break
    assert (
        len(seen) == len({m["id"] for m in seen}) == len(intercom_sandbox.workspace.catalogs.macros)
    )
    assert [m["updated_at"] for m in seen] == sorted((m["updated_at"] for m in seen), reverse=True)
    first = sandbox_client.get("/macros", per_page=10).json()
    # The cursor is base64 JSON [updated_at, id] of the last macro served, as documented.
    decoded = json.loads(base64.b64decode(first["pages"]["next"]["starting_after"]))
    assert decoded == [_seconds(first["data"][-1]["updated_at"]), int(first["data"][-1]["id"])]
    middle = seen[len(seen) // 2]
    since = _seconds(middle["updated_at"])
    recent = sandbox_client.get("/macros", updated_since=since, per_page=150).json()["data"]
    assert recent == [m for m in seen if m["updated_at"] > middle["updated_at"]]
    assert sandbox_client.get("/macros", updated_since="soon").status_code == 400
    assert sandbox_client.get("/macros", per_page=151).status_code == 400


def _seconds(iso: str) -> int:
    moment = dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.000Z")
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp())


def test_activity_logs_need_a_start_and_page(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    missing = sandbox_client.get("/admins/activity_logs")
    assert missing.status_code == 400
    assert error_code(missing) == "parameter_not_found"
    logs = intercom_sandbox.workspace.catalogs.activity_logs
    low, high = logs[10]["created_at"], logs[60]["created_at"]
    found = _follow(
        sandbox_client,
        "/admins/activity_logs",
        key="activity_logs",
        created_at_after=low,
        created_at_before=high,
        per_page=7,
    )
    assert {log["id"] for log in found} == {
        log["id"] for log in logs if low <= log["created_at"] <= high
    }


def test_segments_and_data_attributes(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    segments = sandbox_client.get("/segments").json()
    assert segments["type"] == "segment.list"
    assert all("count" not in s for s in segments["segments"])
    counted = sandbox_client.get("/segments", include_count="true").json()["segments"]
    assert all(isinstance(s["count"], int) for s in counted)
    contacts = sandbox_client.get("/data_attributes", model="contact").json()["data"]
    assert {a["model"] for a in contacts} == {"contact"}
    archived = sandbox_client.get(
        "/data_attributes", model="contact", include_archived="true"
    ).json()
    assert len(archived["data"]) == len(contacts) + 1
    both = sandbox_client.get("/data_attributes").json()["data"]
    assert {a["model"] for a in both} == {"contact", "company"}
    conversation = sandbox_client.get("/conversations/attributes").json()["data"]
    assert len(conversation) == len(ws.catalogs.conversation_attributes) - 1
    assert {a["type"] for a in conversation} == {"conversation_attribute"}
