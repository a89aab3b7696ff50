"""A webhook-mode run: from the committed STATE's spool position, receive and emit until SIGTERM."""

from __future__ import annotations

import copy
import decimal
import json
import logging
import os
import signal
import sys
import threading
import time
import typing as t

from singer_sdk import singerlib

from tap_intercom.errors import IntercomClientError, IntercomError, IntercomNotFoundError
from tap_intercom.webhooks.ordering import admit
from tap_intercom.webhooks.receiver import Receiver
from tap_intercom.webhooks.spool import Spool, Spooled
from tap_intercom.webhooks.topics import DELETABLE, changes_of, streams_of
from tap_intercom.windows import iso_utc

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk.streams import Stream

    from tap_intercom.run_context import RunContext

LOGGER = logging.getLogger("tap-intercom.webhooks")
STATE_KEY = "webhook_spool"
DELETED_AT = {"type": ["string", "null"], "format": "date-time"}


class WebhookTap(t.Protocol):
    """What the webhook run needs from the tap (``TapIntercom`` is one; it imports this module)."""

    @property
    def run(self) -> RunContext:
        """The run context: settings, transport, spool paths."""
        ...

    @property
    def streams(self) -> Mapping[str, Stream]:
        """The tap's streams by name."""
        ...

    @property
    def state(self) -> Mapping[str, t.Any]:
        """The tap's input state."""
        ...

    def write_message(self, message: t.Any) -> None:
        """Write one Singer message to stdout."""
        ...


def committed_position(state: dict[str, t.Any]) -> int:
    """The spool position in a STATE (0 when there is none).

    Args:
        state: The tap's input state.

    Returns:
        The position.
    """
    value = (state.get("bookmarks") or {}).get(STATE_KEY, {}).get("position", 0)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        msg = f"STATE bookmarks.{STATE_KEY}.position is not a number: {value!r}"
        raise IntercomError(msg) from None


