"""The webhook receiver of a real tap process: signature, spool, answers, SIGTERM."""

from __future__ import annotations

import json
import time
import typing as t

from tap_intercom.windows import iso_utc
from tests.tap.tap_helpers import TOKEN
from tests.tap.webhook_helpers import (
    WebhookTap,
    notification,
    records,
    sign,
    states,
    webhook_config,
)

if t.TYPE_CHECKING:
    import pathlib

    from devstack.intercom_sandbox import Sandbox


def contact(cid: str, updated_at: int, name: str) -> dict[str, t.Any]:
    return {"type": "contact", "id": cid, "name": name, "updated_at": updated_at, "role": "user"}


def emitted(item: dict[str, t.Any]) -> dict[str, t.Any]:
    """An item as the tap emits it by default (``timestamp_format: iso``)."""
    return {**item, "updated_at": iso_utc(item["updated_at"])}


def test_receiver_checks_signature_first_and_emits_what_it_accepted(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    tap = WebhookTap(tmp_path, webhook_config(sandbox.url, TOKEN, tmp_path / "spool"))
    try:
        tap.wait_listening()
        good = notification(
            "contact.user.updated", contact("c1", 100, "Ada"), nid="n1", created_at=100
        )
        assert tap.post(good).status_code == 200
        assert tap.post(good).status_code == 200  # a redelivery: accepted, not emitted again
        forged = notification(
            "contact.user.updated", contact("c1", 999, "Eve"), nid="n2", created_at=101
        )
        assert tap.post(forged, signature=sign(forged, "wrong")).status_code == 401
        assert tap.post(forged, signature="").status_code == 401
        unsigned = tap.post(forged, signature="sha1=")
        assert unsigned.status_code == 401
        garbage = b'{"not": "a notification"}'
        assert tap.post(garbage).status_code == 400
    finally:
        status = tap.terminate()
    assert status == 0, tap.stderr()[-3000:]
    messages = tap.messages()
    assert records(messages, "contacts") == [emitted(contact("c1", 100, "Ada"))]
    assert states(messages)[-1]["bookmarks"]["webhook_spool"] == {"position": 1}
    log = tap.stderr()
    assert "1 accepted, 1 duplicates, 3 bad signatures, 1 malformed" in log
    assert "intercom-client-secret-for-tests" not in log


def conversation(cid: str, updated_at: int, state: str, parts: list[dict[str, t.Any]]) -> dict:
    return {
        "type": "conversation",
        "id": cid,
        "created_at": 50,
        "updated_at": updated_at,
        "state": state,
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": 10,
        },
    }


def part(pid: str, at: int) -> dict[str, t.Any]:
    return {"type": "conversation_part", "id": pid, "part_type": "comment", "updated_at": at}


