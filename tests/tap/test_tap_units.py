"""Pure pieces: paginator tokens, error mapping, scroll draining, custom attributes, settings."""

from __future__ import annotations

import json
import typing as t

import pytest
import requests

from tap_intercom.custom_attributes import custom_attribute_properties, with_custom_attributes
from tap_intercom.errors import (
    IntercomAuthError,
    IntercomClientError,
    IntercomNotFoundError,
    IntercomRateLimitedError,
    IntercomScopeError,
    IntercomServerError,
    classify,
)
from tap_intercom.pagination import IntercomPaginator, next_token
from tap_intercom.prefetch import Prefetcher
from tap_intercom.scroll import ScrollIncompleteError, ScrollPolicy, ScrollStats, drain
from tap_intercom.settings import base_url, version_key
from tap_intercom.transport import RetryPolicy, path_template


def response(status: int, body: t.Any) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode()
    resp.reason = "reason"
    return resp


# Pagination -------------------------------------------------------------------------


def test_next_token_shapes() -> None:
    assert next_token({"pages": {"next": {"starting_after": "c1"}}}) == "c1"
    assert (
        next_token({"pages": {"next": "https://x/articles?page=2"}}) == "https://x/articles?page=2"
    )
    assert next_token({"pages": {"next": None}}) is None
    assert next_token({"pages": {}}) is None
    assert next_token({"data": []}) is None
    assert next_token([]) is None


def test_paginator_follows_cursors_and_stops_on_a_revisited_one() -> None:
    paginator = IntercomPaginator()
    pages = ["A", "B", "A"]
    seen = []
    for token in pages:
        resp = response(200, {"data": [1], "pages": {"next": {"starting_after": token}}})
        paginator.advance(resp)
        if paginator.finished:
            break
        seen.append(paginator.current_value)
    assert seen == ["A", "B"]
    assert paginator.finished
    assert paginator.revisited


def test_paginator_stops_on_last_page_and_on_predicate() -> None:
    paginator = IntercomPaginator()
    paginator.advance(response(200, {"data": [], "pages": {}}))
    assert paginator.finished

    paginator = IntercomPaginator(stop=lambda body: body["data"][-1] > 5)
    paginator.advance(response(200, {"data": [1, 9], "pages": {"next": {"starting_after": "x"}}}))
    assert paginator.finished


# Errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, IntercomAuthError),
        (403, IntercomScopeError),
        (404, IntercomNotFoundError),
        (429, IntercomRateLimitedError),
        (500, IntercomServerError),
        (503, IntercomServerError),
        (400, IntercomClientError),
        (422, IntercomClientError),
    ],
)
def test_classify(status: int, expected: type) -> None:
    body = {"type": "error.list", "errors": [{"code": "some_code", "message": "Some message"}]}
    error = classify(response(status, body), "GET /tickets")
    assert isinstance(error, expected)
    assert "GET /tickets" in str(error)
    assert "Some message" in str(error)
    assert "\n" not in str(error)


def test_classify_success_and_scope_message() -> None:
    assert classify(response(200, {}), "GET /x") is None
    body = {
        "type": "error.list",
        "errors": [
            {
                "code": "forbidden",
                "message": "You do not have the required scope (read_tickets)",
            }
        ],
    }
    error = classify(response(403, body), "POST /tickets/search")
    assert "read_tickets" in str(error)


def test_classify_keeps_client_error_code() -> None:
    body = {"errors": [{"code": "scroll_exists", "message": "scroll already exists"}]}
    error = classify(response(400, body), "GET /companies/scroll")
    assert isinstance(error, IntercomClientError)
    assert error.code == "scroll_exists"


# Scroll -----------------------------------------------------------------------------


class FakeScroll:
    """Serves scripted pages: each item is a list of companies or an exception."""

    def __init__(self, script: list[t.Any]) -> None:
        self.script = list(script)
        self.params: list[str | None] = []

    def __call__(self, param: str | None) -> t.Any:
        self.params.append(param)
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return {"data": item, "scroll_param": f"p{len(self.params)}"}


def companies(*ids: str) -> list[dict[str, str]]:
    return [{"id": i} for i in ids]


def no_sleep(seconds: float) -> None:
    pass


def test_scroll_drains_until_an_empty_page() -> None:
    scroll = FakeScroll([companies("1", "2"), companies("3"), []])
    result = drain(scroll, ScrollPolicy(), no_sleep)
    assert [c["id"] for c in result] == ["1", "2", "3"]
    assert scroll.params == [None, "p1", "p2"]


def test_scroll_404_on_first_request_is_an_empty_workspace() -> None:
    assert list(drain(FakeScroll([IntercomNotFoundError("404")]), ScrollPolicy(), no_sleep)) == []


def test_scroll_midway_404_and_500_restart_and_deduplicate() -> None:
    scroll = FakeScroll(
        [
            companies("1", "2"),
            IntercomNotFoundError("expired"),
            companies("1", "2"),
            IntercomServerError("please restart the scroll operation"),
            companies("1", "2"),
            companies("3"),
            [],
        ]
    )
    stats = ScrollStats()
    result = drain(scroll, ScrollPolicy(), no_sleep, stats)
    assert [c["id"] for c in result] == ["1", "2", "3"]
    assert stats.restarts == 2
    assert scroll.params.count(None) == 3