class Emitter:
    """Turns spooled notifications into SCHEMA, RECORD and STATE messages, in spool order."""

    def __init__(self, tap: WebhookTap, spool: Spool, position: int) -> None:
        self.tap = tap
        self.spool = spool
        self.position = position
        self.max_backlog = tap.run.settings.webhook_max_backlog
        self.max_rows = tap.run.settings.webhook_spool_max_rows
        self.streams: dict[str, Stream] = dict(tap.streams)
        self.schemas: dict[str, dict[str, t.Any]] = {}
        self.unmapped: set[str] = set()
        self.trimmed: set[str] = set()
        self.emitted = 0
        self.skipped = 0
        self.base_state: dict[str, t.Any] = copy.deepcopy(dict(tap.state))
        self.last_state: int | None = None

    def busy(self) -> str | None:
        """Why deliveries should get 429 now (None: accept them)."""
        if self.spool.rows >= self.max_rows:
            return "spool full"
        if self.spool.last_seq - self.position >= self.max_backlog:
            return "target behind"
        return None

    def drain(self) -> int:
        """Emit everything spooled after the position; a STATE after each batch.

        Returns:
            How many notifications were processed.
        """
        done = 0
        while True:
            batch = self.spool.read_after(self.position)
            if not batch:
                break
            messages: list[singerlib.Message] = []
            for spooled in batch:
                messages.extend(self._messages_of(spooled))
            # Versions are on disk before the records go out; a crash before the STATE
            # discards them at the restart (they are above the committed position).
            self.spool.flush_versions()
            for message in messages:
                self.tap.write_message(message)
            self.position = batch[-1].seq
            done += len(batch)
            self.write_state()
        return done

    def write_state(self) -> None:
        """Write STATE with the current position (unless it was just written)."""
        if self.last_state == self.position:
            return
        state = copy.deepcopy(self.base_state)
        bookmarks: dict[str, t.Any] = state.setdefault("bookmarks", {})
        bookmarks[STATE_KEY] = {"position": self.position}
        self.tap.write_message(singerlib.StateMessage(value=state))
        self.last_state = self.position

    def _messages_of(self, spooled: Spooled) -> list[singerlib.Message]:
        notification = json.loads(spooled.body, parse_float=decimal.Decimal)
        item = (notification.get("data") or {}).get("item")
        streams = streams_of(spooled.topic, item)
        if streams is None:
            if spooled.topic not in self.unmapped:
                self.unmapped.add(spooled.topic)
                LOGGER.warning(
                    "Webhook topic %s has no stream: kept in the spool, not emitted",
                    spooled.topic,
                )
            self.spool.keep(spooled.seq)
            return []
        created = spooled.created_at
        deleted_at = iso_utc(int(created)) if created is not None else ""
        messages: list[singerlib.Message] = []
        for change in changes_of(spooled.topic, created, item, deleted_at):
            stream = self.streams.get(change.stream)
            if stream is None or not stream.selected:
                continue
            version = admit(change, self.spool.version(change.stream, change.key))
            if version is None:
                self.skipped += 1
                continue
            self.spool.remember(spooled.seq, change.stream, change.key, version)
            record = change.record
            if change.deleted_at is None:
                record = self._post_processed(stream, change.key, record)
            if change.stream not in self.schemas:
                message = self._schema_message(stream)
                self.schemas[change.stream] = message.schema
                messages.append(message)
            record = self._in_schema(stream.name, record)
            messages.append(
                singerlib.RecordMessage(
                    stream=stream.name, record=emitted_form(self.tap, stream, record)
                )
            )
            self.emitted += 1
        return messages

    def _post_processed(
        self, stream: Stream, key: str, record: dict[str, t.Any]
    ) -> dict[str, t.Any]:
        """The record after the stream's own completion (contacts' lists), as in poll mode.

        An entity gone from the API since (deleted, merged) keeps what was delivered: failing
        here would fail again on every replay of the spool.
        """
        try:
            return stream.post_process(record, None) or record
        except (IntercomNotFoundError, IntercomClientError) as exc:
            LOGGER.warning(
                "%s %s: left as delivered, its embedded lists could not be completed (%s)",
                stream.name,
                key,
                exc,
            )
            return record

    def _in_schema(self, stream: str, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """The record without properties its SCHEMA lacks, as the poll mode emits it."""
        properties = self.schemas[stream].get("properties") or {}
        extra = [name for name in record if name not in properties]
        if not extra:
            return record
        if stream not in self.trimmed:
            self.trimmed.add(stream)
            LOGGER.warning(
                "Webhook items of %s carry properties its schema lacks (left out): %s",
                stream,
                ", ".join(sorted(extra)),
            )
        return {name: value for name, value in record.items() if name in properties}

    def _schema_message(self, stream: Stream) -> singerlib.SchemaMessage:
        schema = copy.deepcopy(stream.schema)
        if stream.name in DELETABLE:
            schema.setdefault("properties", {}).setdefault("_sdc_deleted_at", DELETED_AT)
        return singerlib.SchemaMessage(
            stream=stream.name,
            schema=schema,
            key_properties=list(stream.primary_keys or []),
            bookmark_properties=[stream.replication_key] if stream.replication_key else None,
        )


def emitted_form(tap: WebhookTap, stream: Stream, record: dict[str, t.Any]) -> dict[str, t.Any]:
    """The record as the poll mode emits it (timestamps in the run's format, when it has one).

    Args:
        tap: The tap.
        stream: The record's stream.
        record: The record with the API's Unix seconds.

    Returns:
        The record to write.
    """
    # A stream that converts Unix seconds for output (timestamp_format) exposes the plan
    # it uses in poll mode; webhook records go through the same one.
    plan = getattr(stream, "timestamp_plan", None)
    if plan is not None and tap.run.settings.timestamps_iso and not plan.empty:
        return t.cast("dict[str, t.Any]", plan.convert(record))
    return record


def run_webhooks(tap: WebhookTap) -> None:
    """Receive and emit until SIGTERM (or SIGINT), then drain, write the final STATE and return.

    Args:
        tap: The tap, with its config and input state.

    Raises:
        IntercomError: For a missing secret, a port in use, or stdout closed (the target
            went away); spooled notifications stay for the next run.
    """
    settings = tap.run.settings
    secret = settings.webhook_client_secret or ""
    if not secret:
        msg = "mode webhooks needs webhook_client_secret (the Intercom app's client secret)"
        raise IntercomError(msg)
    spool = Spool(settings.webhook_spool_dir)
    position = committed_position(dict(tap.state))
    spool.restart_at(position)
    emitter = Emitter(tap, spool, position)
    wake = threading.Event()
    stop = threading.Event()
    host = settings.webhook_host
    port = settings.webhook_port
    try:
        receiver = Receiver(
            (host, port), secret=secret, spool=spool, busy=emitter.busy, spooled=wake.set
        )
    except OSError as exc:
        spool.close()
        msg = f"cannot listen on {host}:{port} for webhooks: {exc.strerror or exc}"
        raise IntercomError(msg) from None

    def on_signal(signum: int, frame: t.Any) -> None:
        # Stop taking deliveries at once (503: Intercom retries them later); the main
        # loop then drains the spool and writes the final STATE.
        receiver.closing = True
        stop.set()
        wake.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = threading.Thread(
        target=receiver.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    server.start()
    LOGGER.info(
        "Receiving Intercom webhooks on %s (spool %s, from position %d)",
        receiver.url,
        spool.path,
        position,
    )
    started = time.monotonic()
    try:
        emitter.write_state()
        while not stop.is_set():
            wake.wait(0.5)
            wake.clear()
            emitter.drain()
        emitter.drain()
        emitter.write_state()
    except BrokenPipeError:
        # Nothing more can be written: point stdout at /dev/null so exiting does not fail
        # again while flushing it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        msg = (
            "stdout closed (the target went away): notifications after position "
            f"{emitter.position} stay spooled for the next run"
        )
        raise IntercomError(msg) from None
    finally:
        receiver.closing = True
        receiver.shutdown()
        receiver.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        counts = dict(receiver.counts)
        spool.close()
        LOGGER.info(
            "Webhooks: %d accepted, %d duplicates, %d bad signatures, %d malformed, "
            "%d throttled (429), %d refused while stopping; %d records emitted, %d stale "
            "changes skipped, unmapped topics: %s; %.0fs",
            counts.get("accepted", 0),
            counts.get("duplicate", 0),
            counts.get("bad_signature", 0),
            counts.get("malformed", 0),
            counts.get("throttled", 0),
            counts.get("refused_closing", 0),
            emitter.emitted,
            emitter.skipped,
            ", ".join(sorted(emitter.unmapped)) or "none",
            time.monotonic() - started,
        )
