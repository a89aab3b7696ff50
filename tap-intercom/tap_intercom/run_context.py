"""The run context: what streams use from the run, built once by TapIntercom and handed to each."""

from __future__ import annotations

import logging
import threading
import time
import typing as t
from dataclasses import dataclass, field

from tap_intercom.custom_attributes import (
    custom_attribute_properties,
    embedded_attributes,
    ticket_attribute_properties,
)
from tap_intercom.errors import IntercomAuthError, IntercomError, IntercomScopeError
from tap_intercom.prefetch import Prefetcher
from tap_intercom.ratelimit import RateLimiter
from tap_intercom.settings import TapSettings, version_key
from tap_intercom.transport import RetryPolicy, Transport

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from singer_sdk.streams import Stream

LOGGER = logging.getLogger("tap-intercom")


class AttributeTypes:
    """The workspace's custom attribute types per model, read once per run.

    Args:
        transport: The run's transport.
        api_version: The pinned API version (conversation attributes need 2.16+).
    """

    def __init__(self, transport: Transport, api_version: str) -> None:
        self._transport = transport
        self._api_version = api_version
        self._types: dict[str, dict[str, t.Any]] = {}
        self._lock = threading.Lock()

    def of(self, model: str) -> dict[str, t.Any]:
        """JSON Schema properties of the custom attributes of ``model``.

        Read from ``/data_attributes`` (contacts, companies), ``/conversations/attributes``
        (2.16+) or the ticket types (``/ticket_types``). A token without the permission to
        read them leaves ``custom_attributes`` an open object, on every run alike (a warning
        says why); any other failure fails discovery, so a passing network problem never
        changes the SCHEMA sent downstream.

        Args:
            model: ``contact``, ``company``, ``conversation`` or ``ticket``.

        Returns:
            ``{attribute name: schema}``, possibly empty.

        Raises:
            IntercomError: When the data attributes could not be read.
        """
        with self._lock:
            if model in self._types:
                return self._types[model]
            typed: dict[str, t.Any] = {}
            try:
                if model == "conversation":
                    if version_key(self._api_version) >= version_key("2.16"):
                        body = self._transport.request_json("GET", "/conversations/attributes")
                        typed = custom_attribute_properties(body.get("data") or [])
                elif model == "ticket":
                    # Tickets' attributes are those of the ticket types.
                    body = self._transport.request_json("GET", "/ticket_types")
                    typed = ticket_attribute_properties(
                        a for tt in body.get("data") or [] for a in embedded_attributes(tt)
                    )
                else:
                    body = self._transport.request_json(
                        "GET", "/data_attributes", params={"model": model}
                    )
                    typed = custom_attribute_properties(body.get("data") or [])
            except IntercomScopeError as exc:
                LOGGER.warning(
                    "custom_attributes of %s left untyped: the token may not read data "
                    "attributes (%s)",
                    model,
                    exc,
                )
            except IntercomAuthError:
                raise  # its message says what to fix
            except IntercomError as exc:
                msg = f"Discovery failed: the {model} data attributes could not be read: {exc}"
                raise IntercomError(msg) from exc
            self._types[model] = typed
            return typed


@dataclass(slots=True)
class Refusals:
    """Streams that ended because the token lacks their permission (the run fails at the end)."""

    streams: list[str] = field(default_factory=list)

    def refuse(self, stream: str, permission: str, exc: IntercomScopeError) -> None:
        """Record a refused stream and log why.

        Args:
            stream: The stream name.
            permission: The permission it needs.
            exc: The 403 error.
        """
        self.streams.append(stream)
        LOGGER.error(
            "Stream %s skipped: the access token lacks the '%s' permission (%s)",
            stream,
            permission,
            exc,
        )


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a stream may use from the run (streams never reach into the tap).

    Attributes:
        settings: The parsed settings.
        transport: The one HTTP path: headers, auth, timeouts, limiter, retries, error
            mapping and request counters (``transport.stats``, ``transport.limiter``).
        pool: The bounded pool for concurrent requests (children, slices, windows).
        upper_bound: The frozen upper bound of every sync window (Unix seconds).
        attribute_types: The workspace's custom attribute types per model.
        refusals: Streams refused for a missing permission.
        streams: The run's streams by name (a stream that writes to another, e.g. deleted
            conversations' markers to ``conversations``).
    """

    settings: TapSettings
    transport: Transport
    pool: Prefetcher
    upper_bound: int
    attribute_types: AttributeTypes
    refusals: Refusals
    streams: Callable[[], Mapping[str, Stream]]

    @classmethod
    def build(
        cls,
        settings: TapSettings,
        *,
        user_agent: str,
        streams: Callable[[], Mapping[str, Stream]],
    ) -> RunContext:
        """The context of one run; the upper bound is frozen now.

        Args:
            settings: The parsed settings.
            user_agent: The User-Agent when ``user_agent`` is not set.
            streams: Returns the run's streams (discovered lazily by the SDK).

        Returns:
            The context.
        """
        transport = Transport(
            base_url=settings.base_url,
            headers={
                "Authorization": f"Bearer {settings.access_token}",
                "Accept": "application/json",
                "Intercom-Version": settings.api_version,
                "User-Agent": settings.user_agent or user_agent,
            },
            timeout=float(settings.request_timeout),
            limiter=RateLimiter(max_requests_per_minute=settings.max_requests_per_minute),
            policy=RetryPolicy(
                max_retries=settings.max_retries,
                backoff_seconds=settings.retry_backoff_seconds,
            ),
        )
        return cls(
            settings=settings,
            transport=transport,
            pool=Prefetcher(settings.max_concurrency),
            # No bookmark of this run passes it: records updated during the run are read
            # by the next one.
            upper_bound=int(time.time()) - settings.indexing_delay,
            attribute_types=AttributeTypes(transport, settings.api_version),
            refusals=Refusals(),
            streams=streams,
        )
