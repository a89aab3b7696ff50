"""The HTTP receiver: signature first, then the durable spool, then the 200.

Touches the spool only; its answers in the order they are decided: tap README, "Code layout".
"""

from __future__ import annotations

import collections
import decimal
import http.server
import json
import logging
import sqlite3
import threading
import typing as t

from typing_extensions import override

from tap_intercom.webhooks.signature import verify

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_intercom.webhooks.spool import Spool

PATH = "/intercom/webhooks"
LOGGER = logging.getLogger("tap-intercom.webhooks")


class Receiver(http.server.ThreadingHTTPServer):
    """Accepts Intercom's deliveries into the spool from its own threads."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        secret: str,
        spool: Spool,
        busy: Callable[[], str | None],
        spooled: Callable[[], None],
    ) -> None:
        """Bind the receiver.

        Args:
            address: Host and port to listen on.
            secret: The app's client secret (the signature key).
            spool: Where notifications go.
            busy: Why to answer 429 now (None: not busy).
            spooled: Called after each new notification is on disk.
        """
        super().__init__(address, ReceiverHandler)
        self.secret = secret.encode()
        self.spool = spool
        self.busy = busy
        self.spooled = spooled
        self.closing = False
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        """The listening URL (``http://host:port/intercom/webhooks``)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def count(self, name: str) -> None:
        """Bump a counter."""
        with self.lock:
            self.counts[name] += 1


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    """One delivery."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Receiver

    @override
    def log_message(self, format: str, *args: t.Any) -> None:
        """Stay quiet: one line per delivery would drown the tap's log."""

    def do_POST(self) -> None:
        """Take one delivery."""
        server = self.server
        if self.path.split("?", 1)[0].rstrip("/") != PATH:
            self._answer(404, "not found")
            return
        if server.closing:
            server.count("refused_closing")
            self._answer(503, "shutting down")
            return
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self.close_connection = True
            self._answer(411, "Content-Length required")
            return
        body = self.rfile.read(length)
        if len(body) < length:
            # The sender dropped the connection mid-body: nothing to answer, nothing kept.
            server.count("incomplete")
            self.close_connection = True
            return
        if not verify(server.secret, body, self.headers.get("X-Hub-Signature")):
            server.count("bad_signature")
            self._answer(401, "bad signature")
            return
        try:
            notification = json.loads(body, parse_float=decimal.Decimal)
            notification_id = str(notification["id"])
            topic = str(notification["topic"])
            created_at = notification.get("created_at")
            created = int(created_at) if created_at is not None else None
        except (ValueError, KeyError, TypeError):
            server.count("malformed")
            self._answer(400, "not a notification_event")
            return
        reason = server.busy()
        if reason is not None:
            server.count("throttled")
            self._answer(429, reason)
            return
        try:
            new = server.spool.append(notification_id, topic, created, body)
        except sqlite3.Error as exc:
            # Not on disk, so no 200: Intercom retries it later.
            server.count("spool_errors")
            LOGGER.error("Webhook not spooled (%s): answered 503", exc)
            self._answer(503, "spool unavailable")
            return
        server.count("accepted" if new else "duplicate")
        if new:
            server.spooled()
        self._answer(200, "ok")

    def do_GET(self) -> None:
        """Only POST is served."""
        self._answer(405, "POST only")

    def _answer(self, status: int, text: str) -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if status in (429, 503):
            self.send_header("Retry-After", "60")
        try:
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            # The sender hung up before the answer; it retries, and the notification id
            # makes the retry a duplicate.
            self.server.count("answer_lost")
            self.close_connection = True
