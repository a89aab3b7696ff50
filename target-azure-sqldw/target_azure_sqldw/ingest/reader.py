"""Read Singer messages fast without losing a digit; hand a stream's RECORDs to its lane.

Touches stdin and the open lanes; singer-sdk's reader only through the adapter.
"""

from __future__ import annotations

import decimal
import os
import select
import sys
import time
import typing as t
from collections import Counter

import msgspec
from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.singerlib import json as singer_json
from singer_sdk.singerlib.encoding import GenericSingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_azure_sqldw.errors import TargetError
from target_azure_sqldw.sdk_adapter import reader_current_line, reader_unknown_message

#: Schema keywords whose checks compare numbers: exact only with Decimal values.
NUMERIC_KEYWORDS = frozenset(
    {"multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const"}
)


def exact_number(text: str) -> float | decimal.Decimal:
    """The value of a JSON number with a fraction or exponent, as singer-sdk would use it.

    Args:
        text: The number as written.

    Returns:
        A float when it stands for exactly this text, else the ``Decimal``.
    """
    number = float(text)
    # An exponent would print differently from the Decimal (``1e-07`` vs ``1E-7``).
    if repr(number) == text and "e" not in text and not number.is_integer():
        return number
    return decimal.Decimal(text)


def compares_numbers(schema: t.Any) -> bool:
    """Whether a JSON Schema holds a keyword that compares numbers anywhere in it.

    Args:
        schema: A JSON Schema (or part of one).

    Returns:
        True when records of the schema need Decimal numbers to validate exactly.
    """
    if isinstance(schema, dict):
        return any(
            key in NUMERIC_KEYWORDS or compares_numbers(value) for key, value in schema.items()
        )
    if isinstance(schema, list):
        return any(compares_numbers(item) for item in schema)
    return False


#: Seconds without input after which the reader checks the record-age limit anyway.
IDLE_TICK = 1.0
#: Seconds a record waits in its lane at most (as records arrive, or at the next idle tick)
#: before its chunk is staged: a slow tap's records are staged, and stamped
#: ``_sdc_received_at``, within about this long of their arrival.
LANE_WAIT = 1.0


def idle_aware_lines(fd: int, tick: float) -> t.Iterator[bytes | None]:
    """The lines read from a file descriptor, and None whenever ``tick`` seconds pass idle.

    Args:
        fd: A readable file descriptor (a pipe, a file, a terminal).
        tick: Seconds of silence after which None is yielded.

    Yields:
        Each line without its newline (the last one as it ends), or None after a silence.
    """
    pending = b""
    while True:
        ready, _, _ = select.select([fd], [], [], tick)
        if not ready:
            yield None
            continue
        data = os.read(fd, 1 << 20)
        if not data:
            if pending:
                yield pending
            return
        lines = (pending + data).split(b"\n")
        pending = lines.pop()
        yield from lines


class MessageHead(msgspec.Struct):
    """A message's type and stream, decoded without building the rest of it."""

    type: str
    stream: t.Any = None


#: A RECORD line's decoders: floats where that is exact, or Decimal numbers throughout.
decode_fast = msgspec.json.Decoder(float_hook=exact_number).decode
decode_decimal = msgspec.json.Decoder(float_hook=decimal.Decimal).decode
decode_head = msgspec.json.Decoder(MessageHead).decode


def decode_record(line: bytes, decimals: bool) -> t.Any:
    """A RECORD line decoded as :meth:`FastSingerReader.parse` decodes it (or raises).

    Args:
        line: The line.
        decimals: Whether its stream is read with Decimal numbers.

    Returns:
        The decoded JSON value.

    Raises:
        msgspec.DecodeError: When msgspec cannot decode it (the reader then tries singer-sdk's
            parser).
    """
    return decode_decimal(line) if decimals else decode_fast(line)


class BadInputLineError(TargetError, ValueError):
    """An input line is not a Singer message: ``input line N is not valid JSON: ...``."""


class RecordBeforeSchemaError(BadInputLineError, RecordsWithoutSchemaException):
    """A RECORD arrived before its stream's SCHEMA (singer-sdk's exception, numbered)."""


