"""The run object: what every sink and record pipeline of one target run shares.

Built once by the target and handed to each sink: the warehouse connector, the blob stage,
the background loader, the checkpoint ledger, the tables already overwritten and the locks.
Nothing here imports the target or the sinks.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import threading
import typing as t

from target_azure_sqldw.load.auth import storage_credential
from target_azure_sqldw.load.loader import BackgroundLoader
from target_azure_sqldw.stage.blob_store import BlobStage, new_run_id
from target_azure_sqldw.stage.work_folders import sweep_work_folders

if t.TYPE_CHECKING:
    import logging

    from singer_sdk.sinks import Sink

    from target_azure_sqldw.load.connector import AzureSQLDWConnector
    from target_azure_sqldw.settings import Settings


class CheckpointSource(t.Protocol):
    """What the ledger asks the target: other pending records, the latest STATE, the writer."""

    def records_pending_besides(self, draining: Sink) -> bool:
        """Whether any sink other than ``draining``, or any pipeline, holds records."""

    def latest_state_received(self) -> dict | None:
        """The latest STATE received."""

    def restart_checkpoint_count(self) -> None:
        """Restart the count of records to the next load of every stream."""

    def sdk_write_state(self, state: dict) -> None:
        """Write a STATE line."""


class CheckpointLedger:
    """Which STATE may go out once a batch commits, and STATE written once each.

    Args:
        source: The target's side (pending records, latest STATE, writer).
    """

    def __init__(self, source: CheckpointSource) -> None:
        self.source = source
        #: Serializes STATE output between the reading thread and the loader's thread.
        self.lock = threading.RLock()
        self.last_written: dict | None = None

    def checkpoint_for(self, draining: Sink) -> dict | None:
        """The STATE that may be written once the batch now drained from ``draining`` commits.

        singer-sdk writes STATE only after draining every sink. When a sink's batch is
        drained and no other sink or pipeline holds a record, every record received before
        the latest STATE is in this batch or in batches queued before it; so when this batch
        commits, that STATE can go out: a long run of one stream checkpoints after each
        batch instead of only every ``batch_max_age_seconds``. It is taken now, on the
        reading thread, because by the time the load commits more records have arrived.

        Args:
            draining: The sink whose batch is being handed to the loader (its count is
                reset only after this returns).

        Returns:
            A copy of the latest STATE, or None when other records are still pending.
        """
        with self.lock:
            if self.source.records_pending_besides(draining):
                return None
            # Every record received is now in a batch handed to the loader: the count to the
            # next load of every stream starts again (a single stream is never split by it).
            self.source.restart_checkpoint_count()
            latest = self.source.latest_state_received()
            return copy.deepcopy(latest) if latest else None

    def write(self, state: dict) -> None:
        """Write a STATE line, unless it repeats the last one written.

        Args:
            state: The state.
        """
        with self.lock:
            if state == self.last_written:
                return
            self.last_written = copy.deepcopy(state)
            self.source.sdk_write_state(state)


class Run:
    """One run's shared parts, built once by the target.

    Args:
        settings: The parsed settings.
        connector: The warehouse connector.
        ledger: The checkpoint ledger.
        drain_one: Loads one sink's batch now (singer-sdk's ``Target.drain_one``).
        logger: The target's logger.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        connector: AzureSQLDWConnector,
        ledger: CheckpointLedger,
        drain_one: t.Callable[[Sink], None],
        logger: logging.Logger,
    ) -> None:
        self.settings = settings
        self.connector = connector
        self.ledger = ledger
        self.drain_one = drain_one
        self.logger = logger
        #: This run's identifier, part of every staged blob path.
        self.run_id = new_run_id()
        #: The thread that loads finished batches, in order, while the next is staged.
        self.loader = BackgroundLoader()
        #: Tables already emptied in this run (``load_method: overwrite``).
        self.overwritten_tables: set[str] = set()
        #: Serializes creation of the database-wide PolyBase objects (master key,
        #: credential, data source, file format) across sinks draining in parallel.
        self.polybase_objects_lock = threading.Lock()
        #: True while a pipeline stages a chunk: a signal then stops without STATE.
        self.staging_chunk = False
        # Batch folders a killed run left under TMPDIR go once stale, as its blobs do (see
        # ``blob_stage``).
        if settings.orphan_max_age_hours > 0:
            sweep_work_folders(dt.timedelta(hours=settings.orphan_max_age_hours))

    @functools.cached_property
    def blob_stage(self) -> BlobStage:
        """The blob stage; orphans older than ``orphan_max_age_hours`` are swept once."""
        settings = self.settings
        stage = BlobStage(
            account=settings.storage_account,
            container=settings.storage_container,
            account_key=settings.storage_account_key,
            sas_token=settings.storage_sas_token,
            endpoint=settings.storage_blob_endpoint,
            credential=storage_credential(settings),
        )
        hours = settings.orphan_max_age_hours
        if hours > 0:
            stage.sweep(settings.storage_prefix, dt.timedelta(hours=hours))
        return stage


def run_of(owner: object) -> Run:
    """The run object of a target (sinks get their target from singer-sdk).

    Args:
        owner: The target.

    Returns:
        Its run.

    Raises:
        TypeError: When the target has no run object.
    """
    run = getattr(owner, "run", None)
    if not isinstance(run, Run):
        msg = f"{type(owner).__name__} has no run object"
        raise TypeError(msg)
    return run
