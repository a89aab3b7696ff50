"""A full sync against the sandbox: every stream, typed schemas, hydration, part counts."""

from __future__ import annotations

import logging
import typing as t

import pytest
import requests

from tap_intercom.streams import STREAM_TYPES
from tests.tap.tap_helpers import (
    EVERY_STREAM,
    TOKEN,
    TapRun,
    base_config,
    every_stream_name,
    run_tap,
)

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


@pytest.fixture(scope="module")
def full_run(sandbox: Sandbox) -> TapRun:
    return run_tap(base_config(sandbox.url, **EVERY_STREAM))


def api(sandbox: Sandbox, path: str, **params: t.Any) -> t.Any:
    response = requests.get(
        sandbox.url + path,
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}", "Intercom-Version": "2.16"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def test_every_stream_has_records(full_run: TapRun) -> None:
    assert full_run.streams() == every_stream_name()


def test_primary_keys_are_unique_within_the_run(full_run: TapRun) -> None:
    for stream in STREAM_TYPES:
        keys = [
            tuple(record[k] for k in stream.primary_keys)
            for record in full_run.records(stream.name)
        ]
        assert len(keys) == len(set(keys)), stream.name


def test_counts_match_the_workspace(sandbox: Sandbox, full_run: TapRun) -> None:
    counts = sandbox.control()["settings"]["counts"]
    assert len(full_run.records("contacts")) == counts["contacts"]
    assert len(full_run.records("companies")) == counts["companies"]
    assert len(full_run.records("tickets")) == counts["tickets"]
    deleted = len(full_run.records("deleted_conversations"))
    assert len(full_run.records("conversations")) + deleted == counts["conversations"]
    markers = full_run.records("conversations", deletes=True)[
        len(full_run.records("conversations")) :
    ]
    assert sorted(m["id"] for m in markers) == sorted(full_run.ids("deleted_conversations"))


def test_bookmarks_do_not_pass_the_upper_bound(full_run: TapRun) -> None:
    state = full_run.final_state["bookmarks"]
    for name in ("contacts", "conversations", "tickets", "companies", "conversation_parts"):
        assert state[name]["replication_key"] == "updated_at"
        newest = max(r["updated_at"] for r in full_run.records(name))
        assert state[name]["replication_key_value"] == newest


def test_custom_attributes_are_typed_from_data_attributes(
    sandbox: Sandbox, full_run: TapRun
) -> None:
    attributes = api(sandbox, "/data_attributes", model="contact")["data"]
    custom = {a["name"]: a["data_type"] for a in attributes if a.get("custom")}
    assert custom, "the sandbox workspace has custom contact attributes"
    typed = full_run.schema("contacts")["schema"]["properties"]["custom_attributes"]
    expected = {
        "string": "string",
        "integer": "integer",
        "float": "number",
        "boolean": "boolean",
        "date": "string",  # ISO 8601 date-time (timestamp_format: iso, the default)
    }
    for name, data_type in custom.items():
        assert typed["properties"][name]["type"] == [expected[data_type], "null"], name
    for record in full_run.records("contacts"):
        for name, value in (record.get("custom_attributes") or {}).items():
            if name in custom and value is not None:
                kind = typed["properties"][name]["type"][0]
                python = {"string": str, "integer": int, "boolean": bool}.get(kind)
                if python is not None:
                    assert isinstance(value, python), (name, value)


def test_embedded_lists_over_ten_are_completed(sandbox: Sandbox, full_run: TapRun) -> None:
    hydrated = 0
    for record in full_run.records("contacts"):
        for field, path, key in (("tags", "tags", "data"), ("companies", "companies", "companies")):
            embedded = record[field]
            assert embedded["has_more"] is False
            if embedded["total_count"] > 10:
                hydrated += 1
                full = api(sandbox, f"/contacts/{record['id']}/{path}")
                ids = {item["id"] for item in full[key]}
                assert {item["id"] for item in embedded["data"]} == ids
    assert hydrated > 0, "the sandbox has contacts with more than 10 tags or companies"


def test_parts_carry_their_parent_and_flag_truncation(
    full_run: TapRun, caplog: pytest.LogCaptureFixture
) -> None:
    conversations = {c["id"]: c for c in full_run.records("conversations")}
    parts = full_run.records("conversation_parts")
    truncated = {p["conversation_id"] for p in parts if p["conversation_parts_truncated"]}
    assert truncated, "the sandbox has a conversation with more than 500 parts"
    for part in parts:
        parent = conversations[part["conversation_id"]]
        assert part["conversation_updated_at"] == parent["updated_at"]
        assert part["conversation_created_at"] == parent["created_at"]
        if part["conversation_parts_truncated"]:
            assert part["conversation_total_parts"] > 500
    for conversation_id in truncated:
        count = sum(1 for p in parts if p["conversation_id"] == conversation_id)
        assert count == 500
    ticket_parts = full_run.records("ticket_parts")
    assert any(p["ticket_parts_truncated"] for p in ticket_parts)


def test_truncation_is_logged(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run_tap(base_config(sandbox.url), streams=["conversation_parts"])
    assert any("the API returned only the most recent 500" in m for m in caplog.messages)


def test_output_order_is_deterministic_with_concurrency(
    fresh_sandbox: t.Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(size="tiny", latency_ms=5)
    streams = ["conversations", "conversation_parts", "companies", "company_segments"]
    serial = run_tap(base_config(sb.url, max_concurrency=1), streams=streams)
    parallel = run_tap(base_config(sb.url, max_concurrency=16), streams=streams)
    assert serial.records("company_segments")
    for name in streams:
        assert parallel.ids(name) == serial.ids(name), name


def test_contact_notes_are_opt_in(sandbox: Sandbox) -> None:
    run = run_tap(base_config(sandbox.url), streams=["contacts", "contact_notes"])
    assert "contact_notes" not in run.streams()
    assert run.records("contacts")
