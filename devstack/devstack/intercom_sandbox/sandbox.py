"""The Python face of the sandbox: build, start on a background thread, drive, stop."""

from __future__ import annotations

import threading
import typing as t

from devstack.intercom_sandbox.api import App
from devstack.intercom_sandbox.config import SandboxConfig
from devstack.intercom_sandbox.control import Controller
from devstack.intercom_sandbox.limits import RateLimiter, ScrollManager
from devstack.intercom_sandbox.reporting import ReportingJobs
from devstack.intercom_sandbox.search import Searcher
from devstack.intercom_sandbox.server import SandboxServer, make_server
from devstack.intercom_sandbox.workspace import Workspace

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType


class Sandbox:
    """An Intercom API sandbox over a generated workspace.

    Example:
        >>> sb = Sandbox(SandboxConfig(seed=1, size="tiny"))
        >>> sb.start()  # doctest: +SKIP
        >>> sb.url  # doctest: +SKIP
        'http://127.0.0.1:40123'
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.workspace = Workspace(self.config)
        searcher = Searcher(
            self.workspace,
            contact_delay=self.config.contact_search_delay_seconds,
            gt_inclusive=self.config.conversation_gt_inclusive,
        )
        self.app = App(
            self.config,
            self.workspace,
            searcher,
            ScrollManager(self.config.scroll_idle_seconds),
            ReportingJobs(self.workspace),
        )
        self.limiter = RateLimiter(self.config.rate_limit_per_10s, self.config.rate_window_seconds)
        self.controller = Controller(self.app, self.limiter)
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------- lifecycle

    def bind(self) -> SandboxServer:
        """Bind the listening socket (without serving yet)."""
        if self._server is None:
            self._server = make_server(
                self.config.host, self.config.port, self.app, self.controller, self.limiter
            )
        return self._server

    def start(self) -> Sandbox:
        """Serve on a background thread; returns self."""
        server = self.bind()
        if self._thread is None:
            # A short poll interval makes stop() quick (tests start many sandboxes).
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="intercom-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self.bind().serve_forever()

    def stop(self) -> None:
        """Stop serving, stop webhook deliveries and close the socket."""
        self.controller.webhooks.stop()
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=10)
            self._server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.bind().server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (the tap's ``api_url``)."""
        return f"http://{self.config.host}:{self.port}"

    # -------------------------------------------------------------------------- knobs

    def control(self, **changes: t.Any) -> dict[str, t.Any]:
        """Change knobs and run mutations; the same keys as ``POST /_sandbox/control``.

        Keys: ``latency_ms``, ``jitter_ms``, ``error_rate``, ``reset_rate``,
        ``rate_limit_per_10s``, ``timezone``, ``clock``, ``advance_clock``,
        ``scroll_idle_seconds``, ``contact_search_delay_seconds``,
        ``conversation_gt_inclusive``, ``api_version``, ``tokens``, ``missing_scopes``,
        ``faults`` (a list of rules), ``clear_faults``, ``responses`` (canned bodies per
        route: ``{"path", "body", "method", "count"}``), ``clear_responses``, ``schedule``
        (``{"path", "after", "mutations"}``: mutations run once ``path`` has served
        ``after`` requests), ``reset_stats``, ``mutations``,
        ``webhooks`` (a subscription, see :mod:`devstack.intercom_sandbox.webhooks`),
        ``reporting`` (export job knobs: ``reporting.ReportingSettings``).

        Returns:
            ``{"settings": ..., "results": [ids per mutation]}``.
        """
        return self.controller.apply(changes)

    def stats(self) -> dict[str, t.Any]:
        """Request counts per endpoint and status, 429s and injected faults."""
        return self.controller.stats()

    def set_clock(self, timestamp: int | None) -> None:
        """Set the workspace's "now" that mutations are stamped with."""
        self.workspace.set_clock(timestamp)

    def update(self, kind: str, **kwargs: t.Any) -> list[str]:
        """Update contacts/companies/conversations/tickets (see ``Workspace.update``)."""
        return self.workspace.update(kind, **kwargs)

    def add(self, kind: str, n: int, **kwargs: t.Any) -> list[str]:
        """Create records (see ``Workspace.add``)."""
        return self.workspace.add(kind, n, **kwargs)

    def add_parts(self, kind: str = "conversations", **kwargs: t.Any) -> list[str]:
        """Append parts to conversations or tickets (see ``Workspace.add_parts``)."""
        return self.workspace.add_parts(kind, **kwargs)

    def delete_conversations(
        self, *, n: int | None = None, ids: Iterable[str] | None = None, at: int | None = None
    ) -> list[str]:
        """Delete conversations (see ``Workspace.delete_conversations``)."""
        return self.workspace.delete_conversations(n=n, ids=ids, at=at)

    def merge_contacts(self, **kwargs: t.Any) -> list[str]:
        """Merge contacts into another (see ``Workspace.merge_contacts``)."""
        return self.workspace.merge_contacts(**kwargs)

    def inject(
        self,
        path: str = "",
        *,
        status: int | str = 500,
        count: int = 1,
        method: str | None = None,
        skip: int = 0,
    ) -> None:
        """Fail the next ``count`` requests under ``path`` with ``status`` (or ``"reset"``)."""
        self.control(
            faults=[
                {"path": path, "status": status, "count": count, "method": method, "skip": skip}
            ]
        )
