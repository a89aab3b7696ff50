"""The HTTP server: routing, auth, scopes, rate limits, faults, latency and the control API.

Order of checks per API request, as a client sees them: dropped connection (injected), 401
without a valid Bearer token (no rate-limit headers, as Intercom sends them only on
authenticated responses), 429 when the window is spent, unknown route 404, version checks,
403 for a missing scope, injected 5xx, a canned body (``responses``), then the endpoint.
Mutations scheduled for a request (``schedule``) run just before it is dispatched.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import socket
import struct
import time
import typing as t
import urllib.parse

from devstack.intercom_sandbox import errors, versions
from devstack.intercom_sandbox import routes_calls as calls
from devstack.intercom_sandbox import routes_content as content
from devstack.intercom_sandbox import routes_conversations as convs
from devstack.intercom_sandbox import routes_people as people
from devstack.intercom_sandbox import routes_reporting as reporting
from devstack.intercom_sandbox import routes_workspace as settings
from devstack.intercom_sandbox.api import Download, Request

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.api import App, Body
    from devstack.intercom_sandbox.control import Controller
    from devstack.intercom_sandbox.limits import RateLimiter

Handler = t.Callable[["App", Request], "Body | Download"]

# (method, path template, scope a token needs, handler). More specific paths come first.
ROUTES: list[tuple[str, str, str, Handler]] = [
    ("GET", "/me", "read_admins", people.me),
    ("GET", "/admins", "read_admins", people.admins),
    ("GET", "/admins/activity_logs", "read_admins", content.activity_logs),
    ("GET", "/admins/activity_log_event_types", "read_admins", settings.activity_log_event_types),
    ("GET", "/admins/{id}", "read_admins", people.admin),
    ("GET", "/teams", "read_admins", people.teams),
    ("GET", "/tags", "read_tags", people.tags),
    ("GET", "/segments", "read_segments", people.segments),
    ("GET", "/data_attributes", "read_data_attributes", people.data_attributes),
    ("POST", "/contacts/search", "read_contacts", people.contacts_search),
    ("GET", "/contacts", "read_contacts", people.contacts_list),
    ("GET", "/contacts/{id}/tags", "read_contacts", people.contact_tags),
    ("GET", "/contacts/{id}/companies", "read_contacts", people.contact_companies),
    ("GET", "/contacts/{id}/notes", "read_contacts", people.contact_notes),
    ("GET", "/contacts/{id}/segments", "read_contacts", people.contact_segments),
    ("GET", "/contacts/{id}", "read_contacts", people.contact),
    ("GET", "/companies/scroll", "read_companies", people.companies_scroll),
    ("POST", "/companies/list", "read_companies", people.companies_list),
    ("GET", "/companies/{id}/segments", "read_companies", people.company_segments),
    ("GET", "/companies/{id}/notes", "read_companies", calls.company_notes),
    ("GET", "/companies/{id}", "read_companies", people.company),
    ("POST", "/conversations/search", "read_conversations", convs.conversations_search),
    ("GET", "/conversations", "read_conversations", convs.conversations_list),
    ("GET", "/conversations/deleted", "read_conversations", convs.conversations_deleted),
    ("GET", "/conversations/attributes", "read_conversations", convs.conversation_attributes),
    ("GET", "/conversations/{id}/handling_events", "read_conversations", calls.handling_events),
    ("GET", "/conversations/{id}", "read_conversations", convs.conversation),
    ("POST", "/tickets/search", "read_tickets", convs.tickets_search),
    ("GET", "/tickets/{id}", "read_tickets", convs.ticket),
    ("GET", "/ticket_types", "read_tickets", convs.ticket_types),
    ("GET", "/ticket_states", "read_tickets", convs.ticket_states),
    ("GET", "/articles", "read_articles", content.articles),
    ("GET", "/articles/{id}", "read_articles", content.article),
    ("GET", "/help_center/help_centers", "read_articles", content.help_centers),
    ("GET", "/help_center/collections", "read_articles", content.collections),
    ("GET", "/news/news_items", "read_news", content.news_items),
    ("GET", "/news/newsfeeds", "read_news", content.newsfeeds),
    ("GET", "/subscription_types", "read_subscription_types", content.subscription_types),
    ("GET", "/macros", "read_conversations", content.macros),
    ("GET", "/calls", "read_conversations", calls.calls_list),
    ("POST", "/calls/search", "read_conversations", calls.calls_search),
    ("GET", "/calls/{id}/transcript", "read_conversations", calls.call_transcript),
    ("GET", "/calls/{id}", "read_conversations", calls.call),
    ("GET", "/internal_articles", "read_content", settings.internal_articles),
    ("GET", "/content_snippets", "read_content", settings.content_snippets),
    ("GET", "/brands", "read_admins", settings.brands),
    ("GET", "/emails", "read_admins", settings.emails),
    ("GET", "/office_hours_schedules", "read_admins", settings.office_hours_schedules),
    ("GET", "/away_status_reasons", "read_admins", settings.away_status_reasons),
    (
        "GET",
        "/custom_object_instances/{type}",
        "read_custom_objects",
        settings.custom_object_instances,
    ),
    ("GET", "/export/reporting_data/get_datasets", "read_reporting_data", reporting.get_datasets),
    ("POST", "/export/reporting_data/enqueue", "read_reporting_data", reporting.enqueue),
    ("GET", "/export/reporting_data/{job_identifier}", "read_reporting_data", reporting.job_status),
    ("GET", "/download/reporting_data/{job_identifier}", "read_reporting_data", reporting.download),
]

# Bodies for injected statuses (Intercom's codes for them).
INJECTED: dict[int, tuple[str, str]] = {
    429: ("rate_limit_exceeded", "Exceeded rate limit"),
    500: ("server_error", "Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}

SCOPES = sorted({scope for _, _, scope, _ in ROUTES})

_COMPILED = [
    (
        method,
        template,
        re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"),
        scope,
        handler,
    )
    for method, template, scope, handler in ROUTES
]


def match(method: str, path: str) -> tuple[str, str, Handler, dict[str, str]] | None:
    """The route for a request: template, scope, handler and path arguments."""
    for route_method, template, pattern, scope, handler in _COMPILED:
        found = pattern.match(path)
        if found and route_method == method:
            args = {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
            return template, scope, handler, args
    return None


class SandboxServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that carries the sandbox's state to its handlers."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], app: App, controller: Controller, limiter: RateLimiter
    ) -> None:
        super().__init__(address, SandboxHandler)
        self.app = app
        self.controller = controller
        self.limiter = limiter


class SandboxHandler(http.server.BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive so clients can reuse it."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed
    # ACKs add about 40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format: str, *args: t.Any) -> None:
        """Stay quiet: request logs would hold tokens' effects and flood CI output."""

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def do_PUT(self) -> None:
        """Serve a PUT (no writes are modelled: 404)."""
        self._serve("PUT")

    def do_DELETE(self) -> None:
        """Serve a DELETE (no writes are modelled: 404)."""
        self._serve("DELETE")

    # ---------------------------------------------------------------------------- plumbing

    def _send(self, status: int, body: t.Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        self._send_raw(status, payload, headers, "application/json; charset=utf-8")

    def _send_raw(
        self,
        status: int,
        payload: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no HTTP answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _serve(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path.rstrip("/") or "/"
        params = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        raw = self._read_body()
        if raw is None:
            self.close_connection = True
            self._send(400, errors.invalid("Content-Length is not a number").body())
            return
        if path.startswith("/_sandbox"):
            self._control(method, path, raw)
            return
        self._api(method, path, params, raw)

    # ------------------------------------------------------------------------ control API

    def _control(self, method: str, path: str, raw: bytes) -> None:
        controller = self.server.controller
        if path == "/_sandbox/health":
            self._send(200, {"status": "ok"})
        elif path == "/_sandbox/stats" and method == "GET":
            self._send(200, controller.stats())
        elif path == "/_sandbox/webhooks" and method == "GET":
            self._send(200, controller.webhooks.state())
        elif path == "/_sandbox/control" and method == "GET":
            self._send(200, controller.settings())
        elif path == "/_sandbox/control" and method == "POST":
            try:
                changes = json.loads(raw or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the control body must be a JSON object")
                self._send(200, controller.apply(changes))
            except (ValueError, KeyError, TypeError) as exc:
                self._send(400, {"error": str(exc)})
        else:
            self._send(404, {"error": f"no control endpoint {method} {path}"})

    # ---------------------------------------------------------------------------- the API

    def _api(self, method: str, path: str, params: dict[str, str], raw: bytes) -> None:
        server = self.server
        controller = server.controller
        route = match(method, path)
        endpoint = f"{method} {route[0]}" if route else f"{method} (unknown)"
        fault = controller.fault_for(method, path)
        if fault == "reset":
            controller.count("injected_resets")
            controller.record(endpoint, "reset")
            self._reset()
            return
        token = self._token()
        if token is None or token not in controller.tokens:
            controller.count("unauthorized")
            controller.record(endpoint, 401)
            self._send(401, errors.unauthorized().body())
            return
        allowance = server.limiter.take()
        headers = allowance.headers()
        if not allowance.allowed:
            controller.record(endpoint, 429)
            self._send(
                429,
                errors.rate_limited(allowance.limit, server.limiter.window_seconds).body(),
                headers,
            )
            return
        delay = controller.delay_seconds()
        if delay:
            time.sleep(delay)
        controller.run_scheduled(path)
        try:
            status, body = self._dispatch(method, path, params, raw, route, token, fault)
        except errors.ApiError as exc:
            status, body = exc.status, exc.body()
            headers = {**headers, **exc.headers}
        except Exception as exc:  # a bug in the sandbox must still answer like a server
            status, body = 500, errors.error_body("server_error", f"sandbox error: {exc!r}")
        if fault == "reset_after":
            # The request was served (a scroll page consumed, say) but the answer is lost.
            controller.count("injected_resets")
            controller.record(endpoint, "reset_after")
            self._reset()
            return
        if status == 200 and fault == "cursor_loop":
            # Hand back the cursor the client sent: the next page is this page again, the
            # A -> A loop a changing result set can produce (a reader must notice it).
            cursor = (self._json(raw).get("pagination") or {}).get("starting_after")
            cursor = cursor or params.get("starting_after")
            nxt = body.get("pages", {}).get("next") if isinstance(body, dict) else None
            if cursor and isinstance(nxt, dict):
                nxt["starting_after"] = cursor
                controller.count("injected_cursor_loops")
        if status == 200 and fault == "bad_json":
            # A 200 whose body is not JSON, as proxies sometimes send.
            controller.count("injected_errors")
            controller.record(endpoint, "bad_json")
            self._send_raw(200, b"<html><body>upstream hiccup</body></html>", headers)
            return
        controller.record(endpoint, status)
        if isinstance(body, Download):
            self._send_file(body, {**headers, **body.headers}, truncate=fault == "truncate")
            return
        self._send(status, body, headers)

    def _send_file(self, file: Download, headers: dict[str, str], *, truncate: bool) -> None:
        if not truncate:
            self._send_raw(200, file.payload, headers, file.content_type)
            return
        # The whole length announced, half of it sent, then the connection dropped: a
        # download that breaks in the middle.
        self.server.controller.count("injected_resets")
        self.send_response(200)
        self.send_header("Content-Type", file.content_type)
        self.send_header("Content-Length", str(len(file.payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(file.payload[: len(file.payload) // 2])
        self.wfile.flush()
        self._reset()

    @staticmethod
    def _json(raw: bytes) -> dict[str, t.Any]:
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _token(self) -> str | None:
        value = self.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def _dispatch(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        raw: bytes,
        route: tuple[str, str, Handler, dict[str, str]] | None,
        token: str,
        fault: int | str | None,
    ) -> tuple[int, t.Any]:
        server = self.server
        app = server.app
        if route is None:
            raise errors.not_found()
        template, scope, handler, args = route
        version = versions.resolve(self.headers.get("Intercom-Version"), app.config.api_version)
        versions.require(version, template)
        if scope in server.controller.tokens[token]:
            server.controller.count("forbidden")
            raise errors.forbidden(scope)
        if isinstance(fault, int):
            server.controller.count("injected_errors")
            if template == "/companies/scroll" and fault >= 500:
                app.scroll.abort()
                raise errors.ApiError(fault, "server_error", errors.scroll_restart().message)
            if template == "/companies/scroll" and fault == 404:
                # A real mid-scroll 404 means the scroll expired: it is gone, not still open.
                app.scroll.abort()
                raise errors.not_found("scroll_param is not valid or has expired")
            code, message = INJECTED.get(fault, ("server_error", "Server Error"))
            raise errors.ApiError(fault, code, message)
        canned = server.controller.canned_for(method, template, path)
        if canned is not None:
            return 200, canned
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            raise errors.invalid("Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise errors.invalid("Request body must be a JSON object")
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method,
            path,
            params,
            body,
            version,
            f"http://{host}",
            args,
            {name.lower(): value for name, value in self.headers.items()},
        )
        return 200, handler(app, request)


def make_server(
    host: str, port: int, app: App, controller: Controller, limiter: RateLimiter
) -> SandboxServer:
    """Bind the server (port 0 picks a free one)."""
    return SandboxServer((host, port), app, controller, limiter)