def test_order_of_delivery_never_makes_a_row_older(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    """Late deliveries: older versions, an update after a delete, superseded parts."""
    deliveries = [
        ("contact.user.updated", contact("c1", 300, "newest"), 300),
        ("contact.user.updated", contact("c1", 200, "older"), 200),  # late: never emitted
        ("conversation.admin.replied", conversation("9", 400, "open", [part("p2", 400)]), 400),
        # A delivery superseded by the one above still brings its own part.
        ("conversation.admin.replied", conversation("9", 390, "open", [part("p1", 390)]), 390),
        ("conversation.deleted", {"type": "conversation", "id": "9"}, 500),
        ("conversation.admin.closed", conversation("9", 450, "closed", []), 450),  # no revival
        ("conversation.deleted", {"type": "conversation", "id": "9"}, 501),  # once is enough
        ("contact.tag.created", {"type": "contact_tag", "tag": {}, "contact": {}}, 510),
        ("visitor.signed_up", {"type": "visitor", "id": "v1"}, 511),
        ("ping", {"type": "ping", "message": "hi"}, 512),
    ]
    tap = WebhookTap(tmp_path, webhook_config(sandbox.url, TOKEN, tmp_path / "spool"))
    try:
        tap.wait_listening()
        for k, (topic, item, created) in enumerate(deliveries):
            body = notification(topic, item, nid=f"n{k}", created_at=created)
            assert tap.post(body).status_code == 200
    finally:
        status = tap.terminate()
    assert status == 0, tap.stderr()[-3000:]
    messages = tap.messages()
    assert records(messages, "contacts") == [emitted(contact("c1", 300, "newest"))]
    conversations = records(messages, "conversations")
    assert [(r.get("updated_at"), r.get("_sdc_deleted_at")) for r in conversations] == [
        (iso_utc(400), None),
        (None, iso_utc(500)),
    ]
    assert "conversation_parts" not in conversations[0]
    parts = records(messages, "conversation_parts")
    assert [(p["id"], p["conversation_id"], p["conversation_parts_truncated"]) for p in parts] == [
        ("p2", "9", False),
        ("p1", "9", False),
    ]
    schema = next(m for m in messages if m["type"] == "SCHEMA" and m["stream"] == "conversations")
    assert schema["key_properties"] == ["id"]
    assert "_sdc_deleted_at" in schema["schema"]["properties"]
    log = tap.stderr()
    assert "Webhook topic contact.tag.created has no stream: kept in the spool" in log
    assert "Webhook topic visitor.signed_up has no stream: kept in the spool" in log
    assert "ping" not in log.split("unmapped topics:")[1].split(";")[0]
    assert states(messages)[-1]["bookmarks"]["webhook_spool"] == {"position": len(deliveries)}


def test_restart_replays_only_what_the_committed_state_does_not_cover(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    spool = tmp_path / "spool"
    config = webhook_config(sandbox.url, TOKEN, spool)
    first = WebhookTap(tmp_path, config, name="first")
    first.wait_listening()
    for k in range(1, 6):
        body = notification(
            "company.updated", company(f"co{k}", 100 + k), nid=f"n{k}", created_at=k
        )
        assert first.post(body).status_code == 200
    # A target committed position 3, so the tap had emitted at least that far (and
    # remembered the versions it emitted); kill -9 then: what was spooled is on disk.
    first.wait_emitted(3)
    first.kill()
    committed = {
        "bookmarks": {"contacts": {"replication_key_value": 7}, "webhook_spool": {"position": 3}}
    }
    second = WebhookTap(tmp_path, config, state=committed, name="second")
    try:
        second.wait_listening()
        # Late copies: of a company already committed (n1) and of a replayed one (n4).
        late = notification("company.updated", company("co1", 50), nid="late-1", created_at=1)
        assert second.post(late).status_code == 200
        late = notification("company.updated", company("co4", 60), nid="late-4", created_at=4)
        assert second.post(late).status_code == 200
        again = notification("company.updated", company("co5", 105), nid="n5", created_at=5)
        assert second.post(again).status_code == 200  # the id is known: not spooled again
    finally:
        status = second.terminate()
    assert status == 0, second.stderr()[-3000:]
    messages = second.messages()
    assert [r["id"] for r in records(messages, "companies")] == ["co4", "co5"]
    final = states(messages)[-1]
    # The input's other bookmarks pass through, in this run's timestamp form.
    assert final == {
        "bookmarks": {
            "contacts": {"replication_key_value": iso_utc(7)},
            "webhook_spool": {"position": 7},
        }
    }
    assert "1 duplicates" in second.stderr()


def company(cid: str, updated_at: int) -> dict[str, t.Any]:
    return {"type": "company", "id": cid, "name": f"Company {cid}", "updated_at": updated_at}


def test_full_spool_answers_429_and_keeps_nothing(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    config = webhook_config(sandbox.url, TOKEN, tmp_path / "spool", webhook_spool_max_rows=2)
    tap = WebhookTap(tmp_path, config)
    try:
        tap.wait_listening()
        answers = [
            tap.post(
                notification("company.updated", company(f"co{k}", k), nid=f"n{k}", created_at=k)
            )
            for k in range(3)
        ]
    finally:
        status = tap.terminate()
    assert status == 0
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "60"
    assert [r["id"] for r in records(tap.messages(), "companies")] == ["co0", "co1"]


def test_webhook_mode_without_a_secret_is_one_line_and_exit_1(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    config = webhook_config(sandbox.url, TOKEN, tmp_path / "spool")
    del config["webhook_client_secret"]
    tap = WebhookTap(tmp_path, config)
    assert tap.wait(60) == 1
    log = tap.stderr()
    assert "Traceback" not in log
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "mode webhooks needs webhook_client_secret (the Intercom app's client secret)"
    )
    assert tap.messages() == []


def test_target_gone_ends_the_tap_with_one_line_and_keeps_the_spool(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    import subprocess

    config = webhook_config(sandbox.url, TOKEN, tmp_path / "spool")
    tap = WebhookTap(tmp_path, config, stdout=subprocess.PIPE)
    assert tap.process.stdout is not None
    tap.process.stdout.close()  # the reading end is gone, as when the target was killed
    # The first write (the STATE at start) fails.
    assert tap.wait(60) == 1
    log = tap.stderr()
    assert "Traceback" not in log
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "stdout closed (the target went away): notifications after position 0 stay spooled "
        "for the next run"
    )


def test_contact_lists_are_completed_as_in_poll_mode(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    ws = sandbox.workspace
    index = next(i for i in range(len(ws.contacts)) if ws.contact(i)["tags"].get("has_more"))
    delivered = ws.contact(index)
    gone = {**delivered, "id": "0" * 24}  # a contact the API no longer has
    tap = WebhookTap(tmp_path, webhook_config(sandbox.url, TOKEN, tmp_path / "spool"))
    try:
        tap.wait_listening()
        for k, item in enumerate((delivered, gone)):
            body = notification("contact.user.updated", item, nid=f"n{k}", created_at=1)
            assert tap.post(body).status_code == 200
    finally:
        status = tap.terminate()
    assert status == 0, tap.stderr()[-3000:]
    completed, kept = records(tap.messages(), "contacts")
    total = delivered["tags"]["total_count"]
    assert len(delivered["tags"]["data"]) < total
    assert len(completed["tags"]["data"]) == total
    assert completed["tags"]["has_more"] is False
    assert kept["tags"] == delivered["tags"]
    assert f"contacts {'0' * 24}: left as delivered" in tap.stderr()


def test_a_slow_target_gets_429_until_it_catches_up(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    import subprocess
    import threading

    config = webhook_config(sandbox.url, TOKEN, tmp_path / "spool", webhook_max_backlog=3)
    tap = WebhookTap(tmp_path, config, stdout=subprocess.PIPE)
    assert tap.process.stdout is not None
    tap.wait_listening()
    padding = "x" * 40_000  # a few records fill the pipe nobody reads yet
    answers = []
    for k in range(40):
        item = {**company(f"co{k}", k + 1), "name": padding}
        body = notification("company.updated", item, nid=f"n{k}", created_at=k)
        answers.append(tap.post(body))
        if answers[-1].status_code == 429:
            break
    assert answers[-1].status_code == 429
    assert answers[-1].text == "target behind"
    accepted = len(answers) - 1
    # The target catches up: stdout is read again, and deliveries are taken again.
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(tap.process.stdout.read()))
    reader.start()
    retried = answers[-1].request.body
    assert isinstance(retried, bytes)
    throttled = 1
    for _ in range(100):
        again = tap.post(retried)
        if again.status_code == 200:
            break
        throttled += 1
        time.sleep(0.1)
    assert again.status_code == 200
    assert tap.terminate() == 0
    reader.join(30)
    tap.process.stdout.close()
    lines = b"".join(output).decode().splitlines()
    emitted = [json.loads(line)["record"]["id"] for line in lines if '"RECORD"' in line]
    # Nothing refused was kept, nothing accepted was lost, and the order is the spool's.
    assert emitted == [f"co{k}" for k in range(accepted + 1)]
    assert f"{throttled} throttled (429)" in tap.stderr()
