"""A stream's staged batch and its load: upload, bulk load, merge (on the loader's thread).

Touches the sink's table and the run (connector, blob stage, loader, ledger).
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor

from target_azure_sqldw.encode import long_text
from target_azure_sqldw.load import bulk_load
from target_azure_sqldw.load.loader import LoadAbortedError
from target_azure_sqldw.load.sql import ddl, merge
from target_azure_sqldw.load.sql.statement import label
from target_azure_sqldw.schema import names
from target_azure_sqldw.stage import big_rows
from target_azure_sqldw.stage.blob_store import batch_folder, https_url

if t.TYPE_CHECKING:
    from pathlib import Path

    from target_azure_sqldw.load.loading_sink import LoadingSink
    from target_azure_sqldw.schema.sql_types import ColumnType
    from target_azure_sqldw.stage.parts import StagedPart


@dataclasses.dataclass
class StagedBatch:
    """A finished batch waiting for its load: its local part files."""

    batch_id: str
    parts: list[StagedPart]
    workdir: Path
    rows: int
    #: The STATE to write once this batch is committed (see ``CheckpointLedger``).
    checkpoint: dict | None
    #: Rows too large for the bulk loads, inserted one by one (see ``stage.big_rows``).
    aside: StagedPart | None = None
    #: Columns holding a value longer than their type (``string_overflow: widen``).
    widen: dict[str, int] = dataclasses.field(default_factory=dict)


def load_batch(sink: LoadingSink, batch: StagedBatch, cancelled: bool) -> None:
    """Upload, load and merge one batch (on the loader's thread), then clean up.

    Args:
        sink: The stream's sink.
        batch: The batch's files.
        cancelled: Only clean up (an earlier load failed, or the run is stopping).
    """
    stage = sink.run.blob_stage
    prefix = sink.settings.storage_prefix
    folder = batch_folder(prefix, sink.stream_name, sink.run.run_id, batch.batch_id)
    started = time.monotonic()
    uploaded = False
    try:
        if cancelled:
            return
        parts = batch.parts
        size = 0
        if parts:
            # Parts upload side by side; each upload also sends its blocks in parallel.
            with ThreadPoolExecutor(max_workers=min(8, len(parts))) as pool:
                size = sum(
                    pool.map(lambda p: stage.upload(p.path, f"{folder}/{p.path.name}"), parts)
                )
            uploaded = True
        urls = [https_url(stage.account, stage.container, f"{folder}/{p.path.name}") for p in parts]
        if batch.widen:
            # Widening alters or rebuilds the table, so a first batch creates it first.
            sink.connector.create_planned_table(sink.schema_name, sink.table_name)
            _widen(sink, batch.widen)
        _load_with_retries(sink, folder, batch.batch_id, urls, batch.aside)
        aside = "" if batch.aside is None else f" and {batch.aside.rows} inserted one by one"
        sink.logger.info(
            "Loaded batch %s of %s: %d rows, %d bytes staged in %d file(s)%s, %.2f s",
            batch.batch_id,
            sink.stream_name,
            batch.rows,
            size,
            len(parts),
            aside,
            time.monotonic() - started,
        )
        if batch.checkpoint is not None:
            sink.run.ledger.write(batch.checkpoint)
    finally:
        shutil.rmtree(batch.workdir, ignore_errors=True)
        if uploaded and sink.settings.cleanup_staged_files:
            stage.delete_folder(folder)


def _widen(sink: LoadingSink, found: dict[str, int]) -> None:
    """Give columns that received longer values room (``string_overflow: widen``)."""
    primary_key = sink.layout.primary_key

    def widen() -> dict[str, ColumnType]:
        return long_text.widen_columns(
            sink.connector, sink.schema_name, sink.table_name, found, sink.flavor, primary_key
        )

    types = sink.connector.retrying(widen, f"widening columns of {sink.table_name}")
    if sink.watch is not None:
        sink.watch.widened.update(name for name, kind in types.items() if kind.is_max)
    sink.columns = [
        dataclasses.replace(c, type=dataclasses.replace(c.type, length=types[c.name].length))
        if c.name in types
        else c
        for c in sink.columns
    ]


def _load_with_retries(
    sink: LoadingSink, folder: str, batch_id: str, urls: list[str], aside: StagedPart | None
) -> None:
    """Load and merge one uploaded batch, retrying transient errors from the staging step.

    Every attempt rebuilds the staging table and merges in one transaction, so a retry
    after a rolled-back attempt is idempotent; a failed COMMIT is never retried. Rows
    kept aside (too large for the bulk loads) are inserted into the staging table after
    the files, or into an empty one when the batch has no files.
    """
    staging = names.staging_table_name(sink.table_name, batch_id)
    text = label(sink.stream_name, batch_id)

    def attempt() -> None:
        with contextlib.suppress(Exception):
            sink.connector.execute(ddl.drop_table(sink.schema_name, staging))
        try:
            if not urls:
                sink.connector.execute(
                    ddl.create_stage_table(sink.schema_name, staging, sink.columns, sink.flavor)
                )
            elif sink.bulk_load_method == "polybase":
                bulk_load.load_polybase(sink, folder, staging, batch_id, text)
            else:
                bulk_load.load_copy(sink, folder, staging, urls, text)
            if aside is not None:
                big_rows.insert_aside_rows(
                    sink.connector,
                    sink.schema_name,
                    staging,
                    sink.columns,
                    aside,
                    sink.file_format,
                    sink.quoted,
                    text,
                )
            # A new table is created by its first batch, once that batch is staged.
            sink.connector.create_planned_table(sink.schema_name, sink.table_name)
            _merge(sink, staging, text)
        finally:
            with contextlib.suppress(Exception):
                sink.connector.execute(ddl.drop_table(sink.schema_name, staging))

    sink.connector.retrying(attempt, f"loading batch {batch_id} of {sink.stream_name}")


def _merge(sink: LoadingSink, staging: str, text: str) -> None:
    table_key = f"{sink.schema_name}.{sink.table_name}"
    load_method = sink.settings.load_method
    replace_all = load_method == "overwrite" and table_key not in sink.run.overwritten_tables
    keys = sink.key_columns if load_method != "append-only" else []
    columns = [c.name for c in sink.columns]
    hard_delete = sink.settings.hard_delete and merge.DELETED_AT in columns
    # The fill-in joins the batch with the whole table: sent only for a batch with markers.
    markers = merge.needs_marker_fill(
        columns, keys, replace_all=replace_all, hard_delete=hard_delete
    ) and bool(sink.connector.query(merge.delete_markers_query(sink.schema_name, staging)))
    statements = merge.merge_batch(
        sink.schema_name,
        sink.table_name,
        staging,
        columns,
        keys,
        text,
        replace_all=replace_all,
        hard_delete=hard_delete,
        text_keys={c.name for c in sink.columns if c.type.is_string},
        collation=sink.flavor.binary_collation,
        delete_markers=markers,
    )
    with sink.connector.transaction() as cursor:
        for statement in statements:
            sink.connector.execute(statement, cursor)
        if sink.run.loader.aborting:
            # A signal stopped the run: roll back rather than commit unacknowledged rows.
            raise LoadAbortedError(f"loading {sink.stream_name} stopped by a signal")
    if replace_all:
        sink.run.overwritten_tables.add(table_key)
