"""The one module that touches singer-sdk's private API (underscore methods and attributes).

The rest of the target calls the public hooks and accessors defined here; every private name
it relies on is listed in :data:`RELIED_ON` and :data:`PRIVATE_ATTRIBUTES`, which
``tests/target/test_sdk_adapter.py`` checks against the installed singer-sdk.
"""

from __future__ import annotations

import logging
import os
import sys
import typing as t

from singer_sdk import Target
from singer_sdk.cli import plugin_cli
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers._compat import (
    date_fromisoformat,
    datetime_fromisoformat,
    time_fromisoformat,
)
from singer_sdk.helpers._typing import (
    get_datelike_property_type,
    handle_invalid_timestamp_in_record,
)
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import Sink

from target_azure_sqldw.settings import unreadable_variable

if t.TYPE_CHECKING:
    from types import FrameType

    import click
    from singer_sdk.singerlib.encoding import GenericSingerReader

__all__ = [
    "PRIVATE_ATTRIBUTES",
    "RELIED_ON",
    "AdaptedSink",
    "AdaptedTarget",
    "date_fromisoformat",
    "datetime_fromisoformat",
    "get_datelike_property_type",
    "handle_invalid_timestamp_in_record",
    "reader_current_line",
    "reader_unknown_message",
    "time_fromisoformat",
]

#: Private singer-sdk callables used or overridden here, with the signature they had when
#: this adapter was written (``str(inspect.signature(...))``; ``property``, ``classproperty``
#: or ``callable`` for what has no signature to compare).
RELIED_ON: dict[str, str] = {
    "singer_sdk.Target._process_record_message": "(self, message_dict: 'dict') -> 'None'",
    "singer_sdk.Target._process_schema_message": "(self, message_dict: 'dict') -> 'None'",
    "singer_sdk.Target._process_activate_version_message": (
        "(self, message_dict: 'dict') -> 'None'"
    ),
    "singer_sdk.Target._process_batch_message": "(self, message_dict: 'dict') -> 'None'",
    "singer_sdk.Target._reset_max_record_age": "(self) -> 'None'",
    "singer_sdk.Target._handle_max_record_age": "(self) -> 'None'",
    "singer_sdk.Target._drain_all": (
        "(self, sink_list: 'Iterable[Sink]', parallelism: 'int') -> 'None'"
    ),
    "singer_sdk.Target._handle_termination": (
        "(self, signum: 'int', frame: 'FrameType | None') -> 'None'"
    ),
    "singer_sdk.Target._write_state_message": "(self, state: 'dict') -> 'None'",
    "singer_sdk.Target._max_record_age_in_minutes": "property",
    "singer_sdk.Target._env_var_config": "classproperty",
    "singer_sdk.Target._env_var_prefix": "classproperty",
    "singer_sdk.sinks.core.Sink._get_context": "(self, record: 'dict') -> 'dict'",
    "singer_sdk.sinks.core.Sink._remove_sdc_metadata_from_record": (
        "(self, record: 'dict') -> 'None'"
    ),
    "singer_sdk.sinks.core.Sink._parse_timestamps_in_record": (
        "(self, record: 'dict', schema: 'dict', treatment: 'DatetimeErrorTreatmentEnum') -> 'None'"
    ),
    "singer_sdk.sinks.core.Sink._singer_validate_message": "(self, record: 'dict') -> 'None'",
    "singer_sdk.sinks.core.Sink._after_process_record": "(self, context: 'dict') -> 'None'",
    "singer_sdk.singerlib.encoding.GenericSingerReader._process_unknown_message": (
        "(self, message_dict: 'dict') -> 'None'"
    ),
    "singer_sdk.helpers._compat.date_fromisoformat": "callable",
    "singer_sdk.helpers._compat.datetime_fromisoformat": "callable",
    "singer_sdk.helpers._compat.time_fromisoformat": "callable",
    "singer_sdk.helpers._typing.get_datelike_property_type": (
        "(property_schema: 'dict') -> 'str | None'"
    ),
    "singer_sdk.helpers._typing.handle_invalid_timestamp_in_record": (
        "(record: 'dict[str, t.Any]', key_breadcrumb: 'list[str]', invalid_value: 'str', "
        "datelike_typename: 'str', ex: 'Exception', "
        "treatment: 'conform.DatetimeErrorTreatmentEnum | None', logger: 'logging.Logger') "
        "-> 't.Any'"
    ),
    "singer_sdk.helpers._classproperty.classproperty": (
        "(fget=None, fset=None, fdel=None, doc=None)"
    ),
}

