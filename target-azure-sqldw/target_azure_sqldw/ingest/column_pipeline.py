"""The column pipeline: a chunk of RECORD messages checked and encoded column by column.

Touches the sink's part writer and the run; a chunk it cannot prove goes to the row pipeline.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import itertools
import logging
import operator
import time
import typing as t

from target_azure_sqldw.encode.column_formatters import ParsedDateTimes, Repeated, TypedValues
from target_azure_sqldw.ingest.chunk_workers import ChunkWorkers
from target_azure_sqldw.ingest.column_checks import (
    ANNOTATIONS,
    ColumnCheck,
    compiled_check,
    read_columns,
    simple_check,
    tuple_getter,
)
from target_azure_sqldw.ingest.dates import date_parser
from target_azure_sqldw.ingest.reader import decode_record
from target_azure_sqldw.ingest.row_pipeline import SDC_COLUMNS, RowPipeline
from target_azure_sqldw.ingest.validation import CompiledValidator
from target_azure_sqldw.sdk_adapter import get_datelike_property_type
from target_azure_sqldw.stage.parts import EncodedLines, line_ends

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from target_azure_sqldw.ingest.reader import FastSingerReader
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

#: A pipeline's staging processes end when no full chunk went to them for this long and
#: another stream starts its own: a run through many big streams, one after another (as taps
#: sync them), keeps processes only for the streams still busy.
IDLE_PROCESS_SECONDS = 10.0


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

    With staging processes (:meth:`use_staging_processes`) the reader hands the pipeline
    RECORD lines undecoded, and a full chunk is decoded, checked and encoded in one of them
    (forked copies of the target running this class's own code on the sink's checker and
    encoder) while the reader goes on. Chunks are written in the order they were read; a
    chunk a process declines (or any other: a partial one, one whose process ended) is
    decoded here (:meth:`FastSingerReader.replay`) and staged as above, after the chunks
    before it. A chunk that fills the batch is waited for, so batches still end on the same
    record, and every flush other than the reader's of a full chunk waits for all of them.

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
        #: RECORD messages waiting for the next flush (raw: their lines, and line numbers).
        self.pending: list[t.Any] = []
        self.numbers: list[int] = []
        self.checker = checker
        self.encoder = sink.encoder
        #: Whether the reader hands over lines undecoded (see :meth:`use_staging_processes`).
        self.raw = False
        self.reader: FastSingerReader | None = None
        self._processes = 0
        self._workers: ChunkWorkers | None = None
        self._before_start: Callable[[], None] | None = None
        #: ``time.monotonic()`` of the last chunk handed to a staging process.
        self.handed_at = 0.0
        #: Chunks handed to staging processes: (lines, line numbers, first row), in order.
        self._flight: collections.deque[tuple[list[t.Any], list[int], int]] = collections.deque()
        self._flight_rows = 0
        #: Records staged by column and records staged one by one, and chunks staged as a
        #: staging process encoded them (for tests and logs).
        self.chunked = 0
        self.single = 0
        self.handed_over = 0
        self.limit = 1
        self.started = 0.0
        self._set_limit()

    def use_staging_processes(
        self,
        reader: FastSingerReader,
        processes: int,
        before_start: Callable[[], None] | None = None,
    ) -> None:
        """Stage full chunks in ``processes`` staging processes (started at the first one).

        Args:
            reader: The reader, which then hands this pipeline its lines undecoded.
            processes: How many processes (0: none, as before).
            before_start: Called before the processes start (and start again after
                :meth:`close_idle_processes` ended them).
        """
        self.reader = reader
        self._processes = processes
        self._before_start = before_start
        self.raw = processes > 0

    def close_idle_processes(self, moment: float) -> bool:
        """End the staging processes if none has a chunk and none got one for a while.

        They start again at the next full chunk.

        Args:
            moment: ``time.monotonic()`` now.

        Returns:
            Whether they were ended.
        """
        workers = self._workers
        if workers is None or self._flight or moment - self.handed_at < IDLE_PROCESS_SECONDS:
            return False
        workers.close()
        self._workers = None
        self.run.logger.info(
            "%s: its staging processes ended (no full chunk for %.0f s)",
            self.sink.stream_name,
            moment - self.handed_at,
        )
        return True

    @property
    def in_flight(self) -> int:
        """Chunks handed to staging processes and not yet staged."""
        return len(self._flight)

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
        if self.raw:
            # A message the reader decoded itself: staged after the lines it holds.
            self.flush()
            self._stage_messages([message])
            return True
        pending = self.pending
        pending.append(message)
        if len(pending) >= self.limit:
            self.flush()
        return True

    def flush(self, *, wait: bool = True) -> None:
        """Stage every pending record.

        The run is marked as staging meanwhile: a signal then stops the run without STATE
        instead of draining a batch that holds part of the chunk.

        Args:
            wait: False when the reader flushes a full chunk: a raw pipeline may then hand it
                to a staging process and return at once.
        """
        messages, self.pending = self.pending, []
        numbers, self.numbers = self.numbers, []
        with self._staging():
            if not self.raw:
                self._stage_messages(messages)
            elif not wait and len(messages) >= CHUNK_ROWS and self._hand_over(messages, numbers):
                pass  # staged in the background
            else:
                self._settle()
                if messages:
                    assert self.reader is not None
                    self.reader.replay(messages, numbers, self._stage_messages)
                else:
                    self._set_limit()

    def settle(self) -> None:
        """Stage the chunks handed to staging processes (waiting for them), in order."""
        with self._staging():
            self._settle()

    @contextlib.contextmanager
    def _staging(self) -> t.Iterator[None]:
        """Mark the run as staging a chunk meanwhile (a signal then stops without STATE)."""
        run = self.run
        outer, run.staging_chunk = run.staging_chunk, True
        try:
            yield
        finally:
            run.staging_chunk = outer

    def close(self) -> None:
        """End the staging processes (chunks in flight are dropped: call :meth:`settle` first)."""
        self._flight.clear()
        self._flight_rows = 0
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def _stage_messages(self, messages: list[dict]) -> None:
        """Stage decoded RECORD messages: by column, or one by one when that declines."""
        if not messages:
            self._set_limit()
        elif self._stage_chunk(messages):
            self.chunked += len(messages)
        else:
            self.single += len(messages)
            for message in messages:
                self.path.add(message)
            self._set_limit()

    def _set_limit(self) -> None:
        """Flush at a full chunk, or where the sink's batch is full."""
        self.limit = max(1, min(CHUNK_ROWS, self._room()))

    def _room(self) -> int:
        """Records the sink's batch takes besides those staged and in flight."""
        return (self.path.max_size or 1) - self.sink.batch_records_read - self._flight_rows

    def _constants(self, context: dict) -> dict[str, t.Any]:
        """The metadata values that are the same for a whole chunk staged now."""
        if not self.path.metadata:
            return {}
        now = dt.datetime.now(tz=UTC)
        return {
            "_sdc_received_at": now,
            "_sdc_batched_at": context.get("batch_start_time") or now,
            "_sdc_sequence": round(time.time() * 1000),
            "_sdc_sync_started_at": self.sink.sync_started_at,
        }

    def _hand_over(self, lines: list[t.Any], numbers: list[int]) -> bool:
        """Give a full chunk of lines to a staging process; False when none can take it."""
        workers = self._workers
        if workers is None:
            if self._before_start is not None:
                self._before_start()
            workers = self._workers = ChunkWorkers(self._encode_lines, self._processes)
            if workers.start():
                self.run.logger.info(
                    "%s: %d staging processes decode, check and encode its full chunks",
                    self.sink.stream_name,
                    self._processes,
                )
            else:
                self.run.logger.warning(
                    "%s: the system refused a staging process; staging in this one",
                    self.sink.stream_name,
                )
        if workers.broken:
            return False
        if workers.busy():
            self._apply_oldest()
        sink = self.sink
        # The chunk's batch starts now if it is the first (its writer is opened).
        context = sink.batch_context({})
        writer = sink._writer
        assert writer is not None
        assert self.reader is not None
        first_row = writer.rows + self._flight_rows
        decimals = sink.stream_name in self.reader.decimal_streams
        if not workers.send((lines, decimals, self._constants(context), first_row)):
            return False
        self._flight.append((lines, numbers, first_row))
        self._flight_rows += len(lines)
        self.handed_at = time.monotonic()
        if self._room() <= 0:
            # The batch is full with this chunk: it is staged (and the batch loaded) now.
            self._settle()
        else:
            self._set_limit()
        return True

    def _settle(self) -> None:
        while self._flight:
            self._apply_oldest()

    def _apply_oldest(self) -> None:
        """Write the oldest chunk in flight as its staging process encoded it, or stage it here."""
        assert self._workers is not None
        assert self.reader is not None
        lines, numbers, first_row = self._flight.popleft()
        self._flight_rows -= len(lines)
        result = self._workers.result()
        sink = self.sink
        writer = sink._writer
        if result is None or writer is None or writer.rows != first_row:
            if self._workers.broken:
                self.run.logger.warning(
                    "%s: a staging process ended; staging in this one", sink.stream_name
                )
                self._processes = 0
            self.reader.replay(lines, numbers, self._stage_messages)
            return
        data, longest, ends, found = result
        count = len(lines)
        writer.write_chunk(EncodedLines(data, ends), data, longest=longest)
        if found and sink.watch is not None:
            sink.watch.note(found)
        self.chunked += count
        self.handed_over += 1
        self._wrote(count)

    def _wrote(self, count: int) -> None:
        """Count a chunk just written; load the batch when it is full; set the next limit."""
        sink = self.sink
        sink._record_number += count
        sink.count_records(count)
        self.path.counter.increment(count)
        max_size = self.path.max_size
        assert max_size is not None  # ``column_refusal``: the sink's is_full compares sizes
        if sink.batch_records_read >= max_size:
            self.path.drain()
        self._set_limit()

    def _encode_lines(
        self, job: tuple[list[bytes], bool, dict[str, t.Any], int]
    ) -> tuple[bytes, int, t.Any, dict[str, int]] | None:
        """A staging process's work: a chunk of lines decoded, checked and encoded by column.

        Args:
            job: The lines, whether their numbers are read as Decimals, the chunk's metadata
                constants, and the batch row number of its first record.

        Returns:
            The chunk's UTF-8 lines, the longest line's length, where each line ends, and the
            longest value found over its column's length per watched column; or None when
            a line is not a RECORD of the stream with an object record, or a value needs
            judging record by record (the target then stages the chunk itself).
        """
        lines, decimals, constants, first_row = job
        stream = self.sink.stream_name
        messages = []
        for line in lines:
            message = decode_record(line, decimals)
            if (
                type(message) is not dict
                or message.get("type") != "RECORD"
                or message.get("stream") != stream
                or type(message.get("record")) is not dict
            ):
                return None
            messages.append(message)
        records = [message["record"] for message in messages]
        columns = self.checker.columns(messages, records, constants)
        if columns is None:
            return None
        encoded = self.encoder.encode_chunk(columns, len(records), first_row)
        if encoded is None:
            return None
        texts, data = encoded
        watch = self.encoder.watch
        found = watch.take() if watch is not None else {}
        return data, max(map(len, texts)), line_ends(texts, data), found

    def _stage_chunk(self, messages: list[dict]) -> bool:
        """Check, encode and write a chunk by column; False (no effect) when it cannot.

        A staged chunk also sets the next limit, and drains the sink's batch when it is full
        (:meth:`_wrote`).
        """
        sink = self.sink
        records = [message["record"] for message in messages]
        constants = self._constants(sink.batch_context(records[0]))
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
        self._wrote(count)
        return True
