"""The one module of the tap that touches singer-sdk's private API (underscore names).

The rest of the tap overrides the public hooks and calls the functions defined here; every
private name relied on is listed in :data:`RELIED_ON` and :data:`PRIVATE_ATTRIBUTES`, which
``tests/tap/test_tap_sdk_adapter.py`` checks against the installed singer-sdk.
"""

from __future__ import annotations

import logging
import os
import sys
import typing as t

from singer_sdk import Stream, Tap
from singer_sdk.cli import plugin_cli
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty
from typing_extensions import override

from tap_intercom.settings import unreadable_variable

if t.TYPE_CHECKING:
    import click
    from singer_sdk.helpers.types import Record

__all__ = [
    "PRIVATE_ATTRIBUTES",
    "RELIED_ON",
    "AdaptedStream",
    "AdaptedTap",
    "announce_schema",
    "input_schema",
    "replace_input_schema",
    "write_record",
]

#: Private singer-sdk callables used or overridden here, with the signature they had when
#: this adapter was written (``str(inspect.signature(...))``; ``classproperty`` for what has
#: no signature to compare).
RELIED_ON: dict[str, str] = {
    "singer_sdk.Tap._env_var_config": "classproperty",
    "singer_sdk.Tap._env_var_prefix": "classproperty",
    "singer_sdk.Stream._write_record_message": "(self, record: 'types.Record') -> 'None'",
    "singer_sdk.Stream._write_schema_message": "(self) -> 'None'",
    "singer_sdk.Stream._write_state_message": "(self) -> 'None'",
    "singer_sdk.Stream._generate_schema_messages": (
        "(self) -> 't.Generator[singer.SchemaMessage, None, None]'"
    ),
    "singer_sdk.helpers._classproperty.classproperty": (
        "(fget=None, fset=None, fdel=None, doc=None)"
    ),
}

#: The line singer-sdk's ``Stream.sync`` logs before re-raising any error of a stream's sync
#: (checked against its source by the adapter test).
SDK_SYNC_ERROR = "An unhandled error occurred while syncing '%s'"

#: Private attributes read or written here, by the class whose instances have them.
PRIVATE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Stream": ("_tap", "_input_schema", "_stream_maps"),
}


class AdaptedTap(Tap):
    """singer-sdk's ``Tap`` with the private hook it needs turned into a public one."""

    @plugin_cli
    def cli(cls) -> click.Command:  # noqa: N805
        """singer-sdk's command, after checking the log level it is about to set.

        singer-sdk sets the level from ``<PLUGIN>_LOGLEVEL`` or ``LOGLEVEL`` before any
        command runs, and an unknown name there is a traceback from ``logging``.

        Returns:
            The command.
        """
        level = os.environ.get(cls._env_var_prefix + "LOGLEVEL") or os.environ.get("LOGLEVEL")
        if level is not None and not isinstance(logging.getLevelName(level.upper()), int):
            sys.stderr.write(
                f"{cls.name}: LOGLEVEL {level!r} is not a log level "
                "(DEBUG, INFO, WARNING, ERROR or CRITICAL)\n"
            )
            sys.exit(1)
        return super().cli

    @classmethod
    def environment_settings(cls, values: dict[str, t.Any]) -> dict[str, t.Any]:
        """Adjust the settings singer-sdk read from the environment (``--config ENV``).

        Args:
            values: What singer-sdk parsed.

        Returns:
            The settings to use.
        """
        return values

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:  # noqa: N805
        """Settings from the plugin's environment variables, adjusted by the tap.

        Returns:
            The settings found in the environment.
        """
        try:
            values = super()._env_var_config
        except ValueError as exc:
            # singer-sdk reads integer, array and object variables itself (``int()``,
            # ``json.loads``) and lets their ValueError out, naming no variable.
            prefix = cls._env_var_prefix
            problem = unreadable_variable(cls.config_jsonschema, prefix, os.environ)
            problem = problem or f"a {prefix}* variable: {exc}"
            raise ConfigValidationError(problem, errors=[problem]) from exc
        return cls.environment_settings(values)


class AdaptedStream(Stream):
    """singer-sdk's ``Stream`` with the private writers it calls turned into public hooks.

    A mixin placed before singer-sdk's stream class (``RESTStream``) in the bases.
    """

    # Hooks the tap's streams override ----------------------------------------------------

    def before_record_written(self, record: Record) -> None:
        """Called with each record just before its RECORD message is written.

        Args:
            record: The record (after ``post_process``, before stream maps).
        """

    def reports_in_one_line(self, exc: BaseException) -> bool:
        """Whether the tap ends the run on ``exc`` with its own one line (none by default).

        singer-sdk's own error line about such a failure is left out, so that line is the
        only one.

        Args:
            exc: The exception in flight.

        Returns:
            True when the tap reports it.
        """
        return False

    def writes_state_message(self) -> bool:
        """Whether singer-sdk's STATE message at this point is written (always by default).

        Returns:
            True to write it.
        """
        return True

    def writes_schema_message(self) -> bool:
        """Whether singer-sdk's SCHEMA message at this point is written (always by default).

        Returns:
            True to write it.
        """
        return True

    @override
    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:
        """Log a message, but singer-sdk's sync error line about a failure the tap reports.

        Args:
            message: The message.
            args: Its arguments.
            level: The log level.
            kwargs: Passed to the logger.
        """
        exc = sys.exc_info()[1]
        if message == SDK_SYNC_ERROR and exc is not None and self.reports_in_one_line(exc):
            return
        super().log(message, *args, level=level, **kwargs)

    # Private methods singer-sdk calls, each forwarded to its hook ---------------------------

    @override
    def _write_record_message(self, record: Record) -> None:
        """Forward to :meth:`before_record_written`, then write the RECORD.

        Args:
            record: The record.
        """
        self.before_record_written(record)
        super()._write_record_message(record)

    @override
    def _write_state_message(self) -> None:
        """Write singer-sdk's STATE message if :meth:`writes_state_message` says so."""
        if self.writes_state_message():
            super()._write_state_message()

    @override
    def _write_schema_message(self) -> None:
        """Write singer-sdk's SCHEMA message if :meth:`writes_schema_message` says so."""
        if self.writes_schema_message():
            super()._write_schema_message()


def write_record(stream: Stream, record: Record) -> None:
    """Write ``record`` as a RECORD of ``stream`` (through its maps), outside its own sync.

    Args:
        stream: The stream the record belongs to.
        record: The record.
    """
    stream._write_record_message(record)


def input_schema(stream: Stream) -> dict | None:
    """The schema the catalog gave ``stream``, or None when it runs on its own schema.

    Args:
        stream: The stream.

    Returns:
        The catalog's schema or None.
    """
    return stream._input_schema


def replace_input_schema(stream: Stream, schema: dict) -> None:
    """Make ``schema`` the stream's catalog schema (its ``effective_schema`` from now on).

    Args:
        stream: A stream that has a catalog schema (:func:`input_schema` is not None).
        schema: The new schema.
    """
    stream._input_schema = schema


def announce_schema(stream: Stream, raw_schema: dict) -> None:
    """Rebuild the stream's maps from ``raw_schema`` and write the SCHEMA messages they give.

    Args:
        stream: The stream.
        raw_schema: The selected schema before stream maps.
    """
    tap = stream._tap
    tap.mapper.register_raw_stream_schema(stream.name, raw_schema, stream.primary_keys)
    # singer-sdk builds a stream's maps once, on first use: drop them so the next use (the
    # SCHEMA messages below, then every RECORD) takes the new schema.
    stream._stream_maps = None
    for message in stream._generate_schema_messages():
        tap.write_message(message)
