"""The row pipeline: singer-sdk's per-record steps with the per-record lookups done once.

Touches the sink and the run (to drain a full batch); singer-sdk only through the adapter.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import typing as t

from singer_sdk.exceptions import InvalidRecord

from target_azure_sqldw.ingest.dates import date_parser, unparsable_dates
from target_azure_sqldw.sdk_adapter import (
    AdaptedSink,
    get_datelike_property_type,
    handle_invalid_timestamp_in_record,
)

if t.TYPE_CHECKING:
    from target_azure_sqldw.run import Run
    from target_azure_sqldw.sinks import AzureSQLDWSink

UTC = dt.timezone.utc
SDC_COLUMNS = (
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_deleted_at",
    "_sdc_sequence",
    "_sdc_table_version",
    "_sdc_sync_started_at",
)


class RowPipeline:
    """singer-sdk's RECORD handling for one sink, with the schema questions answered once.

    Args:
        run: The run (its ``drain_one`` loads a full batch).
        sink: The stream's sink.
    """

    name = "row"
    in_flight = 0

    def __init__(self, run: Run, sink: AzureSQLDWSink) -> None:
        self.run = run
        self.sink = sink
        #: Records waiting to be staged: none, every record is staged as it arrives.
        self.pending: list[dict] = []
        schema = sink.schema
        self.properties = frozenset(schema["properties"])
        #: Date-like properties and their parser (what ``_parse_timestamps_in_record`` uses).
        self.datelike = [
            (name, kind, date_parser(kind))
            for name, prop in schema["properties"].items()
            if (kind := get_datelike_property_type(prop))
        ]
        self.metadata = sink.include_sdc_metadata_properties
        self.sdc_columns = frozenset(SDC_COLUMNS)
        self.validator = sink.validator
        self.key_properties = sink.key_property_names
        sink_class = type(sink)
        self.preprocess = sink_class.preprocess_record is not AdaptedSink.preprocess_record
        self.after = sink_class.overrides_after_record()
        #: A sink class may redefine when it is full; the default compares sizes.
        self.max_size = sink.max_size if sink_class.is_full is AdaptedSink.is_full else None
        self.counter = sink.record_counter_metric
        self._batch_context: dict | None = None
        self._batched_at = ""

    def flush(self) -> None:
        """Nothing waits: every record was staged when it arrived."""

    def add(self, message: dict) -> bool:
        """Handle one RECORD message as singer-sdk would.

        Args:
            message: The message, with ``stream`` and ``record``.

        Returns:
            False, before any effect, when the record is not an object: singer-sdk's own
            path then reports it.

        Raises:
            InvalidRecord: When the record breaks the schema.
        """
        raw = message["record"]
        if type(raw) is not dict:
            return False
        sink = self.sink
        record = raw.copy()
        context = sink.batch_context(record)
        if self.metadata:
            self._add_metadata(record, message, context)
        elif not self.sdc_columns.isdisjoint(record):
            sink.remove_sdc_metadata(record)
        if self.validator is not None:
            try:
                self.validator.validate(record)
            except InvalidRecord:
                sink.logger.exception("Record validation failed")
                if sink.fail_on_record_validation_exception:
                    raise
        if record.keys() <= self.properties:
            self._parse_dates(record)
        else:
            # Unknown fields: singer-sdk's loop also warns about them, once per field.
            sink.parse_timestamps(record, sink.schema, sink.datetime_error_treatment)
        if self.preprocess:
            record = sink.preprocess_record(record, context)
        for key in self.key_properties:
            if key not in record:
                sink.check_key_properties(record)
        sink.count_records(1)
        sink.process_record(record, context)
        self.counter.increment()
        if self.after or sink.logger.isEnabledFor(logging.DEBUG):
            sink.after_record(context)
        self.drain_if_full()
        return True

    def drain_if_full(self) -> None:
        """Load the sink's batch when it is full, as singer-sdk does after each record."""
        sink = self.sink
        if sink.batch_records_read >= self.max_size if self.max_size is not None else sink.is_full:
            self.drain()

    def drain(self) -> None:
        """Load the sink's full batch, saying so as singer-sdk does."""
        sink = self.sink
        self.run.logger.info(
            "Target sink for '%s' is full. Current size is '%s'. Draining...",
            sink.stream_name,
            sink.current_size,
        )
        self.run.drain_one(sink)

    def _add_metadata(self, record: dict, message: dict, context: dict) -> None:
        """The ``_sdc_*`` values singer-sdk's ``_add_sdc_metadata_to_record`` sets."""
        now = dt.datetime.now(tz=UTC)
        if context is not self._batch_context:
            started = context.get("batch_start_time")
            self._batch_context = context
            self._batched_at = started.isoformat() if started else ""
        record["_sdc_extracted_at"] = message.get("time_extracted")
        record["_sdc_received_at"] = now.isoformat()
        record["_sdc_batched_at"] = self._batched_at or now.isoformat()
        record["_sdc_deleted_at"] = record.get("_sdc_deleted_at")
        record["_sdc_sequence"] = round(time.time() * 1000)
        record["_sdc_table_version"] = message.get("version")
        record["_sdc_sync_started_at"] = self.sink.sync_started_at

    def _parse_dates(self, record: dict) -> None:
        """Parse date-like values as ``_parse_timestamps_in_record`` does.

        ``datetime_error_treatment`` applies as in singer-sdk, to values that are not text
        too (singer-sdk ends with a TypeError traceback on those); an unparsable value under
        the ``ERROR`` treatment ends the run with one line naming stream, field and record.
        """
        for name, kind, parse in self.datelike:
            value = record.get(name)
            if value is None:
                continue
            try:
                record[name] = parse(value)
            except (ValueError, TypeError) as exc:
                with unparsable_dates(self.sink, self.sink._record_number + 1):
                    record[name] = handle_invalid_timestamp_in_record(
                        record,
                        [name],
                        value,
                        kind,
                        exc,
                        self.sink.datetime_error_treatment,
                        self.sink.logger,
                    )
