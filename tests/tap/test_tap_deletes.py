"""Deleted conversations reach the conversations stream as Singer delete records."""

from __future__ import annotations

import datetime as dt
import typing as t

from tests.tap.tap_helpers import base_config, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_each_deletion_is_a_conversations_record(
    fresh_sandbox: t.Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(size="tiny")
    first = run_tap(base_config(sandbox.url), streams=["conversations", "deleted_conversations"])
    live = set(first.ids("conversations"))
    at = int(dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc).timestamp())
    deleted = sandbox.delete_conversations(ids=sorted(live)[:3], at=at)

    run = run_tap(
        base_config(sandbox.url),
        streams=["conversations", "deleted_conversations"],
        state=first.final_state,
    )

    schema = run.schema("conversations")["schema"]["properties"]["_sdc_deleted_at"]
    assert schema == {
        "description": "Set when the conversation was deleted (ISO 8601 UTC).",
        "type": ["string", "null"],
        "format": "date-time",
    }
    markers = [r for r in run.records("conversations", deletes=True) if "_sdc_deleted_at" in r]
    assert sorted(markers, key=lambda r: r["id"]) == [
        {"id": cid, "_sdc_deleted_at": "2026-10-01T00:00:00+00:00"} for cid in sorted(deleted)
    ]
    assert sorted(run.ids("deleted_conversations")) == sorted(deleted)
    # The markers do not move the conversations bookmark.
    assert run.bookmark("conversations") == first.bookmark("conversations")


def test_no_delete_records_when_conversations_is_not_selected(
    fresh_sandbox: t.Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(size="tiny")
    sandbox.delete_conversations(n=2, at=1_780_000_000)
    run = run_tap(base_config(sandbox.url), streams=["deleted_conversations"])
    assert len(run.ids("deleted_conversations")) >= 2
    assert "conversations" not in run.streams()
    assert not run.records("conversations", deletes=True)
