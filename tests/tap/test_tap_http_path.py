"""One HTTP path: every request of a run (discovery, pages, searches, children, scroll) carries
the transport's headers; seen by a recording proxy in front of the sandbox."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import threading
import typing as t
import urllib.parse

from tap_intercom.streams import STREAM_TYPES
from tap_intercom.tap import TapIntercom
from tests.tap.tap_helpers import TOKEN, base_config, run_tap

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.intercom_sandbox import Sandbox


@contextlib.contextmanager
def recording_proxy(target: str) -> Iterator[tuple[str, list[tuple[str, str, dict[str, str]]]]]:
    """A loopback proxy forwarding to ``target``; yields its URL and the requests it saw."""
    parsed = urllib.parse.urlparse(target)
    seen: list[tuple[str, str, dict[str, str]]] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = dict(self.headers.items())
            with lock:
                seen.append((self.command, self.path.split("?", 1)[0], headers))
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
            # Host stays the proxy's, so next-page URLs the sandbox builds come back here.
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        def do_GET(self) -> None:
            self.forward()

        def do_POST(self) -> None:
            self.forward()

        def log_message(self, format: str, *args: t.Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_every_request_of_a_run_carries_the_transport_headers(sandbox: Sandbox) -> None:
    with recording_proxy(sandbox.url) as (url, seen):
        switches = {s.opt_in_setting: True for s in STREAM_TYPES if s.opt_in_setting}
        run = run_tap(base_config(url, start_date="2000-01-01T00:00:00Z", **switches))
    assert run.streams() >= {"contacts", "contact_notes", "companies", "conversation_parts"}
    paths = {path for _, path, _ in seen}
    # Discovery, a search page, a HATEOAS list, a child request and the scroll all went here.
    assert {"/data_attributes", "/contacts/search", "/articles", "/companies/scroll"} <= paths
    assert any(path.startswith("/contacts/") and path.endswith("/notes") for path in paths)
    assert any(path.startswith("/calls/") and path.endswith("/transcript") for path in paths)
    expected = {
        "Authorization": f"Bearer {TOKEN}",
        "Accept": "application/json",
        "Intercom-Version": "2.16",
        "User-Agent": f"tap-intercom/{TapIntercom.plugin_version}",
    }
    for method, path, headers in seen:
        # Files ask for their own Accept: call transcripts (text), report downloads.
        accept = "application/json"
        if path.endswith("/transcript"):
            accept = "text/plain"
        elif path.startswith("/download/reporting_data/"):
            accept = "application/octet-stream"
        wanted = {**expected, "Accept": accept}
        assert {name: headers.get(name) for name in wanted} == wanted, (method, path)
