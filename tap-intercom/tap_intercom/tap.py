"""TapIntercom: the CLI, discovery from the stream registry, STATE loading, the run context."""

from __future__ import annotations

import copy
import sys
import typing as t
from functools import cached_property

from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib import Schema
from typing_extensions import override

from tap_intercom.bookmarks import BookmarkError, normalize_state
from tap_intercom.cli_input import config_files_error, read_json_input
from tap_intercom.client import ONE_LINE_ERRORS, SCHEMAS_DIR, IncrementalStream
from tap_intercom.errors import IntercomError
from tap_intercom.run_context import RunContext
from tap_intercom.sdk_adapter import AdaptedTap
from tap_intercom.settings import (
    CONFIG_SCHEMA,
    TapSettings,
    numbers_from_environment,
    version_key,
)
from tap_intercom.streams import STREAM_TYPES, custom_objects
from tap_intercom.streams.reporting import catalog_own_schema
from tap_intercom.timestamps import catalog_plan

if t.TYPE_CHECKING:
    import click
    from singer_sdk.streams import Stream


class TapIntercom(AdaptedTap):
    """Singer tap for the Intercom REST API."""

    name = "tap-intercom"
    # A copy: the SDK adds its built-in settings (stream maps, flattening, ...) to this dict,
    # and CONFIG_SCHEMA must stay the tap's own settings, one per TapSettings field.
    config_jsonschema = copy.deepcopy(CONFIG_SCHEMA)

    #: The instance the CLI is running (set by ``__init__``, used by :meth:`invoke`).
    current_run: t.ClassVar[TapIntercom | None] = None

    @override
    @classmethod
    def environment_settings(cls, values: dict[str, t.Any]) -> dict[str, t.Any]:
        """Settings from ``TAP_INTERCOM_*`` variables, numbers included.

        Args:
            values: What singer-sdk read from the environment.

        Returns:
            The settings found in the environment.
        """
        return numbers_from_environment(values, cls.config_jsonschema)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
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

    @cached_property
    def run(self) -> RunContext:
        """The run context handed to every stream (built on first use, during discovery)."""
        return RunContext.build(
            TapSettings.from_config(self.config),
            # The default the user_agent setting documents (the SDK's request path used to
            # send singer-sdk/<version> on stream pages).
            user_agent=f"{self.name}/{self.plugin_version}",
            streams=lambda: self.streams,
        )

    @property
    def refused_streams(self) -> list[str]:
        """Streams refused for a missing permission in this run."""
        return self.run.refusals.streams

    # Discovery -----------------------------------------------------------------------

    @override
    def discover_streams(self) -> list[Stream]:
        """Every stream of the registry the pinned API version has and the settings switch on.

        Returns:
            The stream instances.
        """
        settings = self.run.settings
        streams: list[Stream] = []
        version = version_key(settings.api_version)
        for stream_type in STREAM_TYPES:
            if stream_type.min_api_version and version < version_key(stream_type.min_api_version):
                self.logger.info(
                    "Stream %s left out: API version %s lacks it (needs %s or later)",
                    stream_type.name,
                    settings.api_version,
                    stream_type.min_api_version,
                )
                continue
            switch = stream_type.opt_in_setting
            if switch and not settings.get(switch):
                self.logger.info(
                    "Stream %s left out: set %s to %s",
                    stream_type.name,
                    switch,
                    stream_type.opt_in_note,
                )
                continue
            streams.extend(stream_type.instances(self, self.run))
        return streams

    @override
    def setup_mapper(self) -> None:
        """Put an input catalog's timestamps in this run's format, then set up stream maps.

        The SDK takes the SCHEMA messages from the input catalog, so a catalog discovered
        with the other ``timestamp_format`` must describe this run's records.
        """
        catalog = self.input_catalog
        if catalog is not None:
            iso = self.run.settings.timestamps_iso
            for entry in catalog.streams:
                schema = entry.schema.to_dict()
                own = own_schema(entry.tap_stream_id) or catalog_own_schema(
                    entry.tap_stream_id, schema
                )
                if own is None:
                    continue
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
        iso = self.run.settings.timestamps_iso
        forms = {s.name: s for s in STREAM_TYPES if issubclass(s, IncrementalStream)}

        def form(stream: str, seconds: int) -> t.Any:
            return forms[stream].bookmark_form(seconds, iso=iso)

        super().load_state(normalize_state(state, replication_keys(), form))

    # Sync ----------------------------------------------------------------------------

    @override  # type: ignore[misc]
    def sync_all(self) -> None:
        """Poll the API (``mode: poll``), or receive webhooks until SIGTERM (``webhooks``)."""
        # The SDK marks sync_all final; the mode switch is the one override, and poll mode
        # is the SDK's own sync untouched.
        if self.run.settings.mode == "webhooks":
            from tap_intercom.webhooks.run import run_webhooks

            run_webhooks(self)
            return
        super().sync_all()

    def close_quietly(self) -> None:
        """Stop the pool and log request figures (after a failed run)."""
        self.run.pool.close()
        self._log_request_stats()

    def finish_run(self) -> None:
        """Stop the pool, log request figures, and fail if a stream lacked a permission.

        Raises:
            IntercomError: When a stream was refused for a missing permission.
        """
        self.run.pool.close()
        self._log_request_stats()
        if self.refused_streams:
            msg = (
                "The access token lacks permissions for: "
                + ", ".join(self.refused_streams)
                + " (other streams were synced)"
            )
            raise IntercomError(msg)

    def _log_request_stats(self) -> None:
        stats = self.run.transport.stats
        limiter = self.run.transport.limiter.stats
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
        except ONE_LINE_ERRORS as exc:
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
    if stream.startswith(custom_objects.PREFIX):
        # One stream per custom object type, all with one schema.
        return SCHEMAS_DIR.get_schema("custom_object_instances")
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


__all__ = ["TapIntercom"]
