"""Webhook notifications for the sandbox's mutations, delivered as Intercom delivers them.

A test subscribes an endpoint (``POST /_sandbox/control`` with a ``webhooks`` object, or
``Sandbox.control(webhooks=...)``); every mutation then sends one signed
``notification_event`` per changed entity: ``X-Hub-Signature: sha1=<HMAC-SHA1 of the raw body
keyed with the app's client secret>``. Deliveries are at least once and unordered: a failed
attempt (non-2xx, timeout, dropped connection) is retried with exponential backoff and
``delivery_attempts`` counts up. Faults a receiver must survive are knobs: duplicates,
reordering, delays, forged deliveries with bad signatures, dropped connections, and
notifications the sender loses for good (repaired only by a poll).
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import heapq
import hmac
import http.client
import json
import random
import socket
import threading
import time
import typing as t
import urllib.parse
import uuid

from devstack.intercom_sandbox import catalogs, parts

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.workspace import Workspace

Record = dict[str, t.Any]

#: What forged deliveries are signed with (anything but the client secret).
FORGER_KEY = "forger"

#: Keys of the ``webhooks`` control object.
SUBSCRIPTION_KEYS = (
    "url",
    "client_secret",
    "topics",
    "duplicate_rate",
    "reorder_rate",
    "reorder_delay_ms",
    "delay_ms",
    "bad_signature_rate",
    "drop_rate",
    "lose_next",
    "max_attempts",
    "backoff_seconds",
    "max_backoff_seconds",
    "timeout_seconds",
    "workers",
    "seed",
)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value of a body: ``sha1=`` and the HMAC-SHA1 hex digest.

    >>> signature("s", b"{}")
    'sha1=850413ce2dee4c4142838bab9e9086cb305da54d'
    """
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@dataclasses.dataclass
class Subscription:
    """Where and how notifications go (the fault knobs are fractions of notifications)."""

    url: str = ""
    client_secret: str = ""
    #: Topic patterns (``contact.*``, ``conversation.admin.replied``); empty: every topic.
    topics: list[str] = dataclasses.field(default_factory=list)
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    reorder_delay_ms: float = 300.0
    delay_ms: float = 0.0
    bad_signature_rate: float = 0.0
    drop_rate: float = 0.0
    lose_next: int = 0
    max_attempts: int = 8
    backoff_seconds: float = 0.2
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 5.0
    workers: int = 4
    seed: int = 11

    def wants(self, topic: str) -> bool:
        """Whether the subscription covers ``topic``."""
        if not self.topics:
            return True
        return any(
            topic == p or (p.endswith(".*") and topic.startswith(p[:-1])) for p in self.topics
        )


@dataclasses.dataclass(order=True)
class Delivery:
    """One notification waiting for its next attempt."""

    due: float
    order: int
    notification: Record = dataclasses.field(compare=False)
    forged: bool = dataclasses.field(default=False, compare=False)


