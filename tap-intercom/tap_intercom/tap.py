"""TapIntercom: settings, discovery, and the run-wide transport, limiter and pool."""

from __future__ import annotations

import sys
import time
import typing as t
from functools import cached_property

import requests
from singer_sdk import Tap
from singer_sdk.helpers._classproperty import classproperty
from typing_extensions import override

from tap_intercom.custom_attributes import custom_attribute_properties
from tap_intercom.errors import IntercomError, IntercomScopeError
from tap_intercom.prefetch import Prefetcher
from tap_intercom.ratelimit import RateLimiter
from tap_intercom.scroll import ScrollIncompleteError
from tap_intercom.settings import (
    CONFIG_SCHEMA,
    DEFAULT_API_VERSION,
    DEFAULT_INDEXING_DELAY,
    DEFAULT_MAX_CONCURRENCY,
    base_url,
    numbers_from_environment,
    version_key,
)
from tap_intercom.streams import STREAM_TYPES
from tap_intercom.streams.contacts import ContactNotesStream
from tap_intercom.transport import RetryPolicy, Transport
from tap_intercom.windows import to_epoch

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

    from tap_intercom.client import IntercomStream


class TapIntercom(Tap):
    """Singer tap for the Intercom REST API."""

    name = "tap-intercom"
    config_jsonschema = CONFIG_SCHEMA

    #: The instance the CLI is running (set by ``__init__``, used by :meth:`invoke`).
    current_run: t.ClassVar[TapIntercom | None] = None

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:  # noqa: N805
        """Settings from ``TAP_INTERCOM_*`` variables, numbers included.

        Returns:
            The settings found in the environment.
        """
        return numbers_from_environment(super()._env_var_config, cls.config_jsonschema)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.refused_streams: list[str] = []
        self._attribute_types: dict[str, dict[str, t.Any]] = {}
        super().__init__(*args, **kwargs)
        TapIntercom.current_run = self
        # Frozen once per run: no bookmark of this run passes it.
        self.sync_upper_bound = int(time.time()) - int(
            self.config.get("indexing_delay", DEFAULT_INDEXING_DELAY)
        )

    # Resolved settings ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """API base URL (``api_url`` or the region's)."""
        return base_url(dict(self.config))

    @property
    def api_version(self) -> str:
        """The pinned ``Intercom-Version``."""
        return str(self.config.get("api_version") or DEFAULT_API_VERSION)

    @property
    def start_timestamp(self) -> int | None:
        """``start_date`` in Unix seconds."""
        return to_epoch(self.config.get("start_date"))

    @property
    def lookback_seconds(self) -> int:
        """``lookback_window`` in seconds."""
        return max(0, int(self.config.get("lookback_window", 0)))

    @cached_property
    def transport(self) -> Transport:
        """The run's transport: one limiter and retry policy for every request."""
        headers = {
            "Authorization": f"Bearer {self.config['access_token']}",
            "Accept": "application/json",
            "Intercom-Version": self.api_version,
            "User-Agent": str(self.config.get("user_agent") or f"{self.name}"),
        }
        limiter = RateLimiter(max_requests_per_minute=self.config.get("max_requests_per_minute"))
        policy = RetryPolicy(
            max_retries=int(self.config.get("max_retries", 5)),
            backoff_seconds=float(self.config.get("retry_backoff_seconds", 1.0)),
        )
        return Transport(
            base_url=self.base_url,
            headers=headers,
            timeout=float(self.config.get("request_timeout", 300)),
            limiter=limiter,
            policy=policy,
        )

    @cached_property
    def prefetcher(self) -> Prefetcher:
        """The pool for concurrent per-parent requests."""
        return Prefetcher(int(self.config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)))

    # Discovery -----------------------------------------------------------------------

    @override
    def discover_streams(self) -> list[Stream]:
        """Every stream the pinned API version has (and the opt-in ones switched on).

        Returns:
            The stream instances.
        """
        streams: list[Stream] = []
        version = version_key(self.api_version)
        for stream_type in STREAM_TYPES:
            if stream_type.min_api_version and version < version_key(stream_type.min_api_version):
                self.logger.info(
                    "Stream %s left out: API version %s lacks it (needs %s or later)",
                    stream_type.name,
                    self.api_version,
                    stream_type.min_api_version,
                )
                continue
            if stream_type is ContactNotesStream and not self.config.get("include_contact_notes"):
                self.logger.info(
                    "Stream contact_notes left out: set include_contact_notes to read notes "
                    "(one request per changed contact)"
                )
                continue
            streams.append(stream_type(tap=self))
        return streams

    def custom_attribute_types(self, model: str) -> dict[str, t.Any]:
        """JSON Schema properties of the workspace's custom attributes of ``model``.

        Read once per run from ``/data_attributes`` (contacts, companies) or
        ``/conversations/attributes`` (2.16+). When they cannot be read, ``custom_attributes``
        stays an open object and a warning says why.

        Args:
            model: ``contact``, ``company`` or ``conversation``.

        Returns:
            ``{attribute name: schema}``, possibly empty.
        """
        if model in self._attribute_types:
            return self._attribute_types[model]
        typed: dict[str, t.Any] = {}
        try:
            if model == "conversation":
                if version_key(self.api_version) >= version_key("2.16"):
                    body = self.transport.request_json("GET", "/conversations/attributes")
                    typed = custom_attribute_properties(body.get("data") or [])
            else:
                body = self.transport.request_json(
                    "GET", "/data_attributes", params={"model": model}
                )
                typed = custom_attribute_properties(body.get("data") or [])
        except (IntercomError, requests.RequestException) as exc:
            self.logger.warning(
                "custom_attributes of %s left untyped: data attributes unreadable (%s)",
                model,
                exc,
            )
        self._attribute_types[model] = typed
        return typed

    # Sync ----------------------------------------------------------------------------

    @override  # type: ignore[misc]
    def sync_all(self) -> None:
        """Poll the API (``mode: poll``), or receive webhooks until SIGTERM (``webhooks``)."""
        # The SDK marks sync_all final; the mode switch is the one override, and poll mode
        # is the SDK's own sync untouched.
        if self.config.get("mode") == "webhooks":
            from tap_intercom.webhooks.run import run_webhooks

            run_webhooks(self)
            return
        super().sync_all()

    def stream_refused(self, stream: IntercomStream, exc: IntercomScopeError) -> None:
        """Record that a stream ended because the token lacks its permission.

        Args:
            stream: The stream.
            exc: The 403 error.
        """
        self.refused_streams.append(stream.name)
        self.logger.error(
            "Stream %s skipped: the access token lacks the '%s' permission (%s)",
            stream.name,
            stream.permission,
            exc,
        )

    def close_quietly(self) -> None:
        """Stop the pool and log request figures (after a failed run)."""
        self.prefetcher.close()
        self._log_request_stats()

    def finish_run(self) -> None:
        """Stop the pool, log request figures, and fail if a stream lacked a permission.

        Raises:
            IntercomError: When a stream was refused for a missing permission.
        """
        self.prefetcher.close()
        self._log_request_stats()
        if self.refused_streams:
            msg = (
                "The access token lacks permissions for: "
                + ", ".join(self.refused_streams)
                + " (other streams were synced)"
            )
            raise IntercomError(msg)

    def _log_request_stats(self) -> None:
        stats = self.transport.stats
        limiter = self.transport.limiter.stats
        self.logger.info(
            "Requests: %d (retries %d, 429s %d, rate-limit waits %d totalling %.1fs, "
            "limit per window %s)",
            stats.requests,
            stats.retries,
            stats.rate_limited,
            limiter.waits,
            limiter.waited_seconds,
            limiter.limit,
        )
        for endpoint, count in sorted(stats.by_path.items()):
            self.logger.info("Requests to %s: %d", endpoint, count)

    @classmethod
    @override
    def invoke(
        cls,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        """Run the tap; Intercom errors end it with one line and exit status 1.

        Args:
            *args: Passed to ``Tap.invoke``.
            **kwargs: Passed to ``Tap.invoke``.
        """
        try:
            try:
                super().invoke(*args, **kwargs)
            finally:
                # Tap.invoke creates the instance and its sync_all cannot be extended, so the
                # run is finished here, on the instance it created.
                run = TapIntercom.current_run
                TapIntercom.current_run = None
            if run is not None:
                run.finish_run()
        except (IntercomError, ScrollIncompleteError) as exc:
            if run is not None:
                run.close_quietly()
            cls.logger.error("%s", exc)
            sys.exit(1)


__all__ = ["DEFAULT_MAX_CONCURRENCY", "TapIntercom"]
