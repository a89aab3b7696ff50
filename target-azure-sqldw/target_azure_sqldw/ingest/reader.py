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


class BadInputLineError(TargetError, ValueError):
    """An input line is not a Singer message: ``input line N is not valid JSON: ...``."""


class RecordBeforeSchemaError(BadInputLineError, RecordsWithoutSchemaException):
    """A RECORD arrived before its stream's SCHEMA (singer-sdk's exception, numbered)."""


class Lane(t.Protocol):
    """Where a stream's RECORD messages go straight from the reader (see ``column_pipeline``)."""

    pending: list[dict]
    #: Flush when this many records are pending.
    limit: int
    #: ``time.time()`` when the first pending record arrived.
    started: float

    def flush(self) -> None:
        """Stage the pending records."""


class FastSingerReader(GenericSingerReader[t.Any]):
    """Parse RECORD lines with msgspec where that is exact, everything else as singer-sdk does.

    Reads bytes from stdin; a text stream given as ``file_input`` works too. A RECORD of a
    stream with a :class:`Lane` is appended to the lane's pending records right here,
    without the per-message dispatch; the target opens and closes lanes.
    """

    def __init__(self) -> None:
        """Create the reader."""
        super().__init__()
        #: Open lanes by stream name.
        self.lanes: dict[str, Lane] = {}
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
        self._fast = msgspec.json.Decoder(float_hook=exact_number).decode
        self._decimal = msgspec.json.Decoder(float_hook=decimal.Decimal).decode
        self._head = msgspec.json.Decoder(MessageHead).decode
        #: Streams whose RECORD messages are parsed with Decimal numbers.
        self.decimal_streams: set[str] = set()
        #: Whether the last RECORD parsed was of one of them (its line decoded at once).
        self._decimal_first = False

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
        try:
            return self._process_lines(file_input, callbacks)
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

    def _process_lines(
        self,
        file_input: t.IO[t.Any] | None,
        callbacks: dict[str, t.Callable[[dict], None]],
    ) -> t.Counter[str]:
        stats: Counter[str] = Counter()
        parse = self.parse
        get = callbacks.get
        lanes = self.lanes
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
                if moment > self.age_deadline and self.on_age is not None:
                    self.on_age()
                continue
            reader_current_line(self, line)
            number += 1
            self.line_number = number
            message = parse(line)
            if lanes and type(message) is dict and message.get("type") == "RECORD":
                lane = lanes.get(message.get("stream"))  # type: ignore[arg-type]
                if lane is not None and type(message.get("record")) is dict:
                    moment = now()
                    pending = lane.pending
                    if not pending:
                        lane.started = moment
                    pending.append(message)
                    # Counted before it is staged: a load of every stream that it triggers
                    # restarts the count after it.
                    self.records_since_checkpoint += 1
                    if len(pending) >= lane.limit or moment - lane.started > LANE_WAIT:
                        lane.flush()
                    lane_records += 1
                    if moment > self.age_deadline and self.on_age is not None:
                        self.on_age()
                    if self.records_since_checkpoint >= every and self.on_checkpoint is not None:
                        self.on_checkpoint()
                    continue
            if "type" not in message:
                self.assert_line_requires(message, requires={"type"})
            kind = message["type"]
            callback = get(kind)
            if kind == "RECORD":
                self.records_since_checkpoint += 1
            if callback is None:
                reader_unknown_message(self, message)
            else:
                callback(message)
            stats[kind] += 1
            if (
                kind == "RECORD"
                and self.records_since_checkpoint >= every
                and self.on_checkpoint is not None
            ):
                self.on_checkpoint()
        if lane_records:
            stats["RECORD"] += lane_records
        return stats
