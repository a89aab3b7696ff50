"""Errors over real HTTP: scroll rules, 429, 5xx and resets, 401/403, 404 on a child."""

from __future__ import annotations

import threading
import time
import typing as t

import pytest
import requests

from tap_intercom.errors import IntercomAuthError, IntercomError
from tap_intercom.scroll import ScrollIncompleteError
from tests.tap.tap_helpers import TOKEN, base_config, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]
COMPANIES = ["companies", "company_segments"]


def company_ids(sb: Sandbox) -> set[str]:
    clean = run_tap(base_config(sb.url), streams=["companies"])
    return set(clean.ids("companies"))


def test_scroll_exists_waits_for_the_other_scroll(fresh_sandbox: SandboxFactory) -> None:
    # The idle time leaves room for the tap's start on a busy machine (it must find the scroll
    # still open); five waits of 1.5 s outlast it.
    sb = fresh_sandbox(size="tiny", scroll_idle_seconds=6)
    expected = company_ids(sb)
    # Another client opens the workspace's only scroll and leaves it idle.
    other = requests.get(
        sb.url + "/companies/scroll", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert other.status_code == 200
    started = time.monotonic()
    run = run_tap(base_config(sb.url, scroll_exists_wait_seconds=1.5), streams=COMPANIES)
    assert time.monotonic() - started >= 1.5
    assert set(run.ids("companies")) == expected
    assert sb.stats()["statuses"].get("400", 0) >= 1


@pytest.mark.parametrize("status", [404, 500], ids=["expired-404", "restart-500"])
def test_broken_scroll_restarts_and_deduplicates(
    fresh_sandbox: SandboxFactory, status: int
) -> None:
    # A 404 mid-scroll means the scroll expired (here: after half a second idle).
    sb = fresh_sandbox(companies=120, scroll_idle_seconds=0.5)
    expected = company_ids(sb)
    # The third page of the scroll fails: the scan starts over.
    sb.inject("/companies/scroll", status=status, count=1, skip=2)
    run = run_tap(base_config(sb.url, scroll_exists_wait_seconds=0.3), streams=COMPANIES)
    ids = run.ids("companies")
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert sb.stats()["endpoints"]["GET /companies/scroll"] > 4
    assert run.bookmark("companies") is not None


def test_incomplete_scan_never_moves_the_bookmark(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    first = run_tap(base_config(sb.url), streams=["companies"])
    sb.update("companies", n=3)
    sb.inject("/companies/scroll", status=500, count=1_000, skip=1)
    failed = run_tap(
        base_config(sb.url), streams=["companies"], state=first.final_state, expect_error=True
    )
    assert isinstance(failed.error, ScrollIncompleteError)
    assert failed.records("companies") == []
    assert all(
        s["bookmarks"]["companies"].get("replication_key_value") == first.bookmark("companies")
        for s in failed.states()
    )


def test_rate_limit_is_respected_and_429_waits_for_the_reset(
    fresh_sandbox: SandboxFactory,
) -> None:
    sb = fresh_sandbox(size="tiny", rate_limit_per_10s=5, rate_window_seconds=1)
    expected = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    sb.control(reset_stats=True)
    # A new run's first request (discovery's) is sent before any header has told it the
    # budget: it starts in a fresh window, as a run does that is not started right after
    # another.
    time.sleep(1.0)
    # Alone, the tap paces itself from the headers and is never refused.
    alone = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    assert sb.stats()["rate_limited"] == 0
    assert alone.requests.rate_limited == 0
    assert alone.limiter.waits > 0
    assert alone.ids("conversation_parts") == expected.ids("conversation_parts")

    # Another app sharing the budget spends it: the tap gets 429s, waits, and completes.
    stop = threading.Event()

    def competitor() -> None:
        session = requests.Session()
        while not stop.is_set():
            session.get(sb.url + "/tags", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    thread = threading.Thread(target=competitor, daemon=True)
    sb.control(reset_stats=True)
    thread.start()
    try:
        shared = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    finally:
        stop.set()
        thread.join(timeout=10)
    assert shared.requests.rate_limited > 0
    assert shared.ids("conversation_parts") == expected.ids("conversation_parts")


def test_injected_429s_are_retried(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny", rate_window_seconds=1)
    sb.inject("/tags", status=429, count=3)
    run = run_tap(base_config(sb.url), streams=["tags"])
    assert run.records("tags")
    assert sb.stats()["statuses"]["429"] == 3
    assert run.requests.rate_limited == 3


def test_server_errors_and_resets_are_retried(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    streams = ["contacts", "conversations", "conversation_parts", "tickets", "tags", "admins"]
    clean = run_tap(base_config(sb.url), streams=streams)
    sb.control(error_rate=0.15, reset_rate=0.1, reset_stats=True)
    faulty = run_tap(base_config(sb.url, max_retries=8), streams=streams)
    stats = sb.stats()
    assert stats["injected_errors"] > 0
    assert stats["injected_resets"] > 0
    for stream in streams:
        assert faulty.ids(stream) == clean.ids(stream), stream


def test_persistent_server_errors_end_the_run(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    sb.inject("/tags", status=503, count=100)
    run = run_tap(base_config(sb.url, max_retries=2), streams=["tags"], expect_error=True)
    assert isinstance(run.error, IntercomError)
    assert "503" in str(run.error)
    assert sb.stats()["endpoints"]["GET /tags"] == 3


def test_child_404_skips_that_parent(
    fresh_sandbox: SandboxFactory, caplog: pytest.LogCaptureFixture
) -> None:
    sb = fresh_sandbox(size="tiny")
    clean = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    parents = clean.ids("conversations")
    gone = parents[1]
    sb.inject(f"/conversations/{gone}", status=404, count=1)
    run = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    assert run.ids("conversations") == parents
    assert gone not in {p["conversation_id"] for p in run.records("conversation_parts")}
    others = [p for p in clean.records("conversation_parts") if p["conversation_id"] != gone]
    assert run.records("conversation_parts") == others
    assert any("Skipping conversation_parts" in m for m in caplog.messages)


def test_wrong_token_ends_the_run(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    config = base_config(sb.url, access_token="not-the-token")
    run = run_tap(config, streams=["tags", "admins"], expect_error=True)
    assert isinstance(run.error, IntercomAuthError)
    assert "access_token" in str(run.error)
    assert run.streams() == set()


def test_missing_scope_ends_only_that_stream(
    fresh_sandbox: SandboxFactory, caplog: pytest.LogCaptureFixture
) -> None:
    sb = fresh_sandbox(size="tiny", missing_scopes=["read_tickets"])
    run = run_tap(
        base_config(sb.url), streams=["tickets", "ticket_parts", "tags"], expect_error=True
    )
    assert run.records("tags")
    assert run.records("tickets") == []
    assert isinstance(run.error, IntercomError)
    assert "tickets" in str(run.error)
    assert any("read_tickets" in m for m in caplog.messages)


def test_pinned_version_is_sent_on_every_request(fresh_sandbox: SandboxFactory) -> None:
    # The app's own default is old; the tap's pinned Intercom-Version header wins.
    sb = fresh_sandbox(size="tiny", api_version="2.9")
    run = run_tap(base_config(sb.url), streams=["macros", "tickets", "deleted_conversations"])
    assert run.records("macros")
    assert run.records("tickets")
    statuses = sb.stats()["statuses"]
    assert set(statuses) == {"200"}


def test_requests_per_minute_ceiling(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny", conversations=26)
    streams = ["conversations", "conversation_parts", "tags"]
    started = time.monotonic()
    run = run_tap(base_config(sb.url, max_requests_per_minute=120), streams=streams)
    elapsed = time.monotonic() - started
    made = run.requests.requests
    # 2 requests a second after a burst of 20 (one 10-second window's worth).
    assert made > 20
    assert elapsed >= (made - 20) / 2 - 0.5
    assert run.limiter.waits > 0
    assert run.records("conversation_parts")
