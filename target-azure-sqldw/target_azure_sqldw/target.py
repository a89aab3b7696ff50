"""TargetAzureSQLDW: the Singer target class; builds the run object and routes RECORD messages.

Touches singer-sdk only through :mod:`target_azure_sqldw.sdk_adapter`'s public hooks.
"""

from __future__ import annotations

import copy
import functools
import gc
import logging
import os
import sys
import time
import typing as t

from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import (
    TARGET_HARD_DELETE_CONFIG,
    PluginCapabilities,
    TargetCapabilities,
)

from target_azure_sqldw.errors import TargetError, one_line
from target_azure_sqldw.ingest.column_pipeline import ColumnPipeline
from target_azure_sqldw.ingest.pipelines import RecordPipeline, choose_pipeline
from target_azure_sqldw.ingest.reader import FastSingerReader, compares_numbers
from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.loader import BackgroundLoader
from target_azure_sqldw.load.odbc import pyodbc
from target_azure_sqldw.run import CheckpointLedger, Run
from target_azure_sqldw.sdk_adapter import AdaptedTarget
from target_azure_sqldw.settings import (
    CONFIG_SCHEMA,
    Settings,
    check_settings,
    config_files_error,
    numbers_from_environment,
)
from target_azure_sqldw.sinks import AzureSQLDWSink

if t.TYPE_CHECKING:
    import click
    from singer_sdk.helpers.capabilities import CapabilitiesEnum
    from singer_sdk.sinks import Sink

    from target_azure_sqldw.stage.blob_store import BlobStage


#: Failures that end a run with one line on stderr (no traceback, no other error line).
ONE_LINE_ERRORS = (TargetError, pyodbc.Error)


