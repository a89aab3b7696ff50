"""The column pipeline: a chunk of RECORD messages checked and encoded column by column.

Touches the sink's part writer and the run; a chunk it cannot prove goes to the row pipeline.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import operator
import time
import typing as t

from target_azure_sqldw.encode.column_formatters import ParsedDateTimes, Repeated, TypedValues
from target_azure_sqldw.ingest.column_checks import (
    ANNOTATIONS,
    ColumnCheck,
    compiled_check,
    read_columns,
    simple_check,
    tuple_getter,
)
from target_azure_sqldw.ingest.dates import date_parser
from target_azure_sqldw.ingest.row_pipeline import SDC_COLUMNS, RowPipeline
from target_azure_sqldw.ingest.validation import CompiledValidator
from target_azure_sqldw.sdk_adapter import get_datelike_property_type

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from target_azure_sqldw.run import Run
    from target_azure_sqldw.sinks import AzureSQLDWSink

UTC = dt.timezone.utc
#: Top-level keywords a chunk can be proved against.
TOP_LEVEL = frozenset({"type", "properties", "required", "additionalProperties", "$schema", "$id"})
#: Metadata columns whose value is the same for the whole chunk.
CONSTANT_SDC = ("_sdc_received_at", "_sdc_batched_at", "_sdc_sequence", "_sdc_sync_started_at")
#: Metadata columns read from the message rather than the record.
MESSAGE_SDC = {"_sdc_extracted_at": "time_extracted", "_sdc_table_version": "version"}
#: singer-sdk's parser of ``date-time`` values.
datetime_parse = date_parser("date-time")
#: The parsers whose texts go to the encoder with their values.
TEXT_PARSERS = (datetime_parse, date_parser("date"))
#: Records checked and encoded together: large enough that the per-chunk work is noise,
#: small enough that a chunk sent back to the record path costs little.
CHUNK_ROWS = 1000


class ChunkColumns:
    """Column values of a chunk of records, checked as the record path would check them.

    Args:
        schema: The sink's schema (with its ``_sdc_*`` properties when metadata is on).
        sources: The record key of each staged column, in order.
        validate: Whether records are validated (``validate_records``).
        metadata: Whether ``_sdc_*`` metadata is added (``add_record_metadata``).
    """

    def __init__(
        self,
        schema: dict[str, t.Any],
        sources: Sequence[str],
        *,
        validate: bool,
        metadata: bool,
    ) -> None:
        properties: dict[str, t.Any] = schema.get("properties") or {}
        draft = schema.get("$schema")
        self.properties = frozenset(properties)
        self.metadata = metadata
        self.sdc = frozenset(SDC_COLUMNS)
        self.sources = list(sources)
        self.required = [
            name
            for name in (schema.get("required") or [])
            if validate
            if not (metadata and name in self.sdc and name != "_sdc_deleted_at")
        ]
        self.checks: list[ColumnCheck | None] = []
        self.parsers: list[Callable[[str], t.Any] | None] = []
        for source in self.sources:
            prop = properties.get(source, {})
            check = None
            if validate:
                check = simple_check(prop, top_level=True) or compiled_check(prop, draft)
                if check is None:
                    raise ValueError(f"cannot check property {source!r} by column")
            self.checks.append(check)
            kind = get_datelike_property_type(prop) if isinstance(prop, dict) else None
            self.parsers.append(date_parser(kind) if kind else None)
        #: The columns read from every record at once (metadata columns are read one by one).
        self.read_together = [source for source in self.sources if source not in self.sdc]
        self._get_together = tuple_getter(self.read_together)

    def columns(
        self, messages: list[dict], records: list[dict], constants: dict[str, t.Any]
    ) -> list[list[t.Any] | TypedValues | Repeated | ParsedDateTimes] | None:
        """Every staged column's values for the chunk, or None when a record needs checking.

        Args:
            messages: The RECORD messages.
            records: Their records (all dicts).
            constants: The metadata values that are the same for the whole chunk.

        Returns:
            One column per staged column (:class:`TypedValues`, :class:`ParsedDateTimes`,
            the parsed values of a time column, or a :class:`Repeated` constant), or None.
        """
        keys = set().union(*records)
        if not keys <= self.properties:
            return None  # unknown fields: the record path warns about them
        if not self.metadata and not keys.isdisjoint(self.sdc):
            return None  # the record path removes these
        for name in self.required:
            if not all(map(operator.contains, records, itertools.repeat(name))):
                return None
        count = len(records)
        result: list[list[t.Any] | TypedValues | Repeated | ParsedDateTimes] = []
        get = dict.get
        together = self._read_together(records)
        for source, check, parse in zip(self.sources, self.checks, self.parsers, strict=True):
            if self.metadata and source in constants:
                result.append(Repeated(constants[source]))
                continue
            if self.metadata and source in MESSAGE_SDC:
                values = list(map(get, messages, itertools.repeat(MESSAGE_SDC[source], count)))
            elif together is not None and source not in self.sdc:
                values = list(next(together))
            else:
                values = list(map(get, records, itertools.repeat(source, count)))
            # The check and the formatter share the set of the values' types.
            types = set(map(type, values))
            if check is not None and not check(values, types):
                return None
            if parse is not None:
                try:
                    if None in values:
                        parsed = [None if value is None else parse(value) for value in values]
                    else:
                        parsed = list(map(parse, t.cast("list[str]", values)))
                except (ValueError, TypeError):
                    return None
                # The encoder may stage date and date-time texts as they are (see
                # ``ParsedDateTimes``).
                result.append(ParsedDateTimes(values, parsed) if parse in TEXT_PARSERS else parsed)
                continue
            result.append(TypedValues(values, types))
        return result

    def _read_together(self, records: list[dict]) -> t.Iterator[tuple[t.Any, ...]] | None:
        """The values of :attr:`read_together`, a column at a time, when every record has them.

        One pass over the records, rather than one per column; a record without one of the
        columns (a NULL left out) leaves the chunk to be read column by column.
        """
        if self._get_together is None:
            return None
        return read_columns(records, self._get_together)


def column_refusal(sink: AzureSQLDWSink, path: RowPipeline) -> str | None:
    """Why the sink's records cannot be checked by column, or None when they can.

    Args:
        sink: The sink.
        path: Its row pipeline (which knows the sink's per-record steps).

    Returns:
        The reason, in a few words, or None.
    """
    validator = path.validator
    if path.preprocess:
        return "the sink redefines preprocess_record"
    if path.after:
        return "the sink redefines its per-record hook"
    if path.max_size is None:
        return "the sink redefines is_full"
    if sink.encoder.truncate:
        return "string_overflow truncate"
    if sink.logger.isEnabledFor(logging.DEBUG):
        return "debug log of each record"
    if not (validator is None or isinstance(validator, CompiledValidator)):
        return "schema validated by singer-sdk's interpreted validator"
    if not set(sink.schema) <= TOP_LEVEL | ANNOTATIONS:
        extra = sorted(set(sink.schema) - (TOP_LEVEL | ANNOTATIONS))
        return f"top-level schema keyword {extra[0]!r}"
    return None


def chunk_columns(sink: AzureSQLDWSink, path: RowPipeline) -> ChunkColumns | None:
    """The sink's column checker, or None when its records must go one by one.

    Args:
        sink: The sink.
        path: Its row pipeline (which knows the sink's per-record steps).

    Returns:
        The checker when every per-record step has a column-wise equivalent (see
        :func:`column_refusal`) and every property can be checked by column.
    """
    if column_refusal(sink, path) is not None:
        return None
    try:
        return ChunkColumns(
            sink.schema,
            sink.encoder.sources,
            validate=path.validator is not None,
            metadata=path.metadata,
        )
    except ValueError:
        return None


class ColumnPipeline:
    """Stage a stream's records a chunk at a time, or one by one when a chunk cannot be proved.

    Records wait in :attr:`pending` until the chunk is full, the sink's batch would be
    full, or the target asks for a flush (any message other than RECORD or STATE, a
    drain by age, the end of input, a signal). A flushed chunk is checked and encoded column
    by column; when that declines, its records go through :class:`RowPipeline` one by one,
    so errors and warnings are exactly singer-sdk's. Batches end on the same record either way.

    Args:
        run: The run.
        sink: The stream's sink.
        path: The sink's row pipeline.
        checker: The sink's column checker (:func:`chunk_columns`).
    """

    name = "column"

    def __init__(
        self, run: Run, sink: AzureSQLDWSink, path: RowPipeline, checker: ChunkColumns
    ) -> None:
        self.run = run
        self.sink = sink
        self.path = path
        self.pending: list[dict] = []
        self.checker = checker
        self.encoder = sink.encoder
        #: Records staged by column and records staged one by one (for tests and logs).
        self.chunked = 0
        self.single = 0
        self.limit = 1
        self.started = 0.0
        self._set_limit()

    def add(self, message: dict) -> bool:
        """Take one RECORD message (staged now or at the next flush).

        Args:
            message: The message.

        Returns:
            False, before any effect, when singer-sdk's own path must report the record
            (it is not an object); pending records must be flushed first.
        """
        if type(message["record"]) is not dict:
            return False
        pending = self.pending
        pending.append(message)
        if len(pending) >= self.limit:
            self.flush()
        return True

    def flush(self) -> None:
        """Stage every pending record.

        The run is marked as staging meanwhile: a signal then stops the run without STATE
        instead of draining a batch that holds part of the chunk.
        """
        messages, self.pending = self.pending, []
        run = self.run
        outer, run.staging_chunk = run.staging_chunk, True
        try:
            if not messages:
                self._set_limit()
            elif self._stage_chunk(messages):
                self.chunked += len(messages)
            else:
                self.single += len(messages)
                for message in messages:
                    self.path.add(message)
                self._set_limit()
        finally:
            run.staging_chunk = outer

    def _set_limit(self) -> None:
        """Flush at a full chunk, or where the sink's batch is full."""
        room = (self.path.max_size or 1) - self.sink.batch_records_read
        self.limit = max(1, min(CHUNK_ROWS, room))

    def _stage_chunk(self, messages: list[dict]) -> bool:
        """Check, encode and write a chunk by column; False (no effect) when it cannot.

        A staged chunk also sets the next limit, and drains the sink's batch when it is full.
        """
        sink = self.sink
        records = [message["record"] for message in messages]
        context = sink.batch_context(records[0])
        constants: dict[str, t.Any] = {}
        if self.path.metadata:
            now = dt.datetime.now(tz=UTC)
            constants = {
                "_sdc_received_at": now,
                "_sdc_batched_at": context.get("batch_start_time") or now,
                "_sdc_sequence": round(time.time() * 1000),
                "_sdc_sync_started_at": sink.sync_started_at,
            }
        columns = self.checker.columns(messages, records, constants)
        if columns is None:
            return False
        writer = sink._writer
        assert writer is not None
        count = len(records)
        encoded = self.encoder.encode_chunk(columns, count, writer.rows)
        if encoded is None:
            return False
        writer.write_chunk(*encoded)
        sink._record_number += count
        sink.count_records(count)
        read = sink.batch_records_read
        self.path.counter.increment(count)
        max_size = self.path.max_size
        assert max_size is not None  # ``column_refusal``: the sink's is_full compares sizes
        if read >= max_size:
            self.path.drain()
            read = 0
        # As ``_set_limit``, without asking the sink again.
        self.limit = max(1, min(CHUNK_ROWS, max_size - read))
        return True
