"""TargetAzureSQLDW: the Singer target class and its settings."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import gc
import logging
import sys
import threading
import typing as t

from singer_sdk import Target
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers.capabilities import (
    TARGET_HARD_DELETE_CONFIG,
    PluginCapabilities,
    TargetCapabilities,
)

from target_azure_sqldw.errors import TargetError, one_line
from target_azure_sqldw.ingest.column_pipeline import ChunkedRecordPath
from target_azure_sqldw.ingest.reader import FastSingerReader, compares_numbers
from target_azure_sqldw.ingest.row_pipeline import eligible
from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.loader import BackgroundLoader
from target_azure_sqldw.load.odbc import pyodbc
from target_azure_sqldw.settings import CONFIG_SCHEMA, check_settings, numbers_from_environment
from target_azure_sqldw.sinks import AzureSQLDWSink
from target_azure_sqldw.stage.blob_store import BlobStage, new_run_id

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.helpers.capabilities import CapabilitiesEnum
    from singer_sdk.sinks import Sink


class TargetAzureSQLDW(Target):
    """Load Singer streams into a Synapse dedicated SQL pool or a Fabric Warehouse."""

    name = "target-azure-sqldw"
    config_jsonschema = CONFIG_SCHEMA
    default_sink_class = AzureSQLDWSink
    message_reader_class = FastSingerReader
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = [
        *Target.capabilities,
        PluginCapabilities.ACTIVATE_VERSION,
        TargetCapabilities.HARD_DELETE,
    ]

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        file_input: t.IO[str] | None = None,
    ) -> None:
        """Run the target; known failures end it with one line on stderr and exit status 1.

        Args:
            about: Print the target's description.
            about_format: ``text``, ``json`` or ``markdown``.
            config: Configuration files, or ``ENV``.
            file_input: Read messages from this file instead of stdin.
        """
        # Messages are parsed into many small dicts and lists that die young and form no
        # cycles; the cyclic collector scanning them every 700 allocations took about a fifth
        # of the reading thread's time (bench/target_bench.py). Objects of start-up are
        # frozen out of its scans, and it runs every 50,000 allocations instead.
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        try:
            super().invoke(
                about=about, about_format=about_format, config=config, file_input=file_input
            )
        except (TargetError, pyodbc.Error) as exc:
            cls.logger.error("%s", one_line(exc, 1000))
            sys.exit(1)

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """Add singer-sdk's built-in settings, ``hard_delete`` included.

        Args:
            config_jsonschema: The settings schema to extend in place.
        """
        for key, value in TARGET_HARD_DELETE_CONFIG["properties"].items():
            config_jsonschema["properties"].setdefault(key, value)
        super().append_builtin_config(config_jsonschema)

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:  # noqa: N805
        """Settings from ``TARGET_AZURE_SQLDW_*`` variables, numbers included.

        Returns:
            The settings found in the environment.
        """
        return numbers_from_environment(super()._env_var_config, cls.config_jsonschema)

    def __init__(self, **kwargs: t.Any) -> None:
        """Create the target and check that its settings can work together.

        Args:
            kwargs: Passed to singer-sdk's ``Target``.
        """
        super().__init__(**kwargs)
        check_settings(self.config)
        # singer-sdk drains every sink, then writes the latest STATE, when its record-age
        # limit passes; a per-run setting makes that the "batches by age" checkpoint.
        age = float(self.config.get("batch_max_age_seconds") or 300)
        self._MAX_RECORD_AGE_IN_MINUTES = age / 60
        self._set_age_deadline()
        # azure-core logs request and response headers at INFO; keep them out of the log
        # unless someone configured the ``azure`` logger's level on purpose.
        azure_logger = logging.getLogger("azure")
        if azure_logger.level == logging.NOTSET:
            azure_logger.setLevel(logging.WARNING)

    #: Serializes creation of the database-wide PolyBase objects (master key, credential,
    #: data source, file format) across sinks draining in parallel.
    polybase_objects_lock = threading.Lock()

    @functools.cached_property
    def connector(self) -> AzureSQLDWConnector:
        """The warehouse connector shared by every sink."""
        return AzureSQLDWConnector(dict(self.config))

    @functools.cached_property
    def run_id(self) -> str:
        """This run's identifier, part of every staged blob path."""
        return new_run_id()

    @functools.cached_property
    def blob_stage(self) -> BlobStage:
        """The blob stage; orphans older than ``orphan_max_age_hours`` are swept once."""
        config = self.config
        stage = BlobStage(
            account=config["storage_account"],
            container=config["storage_container"],
            account_key=config.get("storage_account_key"),
            sas_token=config.get("storage_sas_token"),
            endpoint=config.get("storage_blob_endpoint"),
        )
        hours = float(config.get("orphan_max_age_hours", 24) or 0)
        if hours > 0:
            stage.sweep(config.get("storage_prefix", ""), dt.timedelta(hours=hours))
        return stage

    def get_sink(
        self,
        stream_name: str,
        *,
        record: dict | None = None,
        schema: dict | None = None,
        key_properties: t.Sequence[str] | None = None,
    ) -> Sink:
        """Return the stream's sink; load the current one first when a new schema replaces it.

        singer-sdk keeps a replaced sink until the next full drain, so a new sink that fills
        up first would load later records before earlier ones and let an older record win
        the key. Draining the old sink at the schema change keeps arrival order.

        Args:
            stream_name: The stream.
            record: The record being routed (unused).
            schema: A new SCHEMA message's schema, if any.
            key_properties: Its key properties.

        Returns:
            The sink.
        """
        if schema is not None and self.sink_exists(stream_name):
            current = super().get_sink(stream_name)
            changed = current.original_schema != schema or current.key_properties != (
                key_properties or []
            )
            if changed:
                self.drain_one(current)
        return super().get_sink(
            stream_name, record=record, schema=schema, key_properties=key_properties
        )

    def _process_schema_message(self, message_dict: dict) -> None:
        """Register the stream's schema; streams that compare numbers read exact Decimals.

        Args:
            message_dict: The SCHEMA message.
        """
        # A new schema may replace (and drain) the sink: its pending records go first, and
        # its records take the dispatching path until the new sink has its own lane.
        self.flush_pending()
        lanes = getattr(self.message_reader, "lanes", None)
        if lanes is not None:
            lanes.pop(message_dict.get("stream"), None)
        super()._process_schema_message(message_dict)
        reader = self.message_reader
        if isinstance(reader, FastSingerReader):
            stream = message_dict["stream"]
            if compares_numbers(message_dict["schema"]):
                reader.decimal_streams.add(stream)
            else:
                reader.decimal_streams.discard(stream)

    @functools.cached_property
    def _record_paths(self) -> dict[str, ChunkedRecordPath]:
        """The fast record path of each stream that has one, by stream name."""
        return {}

    def _process_record_message(self, message_dict: dict) -> None:
        """Stage one RECORD: through the sink's fast path when it has one, else as singer-sdk does.

        Args:
            message_dict: The RECORD message.
        """
        stream = message_dict.get("stream")
        sink = self._sinks_active.get(stream) if "record" in message_dict else None  # type: ignore[arg-type]
        if sink is None:
            self.flush_pending()
            super()._process_record_message(message_dict)
            return
        path = self._record_paths.get(sink.stream_name)
        if path is None or path.sink is not sink:
            if not eligible(self, sink.stream_name):
                self.flush_pending()
                super()._process_record_message(message_dict)
                return
            path = self._record_paths[sink.stream_name] = ChunkedRecordPath(self, sink)  # type: ignore[arg-type]
            lanes = getattr(self.message_reader, "lanes", None)
            if lanes is not None:
                # Later records of the stream go from the reader straight to the chunk.
                lanes.pop(sink.stream_name, None)
                if path.checker is not None:
                    lanes[sink.stream_name] = path
        if not path.add(message_dict):
            self.flush_pending()
            super()._process_record_message(message_dict)
            return
        self._handle_max_record_age()

    #: True while a chunk is being staged (see ``ChunkedRecordPath.flush``).
    _flushing = False

    def flush_pending(self) -> None:
        """Stage the records every stream's chunk holds (before anything that drains)."""
        if self._flushing:
            return
        for path in list(self._record_paths.values()):
            path.flush()

    def _pending_records(self) -> bool:
        return any(path.pending for path in self._record_paths.values())

    def _reset_max_record_age(self) -> None:
        """Restart the record-age clock (every stream was loaded), and tell the reader."""
        super()._reset_max_record_age()
        self._set_age_deadline()
        self._restart_checkpoint_count()

    def _restart_checkpoint_count(self) -> None:
        reader = self.message_reader
        if isinstance(reader, FastSingerReader):
            reader.records_since_checkpoint = 0

    def _set_age_deadline(self) -> None:
        reader = self.message_reader
        if isinstance(reader, FastSingerReader):
            reader.on_age = self._handle_max_record_age
            reader.age_deadline = self._last_full_drain_at + self._MAX_RECORD_AGE_IN_MINUTES * 60
            reader.on_checkpoint = self.checkpoint_all
            reader.checkpoint_every = int(
                self.config.get("batch_size_rows") or AzureSQLDWSink.MAX_SIZE_DEFAULT
            )

    def checkpoint_all(self) -> None:
        """Load every stream's pending records; write the latest STATE once they commit.

        Called after every ``batch_size_rows`` RECORD messages of input. With several streams
        interleaved (a parent and its child, say) no stream's own batch ever leaves the others
        empty, so :meth:`checkpoint_for` would give no STATE until ``batch_max_age_seconds``;
        a crash then replayed the whole run. Here every stream's records are handed to the
        loader, and a last job behind them writes the STATE received so far: loads run in
        order, so it runs only once they all committed (and not at all after a failure). The
        reading thread does not wait for the loads, as an age drain does.
        """
        self.flush_pending()
        for sink in [*self._sinks_to_clear, *self._sinks_active.values()]:
            if sink.current_size:
                self.drain_one(sink)
        self._restart_checkpoint_count()
        if self._latest_state:
            state = copy.deepcopy(self._latest_state)
            self.loader.submit(functools.partial(self._checkpoint_job, state))

    def _checkpoint_job(self, state: dict, cancelled: bool) -> None:
        if not cancelled:
            self.write_checkpoint(state)

    def _handle_max_record_age(self) -> None:
        """Drain every sink, pending chunks included, when the record-age limit passes."""
        if self._max_record_age_in_minutes > self._MAX_RECORD_AGE_IN_MINUTES:
            self.flush_pending()
            super()._handle_max_record_age()

    def process_endofpipe(self) -> None:
        """Stage pending chunks, then drain every sink and write the last STATE."""
        self.flush_pending()
        super().process_endofpipe()

    def _process_activate_version_message(self, message_dict: dict) -> None:
        """Stage pending records first: ACTIVATE_VERSION drains the stream.

        Args:
            message_dict: The ACTIVATE_VERSION message.
        """
        self.flush_pending()
        super()._process_activate_version_message(message_dict)

    def _process_batch_message(self, message_dict: dict) -> None:
        """Stage pending records first, so BATCH files load after earlier records.

        Args:
            message_dict: The BATCH message.
        """
        self.flush_pending()
        super()._process_batch_message(message_dict)

    @functools.cached_property
    def loader(self) -> BackgroundLoader:
        """The thread that loads finished batches, in order, while the next is staged."""
        return BackgroundLoader()

    def _drain_all(self, sink_list: t.Iterable[Sink], parallelism: int) -> None:
        """Drain the sinks and wait for their loads: singer-sdk writes STATE next.

        Args:
            sink_list: The sinks.
            parallelism: How many drain at once.
        """
        super()._drain_all(sink_list, parallelism)
        self.loader.wait()

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Stop on SIGTERM/SIGINT without acknowledging uncommitted data.

        singer-sdk drains every sink and writes STATE from the signal handler. If the signal
        arrives while a batch is being loaded (or a chunk of records is being staged), that
        drain would find the batch already taken and emit STATE for records not yet
        committed (meltano/sdk#3775). So then the handler stops instead: the running load
        rolls back, queued loads only clean up (staging tables, blobs, local files), and no
        STATE is written. When nothing is in flight, every sink is drained and STATE written.

        Args:
            signum: The signal number.
            frame: The interrupted frame.

        Raises:
            SystemExit: With ``128 + signum`` when a load was interrupted.
        """
        if self.loader.outstanding or self._flushing:
            self.logger.warning(
                "Signal %d during a load: stopping without STATE; the batch is rolled back",
                signum,
            )
            self.loader.abort()
            self.loader.settle()
            raise SystemExit(128 + signum)
        self.flush_pending()
        super()._handle_termination(signum, frame)

    #: Serializes STATE output between sinks finishing loads in parallel threads.
    _state_lock = threading.RLock()
    _last_written_state: dict | None = None

    def checkpoint_for(self, draining: Sink) -> dict | None:
        """The STATE that may be written once the batch now drained from ``draining`` commits.

        singer-sdk writes STATE only after draining every sink. When a sink's batch is
        drained and no other sink or chunk holds a record, every record received before the
        latest STATE is in this batch or in batches queued before it; so when this batch
        commits, that STATE can go out: a long run of one stream checkpoints after each
        batch instead of only every ``batch_max_age_seconds``. It is taken now, on the
        reading thread, because by the time the load commits more records have arrived.

        Args:
            draining: The sink whose batch is being handed to the loader (its count is
                reset only after this returns).

        Returns:
            A copy of the latest STATE, or None when other records are still pending.
        """
        with self._state_lock:
            sinks = [*self._sinks_active.values(), *self._sinks_to_clear]
            if any(sink.current_size for sink in sinks if sink is not draining):
                return None
            if self._pending_records():
                return None
            # Every record received is now in a batch handed to the loader: the count to the
            # next ``checkpoint_all`` starts again (a single stream is never split by it).
            self._restart_checkpoint_count()
            return copy.deepcopy(self._latest_state) if self._latest_state else None

    def write_checkpoint(self, state: dict) -> None:
        """Write a STATE taken by :meth:`checkpoint_for`, after its batch committed.

        Args:
            state: The state.
        """
        self._write_state_message(state)

    def _write_state_message(self, state: dict) -> None:
        """Write a STATE line, unless it repeats the last one written.

        Args:
            state: The state.
        """
        with self._state_lock:
            if state == self._last_written_state:
                return
            self._last_written_state = copy.deepcopy(state)
            super()._write_state_message(state)

    @functools.cached_property
    def overwritten_tables(self) -> set[str]:
        """Tables already emptied in this run (``load_method: overwrite``)."""
        return set()


if __name__ == "__main__":
    TargetAzureSQLDW.cli()
