"""The sandbox's webhook sender: Intercom's payload and signature, retries and injected faults.

A plain ``http.server`` on loopback records what arrives; the signature is checked with the
standard library's ``hmac`` (the algorithm Intercom documents), not with the sandbox's helper.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import http.server
import json
import threading
import typing as t

import pytest
import requests

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from devstack.intercom_sandbox import Sandbox

SECRET = "client-secret-for-tests"


class Recorder(http.server.ThreadingHTTPServer):
    """Receives deliveries; answers the next ``fail`` requests with 500."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecorderHandler)
        self.deliveries: list[tuple[dict[str, t.Any], str, bool]] = []
        self.fail = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/intercom/webhooks"

    def genuine(self) -> list[dict[str, t.Any]]:
        """Deliveries with a valid signature."""
        return [body for body, _, valid in self.deliveries if valid]


class RecorderHandler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, format: str, *args: t.Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
        header = self.headers.get("X-Hub-Signature", "")
        valid = hmac.compare_digest(expected, header)
        with self.server.lock:
            failing = self.server.fail > 0
            if failing:
                self.server.fail -= 1
            else:
                self.server.deliveries.append((json.loads(raw), header, valid))
        status = 500 if failing else (200 if valid else 401)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def subscribe(sandbox: Sandbox, recorder: Recorder, **knobs: t.Any) -> None:
    sandbox.control(
        webhooks={"url": recorder.url, "client_secret": SECRET, "backoff_seconds": 0.05, **knobs}
    )


def test_every_mutation_sends_a_signed_notification_event(
    sandbox_factory: Callable[..., Sandbox], recorder: Recorder
) -> None:
    sandbox = sandbox_factory(clock=1_750_000_000)
    subscribe(sandbox, recorder)
    results = sandbox.control(
        mutations=[
            {"op": "update", "kind": "contacts", "n": 2, "fields": {"name": "Renamed"}},
            {"op": "add", "kind": "companies", "n": 1},
            {"op": "add_parts", "kind": "conversations", "n": 1, "parts": 2},
            {"op": "update", "kind": "tickets", "n": 1, "fields": {"state": "resolved"}},
            {"op": "delete", "kind": "conversations", "n": 1},
        ]
    )["results"]
    assert sandbox.controller.webhooks.wait_idle(30)
    got = recorder.genuine()
    assert len(got) == 6
    assert all(valid for _, _, valid in recorder.deliveries)
    by_item = {(body["data"]["item"]["type"], body["data"]["item"]["id"]): body for body in got}
    for contact_id in results[0]:
        body = by_item[("contact", contact_id)]
        assert body["topic"] in ("contact.user.updated", "contact.lead.updated")
        assert body["data"]["item"]["name"] == "Renamed"
        assert body["data"]["item"]["updated_at"] == 1_750_000_000
    assert by_item[("company", results[1][0])]["topic"] == "company.created"
    replied = by_item[("conversation", results[2][0])]
    assert replied["topic"] == "conversation.admin.replied"
    container = replied["data"]["item"]["conversation_parts"]
    # Only the new parts travel; the total counts them all.
    assert len(container["conversation_parts"]) == 2
    assert all(p["created_at"] == 1_750_000_000 for p in container["conversation_parts"])
    assert container["total_count"] > 2
    assert by_item[("ticket", results[3][0])]["topic"] == "ticket.state.updated"
    deleted = by_item[("conversation", results[4][0])]
    assert deleted["topic"] == "conversation.deleted"
    assert deleted["data"]["item"] == {"type": "conversation", "id": results[4][0]}
    for body in got:
        assert body["type"] == "notification_event"
        assert body["data"]["type"] == "notification_event_data"
        assert body["id"].startswith("notif_")
        assert body["created_at"] == 1_750_000_000
        assert body["delivery_attempts"] == 1
        assert body["first_sent_at"] == 1_750_000_000
    assert len({body["id"] for body in got}) == 6


def test_failed_deliveries_are_retried_with_backoff(
    sandbox_factory: Callable[..., Sandbox], recorder: Recorder
) -> None:
    sandbox = sandbox_factory()
    subscribe(sandbox, recorder, workers=1)
    recorder.fail = 2
    sandbox.control(mutations=[{"op": "update", "kind": "companies", "n": 1}])
    assert sandbox.controller.webhooks.wait_idle(30)
    [body] = recorder.genuine()
    assert body["delivery_attempts"] == 3
    state = sandbox.controller.webhooks.state()
    assert state["counts"]["retries"] == 2
    assert state["statuses"] == {"500": 2, "200": 1}


def test_injected_duplicates_forgeries_drops_and_losses(
    sandbox_factory: Callable[..., Sandbox], recorder: Recorder
) -> None:
    sandbox = sandbox_factory()
    subscribe(
        sandbox,
        recorder,
        duplicate_rate=0.3,
        bad_signature_rate=0.2,
        drop_rate=0.2,
        reorder_rate=0.3,
        reorder_delay_ms=100,
        seed=3,
    )
    sandbox.control(mutations=[{"op": "update", "kind": "contacts", "n": 40}])
    sandbox.control(webhooks={"lose_next": 3})
    sandbox.control(mutations=[{"op": "update", "kind": "companies", "n": 5}])
    hooks = sandbox.controller.webhooks
    assert hooks.wait_idle(60)
    counts = hooks.state()["counts"]
    assert counts["notifications"] == 45
    assert counts["lost"] == 3
    assert counts["duplicated"] > 0
    assert counts["forged"] > 0
    assert counts["forged_refused"] == counts["forged"]
    assert counts["retries"] > 0  # dropped connections were retried
    ids = collections.Counter(body["id"] for body in recorder.genuine())
    created = [n["id"] for n in hooks.created]
    # Everything not lost arrived at least once; some twice.
    assert set(ids) == set(created[:40] + created[43:])
    assert any(count > 1 for count in ids.values())
    forged = [body for body, _, valid in recorder.deliveries if not valid]
    assert len(forged) == counts["forged"]
    assert all(body["data"]["item"]["name"] == "forged" for body in forged)
    assert not {body["id"] for body in forged} & set(created)


def test_webhooks_control_over_http_refuses_unknown_keys(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sandbox = sandbox_factory()
    answer = requests.post(
        sandbox.url + "/_sandbox/control", json={"webhooks": {"url": "x", "colour": 1}}, timeout=10
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "unknown webhooks keys: colour"}
    assert (
        requests.get(sandbox.url + "/_sandbox/webhooks", timeout=10).json()["subscription"] is None
    )
    answer = requests.post(
        sandbox.url + "/_sandbox/control",
        json={"webhooks": {"url": "http://127.0.0.1:9/hooks", "client_secret": SECRET}},
        timeout=10,
    )
    assert answer.status_code == 200
    state = requests.get(sandbox.url + "/_sandbox/webhooks", timeout=10).json()
    assert state["subscription"]["url"] == "http://127.0.0.1:9/hooks"
    assert SECRET not in json.dumps(state)  # the secret never comes back
