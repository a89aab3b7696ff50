"""Conversation and ticket parts (500 cap), embedded contact lists (10 cap), deletions."""

from __future__ import annotations

import typing as t

from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_conversation_returns_the_most_recent_500_parts_and_the_true_total(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    conversation = sandbox_client.get(f"/conversations/{ws.conversation_id(1)}").json()
    parts = conversation["conversation_parts"]
    assert parts["type"] == "conversation_part.list"
    assert parts["total_count"] == 520
    assert len(parts["conversation_parts"]) == 500
    ids = [int(p["id"]) for p in parts["conversation_parts"]]
    base = int(ws.conversation_id(1)) * 100_000
    assert ids == [base + j for j in range(20, 520)]  # the 20 oldest are cut
    times = [p["created_at"] for p in parts["conversation_parts"]]
    assert times == sorted(times)
    assert parts["conversation_parts"][-1]["created_at"] == ws.conversations.generated_updated[1]
    assert conversation["statistics"]["count_conversation_parts"] == 520
    # Search results are list items: no parts.
    found = sandbox_client.post(
        "/conversations/search", {"query": {"field": "id", "operator": "=", "value": "1000001"}}
    ).json()["conversations"]
    assert [c["id"] for c in found] == ["1000001"]
    assert "conversation_parts" not in found[0]


def test_added_parts_are_the_newest_and_move_updated_at(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    moment = ws.anchor + 5_000
    intercom_sandbox.set_clock(moment)
    conversation_id = ws.conversation_id(1)
    assert intercom_sandbox.add_parts(ids=[conversation_id], parts=3) == [conversation_id]
    conversation = sandbox_client.get(f"/conversations/{conversation_id}").json()
    parts = conversation["conversation_parts"]
    assert parts["total_count"] == 523
    assert len(parts["conversation_parts"]) == 500
    assert [p["created_at"] for p in parts["conversation_parts"][-3:]] == [moment] * 3
    assert conversation["updated_at"] == moment
    small = ws.conversation_id(2)
    before = sandbox_client.get(f"/conversations/{small}").json()["conversation_parts"][
        "total_count"
    ]
    intercom_sandbox.add_parts(ids=[small], parts=2)
    after = sandbox_client.get(f"/conversations/{small}").json()["conversation_parts"]
    assert after["total_count"] == before + 2 == len(after["conversation_parts"])


def test_ticket_parts_have_the_same_cap(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    ticket = sandbox_client.get(f"/tickets/{ws.ticket_id(1)}").json()
    assert ticket["type"] == "ticket"
    assert ticket["ticket_parts"]["total_count"] == 505
    assert len(ticket["ticket_parts"]["ticket_parts"]) == 500
    assert ticket["ticket_parts"]["ticket_parts"][0]["type"] == "ticket_part"
    assert sandbox_client.get("/tickets/1").status_code == 404


def test_contact_embedded_lists_stop_at_10_with_has_more_and_a_url(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    contact_id = ws.contact_id(1)
    contact = sandbox_client.post(
        "/contacts/search", {"query": {"field": "id", "operator": "=", "value": contact_id}}
    ).json()["data"][0]
    for name, total in (("tags", 13), ("companies", 11), ("notes", 12)):
        embedded = contact[name]
        assert len(embedded["data"]) == 10
        assert embedded["total_count"] == total
        assert embedded["has_more"] is True
        assert embedded["url"] == f"/contacts/{contact_id}/{name}"
    tags = sandbox_client.get(f"/contacts/{contact_id}/tags").json()
    assert tags["type"] == "list"
    assert len(tags["data"]) == 13
    assert [t_["id"] for t_ in tags["data"][:10]] == [t_["id"] for t_ in contact["tags"]["data"]]
    companies = sandbox_client.get(f"/contacts/{contact_id}/companies").json()
    assert companies["total_count"] == 11
    assert {c["type"] for c in companies["data"]} == {"company"}
    notes = sandbox_client.get(f"/contacts/{contact_id}/notes", per_page=5).json()
    assert notes["total_count"] == 12
    assert len(notes["data"]) == 5
    assert notes["pages"]["total_pages"] == 3
    assert notes["data"][0]["type"] == "note"
    segments = sandbox_client.get(f"/contacts/{contact_id}/segments").json()
    assert segments["type"] == "list"
    # A contact with few tags says so.
    plain = next(
        ws.contact(i)
        for i in range(len(ws.contacts))
        if 0 < ws.contact(i)["tags"]["total_count"] < 10
    )
    assert plain["tags"]["has_more"] is False
    assert len(plain["tags"]["data"]) == plain["tags"]["total_count"]
    missing = sandbox_client.get("/contacts/000000000000000000000000/tags")
    assert missing.status_code == 404
    assert error_code(missing) == "not_found"


def test_deleted_conversations_leave_search_and_join_the_deleted_list(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    before = sandbox_client.get("/conversations/deleted", per_page=60).json()
    assert before["type"] == "conversations.list"
    initially = before["total_count"]
    assert initially == len(ws.conversations.deleted) > 0
    moment = ws.anchor + 7_200
    intercom_sandbox.set_clock(moment)
    victim = ws.conversation_id(3)
    assert intercom_sandbox.delete_conversations(ids=[victim]) == [victim]
    assert sandbox_client.get(f"/conversations/{victim}").status_code == 404
    everything = {c["id"] for c in sandbox_client.search("/conversations/search")}
    assert victim not in everything
    assert len(everything) == len(ws.conversations) - initially - 1
    listed = sandbox_client.get("/conversations/deleted", per_page=60, order="asc").json()
    assert listed["total_count"] == initially + 1
    entry = next(c for c in listed["conversations"] if c["id"] == victim)
    assert entry == {
        "type": "conversation",
        "id": victim,
        "metrics_retained": entry["metrics_retained"],
        "deleted_at": moment,
    }
    ids = [int(c["id"]) for c in listed["conversations"]]
    assert ids == sorted(ids)


def test_deleted_conversations_page_by_number(sandbox_client: Client) -> None:
    first = sandbox_client.get("/conversations/deleted", per_page=2).json()
    assert first["pages"]["page"] == 1
    assert first["pages"]["per_page"] == 2
    assert first["pages"]["total_pages"] == -(-first["total_count"] // 2)
    assert "page=2" in first["pages"]["next"]
    second = sandbox_client.session.get(first["pages"]["next"], timeout=10).json()
    assert second["pages"]["page"] == 2
    assert {c["id"] for c in first["conversations"]}.isdisjoint(
        {c["id"] for c in second["conversations"]}
    )
    ids = [int(c["id"]) for c in first["conversations"] + second["conversations"]]
    assert ids == sorted(ids, reverse=True)
    too_many = sandbox_client.get("/conversations/deleted", per_page=61)
    assert too_many.status_code == 400
    assert error_code(too_many) == "parameter_invalid"


def test_field_updates_show_in_records_and_search(intercom_sandbox: Sandbox) -> None:
    client = Client(intercom_sandbox)
    ws = intercom_sandbox.workspace
    intercom_sandbox.set_clock(ws.anchor + 600)
    tag_ids = [ws.tag_id(k) for k in range(12)]
    (contact_id,) = intercom_sandbox.update(
        "contacts",
        ids=[ws.contact_id(5)],
        fields={
            "email": "renamed@example.org",
            "custom_attributes.plan": "gold",
            "tag_ids": tag_ids,
        },
    )
    found = client.search(
        "/contacts/search", {"field": "email", "operator": "=", "value": "renamed@example.org"}
    )
    assert [c["id"] for c in found] == [contact_id]
    record = found[0]
    assert record["updated_at"] == ws.anchor + 600
    assert record["custom_attributes"]["plan"] == "gold"
    assert record["tags"]["total_count"] == 12
    assert record["tags"]["has_more"] is True
    listed = client.get(f"/contacts/{contact_id}/tags").json()["data"]
    assert [t_["id"] for t_ in listed] == tag_ids
    (conversation_id,) = intercom_sandbox.update(
        "conversations", ids=["1000002"], fields={"state": "snoozed"}
    )
    snoozed = client.search(
        "/conversations/search", {"field": "state", "operator": "=", "value": "snoozed"}
    )
    assert conversation_id in {c["id"] for c in snoozed}


def test_display_as_plaintext_strips_markup(sandbox_client: Client) -> None:
    html = sandbox_client.get("/conversations/1000002").json()
    plain = sandbox_client.get("/conversations/1000002", display_as="plaintext").json()
    assert html["source"]["body"].startswith("<p>")
    assert plain["source"]["body"] == html["source"]["body"].removeprefix("<p>").removesuffix(
        "</p>"
    )
    bodies = [p["body"] for p in plain["conversation_parts"]["conversation_parts"] if p["body"]]
    assert bodies
    assert not any("<" in b for b in bodies)


def test_merged_contacts_leave_search_and_answer_410(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    users = [i for i in range(len(ws.contacts)) if ws.contact(i)["role"] == "user"]
    target, source, second = users[0], users[1], users[2]
    moment = ws.anchor + 900
    intercom_sandbox.set_clock(moment)
    merged = intercom_sandbox.merge_contacts(
        ids=[ws.contact_id(source)], into=ws.contact_id(target)
    )
    assert merged == [ws.contact_id(source)]
    # The control endpoint merges too.
    intercom_sandbox.control(
        mutations=[
            {
                "op": "merge",
                "kind": "contacts",
                "ids": [ws.contact_id(second)],
                "into": ws.contact_id(target),
            }
        ]
    )
    everyone = {c["id"] for c in sandbox_client.search("/contacts/search")}
    assert ws.contact_id(source) not in everyone
    assert ws.contact_id(second) not in everyone
    assert len(everyone) == len(ws.contacts) - 2
    gone = sandbox_client.get(f"/contacts/{ws.contact_id(source)}")
    assert gone.status_code == 410
    assert error_code(gone) == "contact_merged"
    assert gone.headers["Link"] == f'</contacts/{ws.contact_id(target)}>; rel="canonical"'
    shown = sandbox_client.get(
        f"/contacts/{ws.contact_id(target)}", include_merge_history="true"
    ).json()
    assert shown["updated_at"] == moment
    assert [(m["source_contact_id"], m["merged_at"]) for m in shown["merge_history"]] == [
        (ws.contact_id(source), moment),
        (ws.contact_id(second), moment),
    ]
    plain = sandbox_client.get(f"/contacts/{ws.contact_id(target)}").json()
    assert plain["merge_history"] is None
    assert sandbox_client.get(f"/contacts/{ws.contact_id(source)}/tags").status_code == 404
