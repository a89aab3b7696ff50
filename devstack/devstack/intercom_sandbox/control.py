"""Knobs, injected faults, request statistics and mutations.

Shared by the HTTP control endpoint (``POST /_sandbox/control``) and the Python API
(``Sandbox.control``).
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import random
import threading
import typing as t

from devstack.intercom_sandbox.api import Download
from devstack.intercom_sandbox.webhooks import WebhookSender

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox.api import App
    from devstack.intercom_sandbox.limits import RateLimiter

KNOBS = (
    "latency_ms",
    "jitter_ms",
    "error_rate",
    "reset_rate",
    "rate_limit_per_10s",
    "scroll_idle_seconds",
    "contact_search_delay_seconds",
    "conversation_gt_inclusive",
    "api_version",
)


@dataclasses.dataclass
class FaultRule:
    """A deterministic fault: the next ``count`` matching requests (after ``skip``) fail.

    Attributes:
        path: Path prefix the rule applies to (``/companies/scroll``); empty for all.
        method: HTTP method, or None for any.
        status: HTTP status to answer, ``reset`` to drop the connection before serving,
            ``reset_after`` to serve the request and then drop the answer, ``cursor_loop`` to
            answer normally but hand back the request's own cursor as the next one, or
            ``bad_json`` to answer 200 with a body that is not JSON, or ``truncate`` to send
            half of a download (an export file) and then drop the connection.
        count: How many requests still fail.
        skip: How many matching requests pass before the rule starts failing them.
    """

    path: str = ""
    method: str | None = None
    status: int | str = 500
    count: int = 1
    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to a request."""
        return path.startswith(self.path) and self.method in (None, method)


@dataclasses.dataclass
class CannedResponse:
    """A body served instead of the endpoint's own (the OpenAPI examples, as test data).

    Attributes:
        path: The route template it replaces (``/conversations/{conversation_id}``) or an
            exact path.
        body: The JSON body answered with status 200 (text with ``content_type``).
        method: HTTP method, or None for any.
        count: How many requests it answers; None for every one.
        content_type: Send ``body`` as this type instead of JSON (a text example).
    """

    path: str
    body: t.Any
    method: str | None = None
    count: int | None = None
    content_type: str | None = None

    def matches(self, method: str, template: str, path: str) -> bool:
        """Whether the rule answers a request."""
        live = self.count is None or self.count > 0
        return live and self.path in (template, path) and self.method in (None, method)


@dataclasses.dataclass
class ScheduledMutations:
    """Mutations run when a path has served ``after`` requests (a change in mid-run).

    Attributes:
        path: Path prefix whose requests are counted.
        after: The mutations run before the request that follows this many.
        mutations: As in ``POST /_sandbox/control`` ``mutations``.
    """

    path: str
    after: int
    mutations: list[dict[str, t.Any]]
    seen: int = 0