#: The line singer-sdk's ``Target.add_sink`` logs before re-raising any failure of a sink's
#: set-up (checked against its source by the adapter test).
SDK_SINK_SETUP_ERROR = "Error initializing target sink '%s'"

#: Private attributes read or written here, by the class whose instances have them.
PRIVATE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "Target": (
        "_sinks_active",
        "_sinks_to_clear",
        "_latest_state",
        "_last_full_drain_at",
        "_MAX_RECORD_AGE_IN_MINUTES",
    ),
    "Sink": (
        "_pending_batch",
        "_validator",
        "_key_properties",
        "_total_records_read",
        "_batch_records_read",
    ),
    "GenericSingerReader": ("_current_message",),
}


class AdaptedTarget(Target):
    """singer-sdk's ``Target`` with its private hooks turned into public ones.

    Each private method singer-sdk calls is overridden once, here, and calls a public hook
    of the same meaning that the target class overrides; each ``sdk_*`` method runs
    singer-sdk's own behaviour.
    """

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

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        # singer-sdk's add_sink (final) logs its own line before re-raising a failed sink
        # set-up: dropped for failures the target reports in one line.
        # The logger is the plugin's, shared by every instance: one filter is enough.
        if not any(isinstance(f, _SDKLineFilter) for f in self.logger.filters):
            self.logger.addFilter(_SDKLineFilter(SDK_SINK_SETUP_ERROR, self.reports_in_one_line))

    # Hooks the target overrides ----------------------------------------------------------

    def handle_record(self, message_dict: dict) -> None:
        """Handle one RECORD message (singer-sdk's handling by default).

        Args:
            message_dict: The message.
        """
        self.sdk_process_record(message_dict)

    def before_drain_message(self) -> None:
        """Called before a message that drains sinks (SCHEMA, ACTIVATE_VERSION, BATCH)."""

    def after_schema(self, message_dict: dict) -> None:
        """Called once singer-sdk has registered a SCHEMA message.

        Args:
            message_dict: The message.
        """

    def after_full_drain(self) -> None:
        """Called when singer-sdk restarts the record-age clock (every sink was drained)."""

    def before_age_drain(self) -> None:
        """Called when the record-age limit passed, before every sink is drained."""

    def after_drain_all(self) -> None:
        """Called after singer-sdk drained a list of sinks, before it writes STATE."""

    def stop_on_signal(self, signum: int) -> None:
        """Called on SIGTERM/SIGINT before singer-sdk drains and writes STATE; may exit.

        Args:
            signum: The signal number.
        """

    def write_state(self, state: dict) -> None:
        """Write a STATE message (singer-sdk's writer by default).

        Args:
            state: The state.
        """
        self.sdk_write_state(state)

    @classmethod
    def reports_in_one_line(cls, exc: BaseException) -> bool:
        """Whether the target ends the run on ``exc`` with its own one line (none by default).

        singer-sdk's own error lines about such a failure are left out, so that line is
        the only one.

        Args:
            exc: The exception in flight.

        Returns:
            True when the target reports it.
        """
        return False

    @classmethod
    def environment_settings(cls, values: dict[str, t.Any]) -> dict[str, t.Any]:
        """Adjust the settings singer-sdk read from the environment.

        Args:
            values: What singer-sdk parsed.

        Returns:
            The settings to use.
        """
        return values

    # singer-sdk's behaviour -------------------------------------------------------------

    def sdk_process_record(self, message_dict: dict) -> None:
        """singer-sdk's own RECORD handling (stream maps, validation, batching).

        Args:
            message_dict: The message.
        """
        super()._process_record_message(message_dict)

    def sdk_write_state(self, state: dict) -> None:
        """singer-sdk's STATE writer.

        Args:
            state: The state.
        """
        super()._write_state_message(state)

    # Accessors of private attributes -----------------------------------------------------

    @property
    def active_sinks(self) -> dict[str, Sink]:
        """The current sink of each stream, by stream name."""
        return self._sinks_active

    @property
    def retired_sinks(self) -> list[Sink]:
        """Sinks replaced by a new schema and not yet drained."""
        return self._sinks_to_clear

    @property
    def latest_state(self) -> dict | None:
        """The latest STATE received."""
        return self._latest_state

    @property
    def last_full_drain_at(self) -> float:
        """``time.time()`` of the last drain of every sink."""
        return self._last_full_drain_at

    @property
    def max_record_age_minutes(self) -> float:
        """The record-age limit that drains every sink, in minutes."""
        return self._MAX_RECORD_AGE_IN_MINUTES

    @max_record_age_minutes.setter
    def max_record_age_minutes(self, minutes: float) -> None:
        self._MAX_RECORD_AGE_IN_MINUTES = minutes

    def check_record_age(self) -> None:
        """Drain every sink when the record-age limit passed (as after each record)."""
        self._handle_max_record_age()

    def record_age_passed(self) -> bool:
        """Whether the record-age limit has passed since the last full drain.

        Returns:
            True when singer-sdk would drain every sink now.
        """
        return self._max_record_age_in_minutes > self._MAX_RECORD_AGE_IN_MINUTES

    # Private methods singer-sdk calls, each forwarded to its hook ---------------------------

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:  # noqa: N805
        """Settings from the plugin's environment variables, adjusted by the target.

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

    def _process_record_message(self, message_dict: dict) -> None:
        """Forward to :meth:`handle_record`.

        Args:
            message_dict: The RECORD message.
        """
        self.handle_record(message_dict)

    def _process_schema_message(self, message_dict: dict) -> None:
        """Run :meth:`before_drain_message`, singer-sdk's handling, :meth:`after_schema`.

        Args:
            message_dict: The SCHEMA message.
        """
        self.before_drain_message()
        super()._process_schema_message(message_dict)
        self.after_schema(message_dict)

    def _process_activate_version_message(self, message_dict: dict) -> None:
        """Run :meth:`before_drain_message`, then singer-sdk's handling.

        Args:
            message_dict: The ACTIVATE_VERSION message.
        """
        self.before_drain_message()
        super()._process_activate_version_message(message_dict)

    def _process_batch_message(self, message_dict: dict) -> None:
        """Run :meth:`before_drain_message`, then singer-sdk's handling.

        Args:
            message_dict: The BATCH message.
        """
        self.before_drain_message()
        super()._process_batch_message(message_dict)

    def _reset_max_record_age(self) -> None:
        """Restart the record-age clock, then :meth:`after_full_drain`."""
        super()._reset_max_record_age()
        self.after_full_drain()

    def _handle_max_record_age(self) -> None:
        """When the limit passed: :meth:`before_age_drain`, then singer-sdk's drain."""
        if self.record_age_passed():
            self.before_age_drain()
            super()._handle_max_record_age()

    def _drain_all(self, sink_list: t.Iterable[Sink], parallelism: int) -> None:
        """Drain the sinks as singer-sdk does, then :meth:`after_drain_all`.

        Args:
            sink_list: The sinks.
            parallelism: How many drain at once.
        """
        super()._drain_all(sink_list, parallelism)
        self.after_drain_all()

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Run :meth:`stop_on_signal`, then singer-sdk's drain and STATE.

        Args:
            signum: The signal number.
            frame: The interrupted frame.
        """
        self.stop_on_signal(signum)
        super()._handle_termination(signum, frame)

    def _write_state_message(self, state: dict) -> None:
        """Forward to :meth:`write_state`.

        Args:
            state: The state.
        """
        self.write_state(state)


class AdaptedSink(BatchSink):
    """singer-sdk's ``BatchSink`` with the private members the target uses made public."""

    def parse_timestamps(self, record: dict, schema: dict, treatment: t.Any) -> None:
        """Parse date-like values (singer-sdk's parsing by default).

        Args:
            record: The record (changed in place).
            schema: The stream's schema.
            treatment: ``datetime_error_treatment``.
        """
        super()._parse_timestamps_in_record(record, schema, treatment)

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: t.Any) -> None:
        """Forward to :meth:`parse_timestamps`.

        Args:
            record: The record.
            schema: The stream's schema.
            treatment: ``datetime_error_treatment``.
        """
        self.parse_timestamps(record, schema, treatment)

    @property
    def validator(self) -> t.Any:
        """The record validator singer-sdk built with ``get_validator`` (or None)."""
        return self._validator

    @property
    def key_property_names(self) -> list[str]:
        """The stream's key properties (an empty list when it has none)."""
        return list(self._key_properties)

    @property
    def batch_records_read(self) -> int:
        """Records read into the current batch."""
        return self._batch_records_read

    def count_records(self, count: int) -> None:
        """Count records read, as singer-sdk's ``tally_record_read`` does one by one.

        Args:
            count: How many.
        """
        self._total_records_read += count
        self._batch_records_read += count

    def batch_context(self, record: dict) -> dict:
        """The context of the batch a record joins (singer-sdk's ``_get_context``).

        Args:
            record: The record.

        Returns:
            The current batch's context, or a new one.
        """
        context = self._pending_batch
        return self._get_context(record) if context is None else context

    def remove_sdc_metadata(self, record: dict) -> None:
        """Remove ``_sdc_*`` values from a record (metadata off).

        Args:
            record: The record.
        """
        self._remove_sdc_metadata_from_record(record)

    def check_key_properties(self, record: dict) -> None:
        """singer-sdk's check that the record holds every key property.

        Args:
            record: The record.
        """
        self._singer_validate_message(record)

    def after_record(self, context: dict) -> None:
        """singer-sdk's per-record hook after ``process_record``.

        Args:
            context: The batch context.
        """
        self._after_process_record(context)

    @classmethod
    def overrides_after_record(cls) -> bool:
        """Whether the sink class redefines singer-sdk's per-record hook.

        Returns:
            True when it does something singer-sdk's default does not.
        """
        return cls._after_process_record is not Sink._after_process_record


def reader_current_line(reader: GenericSingerReader[t.Any], line: t.Any) -> None:
    """Tell singer-sdk's reader which line is being handled (it names it in errors).

    Args:
        reader: The reader.
        line: The line.
    """
    reader._current_message = line


def reader_unknown_message(reader: GenericSingerReader[t.Any], message: dict) -> None:
    """singer-sdk's handling of a message of an unknown type.

    Args:
        reader: The reader.
        message: The message.
    """
    reader._process_unknown_message(message)


class _SDKLineFilter(logging.Filter):
    """Drop one singer-sdk log line while an exception the plugin reports itself is in flight.

    Logging filters run in the thread and ``except`` block that logs, so ``sys.exc_info``
    is the exception singer-sdk is about to re-raise.
    """

    def __init__(self, message: str, reported: t.Callable[[BaseException], bool]) -> None:
        super().__init__()
        self.message = message
        self.reported = reported

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but singer-sdk's ``message`` about a reported exception.

        Args:
            record: The log record.

        Returns:
            False to drop it.
        """
        exc = sys.exc_info()[1]
        return not (record.msg == self.message and exc is not None and self.reported(exc))