class TargetAzureSQLDW(AdaptedTarget):
    """Load Singer streams into a Synapse dedicated SQL pool or a Fabric Warehouse."""

    name = "target-azure-sqldw"
    config_jsonschema = CONFIG_SCHEMA
    default_sink_class = AzureSQLDWSink
    message_reader_class = FastSingerReader
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = [
        *AdaptedTarget.capabilities,
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
        except ONE_LINE_ERRORS as exc:
            cls.logger.error("%s", one_line(exc, 1000))
            sys.exit(1)
        except ConfigValidationError as exc:
            # singer-sdk would log each error and then "Config validation failed".
            cls.logger.error("Invalid config: %s", "; ".join(exc.errors) or exc)
            sys.exit(1)
        except BrokenPipeError:
            # click would exit 1 saying nothing. Python's last flush of stdout at exit would
            # fail again: it goes to /dev/null instead.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            cls.logger.error(
                "stdout was closed before the run ended (broken pipe): STATE could not be "
                "written; the run stopped, and what it had committed stays loaded"
            )
            sys.exit(1)

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        """Read ``--config`` files; a missing or malformed one is one line and exit 1.

        Args:
            ctx: Click context.
            param: Click option.
            value: The ``--config`` values.

        Returns:
            singer-sdk's parsed config input.
        """
        problem = config_files_error(value)
        if problem:
            cls.logger.error("%s", problem)
            ctx.exit(1)
        return super().cb_config(ctx, param, value)

    @classmethod
    def reports_in_one_line(cls, exc: BaseException) -> bool:
        """Known failures: the ones :meth:`invoke` ends the run on with one line.

        Args:
            exc: The exception in flight.

        Returns:
            True for the target's own errors and the ODBC driver's.
        """
        return isinstance(exc, ONE_LINE_ERRORS)

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """Add singer-sdk's built-in settings, ``hard_delete`` included.

        Args:
            config_jsonschema: The settings schema to extend in place.
        """
        for key, value in TARGET_HARD_DELETE_CONFIG["properties"].items():
            config_jsonschema["properties"].setdefault(key, value)
        super().append_builtin_config(config_jsonschema)

    @classmethod
    def environment_settings(cls, values: dict[str, t.Any]) -> dict[str, t.Any]:
        """Settings from ``TARGET_AZURE_SQLDW_*`` variables, numbers included.

        Args:
            values: What singer-sdk read from the environment.

        Returns:
            The settings found in the environment.
        """
        return numbers_from_environment(values, cls.config_jsonschema)

    def __init__(self, **kwargs: t.Any) -> None:
        """Create the target and check that its settings can work together.

        Args:
            kwargs: Passed to singer-sdk's ``Target``.
        """
        super().__init__(**kwargs)
        check_settings(self.config)
        self.settings = Settings.from_config(self.config)
        #: The record pipeline of each stream's current sink, by stream name.
        self.pipelines: dict[str, RecordPipeline] = {}
        # singer-sdk drains every sink, then writes the latest STATE, when its record-age
        # limit passes; a per-run setting makes that the "batches by age" checkpoint.
        self.max_record_age_minutes = self.settings.batch_max_age_seconds / 60
        self._set_age_deadline()
        reader = self.fast_reader
        if reader is not None:
            reader.on_failure = self.discard_unfinished_batches
        # azure-core logs request and response headers at INFO; keep them out of the log
        # unless someone configured the ``azure`` logger's level on purpose.
        azure_logger = logging.getLogger("azure")
        if azure_logger.level == logging.NOTSET:
            azure_logger.setLevel(logging.WARNING)

    @functools.cached_property
    def connector(self) -> AzureSQLDWConnector:
        """The warehouse connector (built once, for the run object)."""
        return AzureSQLDWConnector(self.settings)

    @functools.cached_property
    def run(self) -> Run:
        """The run object every sink and pipeline shares (built at first use)."""
        return Run(
            settings=self.settings,
            connector=self.connector,
            ledger=CheckpointLedger(self),
            drain_one=self.drain_one,
            logger=self.logger,
        )

    @property
    def loader(self) -> BackgroundLoader:
        """The run's background loader."""
        return self.run.loader

    @property
    def blob_stage(self) -> BlobStage:
        """The run's blob stage."""
        return self.run.blob_stage

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

    def before_drain_message(self) -> None:
        """Stage every pipeline's pending records: the message may drain their sinks."""
        self.flush_pending()

    def after_schema(self, message_dict: dict) -> None:
        """Choose the stream's pipeline now; read exact Decimals for streams that compare numbers.

        The pipeline (and the reader's lane of a column pipeline) is in place before the
        stream's first RECORD, which then goes from the reader straight to it.

        Args:
            message_dict: The SCHEMA message.
        """
        stream = message_dict["stream"]
        reader = self.fast_reader
        if reader is not None:
            # The new sink (if the schema replaced one) gets its own pipeline and lane.
            reader.close_lane(stream)
            if compares_numbers(message_dict["schema"]):
                reader.decimal_streams.add(stream)
            else:
                reader.decimal_streams.discard(stream)
        sink = self.active_sinks.get(stream)
        if sink is None:
            return
        pipeline = self.pipelines.get(sink.stream_name)
        if pipeline is None or pipeline.sink is not sink:
            self._open_pipeline(sink)
        elif isinstance(pipeline, ColumnPipeline) and reader is not None:
            # The same schema again keeps the sink, its pipeline and its lane.
            reader.open_lane(sink.stream_name, pipeline)

    def discard_unfinished_batches(self) -> None:
        """Remove the local files of the batches being staged: the run is failing.

        Batches handed to the loader clean up after themselves; the ones still being staged
        would stay in TMPDIR, run after failed run.
        """
        self.close_staging_processes()
        for sink in self.active_sinks.values():
            if isinstance(sink, AzureSQLDWSink):
                sink.discard_unfinished_batch()

    @property
    def fast_reader(self) -> FastSingerReader | None:
        """The message reader, when it is this target's own (it has lanes and counters)."""
        reader = self.message_reader
        return reader if isinstance(reader, FastSingerReader) else None

    def handle_record(self, message_dict: dict) -> None:
        """Stage one RECORD through its sink's pipeline (singer-sdk reports what none takes).

        Args:
            message_dict: The RECORD message.
        """
        stream = message_dict.get("stream")
        sink = self.active_sinks.get(stream) if "record" in message_dict else None  # type: ignore[arg-type]
        if sink is None:
            self.flush_pending()
            self.sdk_process_record(message_dict)
            return
        pipeline = self.pipelines.get(sink.stream_name)
        if pipeline is None or pipeline.sink is not sink:
            pipeline = self._open_pipeline(sink)
        if not pipeline.add(message_dict):
            self.flush_pending()
            self.sdk_process_record(message_dict)
            return
        if pipeline.name != "sdk":
            # singer-sdk's own handling checks the record age after each record itself.
            self.check_record_age()

    def _open_pipeline(self, sink: Sink) -> RecordPipeline:
        """Choose the sink's pipeline; a column pipeline also gets the reader's lane."""
        pipeline = choose_pipeline(
            self.settings.record_pipeline, sink, self.run, self.mapper, self.sdk_process_record
        )
        replaced = self.pipelines.get(sink.stream_name)
        if isinstance(replaced, ColumnPipeline):
            replaced.settle()
            replaced.close()
        self.pipelines[sink.stream_name] = pipeline
        reader = self.fast_reader
        if reader is not None:
            # Later records of the stream go from the reader straight to the chunk.
            reader.close_lane(sink.stream_name)
            if isinstance(pipeline, ColumnPipeline):
                pipeline.use_staging_processes(
                    reader, self.settings.staging_processes, self.close_idle_staging_processes
                )
                reader.open_lane(sink.stream_name, pipeline)
        return pipeline

    def close_staging_processes(self) -> None:
        """End every pipeline's staging processes (what they hold in flight is dropped)."""
        for pipeline in self.pipelines.values():
            if isinstance(pipeline, ColumnPipeline):
                pipeline.close()

    def close_idle_staging_processes(self) -> None:
        """End the staging processes of streams that have not used them for a while."""
        moment = time.monotonic()
        for pipeline in self.pipelines.values():
            if isinstance(pipeline, ColumnPipeline):
                pipeline.close_idle_processes(moment)

    def flush_pending(self) -> None:
        """Stage the records every pipeline holds (before anything that drains)."""
        if "run" in self.__dict__ and self.run.staging_chunk:
            return
        for pipeline in list(self.pipelines.values()):
            pipeline.flush()

    def records_pending_besides(self, draining: Sink) -> bool:
        """Whether any sink other than ``draining``, or any pipeline, holds records.

        Args:
            draining: The sink being drained.

        Returns:
            True when a STATE must wait for other records.
        """
        sinks = [*self.active_sinks.values(), *self.retired_sinks]
        if any(sink.current_size for sink in sinks if sink is not draining):
            return True
        return any(pipeline.pending or pipeline.in_flight for pipeline in self.pipelines.values())

    def latest_state_received(self) -> dict | None:
        """The latest STATE received.

        Returns:
            The state, or None.
        """
        return self.latest_state

    def after_full_drain(self) -> None:
        """Every stream was loaded: tell the reader the new age deadline and count."""
        self._set_age_deadline()
        self.restart_checkpoint_count()

    def restart_checkpoint_count(self) -> None:
        """Restart the count of records to the next load of every stream."""
        reader = self.fast_reader
        if reader is not None:
            reader.records_since_checkpoint = 0

    def _set_age_deadline(self) -> None:
        reader = self.fast_reader
        if reader is None:
            return
        reader.on_age = self.check_record_age
        reader.age_deadline = self.last_full_drain_at + self.max_record_age_minutes * 60
        reader.on_checkpoint = self.checkpoint_all
        reader.checkpoint_every = self.settings.batch_size_rows

    def checkpoint_all(self) -> None:
        """Load every stream's pending records; write the latest STATE once they commit.

        Called after every ``batch_size_rows`` RECORD messages of input. With several streams
        interleaved (a parent and its child, say) no stream's own batch ever leaves the others
        empty, so the ledger's ``checkpoint_for`` would give no STATE until
        ``batch_max_age_seconds``; a crash then replayed the whole run. Here every stream's
        records are handed to the loader, and a last job behind them writes the STATE
        received so far: loads run in order, so it runs only once they all committed (and not
        at all after a failure). The reading thread does not wait for the loads, as an age
        drain does.
        """
        self.flush_pending()
        for sink in [*self.retired_sinks, *self.active_sinks.values()]:
            if sink.current_size:
                self.drain_one(sink)
        self.restart_checkpoint_count()
        if self.latest_state:
            state = copy.deepcopy(self.latest_state)
            self.loader.submit(functools.partial(self._checkpoint_job, state))

    def _checkpoint_job(self, state: dict, cancelled: bool) -> None:
        if not cancelled:
            self.run.ledger.write(state)

    def before_age_drain(self) -> None:
        """Stage every pipeline's pending records before the age drain."""
        self.flush_pending()

    def process_endofpipe(self) -> None:
        """Stage pending chunks, then drain every sink and write the last STATE."""
        try:
            self.flush_pending()
        except BaseException:
            # A record of the last chunks was refused: what was being staged goes too.
            self.discard_unfinished_batches()
            raise
        # Every chunk is staged: the processes have nothing more to do.
        self.close_staging_processes()
        super().process_endofpipe()

    def after_drain_all(self) -> None:
        """Wait for the drained sinks' loads: singer-sdk writes STATE next."""
        self.loader.wait()

    def stop_on_signal(self, signum: int) -> None:
        """Stop on SIGTERM/SIGINT without acknowledging uncommitted data.

        singer-sdk drains every sink and writes STATE from the signal handler. If the signal
        arrives while a batch is being loaded (or a chunk of records is being staged), that
        drain would find the batch already taken and emit STATE for records not yet
        committed (meltano/sdk#3775). So then the handler stops instead: the running load
        rolls back, queued loads only clean up (staging tables, blobs, local files), and no
        STATE is written. When nothing is in flight, every sink is drained and STATE written.

        Args:
            signum: The signal number.

        Raises:
            SystemExit: With ``128 + signum`` when a load was interrupted.
        """
        if self.loader.outstanding or self.run.staging_chunk:
            self.logger.warning(
                "Signal %d during a load: stopping without STATE; the batch is rolled back",
                signum,
            )
            self.loader.abort()
            self.loader.settle()
            raise SystemExit(128 + signum)
        self.flush_pending()

    def write_state(self, state: dict) -> None:
        """Write a STATE line through the ledger (never the same one twice in a row).

        Args:
            state: The state.
        """
        self.run.ledger.write(state)


if __name__ == "__main__":
    TargetAzureSQLDW.cli()
