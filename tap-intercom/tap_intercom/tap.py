"""TapIntercom: settings, discovery, and the run-wide transport, limiter and pool."""

from __future__ import annotations

import sys
import time
import typing as t
from functools import cached_property

from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.singerlib import Schema
from typing_extensions import override

from tap_intercom.bookmarks import BookmarkError, normalize_state
from tap_intercom.cli_input import config_files_error, read_json_input
from tap_intercom.client import SCHEMAS_DIR, IncrementalStream
from tap_intercom.custom_attributes import custom_attribute_properties
from tap_intercom.errors import IntercomAuthError, IntercomError, IntercomScopeError
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
from tap_intercom.streams.reporting import (
    REPORTING_SINCE,
    discover_datasets,
    reporting_stream_types,
)
from tap_intercom.timestamps import catalog_plan
from tap_intercom.transport import RetryPolicy, Transport
from tap_intercom.windows import to_epoch

if t.TYPE_CHECKING:
    import click
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
        state = kwargs.get("state")
        if state is not None and not isinstance(state, dict):
            msg = "Pass the state as a decoded JSON object"
            raise BookmarkError(msg)
        if state:
            # Checked before discovery sends its first request: a bookmark the tap cannot
            # read ends the run before it does or writes anything.
            normalize_state(state, replication_keys(), lambda _stream, seconds: seconds)
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
    def timestamps_iso(self) -> bool:
        """Whether Unix-second fields are emitted as ISO 8601 text (``timestamp_format``)."""
        return str(self.config.get("timestamp_format") or "iso") == "iso"

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
        if self.config.get("include_reporting"):
            streams.extend(self._reporting_streams(version))
        return streams

    def _reporting_streams(self, version: tuple[float, ...]) -> list[Stream]:
        if version < version_key(REPORTING_SINCE):
            self.logger.info(
                "Reporting streams left out: API version %s lacks them (needs %s or later)",
                self.api_version,
                REPORTING_SINCE,
            )
            return []
        specs, app_id = discover_datasets(self.transport, self.logger)
        return [stream_type(tap=self) for stream_type in reporting_stream_types(specs, app_id)]

    def custom_attribute_types(self, model: str) -> dict[str, t.Any]:
        """JSON Schema properties of the workspace's custom attributes of ``model``.

        Read once per run from ``/data_attributes`` (contacts, companies) or
        ``/conversations/attributes`` (2.16+). A token without the permission to read them
        leaves ``custom_attributes`` an open object, on every run alike (a warning says
        why); any other failure fails discovery, so a passing network problem never
        changes the SCHEMA sent downstream.

        Args:
            model: ``contact``, ``company`` or ``conversation``.

        Returns:
            ``{attribute name: schema}``, possibly empty.

        Raises:
            IntercomError: When the data attributes could not be read.
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
        except IntercomScopeError as exc:
            self.logger.warning(
                "custom_attributes of %s left untyped: the token may not read data attributes (%s)",
                model,
                exc,
            )
        except IntercomAuthError:
            raise  # its message says what to fix
        except IntercomError as exc:
            msg = f"Discovery failed: the {model} data attributes could not be read: {exc}"
            raise IntercomError(msg) from exc
        self._attribute_types[model] = typed
        return typed

    @override
    def setup_mapper(self) -> None:
        """Put an input catalog's timestamps in this run's format, then set up stream maps.

        The SDK takes the SCHEMA messages from the input catalog, so a catalog discovered
        with the other ``timestamp_format`` must describe this run's records.
        """
        catalog = self.input_catalog
        if catalog is not None:
            iso = self.timestamps_iso
            for entry in catalog.streams:
                own = own_schema(entry.tap_stream_id)
                if own is None:
                    continue
                schema = entry.schema.to_dict()
                entry.schema = Schema.from_dict(catalog_plan(own, schema).schema(schema, iso=iso))
        super().setup_mapper()

    # State ---------------------------------------------------------------------------

    @override
    def load_state(self, state: dict[str, t.Any]) -> None:
        """Load the input STATE with every bookmark rewritten in this run's form.

        Args:
            state: The decoded state (bookmarks in any form :mod:`tap_intercom.bookmarks`
                reads).
        """
        iso = self.timestamps_iso
        forms = {
            s.name: t.cast("type[IncrementalStream]", s)
            for s in STREAM_TYPES
            if issubclass(s, IncrementalStream)
        }

        def form(stream: str, seconds: int) -> t.Any:
            return forms[stream].bookmark_form(seconds, iso=iso)

        super().load_state(normalize_state(state, replication_keys(), form))

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
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """Run the tap; bad input and Intercom errors end it with one line and exit status 1.

        The SDK's ``Tap.invoke``, with the state and catalog files decoded here, so that a
        malformed file, an unreadable bookmark or an invalid config is one line on stderr.

        Args:
            about: Display package metadata and settings.
            about_format: Output style for ``--about``.
            config: The parsed ``--config`` inputs.
            state: The ``--state`` file.
            catalog: The ``--catalog`` file.
        """
        if about:
            cls.print_about(about_format)
            sys.exit(0)
        run: TapIntercom | None = None
        try:
            try:
                tap = cls(
                    config=config.config if config else {},
                    state=None if state is None else read_json_input(state, "--state"),
                    catalog=None if catalog is None else read_json_input(catalog, "--catalog"),
                    parse_env_config=bool(config and config.parse_env),
                    validate_config=True,
                )
                cls.print_version(print_fn=cls.logger.info)
                tap.sync_all()
            finally:
                # sync_all cannot be extended, so the run is finished here, on the instance
                # __init__ registered (None when __init__ itself failed).
                run = TapIntercom.current_run
                TapIntercom.current_run = None
            if run is not None:
                run.finish_run()
        except (IntercomError, ScrollIncompleteError, BookmarkError) as exc:
            if run is not None:
                run.close_quietly()
            cls.logger.error("%s", exc)
            sys.exit(1)
        except ConfigValidationError as exc:
            cls.logger.error("Invalid config: %s", "; ".join(exc.errors) or exc)
            sys.exit(1)

    @classmethod
    @override
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        """Read ``--config`` files; a missing or malformed one is one line and exit 1.

        Args:
            ctx: Click context.
            param: Click option.
            value: The ``--config`` values.

        Returns:
            The SDK's parsed config input.
        """
        problem = config_files_error(value)
        if problem:
            cls.logger.error("%s", problem)
            ctx.exit(1)
        return super().cb_config(ctx, param, value)

    @classmethod
    @override
    def cb_discover(cls, ctx: click.Context, param: click.Option, value: bool) -> None:
        """``--discover``: the catalog on stdout, or one line and exit 1.

        Discovery needs the access token (it reads the workspace's data attributes), so a
        missing config is an error rather than a traceback.

        Args:
            ctx: Click context.
            param: Click option.
            value: Whether ``--discover`` was given.
        """
        if not value:
            return
        config = ctx.params.get("config")
        if not config or (not config.config and not config.parse_env):
            cls.logger.error(
                "--discover needs a config with access_token: --config FILE, or "
                "--config ENV with TAP_INTERCOM_ACCESS_TOKEN set"
            )
            ctx.exit(1)
        try:
            tap = cls(
                config=config.config,
                parse_env_config=config.parse_env,
                validate_config=True,
                setup_mapper=False,
            )
            tap.run_discovery()
        except ConfigValidationError as exc:
            cls.logger.error("Invalid config: %s", "; ".join(exc.errors) or exc)
            ctx.exit(1)
        except IntercomError as exc:
            cls.logger.error("%s", exc)
            ctx.exit(1)
        finally:
            TapIntercom.current_run = None
        ctx.exit()


def own_schema(stream: str) -> dict[str, t.Any] | None:
    """The schema file of one of the tap's streams.

    Args:
        stream: The stream name.

    Returns:
        The schema, or None for a stream the tap does not have.
    """
    if stream not in {stream_type.name for stream_type in STREAM_TYPES}:
        return None
    return SCHEMAS_DIR.get_schema(stream)


def replication_keys() -> dict[str, str | None]:
    """The replication key of every stream the tap has (None: full table).

    Returns:
        ``{stream name: replication key}``.
    """
    return {
        stream_type.name: (
            str(stream_type.replication_key) if issubclass(stream_type, IncrementalStream) else None
        )
        for stream_type in STREAM_TYPES
    }


__all__ = ["DEFAULT_MAX_CONCURRENCY", "TapIntercom"]