class Controller:
    """The sandbox's live knobs and counters."""

    def __init__(self, app: App, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter
        config = app.config
        self.latency_ms = config.latency_ms
        self.jitter_ms = config.jitter_ms
        self.error_rate = config.error_rate
        self.reset_rate = config.reset_rate
        self.tokens: dict[str, set[str]] = {config.access_token: set(config.missing_scopes)}
        for token, missing in config.tokens.items():
            self.tokens[token] = set(missing)
        self.rules: list[FaultRule] = []
        self.canned: list[CannedResponse] = []
        self.scheduled: list[ScheduledMutations] = []
        self.rng = random.Random(config.fault_seed)  # noqa: S311 - reproducible data, not security
        self.lock = threading.Lock()
        self.endpoints: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[str] = collections.Counter()
        self.counters: collections.Counter[str] = collections.Counter()
        self.webhooks = WebhookSender(app.workspace)

    # --------------------------------------------------------------------------- faults

    def fault_for(self, method: str, path: str) -> int | str | None:
        """The injected outcome for this request: a status, ``reset``, or None."""
        with self.lock:
            for rule in self.rules:
                if rule.count > 0 and rule.matches(method, path):
                    if rule.skip > 0:
                        rule.skip -= 1
                        continue
                    rule.count -= 1
                    return rule.status
            if self.reset_rate and self.rng.random() < self.reset_rate:
                return "reset"
            if self.error_rate and self.rng.random() < self.error_rate:
                return self.rng.choice((500, 502, 503))
        return None

    def canned_for(self, method: str, template: str, path: str) -> t.Any:
        """The canned body for this request (consumed once if counted), or None."""
        with self.lock:
            for rule in self.canned:
                if rule.matches(method, template, path):
                    if rule.count is not None:
                        rule.count -= 1
                    if rule.content_type:
                        return Download(str(rule.body).encode(), rule.content_type)
                    return copy.deepcopy(rule.body)
        return None

    def run_scheduled(self, path: str) -> None:
        """Count a request and run the mutations scheduled for this point of a run."""
        due: list[ScheduledMutations] = []
        with self.lock:
            for item in self.scheduled:
                if path.startswith(item.path):
                    if item.seen == item.after:
                        due.append(item)
                    item.seen += 1
        for item in due:
            for mutation in item.mutations:
                self.mutate(mutation)

    def delay_seconds(self) -> float:
        """Latency to add to one response."""
        with self.lock:
            jitter = self.rng.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0
        return max(0.0, self.latency_ms + jitter) / 1000.0

    # ---------------------------------------------------------------------------- stats

    def record(self, endpoint: str, status: int | str) -> None:
        """Count one request."""
        with self.lock:
            self.endpoints[endpoint] += 1
            self.statuses[str(status)] += 1
            self.counters["total"] += 1
            if status == 429:
                self.counters["rate_limited"] += 1

    def count(self, name: str) -> None:
        """Bump a named counter (``injected_errors``, ``injected_resets``, ...)."""
        with self.lock:
            self.counters[name] += 1

    def stats(self) -> dict[str, t.Any]:
        """Request counts per endpoint and status, 429s and injected faults."""
        with self.lock:
            return {
                "total": self.counters["total"],
                "rate_limited": self.counters["rate_limited"],
                "injected_errors": self.counters["injected_errors"],
                "injected_resets": self.counters["injected_resets"],
                "injected_cursor_loops": self.counters["injected_cursor_loops"],
                "unauthorized": self.counters["unauthorized"],
                "forbidden": self.counters["forbidden"],
                "endpoints": dict(self.endpoints),
                "statuses": dict(self.statuses),
            }

    def reset_stats(self) -> None:
        """Zero every counter."""
        with self.lock:
            self.endpoints.clear()
            self.statuses.clear()
            self.counters.clear()

    # -------------------------------------------------------------------------- control

    def settings(self) -> dict[str, t.Any]:
        """The current knob values."""
        config = self.app.config
        return {
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "error_rate": self.error_rate,
            "reset_rate": self.reset_rate,
            "rate_limit_per_10s": self.limiter.limit,
            "timezone": str(self.app.workspace.tz),
            "clock": self.app.workspace.now(),
            "scroll_idle_seconds": self.app.scroll.idle_seconds,
            "contact_search_delay_seconds": self.app.searcher.contact_delay,
            "conversation_gt_inclusive": self.app.searcher.gt_inclusive,
            "api_version": config.api_version,
            "faults": [dataclasses.asdict(rule) for rule in self.rules if rule.count > 0],
            "responses": [
                {"path": rule.path, "method": rule.method, "count": rule.count}
                for rule in self.canned
                if rule.count is None or rule.count > 0
            ],
            "reporting": self.app.reporting.state(),
            "counts": {
                kind: len(self.app.workspace.table(kind))
                for kind in ("contacts", "companies", "conversations", "tickets")
            },
        }

    def apply(self, changes: dict[str, t.Any]) -> dict[str, t.Any]:
        """Apply knob changes, fault rules and mutations; return settings and results.

        Raises:
            ValueError: for an unknown key or operation.
            KeyError: for an id that does not exist.
        """
        unknown = set(changes) - {
            *KNOBS,
            "timezone",
            "clock",
            "advance_clock",
            "tokens",
            "missing_scopes",
            "faults",
            "clear_faults",
            "responses",
            "clear_responses",
            "schedule",
            "reset_stats",
            "mutations",
            "webhooks",
            "reporting",
        }
        if unknown:
            msg = f"unknown control keys: {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        app = self.app
        with self.lock:
            for name in ("latency_ms", "jitter_ms", "error_rate", "reset_rate"):
                if name in changes:
                    setattr(self, name, float(changes[name]))
            if changes.get("clear_faults"):
                self.rules.clear()
            for rule in changes.get("faults") or []:
                self.rules.append(FaultRule(**rule))
            if changes.get("clear_responses"):
                self.canned.clear()
            for canned in changes.get("responses") or []:
                self.canned.append(CannedResponse(**canned))
            for item in changes.get("schedule") or []:
                self.scheduled.append(ScheduledMutations(**item))
            for token, missing in (changes.get("tokens") or {}).items():
                if missing is None:
                    self.tokens.pop(token, None)
                else:
                    self.tokens[token] = set(missing)
            if "missing_scopes" in changes:
                self.tokens[app.config.access_token] = set(changes["missing_scopes"])
        if "rate_limit_per_10s" in changes:
            self.limiter.set_limit(int(changes["rate_limit_per_10s"]))
        if "scroll_idle_seconds" in changes:
            app.scroll.idle_seconds = float(changes["scroll_idle_seconds"])
        if "contact_search_delay_seconds" in changes:
            app.searcher.contact_delay = int(changes["contact_search_delay_seconds"])
        if "conversation_gt_inclusive" in changes:
            app.searcher.gt_inclusive = bool(changes["conversation_gt_inclusive"])
        if "api_version" in changes:
            app.config.api_version = str(changes["api_version"])
        if "timezone" in changes:
            app.workspace.set_timezone(str(changes["timezone"]))
        if "clock" in changes:
            app.workspace.set_clock(changes["clock"])
        if "advance_clock" in changes:
            app.workspace.set_clock(app.workspace.now() + int(changes["advance_clock"]))
        if changes.get("reset_stats"):
            self.reset_stats()
        if "webhooks" in changes:
            self.webhooks.configure(changes["webhooks"])
        if "reporting" in changes:
            app.reporting.configure(dict(changes["reporting"]))
        results = [self.mutate(m) for m in changes.get("mutations") or []]
        return {"settings": self.settings(), "results": results}

    def mutate(self, mutation: dict[str, t.Any]) -> list[str]:
        """Run one mutation and send its webhook notifications (when subscribed).

        Raises:
            ValueError: for an unknown operation.
        """
        op = mutation.get("op")
        changed = self._mutate(mutation)
        if op in ("update", "add", "add_parts", "delete"):
            self.webhooks.notify(
                str(op), str(mutation.get("kind", "conversations")), changed, mutation
            )
        return changed

    def _mutate(self, mutation: dict[str, t.Any]) -> list[str]:
        """Run one mutation: ``update``, ``add``, ``add_parts``, ``delete`` or ``merge``.

        Raises:
            ValueError: for an unknown operation.
        """
        ws = self.app.workspace
        spec = dict(mutation)
        op = spec.pop("op", None)
        kind = spec.pop("kind", "conversations")
        if op == "update":
            return ws.update(kind, **spec)
        if op == "add":
            return ws.add(kind, int(spec.pop("n", 1)), **spec)
        if op == "add_parts":
            return ws.add_parts(kind, **spec)
        if op == "delete":
            if ws.table(kind).kind != "conversation":
                msg = "only conversations can be deleted"
                raise ValueError(msg)
            return ws.delete_conversations(**spec)
        if op == "merge":
            return ws.merge_contacts(**spec)
        msg = f"unknown mutation {op!r}: use update, add, add_parts, delete or merge"
        raise ValueError(msg)
