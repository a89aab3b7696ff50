"""The sandbox's configuration: workspace size, time zone, auth, limits and faults."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing as t

# Generated records lie before this instant, so they are in the past for any tap run today
# and identical from one run to the next (the seed alone decides them).
DEFAULT_ANCHOR = int(dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc).timestamp())

DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a public, documented test token

# Counts per entity for each named size. Every size keeps the edge cases the tests rely on
# (a contact with more than 10 tags, companies and notes; a conversation and a ticket with
# more than 500 parts), so even "tiny" shows every quirk.
SIZES: dict[str, dict[str, int]] = {
    "tiny": {"contacts": 12, "companies": 12, "conversations": 10, "tickets": 4},
    "small": {"contacts": 300, "companies": 60, "conversations": 250, "tickets": 60},
    "medium": {"contacts": 20_000, "companies": 5_000, "conversations": 20_000, "tickets": 3_000},
    "large": {
        "contacts": 300_000,
        "companies": 50_000,
        "conversations": 300_000,
        "tickets": 30_000,
    },
}


@dataclasses.dataclass
class SandboxConfig:
    """Everything that shapes a sandbox: its workspace and how its API behaves.

    Attributes:
        seed: Seed of the generated workspace; the same seed gives the same records.
        size: ``tiny``, ``small``, ``medium`` or ``large`` (see ``SIZES``).
        contacts: Explicit contact count (overrides the size).
        companies: Explicit company count (overrides the size).
        conversations: Explicit conversation count (overrides the size).
        tickets: Explicit ticket count (overrides the size).
        timezone: The workspace's IANA time zone; contacts search matches whole days in it.
        anchor: Unix time the generated history ends at.
        history_days: How many days of history the generated records span.
        clock: The workspace's "now" (Unix seconds) for mutations; None follows real time.
        access_token: The token every endpoint accepts.
        tokens: More tokens, each with the scopes it lacks (403 on those streams).
        missing_scopes: Scopes the main ``access_token`` lacks.
        api_version: The app's default API version (used without an Intercom-Version header).
        host: Interface to bind.
        port: Port to bind (0 picks a free one).
        rate_limit_per_10s: Requests allowed per 10-second window (Intercom's default private
            app limit is 10,000 a minute, spread over six windows).
        rate_window_seconds: Length of a rate-limit window (Intercom: 10; tests shorten it).
        latency_ms: Fixed latency added to every API response.
        jitter_ms: Random extra latency, uniform in [0, jitter_ms].
        error_rate: Fraction of API requests answered with an injected 5xx.
        reset_rate: Fraction of API requests whose connection is dropped without an answer.
        fault_seed: Seed of the fault and jitter draws.
        scroll_idle_seconds: How long an unused companies scroll stays open (Intercom: 60).
        contact_search_delay_seconds: New contacts stay out of search results this long
            (Intercom's "contact creation delay"); 0 turns it off.
        conversation_gt_inclusive: Whether ``>``/``<`` on conversation and ticket dates include
            the bound. The docs say "Greater (or equal) than"; observed behaviour is strict,
            so the default is strict, the stricter model for a tap to pass.
    """

    seed: int = 42
    size: str = "small"
    contacts: int | None = None
    companies: int | None = None
    conversations: int | None = None
    tickets: int | None = None
    timezone: str = "UTC"
    anchor: int = DEFAULT_ANCHOR
    history_days: int = 400
    clock: int | None = None
    access_token: str = DEFAULT_TOKEN
    tokens: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    missing_scopes: list[str] = dataclasses.field(default_factory=list)
    api_version: str = "2.16"
    host: str = "127.0.0.1"
    port: int = 0
    rate_limit_per_10s: int = 1666
    rate_window_seconds: int = 10
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    reset_rate: float = 0.0
    fault_seed: int = 7
    scroll_idle_seconds: float = 60.0
    contact_search_delay_seconds: int = 0
    conversation_gt_inclusive: bool = False

    def counts(self) -> dict[str, int]:
        """The entity counts: the size's, with explicit counts taking precedence.

        Raises:
            ValueError: for an unknown size name.
        """
        if self.size not in SIZES:
            msg = f"unknown size {self.size!r}: choose one of {', '.join(SIZES)}"
            raise ValueError(msg)
        counts = dict(SIZES[self.size])
        for name in counts:
            value = t.cast("int | None", getattr(self, name))
            if value is not None:
                counts[name] = max(0, value)
        return counts
