"""Calls, transcripts, handling events, company notes, workspace settings and custom objects."""

from __future__ import annotations

import typing as t

from devstack.intercom_sandbox import workspace_settings
from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_calls_are_numbered_pages_of_at_most_25(sandbox_client: Client) -> None:
    first = sandbox_client.get("/calls").json()
    assert first["pages"] == {"type": "pages", "page": 1, "per_page": 25, "total_pages": 3}
    assert "next" not in first["pages"]
    ids = [c["id"] for c in first["data"]]
    for page in (2, 3):
        ids += [c["id"] for c in sandbox_client.get("/calls", page=page).json()["data"]]
    assert len(ids) == len(set(ids)) == first["total_count"]
    refused = sandbox_client.get("/calls", per_page=26)
    assert (refused.status_code, error_code(refused)) == (400, "parameter_invalid")
    assert refused.json()["errors"][0]["message"] == "per_page must be less than or equal to 25"


def test_a_call_follows_its_conversation(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    call = sandbox_client.get("/calls").json()["data"][0]
    conversation = sandbox_client.get(f"/conversations/{call['conversation_id']}").json()
    assert call["created_at"] == conversation["created_at"]
    assert call["updated_at"] == conversation["updated_at"]
    intercom_sandbox.update("conversations", ids=[call["conversation_id"]], at=2_000_000_000)
    assert sandbox_client.get(f"/calls/{call['id']}").json()["updated_at"] == 2_000_000_000


def test_transcript_is_a_text_file(sandbox_client: Client) -> None:
    calls = sandbox_client.get("/calls").json()["data"]
    answered = next(c for c in calls if c["state"] == "completed")
    response = sandbox_client.get(f"/calls/{answered['id']}/transcript")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.text.startswith('[00:00:00] Teammate 1: "Hello')
    missed = next(c for c in calls if c["state"] == "missed")
    assert sandbox_client.get(f"/calls/{missed['id']}/transcript").text == ""
    unknown = sandbox_client.get("/calls/1/transcript")
    assert (unknown.status_code, error_code(unknown)) == (404, "call_not_found")


def test_calls_search_takes_1_to_20_conversation_ids(sandbox_client: Client) -> None:
    call = sandbox_client.get("/calls").json()["data"][0]
    found = sandbox_client.post("/calls/search", {"conversation_ids": [call["conversation_id"]]})
    [hit] = found.json()["data"]
    assert hit["id"] == call["id"]
    assert hit["transcript_status"] == "completed"
    assert hit["transcript"]
    for ids in ([], [str(n) for n in range(21)]):
        refused = sandbox_client.post("/calls/search", {"conversation_ids": ids})
        assert (refused.status_code, error_code(refused)) == (400, "parameter_invalid")


def test_handling_events_and_company_notes(sandbox_client: Client) -> None:
    events = sandbox_client.get("/conversations/1000000/handling_events").json()
    assert [e["type"] for e in events["handling_events"]] == ["paused", "resumed"]
    assert events["handling_events"][0]["reason"] == "Paused"
    assert sandbox_client.get("/conversations/1000001/handling_events").json() == {
        "handling_events": []
    }
    missing = sandbox_client.get("/conversations/999/handling_events")
    assert missing.status_code == 404
    company = sandbox_client.get("/companies/scroll").json()["data"]
    noted = [sandbox_client.get(f"/companies/{c['id']}/notes").json()["data"] for c in company]
    assert any(noted)
    for notes, owner in zip(noted, company, strict=True):
        assert {n["company"]["id"] for n in notes} <= {owner["id"]}


def test_new_endpoints_need_their_version(intercom_sandbox: Sandbox) -> None:
    for version, path in (
        ("2.13", "/calls"),
        ("2.13", "/away_status_reasons"),
        ("2.14", "/brands"),
        ("2.14", "/companies/c0/notes"),
        ("2.15", "/content_snippets"),
        ("2.15", "/office_hours_schedules"),
        ("2.15", "/admins/activity_log_event_types"),
        ("2.15", "/custom_object_instances/Order"),
        ("2.15", "/conversations/1000000/handling_events"),
    ):
        response = Client(intercom_sandbox, version=version).get(path)
        assert (response.status_code, error_code(response)) == (400, "intercom_version_invalid")
    assert Client(intercom_sandbox, version="2.13").get("/internal_articles").status_code == 200


def test_custom_object_types_are_named_by_relationship_attributes(
    sandbox_client: Client,
) -> None:
    attributes = sandbox_client.get("/conversations/attributes").json()["data"]
    named = [
        a["reference"]["object_type_id"] for a in attributes if a["data_type"] == "relationship"
    ]
    assert named == list(workspace_settings.CUSTOM_OBJECT_TYPES)
    first = sandbox_client.get("/custom_object_instances/Order").json()
    assert first["total_count"] == workspace_settings.CUSTOM_OBJECT_TYPES["Order"]
    assert first["pages"]["next"].endswith("/custom_object_instances/Order?page=2&per_page=20")
    one = first["data"][0]
    by_external = sandbox_client.get(
        "/custom_object_instances/Order", external_id=one["external_id"]
    )
    assert by_external.json() == one
    unknown = sandbox_client.get("/custom_object_instances/Shipment")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["message"] == "Custom object type `Shipment` not found"
