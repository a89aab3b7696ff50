"""AzureSQLDWSink: one stream's table; stages each batch as gzip parts for ``staged_batches``.

Touches the run object (connector, blob stage, loader, ledger), never the target module;
singer-sdk only through :mod:`target_azure_sqldw.sdk_adapter`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import shutil
import tempfile
import typing as t
from pathlib import Path

import fastjsonschema

from target_azure_sqldw.encode import long_text
from target_azure_sqldw.encode.formats import CSV, ESCAPED
from target_azure_sqldw.encode.staging_encoder import StagingEncoder
from target_azure_sqldw.encode.values import make_codec
from target_azure_sqldw.ingest import bad_input
from target_azure_sqldw.ingest.dates import treat_dates_not_text, unparsable_dates
from target_azure_sqldw.ingest.validation import compile_validator
from target_azure_sqldw.load.sql import ddl, merge
from target_azure_sqldw.load.sql.statement import Statement, label
from target_azure_sqldw.run import run_of
from target_azure_sqldw.schema import names
from target_azure_sqldw.schema.flavor import get_flavor
from target_azure_sqldw.schema.sql_types import MAX, ColumnType
from target_azure_sqldw.schema.type_map import SQLDWJSONSchemaToSQL
from target_azure_sqldw.sdk_adapter import AdaptedSink
from target_azure_sqldw.settings import BATCH_SIZE_ROWS_DEFAULT
from target_azure_sqldw.stage.blob_store import new_batch_id
from target_azure_sqldw.stage.parts import PartWriter, staging_error
from target_azure_sqldw.stage.splitting import SplitPolicy
from target_azure_sqldw.stage.work_folders import new_work_folder
from target_azure_sqldw.staged_batches import StagedBatch, load_batch

if t.TYPE_CHECKING:
    from singer_sdk import Target

TRUNCATED_COLUMN = "_sdc_truncated"


class AzureSQLDWSink(AdaptedSink):
    """One stream's table: set-up, staging and merge."""

    #: Rows per batch unless ``batch_size_rows`` says otherwise (see settings).
    MAX_SIZE_DEFAULT = BATCH_SIZE_ROWS_DEFAULT

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        """Create the sink.

        Args:
            target: The target (its run object is what the sink uses).
            stream_name: The stream.
            schema: The stream's JSON Schema.
            key_properties: The stream's key properties.
        """
        self.run = run_of(target)
        self.settings = self.run.settings
        super().__init__(target, stream_name, schema, key_properties)
        self.connector = self.run.connector
        self.flavor = get_flavor(self.settings.flavor)
        #: The staging format: ``escaped`` for PolyBase, ``csv`` for COPY INTO.
        self.file_format = ESCAPED if self.bulk_load_method == "polybase" else CSV
        self.schema_name = names.schema_name_for_stream(
            stream_name, self.settings.default_target_schema
        )
        self.table_name = names.table_name_for_stream(stream_name)
        # Before setup(), whose failures singer-sdk logs with a line of its own.
        self.connector.claim_table(self.schema_name, self.table_name, stream_name)
        self._record_number = 0
        truncate = self.settings.string_overflow == "truncate"
        bad_input.check_stream(
            stream_name, self.schema.get("properties") or {}, self.key_property_names, int(truncate)
        )
        self._writer: PartWriter | None = None
        self._workdir: Path | None = None

    def get_validator(self) -> t.Any:
        """Validate records with a compiled validator when ``validate_records`` is on.

        Falls back to singer-sdk's interpreted ``jsonschema`` validator for a schema that
        fastjsonschema cannot compile. String formats are checked by the value codecs. A
        record breaking the schema ends the run with one line naming stream, record and field
        (unless the sink is told not to fail on validation errors).

        Returns:
            The validator, or None when ``validate_records`` is off.
        """
        if not self.validate_schema:
            return None
        if not self.fail_on_record_validation_exception:
            return compile_validator(self.schema) or super().get_validator()

        def number() -> int:
            return self._record_number + 1

        try:
            return bad_input.NamingValidator(self.schema, self.stream_name, number)
        except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError):
            pass  # singer-sdk's validator takes what fastjsonschema cannot compile
        fallback = super().get_validator()
        if fallback is None:
            return None
        return bad_input.NamingWrapper(fallback, self.stream_name, number)

    def parse_timestamps(self, record: dict, schema: dict, treatment: t.Any) -> None:
        """Parse date-like values as singer-sdk does; a bad one ends the run with one line.

        Args:
            record: The record.
            schema: The stream's schema.
            treatment: ``datetime_error_treatment``.
        """
        with unparsable_dates(self, self._record_number + 1):
            # singer-sdk only treats text it cannot parse; other values would raise TypeError.
            treat_dates_not_text(record, schema, treatment, self.logger)
            super().parse_timestamps(record, schema, treatment)

    # Set-up -------------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the schema and table (or evolve it) and build the value encoders.

        Loads still running (of this stream's previous sink, after a schema change) finish
        first: the table may be altered or rebuilt here.
        """
        self.run.loader.wait()
        settings = self.settings
        properties = self.schema.get("properties") or {}
        column_names = names.conform_column_names(properties)
        keys = [column_names[k] for k in self.key_property_names]
        mapper = self.connector.jsonschema_to_sql
        wanted = [
            ddl.ColumnDef(
                column_names[prop],
                mapper.to_column_type(prop_schema, is_key=column_names[prop] in keys),
                nullable=column_names[prop] not in keys,
            )
            for prop, prop_schema in properties.items()
        ]
        overflow = settings.string_overflow
        truncate = overflow == "truncate"
        if truncate:
            wanted.append(ddl.ColumnDef(TRUNCATED_COLUMN, ColumnType("bit")))
        self.layout = ddl.choose_layout(
            keys,
            table_distribution=settings.table_distribution,
            table_index=settings.table_index_in_effect,
            primary_key_not_enforced=settings.primary_key_not_enforced,
        )

        def prepare() -> dict[str, ddl.ColumnDef]:
            self.connector.prepare_schema(self.schema_name)
            return self.connector.prepare_table(
                self.schema_name, self.table_name, wanted, self.layout
            )

        effective = self.connector.retrying(prepare, f"preparing {self.table_name}")
        self.columns = [effective[c.name] for c in wanted]
        self.key_columns = [effective[k].name for k in keys]
        self.overflowed = [False]
        data_columns = self.columns[:-1] if truncate else self.columns
        watched: list[long_text.WatchedColumn] = []
        if overflow == long_text.WIDEN:
            wide = SQLDWJSONSchemaToSQL(dataclasses.replace(mapper.options, wide_strings=True))
            wide_types = [
                wide.to_column_type(prop_schema, is_key=column_names[prop] in keys)
                for prop, prop_schema in properties.items()
            ]
            watched = long_text.watched_columns(data_columns, wide_types)
        # Watched columns are staged unchecked: a longer value widens the table at its load.
        unchecked = {w.name for w in watched}
        codecs = [
            make_codec(
                column.name,
                dataclasses.replace(column.type, length=MAX)
                if column.name in unchecked
                else column.type,
                nullable=column.name not in self.key_columns,
                truncate=truncate,
                allow_float_rounding=settings.allow_float_rounding,
                overflowed=self.overflowed,
            )
            for column in data_columns
        ]
        if truncate:
            # Cut JSON stays JSON (the generic cut would end mid-value).
            codecs = [
                dataclasses.replace(
                    codec, encode=long_text.truncating_json_encoder(codec.column, self.overflowed)
                )
                if codec.column.json and not codec.column.is_max
                else codec
                for codec in codecs
            ]
        self.watch = long_text.OverflowWatch(self.file_format, watched) if watched else None
        self.encoder = StagingEncoder(
            self.stream_name,
            codecs,
            list(properties),
            self.file_format,
            key_columns=self.key_property_names,
            overflowed=self.overflowed,
            truncate=truncate,
            watch=self.watch,
        )
        self.quoted = self.encoder.quoted
        self.truncate = truncate
        #: How a large batch is split: planned from ``batch_size_rows`` (see splitting).
        self.split_policy = SplitPolicy(
            expected_rows=self.max_size,
            part_bytes=settings.staging_part_bytes,
            file_multiple=settings.staging_file_multiple,
            min_file_bytes=settings.staging_min_file_bytes,
        )

    # Records ------------------------------------------------------------------------------

    def start_batch(self, context: dict) -> None:
        """Open the local part files of a new batch.

        Args:
            context: The batch context; ``stage_batch_id`` is added.
        """
        try:
            self._workdir = new_work_folder()
        except OSError as exc:
            raise staging_error(self.stream_name, Path(tempfile.gettempdir()), exc) from None
        self._writer = PartWriter(
            self._workdir,
            self.file_format,
            self.quoted,
            part_bytes=self.settings.staging_part_bytes,
            split=self.split_policy,
            stream=self.stream_name,
        )
        context["stage_batch_id"] = new_batch_id()

    def process_record(self, record: dict, context: dict) -> None:
        """Check, encode and stage one record.

        Args:
            record: The record.
            context: The batch context.
        """
        self._record_number += 1
        writer = self._writer
        assert writer is not None
        writer.write_line(self.encoder.encode_record(record, self._record_number, writer.rows))

    @property
    def bulk_load_method(self) -> str:
        """``copy`` or ``polybase``: the setting, or ``copy`` where the flavor has no PolyBase."""
        if not self.flavor.polybase:
            return "copy"
        return self.settings.bulk_load_method

    # Batches ------------------------------------------------------------------------------

    def process_batch(self, context: dict) -> None:
        """Finish the batch's files and hand the batch to the background loader.

        The load (upload, COPY INTO or PolyBase, merge) runs on the loader's thread while the
        next batch is staged; loads run one at a time in the order batches were finished.

        Args:
            context: The batch context.
        """
        writer, workdir = self._writer, self._workdir
        self._writer, self._workdir = None, None
        if writer is None or workdir is None:
            return
        try:
            parts = writer.close()
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if not parts and writer.aside is None:
            shutil.rmtree(workdir, ignore_errors=True)
            return
        rows, aside = writer.rows, writer.aside
        widen = self.watch.take() if self.watch is not None else {}
        checkpoint = self.run.ledger.checkpoint_for(self)
        batch = StagedBatch(
            context["stage_batch_id"], parts, workdir, rows, checkpoint, aside=aside, widen=widen
        )
        self.run.loader.submit(functools.partial(load_batch, self, batch))

    # Versions -----------------------------------------------------------------------------

    def activate_version(self, new_version: int) -> None:
        """Retire rows of older versions, after loading every record received before.

        Args:
            new_version: The version being activated.
        """
        if self.current_size:
            self.run.drain_one(self)
        self.run.loader.wait()
        columns = {c.name for c in getattr(self, "columns", [])}
        if merge.TABLE_VERSION not in columns:
            self.logger.warning(
                "ACTIVATE_VERSION for %s ignored: the table has no %s column "
                "(add_record_metadata is off)",
                self.stream_name,
                merge.TABLE_VERSION,
            )
            return
        hard = self.settings.hard_delete
        if not hard and merge.DELETED_AT not in columns:
            return
        if self.connector.table_planned(self.schema_name, self.table_name):
            return  # no batch of it loaded: no table, no older rows to retire
        statement: Statement = merge.activate_version(
            self.schema_name,
            self.table_name,
            new_version,
            label(self.stream_name, f"activate-{new_version}"),
            hard_delete=hard,
            deleted_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        )

        def retire() -> None:
            with self.connector.transaction() as cursor:
                self.connector.execute(statement, cursor)

        self.connector.retrying(retire, f"activating version {new_version} of {self.table_name}")

    def discard_unfinished_batch(self) -> None:
        """Remove the local files of the batch being staged (the run is failing or done)."""
        writer, workdir = self._writer, self._workdir
        self._writer, self._workdir = None, None
        if writer is not None:
            writer.discard()  # its folder is the batch's work folder
        elif workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def clean_up(self) -> None:
        """Remove local files of an unfinished batch."""
        self.discard_unfinished_batch()
        super().clean_up()
