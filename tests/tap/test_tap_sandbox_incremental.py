"""Incremental rules over real HTTP: day-safe contacts, second runs, resume, upper bound.

These tests do arithmetic on record timestamps and bookmarks, so they run the tap with
``timestamp_format: unix``; test_tap_timestamps.py checks that the ISO form (the default)
reads and writes the same bookmark seconds.
"""

from __future__ import annotations

import datetime
import time
import typing as t
import zoneinfo

import pytest

from tests.tap.tap_helpers import TapRun, run_tap
from tests.tap.tap_helpers import base_config as any_config

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]

INCREMENTAL = [
    "contacts",
    "conversations",
    "conversation_parts",
    "tickets",
    "ticket_parts",
    "companies",
    "deleted_conversations",
]


def base_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    return any_config(url, timestamp_format="unix", **overrides)


def state_for(stream: str, value: int) -> dict[str, t.Any]:
    return {
        "bookmarks": {stream: {"replication_key": "updated_at", "replication_key_value": value}}
    }


@pytest.mark.parametrize("timezone", ["America/Los_Angeles", "Pacific/Auckland", "UTC"])
def test_contacts_bookmark_day_is_not_skipped(fresh_sandbox: SandboxFactory, timezone: str) -> None:
    sb = fresh_sandbox(timezone=timezone)
    # 24 contacts updated across one local day: from its first second to its last.
    updated = sb.update("contacts", n=24, day="2026-10-15")
    everything = run_tap(base_config(sb.url), streams=["contacts"]).records("contacts")
    times = sorted(c["updated_at"] for c in everything if c["id"] in updated)
    bookmark = times[len(times) // 2] + 1  # mid-day, between two contacts
    zone = zoneinfo.ZoneInfo(timezone)

    def local_day(ts: int) -> datetime.date:
        return datetime.datetime.fromtimestamp(ts, tz=zone).date()

    same_day_after = [
        c
        for c in everything
        if c["updated_at"] >= bookmark and local_day(c["updated_at"]) == local_day(bookmark)
    ]
    assert same_day_after, "the test needs records later on the bookmark's own day"

    run = run_tap(base_config(sb.url), streams=["contacts"], state=state_for("contacts", bookmark))
    expected = {c["id"] for c in everything if c["updated_at"] >= bookmark}
    assert set(run.ids("contacts")) == expected


def test_second_run_reads_exactly_what_changed(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox()
    first = run_tap(base_config(sb.url), streams=INCREMENTAL)
    old = {
        name: first.bookmark(name) for name in ("contacts", "conversations", "tickets", "companies")
    }

    mutated_at = int(time.time())
    contacts = set(sb.update("contacts", n=5))
    conversations = set(sb.update("conversations", n=3))
    with_parts = set(sb.add_parts("conversations", n=2, parts=2))
    tickets = set(sb.update("tickets", n=3))
    companies = set(sb.update("companies", n=4))
    deleted = set(sb.delete_conversations(n=2))

    second = run_tap(base_config(sb.url), streams=INCREMENTAL, state=first.final_state)

    def boundary(stream: str) -> set[str]:
        # Inclusive windows re-read the records at the old bookmark second.
        return {r["id"] for r in first.records(stream) if r["updated_at"] == old.get(stream)}

    assert contacts <= set(second.ids("contacts")) <= contacts | boundary("contacts")
    changed = (conversations | with_parts) - deleted
    assert changed <= set(second.ids("conversations"))
    assert set(second.ids("conversations")) <= changed | boundary("conversations")
    assert tickets <= set(second.ids("tickets")) <= tickets | boundary("tickets")
    assert companies <= set(second.ids("companies")) <= companies | boundary("companies")
    old_deleted = first.bookmark("deleted_conversations")
    deleted_boundary = {
        r["id"] for r in first.records("deleted_conversations") if r["deleted_at"] == old_deleted
    }
    assert deleted <= set(second.ids("deleted_conversations")) <= deleted | deleted_boundary
    parts = second.records("conversation_parts")
    threshold = first.bookmark("conversation_parts")
    assert all(p["updated_at"] >= threshold for p in parts)
    assert {p["conversation_id"] for p in parts} <= changed | boundary("conversations")
    added = [p for p in parts if p["updated_at"] >= mutated_at]
    assert {p["conversation_id"] for p in added} == with_parts - deleted
    assert len(added) == 2 * len(with_parts - deleted)
    for stream in ("contacts", "conversations", "tickets", "companies", "conversation_parts"):
        assert second.bookmark(stream) >= first.bookmark(stream), stream


def test_third_run_without_changes_reads_only_the_boundary(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    first = run_tap(base_config(sb.url), streams=INCREMENTAL)
    second = run_tap(base_config(sb.url), streams=INCREMENTAL, state=first.final_state)
    for stream in ("contacts", "conversations", "tickets", "companies"):
        bookmark = first.bookmark(stream)
        assert all(r["updated_at"] == bookmark for r in second.records(stream)), stream
        assert second.bookmark(stream) == bookmark
    # Parts are re-read only for the boundary conversations, and only at the child bookmark.
    boundary = {
        c["id"]
        for c in first.records("conversations")
        if c["updated_at"] == first.bookmark("conversations")
    }
    for part in second.records("conversation_parts"):
        assert part["conversation_id"] in boundary
        assert part["updated_at"] >= first.bookmark("conversation_parts")
    assert second.bookmark("conversation_parts") == first.bookmark("conversation_parts")


def test_records_updated_after_the_upper_bound_wait_for_the_next_run(
    fresh_sandbox: SandboxFactory,
) -> None:
    sb = fresh_sandbox(size="tiny")
    future = int(time.time()) + 3_600  # as if updated while the run was going on
    late_contacts = set(sb.update("contacts", n=2, at=future))
    late_conversations = set(sb.update("conversations", n=2, at=future))
    run = run_tap(base_config(sb.url), streams=["contacts", "conversations", "companies"])
    # The run's upper bound is its own start, which a loaded machine puts seconds after the
    # test's clock reading: the bookmark may not pass the end of the run.
    finished = int(time.time())
    assert not late_contacts & set(run.ids("contacts"))
    assert not late_conversations & set(run.ids("conversations"))
    for stream in ("contacts", "conversations", "companies"):
        assert run.bookmark(stream) <= finished, stream
    # A later run (here: one whose upper bound is past the update) reads them.
    later = run_tap(
        base_config(sb.url, indexing_delay=-7_200),
        streams=["contacts", "conversations"],
        state=run.final_state,
    )
    assert late_contacts <= set(later.ids("contacts"))
    assert late_conversations <= set(later.ids("conversations"))


def test_indexing_delay_holds_the_upper_bound_back(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny")
    recent = set(sb.update("contacts", n=3, at=int(time.time()) - 60))
    run = run_tap(base_config(sb.url, indexing_delay=300), streams=["contacts"])
    assert not recent & set(run.ids("contacts"))
    assert run.bookmark("contacts") <= int(time.time()) - 300 + 1


def records_before(run: TapRun, state_index: int) -> TapRun:
    """The messages a run had written when it wrote its ``state_index``-th STATE."""
    seen = 0
    for position, message in enumerate(run.messages):
        if message["type"] == "STATE":
            if seen == state_index:
                return TapRun(run.messages[: position + 1])
            seen += 1
    raise AssertionError("no such STATE")


def keys(run: TapRun, stream: str) -> set[str]:
    return set(run.ids(stream))


@pytest.mark.parametrize("which", ["early", "middle", "late"])
def test_resume_from_any_state_ends_with_the_same_records(
    fresh_sandbox: SandboxFactory, which: str
) -> None:
    sb = fresh_sandbox()
    streams = ["contacts", "conversations", "conversation_parts", "tickets", "ticket_parts"]
    first = run_tap(base_config(sb.url), streams=streams)
    # Rerun from a mid-run STATE of an earlier run after changes happened: a resumed run.
    baseline = run_tap(base_config(sb.url), streams=streams, state=first.final_state)
    assert baseline.records("contacts") is not None
    sb.update("conversations", n=20)
    sb.add_parts("conversations", n=10, parts=1)
    sb.update("contacts", n=30)
    sb.update("tickets", n=5)
    uninterrupted = run_tap(base_config(sb.url), streams=streams, state=first.final_state)

    states = uninterrupted.states()
    assert len(states) >= 4
    index = {"early": 1, "middle": len(states) // 2, "late": len(states) - 2}[which]
    interrupted = records_before(uninterrupted, index)
    resumed = run_tap(base_config(sb.url), streams=streams, state=interrupted.final_state)
    for stream in streams:
        combined = keys(interrupted, stream) | keys(resumed, stream)
        assert combined == keys(uninterrupted, stream), stream
    for stream in ("conversations", "conversation_parts", "contacts"):
        assert resumed.bookmark(stream) == uninterrupted.bookmark(stream), stream


def test_child_bookmark_is_monotonic_across_resume(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox()
    first = run_tap(base_config(sb.url), streams=["conversations", "conversation_parts"])
    sb.add_parts("conversations", n=30, parts=1)
    second = run_tap(
        base_config(sb.url),
        streams=["conversations", "conversation_parts"],
        state=first.final_state,
    )
    values = [
        s["bookmarks"]["conversation_parts"].get("replication_key_value")
        for s in second.states()
        if "conversation_parts" in s["bookmarks"]
    ]
    values = [v for v in values if v is not None]
    assert values == sorted(values)
    # While the parent runs the child's bookmark stays at its starting value.
    assert values[0] == first.bookmark("conversation_parts")
    assert values[-1] > values[0]


@pytest.mark.parametrize("timezone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_parallel_contact_slices_equal_one_search(
    fresh_sandbox: SandboxFactory, timezone: str
) -> None:
    sb = fresh_sandbox(contacts=1_200, timezone=timezone, latency_ms=2)
    serial = run_tap(base_config(sb.url, max_concurrency=1), streams=["contacts"])
    sliced = run_tap(base_config(sb.url, max_concurrency=8), streams=["contacts"])
    assert len(serial.ids("contacts")) == 1_200
    assert sliced.ids("contacts") == serial.ids("contacts")
    times = [c["updated_at"] for c in sliced.records("contacts")]
    assert times == sorted(times)
    assert sliced.bookmark("contacts") == serial.bookmark("contacts")
    # Resuming from a mid-run STATE of the sliced read loses nothing.
    middle = records_before(sliced, len(sliced.states()) // 2)
    resumed = run_tap(
        base_config(sb.url, max_concurrency=8), streams=["contacts"], state=middle.final_state
    )
    assert keys(middle, "contacts") | keys(resumed, "contacts") == keys(sliced, "contacts")