class Lane(t.Protocol):
    """Where a stream's RECORD messages go straight from the reader (see ``column_pipeline``).

    A raw lane takes RECORD lines undecoded (their stream read from the line's head) with
    their line numbers, for staging processes to decode; the reader decodes them itself
    (:meth:`FastSingerReader.replay`) when the lane asks.
    """

    pending: list[t.Any]
    #: The line number of each pending line (raw lanes).
    numbers: list[int]
    #: Whether the lane takes lines undecoded.
    raw: bool
    #: Flush when this many records are pending.
    limit: int
    #: ``time.time()`` when the first pending record arrived.
    started: float

    @property
    def in_flight(self) -> int:
        """Chunks handed to staging processes and not yet staged."""

    def flush(self, *, wait: bool = True) -> None:
        """Stage the pending records (``wait=False``: a full chunk may stage in the background)."""

    def settle(self) -> None:
        """Stage the chunks in flight (not the pending records)."""


class FastSingerReader(GenericSingerReader[t.Any]):
    """Parse RECORD lines with msgspec where that is exact, everything else as singer-sdk does.

    Reads bytes from stdin; a text stream given as ``file_input`` works too. A RECORD of a
    stream with a :class:`Lane` is appended to the lane's pending records right here,
    without the per-message dispatch; the target opens and closes lanes.
    """

    def __init__(self) -> None:
        """Create the reader."""
        super().__init__()
        #: Open lanes by stream name, and the raw ones among them.
        self.lanes: dict[str, Lane] = {}
        self.raw_lanes: dict[str, Lane] = {}
        #: ``time.time()`` after which ``on_age`` must run (the target's record-age check).
        self.age_deadline = float("inf")
        self.on_age: t.Callable[[], None] | None = None
        #: ``on_checkpoint`` runs once ``records_since_checkpoint`` (RECORD messages read;
        #: the target resets it when it loads every stream) reaches ``checkpoint_every``.
        self.checkpoint_every = sys.maxsize
        self.records_since_checkpoint = 0
        self.on_checkpoint: t.Callable[[], None] | None = None
        #: Runs when reading stops on an error (the target discards what it was staging).
        self.on_failure: t.Callable[[], None] | None = None
        self._fast = decode_fast
        self._decimal = decode_decimal
        self._head = decode_head
        self._callbacks: dict[str, t.Callable[[dict], None]] = {}
        self._stats: Counter[str] = Counter()
        #: Streams whose RECORD messages are parsed with Decimal numbers.
        self.decimal_streams: set[str] = set()
        #: Whether the last RECORD parsed was of one of them (its line decoded at once).
        self._decimal_first = False

    def open_lane(self, stream: str, lane: Lane) -> None:
        """Send the stream's RECORDs to a lane from now on.

        Args:
            stream: The stream.
            lane: Its lane.
        """
        self.close_lane(stream)
        self.lanes[stream] = lane
        if lane.raw:
            self.raw_lanes[stream] = lane

    def close_lane(self, stream: str) -> None:
        """Stop sending the stream's RECORDs to its lane (they go to the RECORD handler).

        Args:
            stream: The stream.
        """
        self.lanes.pop(stream, None)
        self.raw_lanes.pop(stream, None)

    def replay(
        self,
        lines: list[t.Any],
        numbers: list[int],
        stage: t.Callable[[list[dict]], None],
    ) -> None:
        """Decode lines a raw lane held, and handle them as if the reader had decoded them.

        Every line is parsed first (a bad one ends the run naming its line, as it would
        have when read); then runs of RECORDs with object records are staged by ``stage``,
        and any other message goes to its handler, in order.

        Args:
            lines: The lines.
            numbers: Their line numbers.
            stage: Stages RECORD messages of the lane's stream.

        Raises:
            BadInputLineError: When a line is not a Singer message.
        """
        saved = self.line_number
        messages = []
        for line, number in zip(lines, numbers, strict=True):
            self.line_number = number
            reader_current_line(self, line)
            try:
                messages.append(self.parse(line))
            except InvalidInputLine as exc:
                msg = f"input line {number} {exc}"
                raise BadInputLineError(msg) from None
        records: list[dict] = []
        stream = None
        for message, number in zip(messages, numbers, strict=True):
            if (
                type(message) is dict
                and message.get("type") == "RECORD"
                and type(message.get("record")) is dict
                and (stream is None or message.get("stream") == stream)
            ):
                stream = message.get("stream")
                records.append(message)
                continue
            if records:
                stage(records)
                records = []
            self.line_number = number
            self._dispatch(message)
        if records:
            stage(records)
        self.line_number = saved

    def _dispatch(self, message: dict) -> None:
        """Hand a decoded message to its handler (a RECORD already counted for checkpoints)."""
        if "type" not in message:
            self.assert_line_requires(message, requires={"type"})
        kind = message["type"]
        callback = self._callbacks.get(kind)
        if callback is None:
            reader_unknown_message(self, message)
        else:
            callback(message)
        self._stats[kind] += 1

    def _settle_lanes(self) -> None:
        """Stage the chunks in flight, as if they had been staged when handed over."""
        for lane in list(self.raw_lanes.values()):
            if lane.in_flight:
                lane.settle()

    @property
    def default_input(self) -> t.IO[t.Any]:
        """Standard input, as bytes."""
        return sys.stdin.buffer

    def deserialize_json(self, line: t.Any) -> dict:
        """Parse one line exactly as singer-sdk does (Decimal numbers).

        Args:
            line: The line, text or bytes.

        Returns:
            The message.

        Raises:
            InvalidInputLine: Saying where the line stops being JSON (not the line itself,
                which may be long or hold data that must not reach the logs).
        """
        try:
            message = singer_json.deserialize_json(line)
        except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
            position = getattr(exc, "pos", None)
            where = "" if position is None else f" at character {position + 1}"
            reason = getattr(exc, "msg", None) or str(exc)
            msg = f"is not valid JSON: {reason}{where}"
            raise InvalidInputLine(msg) from None
        if type(message) is not dict:
            msg = f"is JSON but not an object ({type(message).__name__})"
            raise InvalidInputLine(msg)
        return message

    @staticmethod
    def assert_line_requires(line_dict: dict, requires: set[str]) -> None:
        """Refuse a message without a key it needs, naming the keys (not the message).

        Args:
            line_dict: The message (or its schema).
            requires: The keys it needs.

        Raises:
            InvalidInputLine: Naming the missing keys.
        """
        if not requires.issubset(line_dict):
            missing = " and ".join(f'"{key}"' for key in sorted(requires - set(line_dict)))
            if requires == {"properties"}:
                msg = f"has a schema without {missing}"
            elif isinstance(kind := line_dict.get("type"), str):
                msg = f"is a {kind} message without {missing}"
            else:
                msg = f"is a message without {missing}"
            raise InvalidInputLine(msg)

    def parse(self, line: t.Any) -> dict:
        """Parse one line to the message singer-sdk's parser would return.

        Args:
            line: The line, text or bytes.

        Returns:
            The message.
        """
        if self.decimal_streams:
            if self._decimal_first:
                # The last RECORD was of a stream read with Decimals: so is this one, most
                # likely, and reading its head first would scan the line twice.
                try:
                    message = self._decimal(line)
                except msgspec.DecodeError:
                    return self.deserialize_json(line)
                if type(message) is not dict or message.get("type") != "RECORD":
                    return self.deserialize_json(line)
                if message.get("stream") in self.decimal_streams:
                    return message
                self._decimal_first = False  # read again, with the numbers of its stream
            else:
                # Read the stream first: a line is decoded once, with the numbers it needs.
                try:
                    head = self._head(line)
                except msgspec.DecodeError:
                    return self.deserialize_json(line)
                if head.type == "RECORD" and head.stream in self.decimal_streams:
                    try:
                        message = self._decimal(line)
                    except msgspec.DecodeError:
                        return self.deserialize_json(line)
                    self._decimal_first = True
                    return t.cast("dict", message)
        try:
            message = self._fast(line)
        except msgspec.DecodeError:
            return self.deserialize_json(line)
        if type(message) is not dict or message.get("type") != "RECORD":
            return self.deserialize_json(line)
        return message

    def _lines(self, file_input: t.IO[t.Any] | None) -> t.Iterator[t.Any]:
        """The input's lines; from stdin, with None after each idle tick.

        singer-sdk checks the record-age limit only when a record arrives, so a tap that
        goes quiet (waiting out a rate limit, say) left its records unloaded and its STATE
        unwritten until the next one. Reading stdin's descriptor with ``select`` lets the
        target drain by age while the input is idle. Nothing has read stdin before this, so
        its buffer is empty; an input given as ``file_input`` is iterated as it is.

        Args:
            file_input: The input the target was given, or None for stdin.

        Returns:
            The lines (and None ticks).
        """
        stream = file_input or self.default_input
        if file_input is not None or self.on_age is None:
            return iter(stream)
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            return iter(stream)
        return idle_aware_lines(fd, IDLE_TICK)

    def process_lines(
        self,
        file_input: t.IO[t.Any] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        """Read every line and hand each message to its callback.

        Args:
            file_input: The messages, one per line (stdin by default).
            callbacks: Message type to handler.

        Returns:
            How many messages of each type were read.
        """
        self.line_number = 0
        self._callbacks = callbacks
        try:
            try:
                return self._process_lines(file_input)
            except Exception:
                # Chunks handed over before the failing line were staged before it was read,
                # had they been staged in this process: their errors come first.
                number = self.line_number
                self._settle_lanes()
                self.line_number = number
                raise
        except InvalidInputLine as exc:
            self._failed()
            msg = f"input line {self.line_number} {exc}"
            raise BadInputLineError(msg) from None
        except RecordsWithoutSchemaException as exc:
            self._failed()
            msg = f"input line {self.line_number}: {exc}"
            raise RecordBeforeSchemaError(msg) from None
        except BaseException:
            self._failed()
            raise

    def _failed(self) -> None:
        if self.on_failure is not None:
            self.on_failure()

    #: The number of the line being handled (1-based), for errors.
    line_number = 0

    def _process_lines(self, file_input: t.IO[t.Any] | None) -> t.Counter[str]:
        stats = self._stats = Counter()
        parse = self.parse
        head_of = self._head
        dispatch = self._dispatch
        lanes = self.lanes
        raw_lanes = self.raw_lanes
        now = time.time
        lane_records = 0
        number = 0
        every = self.checkpoint_every
        for line in self._lines(file_input):
            if line is None:
                # No input for IDLE_TICK seconds: waiting chunks are staged, and the
                # record-age limit still applies.
                moment = now()
                for waiting in list(lanes.values()):
                    if waiting.pending and moment - waiting.started > LANE_WAIT:
                        waiting.flush()
                    elif waiting.in_flight:
                        waiting.settle()
                if moment > self.age_deadline and self.on_age is not None:
                    self.on_age()
                continue
            reader_current_line(self, line)
            number += 1
            self.line_number = number
            lane: Lane | None = None
            item: t.Any = line
            if raw_lanes and type(line) is bytes:
                # A raw lane's RECORD line is decoded by a staging process (or by
                # ``replay``): here only its head is read.
                try:
                    head = head_of(line)
                except msgspec.DecodeError:
                    head = None
                if head is not None and head.type == "RECORD" and type(head.stream) is str:
                    lane = raw_lanes.get(head.stream)
                    if lane is not None:
                        lane.numbers.append(number)
            if lane is None:
                message = item = parse(line)
                if lanes and type(message) is dict and message.get("type") == "RECORD":
                    lane = lanes.get(message.get("stream"))  # type: ignore[arg-type]
                    if lane is not None and (lane.raw or type(message.get("record")) is not dict):
                        # A raw lane takes lines; a message decoded here goes to the RECORD
                        # handler (and so to the lane's ``add``), as does a non-object record.
                        lane = None
            if lane is not None:
                moment = now()
                pending = lane.pending
                if not pending:
                    lane.started = moment
                pending.append(item)
                # Counted before it is staged: a load of every stream that it triggers
                # restarts the count after it.
                self.records_since_checkpoint += 1
                if len(pending) >= lane.limit or moment - lane.started > LANE_WAIT:
                    lane.flush(wait=False)
                lane_records += 1
                if moment > self.age_deadline and self.on_age is not None:
                    self.on_age()
                if self.records_since_checkpoint >= every and self.on_checkpoint is not None:
                    self.on_checkpoint()
                continue
            kind = message.get("type")
            if kind == "RECORD":
                # Counted before it is handled, as a lane's record is.
                self.records_since_checkpoint += 1
            dispatch(message)
            if (
                kind == "RECORD"
                and self.records_since_checkpoint >= every
                and self.on_checkpoint is not None
            ):
                self.on_checkpoint()
        if lane_records:
            stats["RECORD"] += lane_records
        return stats
