"""Rate limits, scopes, injected faults, latency, statistics and the control endpoint."""

from __future__ import annotations

import time
import typing as t

import pytest
import requests

from tests.devstack.sandbox_helpers import TOKEN, Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_429_after_the_10_second_allowance(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", rate_limit_per_10s=4)
    client = Client(sandbox)
    # Windows are aligned to the clock: start well inside one so the burst cannot straddle two.
    while time.time() % 10 > 8.5:
        time.sleep(0.05)
    responses = [client.get("/tags") for _ in range(5)]
    assert len({r.headers["X-RateLimit-Reset"] for r in responses}) == 1
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["3", "2", "1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in responses} == {"4"}
    limited = responses[-1]
    assert error_code(limited) == "rate_limit_exceeded"
    assert limited.json()["errors"][0]["message"] == "Exceeded rate limit of 4 in 10_seconds"
    reset = int(limited.headers["X-RateLimit-Reset"])
    assert 0 < reset - time.time() <= 10
    stats = sandbox.stats()
    assert stats["rate_limited"] >= 1
    assert stats["endpoints"]["GET /tags"] == stats["total"]


def test_the_window_refills_at_reset(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", rate_limit_per_10s=2, rate_window_seconds=1)
    client = Client(sandbox)
    while True:
        response = client.get("/tags")
        if response.status_code == 429:
            break
    wait = int(response.headers["X-RateLimit-Reset"]) - time.time()
    time.sleep(max(0.0, wait) + 0.05)
    assert client.get("/tags").status_code == 200


def test_a_token_without_a_scope_gets_403(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", tokens={"no-tickets": ["read_tickets"]})
    limited = Client(sandbox, token="no-tickets")
    refused = limited.post("/tickets/search", {})
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"
    assert "read_tickets" in refused.json()["errors"][0]["message"]
    assert "X-RateLimit-Limit" in refused.headers
    assert limited.get("/ticket_types").status_code == 403
    assert limited.post("/conversations/search", {}).status_code == 200
    # Scopes can change at run time, for the main token too.
    sandbox.control(missing_scopes=["read_contacts"])
    assert Client(sandbox).post("/contacts/search", {}).status_code == 403
    sandbox.control(missing_scopes=[])
    assert Client(sandbox).post("/contacts/search", {}).status_code == 200


def test_injected_errors_and_resets(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny")
    client = Client(sandbox)
    sandbox.inject("/admins", status=503, count=2, skip=1)
    assert [client.get("/admins").status_code for _ in range(4)] == [200, 503, 503, 200]
    sandbox.inject("/tags", status="reset")
    with pytest.raises(requests.ConnectionError):
        client.get("/tags")
    assert client.get("/tags").status_code == 200
    stats = sandbox.stats()
    assert stats["injected_errors"] == 2
    assert stats["injected_resets"] == 1


def test_random_fault_rates(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", error_rate=0.5, fault_seed=3)
    client = Client(sandbox)
    codes = [client.get("/teams").status_code for _ in range(40)]
    failures = [c for c in codes if c >= 500]
    assert 8 <= len(failures) <= 32
    assert set(failures) <= {500, 502, 503}
    sandbox.control(error_rate=0, reset_rate=1)
    with pytest.raises(requests.ConnectionError):
        client.get("/teams")
    sandbox.control(reset_rate=0)
    assert client.get("/teams").status_code == 200


def test_latency_knob(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", latency_ms=150)
    client = Client(sandbox)
    client.get("/tags")
    started = time.perf_counter()
    client.get("/tags")
    assert time.perf_counter() - started >= 0.15
    sandbox.control(latency_ms=0, jitter_ms=0)
    started = time.perf_counter()
    client.get("/tags")
    assert time.perf_counter() - started < 0.15


def test_control_endpoint_over_http(intercom_sandbox: Sandbox) -> None:
    url = intercom_sandbox.url
    ws = intercom_sandbox.workspace
    clock = ws.anchor + 10 * 86_400
    body = {
        "clock": clock,
        "rate_limit_per_10s": 500,
        "reset_stats": True,
        "mutations": [
            {"op": "update", "kind": "contacts", "n": 4, "day": "2026-09-05"},
            {"op": "add", "kind": "conversations", "n": 2},
            {"op": "add_parts", "kind": "conversations", "n": 3, "parts": 2},
            {"op": "delete", "kind": "conversations", "n": 1},
            {"op": "update", "kind": "companies", "n": 2},
        ],
    }
    response = requests.post(url + "/_sandbox/control", json=body, timeout=10)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["settings"]["clock"] == clock
    assert result["settings"]["rate_limit_per_10s"] == 500
    updated, added, with_parts, deleted, companies = result["results"]
    assert len(updated) == 4
    assert len(added) == 2
    assert len(with_parts) == 3
    assert len(deleted) == 1
    assert len(companies) == 2
    # Updates on a given day are spread from its first to its last local second.
    start, end = ws.day_bounds(int(clock))
    day_start, day_end = ws.day_bounds(ws.day_bounds(clock - 5 * 86_400)[0])  # 2026-09-05 local
    stamps = sorted(ws.contacts.updated[ws.contact_index(i)] for i in updated)
    assert stamps[0] == day_start
    assert stamps[-1] == day_end - 1
    client = Client(intercom_sandbox)
    for conversation_id in added:
        record = client.get(f"/conversations/{conversation_id}").json()
        assert record["created_at"] == record["updated_at"] == clock
    assert client.get(f"/conversations/{deleted[0]}").status_code == 404
    found = client.search(
        "/contacts/search", {"field": "updated_at", "operator": "=", "value": day_start}
    )
    assert set(updated) <= {c["id"] for c in found}
    assert requests.get(url + "/tags", timeout=10).status_code == 401
    stats = requests.get(url + "/_sandbox/stats", timeout=10).json()
    assert stats["unauthorized"] == 1
    assert stats["statuses"]["401"] == 1
    bad = requests.post(url + "/_sandbox/control", json={"nonsense": 1}, timeout=10)
    assert bad.status_code == 400
    assert "nonsense" in bad.json()["error"]
    settings = requests.get(url + "/_sandbox/control", timeout=10).json()
    assert settings["counts"]["conversations"] == len(ws.conversations)
    assert start < end


def test_timezone_knob_moves_contact_days(intercom_sandbox: Sandbox) -> None:
    import datetime as dt
    import zoneinfo

    ws = intercom_sandbox.workspace
    updated = ws.contacts.updated

    def same_day(value: int, zone: str) -> set[str]:
        tz = zoneinfo.ZoneInfo(zone)
        day = dt.datetime.fromtimestamp(value, tz).date()
        return {
            ws.contact_id(i)
            for i, u in enumerate(updated)
            if dt.datetime.fromtimestamp(u, tz).date() == day
        }

    value = next(
        u for u in updated if same_day(u, "America/Los_Angeles") != same_day(u, "Europe/Dublin")
    )
    client = Client(intercom_sandbox)
    query = {"field": "updated_at", "operator": "=", "value": value}
    assert {c["id"] for c in client.search("/contacts/search", query)} == same_day(
        value, "America/Los_Angeles"
    )
    intercom_sandbox.control(timezone="Europe/Dublin")
    assert {c["id"] for c in client.search("/contacts/search", query)} == same_day(
        value, "Europe/Dublin"
    )


def test_token_list_is_configurable(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny")
    assert Client(sandbox, token="second").get("/tags").status_code == 401
    sandbox.control(tokens={"second": []})
    assert Client(sandbox, token="second").get("/tags").status_code == 200
    assert Client(sandbox, token=TOKEN).get("/tags").status_code == 200


def test_a_lost_scroll_answer_skips_a_page_for_a_naive_retry(
    sandbox_factory: t.Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory(companies=130)
    ws = sandbox.workspace
    client = Client(sandbox)
    first = client.get("/companies/scroll").json()
    sandbox.inject("/companies/scroll", status="reset_after")
    with pytest.raises(requests.ConnectionError):
        client.get("/companies/scroll", scroll_param=first["scroll_param"])
    retried = client.get("/companies/scroll", scroll_param=first["scroll_param"]).json()
    # Page two (rows 50..99) was served into the void: the retry returns page three.
    assert [c["id"] for c in retried["data"]] == [ws.company_id(i) for i in range(100, 130)]


def test_concurrent_readers_and_mutations(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    import concurrent.futures

    sandbox = sandbox_factory(rate_limit_per_10s=100_000)

    def read(k: int) -> set[int]:
        client = Client(sandbox)
        codes = set()
        for _ in range(15):
            codes.add(
                client.post("/conversations/search", {"pagination": {"per_page": 50}}).status_code
            )
            codes.add(client.get(f"/conversations/{1_000_000 + k}").status_code)
            codes.add(client.post("/contacts/search", {}).status_code)
        client.close()
        return codes

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        readers = [pool.submit(read, k) for k in range(1, 6)]
        for _ in range(20):
            sandbox.update("contacts", n=5)
            sandbox.add_parts(n=2, parts=1)
        codes = set().union(*(f.result() for f in readers))
    assert codes == {200}


def test_jitter_spreads_latency(sandbox_factory: t.Callable[..., Sandbox]) -> None:
    sandbox = sandbox_factory(size="tiny", jitter_ms=80)
    client = Client(sandbox)
    client.get("/tags")
    durations = []
    for _ in range(8):
        started = time.perf_counter()
        client.get("/tags")
        durations.append(time.perf_counter() - started)
    assert max(durations) - min(durations) > 0.01
    assert max(durations) < 0.5


def test_cursor_loops_and_non_json_answers_can_be_injected(
    sandbox_factory: t.Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory()
    client = Client(sandbox)
    first = client.post("/contacts/search", {"pagination": {"per_page": 20}}).json()
    cursor = first["pages"]["next"]["starting_after"]
    sandbox.inject("/contacts/search", status="cursor_loop")
    body = {"pagination": {"per_page": 20, "starting_after": cursor}}
    looped = client.post("/contacts/search", body).json()
    assert looped["pages"]["next"]["starting_after"] == cursor
    again = client.post("/contacts/search", body).json()
    assert again["data"] == looped["data"]
    assert again["pages"]["next"]["starting_after"] != cursor
    assert sandbox.stats()["injected_cursor_loops"] == 1
    sandbox.inject("/tags", status="bad_json")
    broken = client.get("/tags")
    assert broken.status_code == 200
    assert broken.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError, match="Expecting value"):
        broken.json()
    assert client.get("/tags").json()["type"] == "list"