def test_scroll_exists_waits_then_proceeds() -> None:
    sleeps: list[float] = []
    exists = IntercomClientError("scroll exists", code="scroll_exists")
    scroll = FakeScroll([exists, exists, companies("1"), []])
    result = drain(scroll, ScrollPolicy(exists_wait_seconds=0.5), sleeps.append)
    assert [c["id"] for c in result] == ["1"]
    assert sleeps == [0.5, 0.5]


def test_scroll_gives_up_after_max_restarts() -> None:
    script: list[t.Any] = []
    for _ in range(4):
        script += [companies("1"), IntercomServerError("restart")]
    with pytest.raises(ScrollIncompleteError):
        drain(FakeScroll(script), ScrollPolicy(max_restarts=3), no_sleep)


def test_scroll_other_client_errors_propagate() -> None:
    with pytest.raises(IntercomClientError):
        drain(
            FakeScroll([IntercomClientError("bad", code="parameter_invalid")]),
            ScrollPolicy(),
            no_sleep,
        )


# Custom attributes ------------------------------------------------------------------


def test_custom_attribute_types() -> None:
    attributes = [
        {"name": "email", "full_name": "email", "data_type": "string", "custom": False},
        {
            "name": "plan",
            "full_name": "custom_attributes.plan",
            "data_type": "string",
            "custom": True,
        },
        {"name": "seats", "data_type": "integer", "custom": True},
        {"name": "mrr", "data_type": "float", "custom": True},
        {"name": "vip", "data_type": "boolean", "custom": True},
        {"name": "renewal", "data_type": "date", "custom": True},
        {"name": "odd", "data_type": "mystery", "custom": True},
        {"type": "conversation_attribute", "name": "urgency", "data_type": "decimal"},
    ]
    typed = custom_attribute_properties(attributes)
    assert set(typed) == {"plan", "seats", "mrr", "vip", "renewal", "odd", "urgency"}
    assert typed["plan"]["type"] == ["string", "null"]
    assert typed["seats"]["type"] == ["integer", "null"]
    assert typed["mrr"]["type"] == ["number", "null"]
    assert typed["vip"]["type"] == ["boolean", "null"]
    assert typed["renewal"]["type"] == ["integer", "null"]
    assert typed["odd"] == {}
    assert typed["urgency"]["type"] == ["number", "null"]

    schema = {"properties": {"custom_attributes": {"type": ["object", "null"]}}}
    result = with_custom_attributes(schema, typed)
    assert result["properties"]["custom_attributes"]["properties"]["seats"]["type"] == [
        "integer",
        "null",
    ]
    assert "properties" not in schema["properties"]["custom_attributes"]  # not mutated


# Settings, retry policy, prefetcher ---------------------------------------------------


def test_version_key_and_base_url() -> None:
    assert version_key("2.9") < version_key("2.14") < version_key("2.16") < version_key("Unstable")
    assert base_url({"region": "eu"}) == "https://api.eu.intercom.io"
    assert base_url({"region": "au"}) == "https://api.au.intercom.io"
    assert base_url({}) == "https://api.intercom.io"
    assert base_url({"region": "eu", "api_url": "http://127.0.0.1:9/"}) == "http://127.0.0.1:9"


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(backoff_seconds=1.0, max_backoff_seconds=5.0)
    assert policy.backoff(1, rng=lambda: 0.0) == 0.5
    assert policy.backoff(1, rng=lambda: 0.999) == pytest.approx(1.0, abs=0.01)
    assert policy.backoff(3, rng=lambda: 0.0) == 2.0
    assert policy.backoff(10, rng=lambda: 0.0) == 2.5


def test_path_template_hides_ids() -> None:
    assert path_template("GET /conversations/123") == "GET /conversations/{id}"
    assert path_template("GET /contacts/5ba682d23d7cf92bef87bfd4/tags") == "GET /contacts/{id}/tags"
    assert path_template("POST /contacts/search") == "POST /contacts/search"


def test_prefetcher_returns_results_in_consumption_order() -> None:
    prefetcher = Prefetcher(4)
    for i in range(10):
        prefetcher.submit(i, lambda i=i: i * i)
    assert [prefetcher.take(i, lambda: -1) for i in range(10)] == [i * i for i in range(10)]
    assert prefetcher.take("never-submitted", lambda: "inline") == "inline"
    prefetcher.close()


def test_prefetcher_with_one_worker_runs_inline() -> None:
    prefetcher = Prefetcher(1)
    prefetcher.submit("k", lambda: pytest.fail("must not run in the background"))
    assert prefetcher.take("k", lambda: "inline") == "inline"


def test_prefetcher_raises_the_request_error_on_take() -> None:
    prefetcher = Prefetcher(2)

    def boom() -> None:
        raise IntercomNotFoundError("gone")

    prefetcher.submit("k", boom)
    with pytest.raises(IntercomNotFoundError):
        prefetcher.take("k", lambda: None)
    prefetcher.close()