class WebhookSender:
    """Builds notifications for mutations and delivers them from background threads."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.subscription: Subscription | None = None
        self.rng = random.Random(11)  # noqa: S311 - reproducible faults, not security
        self.lock = threading.Condition()
        self.queue: list[Delivery] = []
        self.in_flight = 0
        self.order = 0
        self.stats: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[str] = collections.Counter()
        self.threads: list[threading.Thread] = []
        self.stopping = False
        #: Every genuine notification created, in creation order (tests compare against it).
        self.created: list[Record] = []
        #: Seconds from sending a delivery to reading its 2xx answer (benchmarks read them).
        self.latencies: list[float] = []

    # ------------------------------------------------------------------------ control

    def configure(self, changes: dict[str, t.Any] | None) -> None:
        """Subscribe (a dict of :data:`SUBSCRIPTION_KEYS`), change knobs, or unsubscribe (None).

        Raises:
            ValueError: for an unknown key or a subscription without url and client_secret.
        """
        if changes is None:
            with self.lock:
                self.subscription = None
            return
        unknown = set(changes) - set(SUBSCRIPTION_KEYS)
        if unknown:
            msg = f"unknown webhooks keys: {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        with self.lock:
            current = dataclasses.asdict(self.subscription) if self.subscription else {}
            subscription = Subscription(**{**current, **changes})
            if not subscription.url or not subscription.client_secret:
                msg = "a webhooks subscription needs url and client_secret"
                raise ValueError(msg)
            if "seed" in changes:
                self.rng.seed(subscription.seed)
            self.subscription = subscription
            self._start_workers(subscription.workers)

    def state(self) -> dict[str, t.Any]:
        """Counters, pending deliveries and the subscription (without its secret)."""
        with self.lock:
            sub = dataclasses.asdict(self.subscription) if self.subscription else None
            if sub:
                sub.pop("client_secret")
            return {
                "subscription": sub,
                "pending": len(self.queue) + self.in_flight,
                "created": len(self.created),
                "counts": dict(self.stats),
                "statuses": dict(self.statuses),
            }

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until nothing is queued or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.queue or self.in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(min(left, 0.1))
        return True

    def stop(self) -> None:
        """Stop the delivery threads (pending deliveries are abandoned)."""
        with self.lock:
            self.stopping = True
            self.lock.notify_all()
        for thread in self.threads:
            thread.join(timeout=5)
        self.threads.clear()

    # -------------------------------------------------------------------- mutations

    def notify(self, op: str, kind: str, ids: list[str], fields: dict[str, t.Any]) -> None:
        """Queue the notifications of one mutation (nothing without a subscription).

        Args:
            op: ``update``, ``add``, ``add_parts`` or ``delete``.
            kind: The entity kind the mutation named.
            ids: The changed ids.
            fields: The mutation's arguments (``fields``, ``parts``).
        """
        if self.subscription is None:
            return
        ws = self.workspace
        table = ws.table(kind).kind
        for entity_id in ids:
            topic, item = self._item(op, table, entity_id, fields)
            if topic is None:
                continue
            self.send(topic, item)

    def send(self, topic: str, item: Record) -> Record | None:
        """Queue one notification of ``topic`` carrying ``item``; returns it (None if unsent)."""
        with self.lock:
            sub = self.subscription
            if sub is None or not sub.wants(topic):
                return None
            now = self.workspace.now()
            notification: Record = {
                "type": "notification_event",
                "app_id": catalogs.WORKSPACE_ID,
                "data": {"type": "notification_event_data", "item": item},
                "links": {},
                "id": f"notif_{uuid.uuid4()}",
                "topic": topic,
                "delivery_status": "pending",
                "delivery_attempts": 0,
                "delivered_at": 0,
                "first_sent_at": 0,
                "created_at": now,
                "self": None,
            }
            self.created.append(notification)
            self.stats["notifications"] += 1
            if sub.lose_next > 0:
                sub.lose_next -= 1
                self.stats["lost"] += 1
                return notification
            delay = sub.delay_ms / 1000.0
            if self.rng.random() < sub.reorder_rate:
                delay += sub.reorder_delay_ms / 1000.0
                self.stats["reordered"] += 1
            self._queue(notification, delay)
            if self.rng.random() < sub.duplicate_rate:
                self.stats["duplicated"] += 1
                self._queue(json.loads(json.dumps(notification)), delay + self.rng.random() * 0.2)
            if self.rng.random() < sub.bad_signature_rate:
                self.stats["forged"] += 1
                forged = json.loads(json.dumps(notification))
                forged["id"] = f"notif_{uuid.uuid4()}"
                forged_item = forged["data"]["item"]
                # A forgery that would win if it were believed: newer than anything real.
                if "updated_at" in forged_item:
                    forged_item["updated_at"] = int(forged_item["updated_at"]) + 10**8
                forged_item["name"] = "forged"
                self._queue(forged, delay, forged=True)
            return notification

    def _item(
        self, op: str, table: str, entity_id: str, fields: dict[str, t.Any]
    ) -> tuple[str | None, Record]:
        ws = self.workspace
        if op == "delete":
            return f"{table}.deleted", {"type": table, "id": entity_id}
        if table == "contact":
            index = ws.contact_index(entity_id)
            assert index is not None
            record = ws.contact(index)
            role = record.get("role") or "user"
            return f"contact.{role}.{'created' if op == 'add' else 'updated'}", record
        if table == "company":
            index = ws.company_index(entity_id)
            assert index is not None
            return f"company.{'created' if op == 'add' else 'updated'}", ws.company(index)
        if table == "conversation":
            index = ws.conversation_index(entity_id)
            assert index is not None
            return self._with_parts(op, "conversation", index, fields)
        index = ws.ticket_index(entity_id)
        assert index is not None
        return self._with_parts(op, "ticket", index, fields)

    def _with_parts(
        self, op: str, kind: str, index: int, fields: dict[str, t.Any]
    ) -> tuple[str, Record]:
        """The conversation or ticket with only the parts this change added."""
        ws = self.workspace
        with ws.lock:
            if kind == "conversation":
                record = ws.conversation(index, with_parts=False)
            else:
                record = ws.ticket(index, with_parts=False)
            every = parts.build(ws, kind, index)
            table = ws.conversations if kind == "conversation" else ws.tickets
            total = table.part_count(index)
        if op == "add":
            new = every
            topic = "conversation.user.created" if kind == "conversation" else "ticket.created"
        elif op == "add_parts":
            new = every[len(every) - int(fields.get("parts", 1)) :]
            topic = f"{kind}.admin.replied"
        else:
            new = []
            state = (fields.get("fields") or {}).get("state")
            if kind == "ticket":
                topic = "ticket.state.updated" if state else "ticket.attribute.updated"
            else:
                topic = {
                    "closed": "conversation.admin.closed",
                    "open": "conversation.admin.opened",
                    "snoozed": "conversation.admin.snoozed",
                }.get(str(state), "conversation.admin.assigned")
        record[f"{kind}_parts"] = {
            "type": f"{kind}_part.list",
            f"{kind}_parts": new,
            "total_count": total,
        }
        return topic, record

    # --------------------------------------------------------------------- delivery

    def _queue(self, notification: Record, delay: float, *, forged: bool = False) -> None:
        self.order += 1
        heapq.heappush(
            self.queue, Delivery(time.monotonic() + delay, self.order, notification, forged)
        )
        self.lock.notify()

    def _start_workers(self, count: int) -> None:
        self.stopping = False
        self.threads = [th for th in self.threads if th.is_alive()]
        while len(self.threads) < max(1, count):
            thread = threading.Thread(
                target=self._work, name=f"webhooks-{len(self.threads)}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def _next(self) -> tuple[Delivery, Subscription] | None:
        with self.lock:
            while not self.stopping:
                sub = self.subscription
                if self.queue and sub is not None:
                    wait = self.queue[0].due - time.monotonic()
                    if wait <= 0:
                        self.in_flight += 1
                        return heapq.heappop(self.queue), sub
                    self.lock.wait(min(wait, 0.1))
                else:
                    self.lock.wait(0.1)
        return None

    def _work(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            delivery, sub = job
            try:
                self._attempt(delivery, sub)
            finally:
                with self.lock:
                    self.in_flight -= 1
                    self.lock.notify_all()

    def _attempt(self, delivery: Delivery, sub: Subscription) -> None:
        notification = delivery.notification
        notification["delivery_attempts"] += 1
        now = self.workspace.now()
        if not notification["first_sent_at"]:
            notification["first_sent_at"] = now
        body = json.dumps(notification, separators=(",", ":")).encode()
        # A forger does not know the client secret: it signs with a key of its own.
        secret = FORGER_KEY if delivery.forged else sub.client_secret
        with self.lock:
            drop = self.rng.random() < sub.drop_rate and not delivery.forged
        sent = time.perf_counter()
        status = _post(sub.url, body, signature(secret, body), sub.timeout_seconds, drop=drop)
        elapsed = time.perf_counter() - sent
        with self.lock:
            self.stats["attempts"] += 1
            self.statuses[str(status)] += 1
            answered = isinstance(status, int) and status < 500 and status != 429
            if delivery.forged and answered:
                # A forgery ends at the first answer; a refusal is the expected outcome.
                self.stats["forged_refused" if status == 401 else "forged_accepted"] += 1
                return
            if isinstance(status, int) and 200 <= status < 300:
                self.stats["delivered"] += 1
                self.latencies.append(elapsed)
                return
            if notification["delivery_attempts"] >= sub.max_attempts:
                self.stats["abandoned"] += 1
                return
            self.stats["retries"] += 1
            backoff = sub.backoff_seconds * 2 ** (notification["delivery_attempts"] - 1)
            self.order += 1
            heapq.heappush(
                self.queue,
                Delivery(
                    time.monotonic() + min(backoff, sub.max_backoff_seconds),
                    self.order,
                    notification,
                    delivery.forged,
                ),
            )
            self.lock.notify()


def _post(url: str, body: bytes, sig: str, timeout: float, *, drop: bool) -> int | str:
    """POST one delivery; the status, or ``dropped``/``error`` when no answer was read."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=timeout
    )
    try:
        connection.request(
            "POST",
            parsed.path or "/",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature": sig,
                "User-Agent": "Intercom-Webhooks-Sandbox",
            },
        )
        if drop:
            # The sender gives up on the answer: the receiver may have kept the delivery,
            # so the retry that follows is a duplicate it must recognise.
            sock = connection.sock
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            return "dropped"
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return "error"
    finally:
        connection.close()
