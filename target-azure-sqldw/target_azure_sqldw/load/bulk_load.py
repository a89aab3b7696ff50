"""The two bulk loads of a batch's files into its staging table: PolyBase and COPY INTO.

Touches the warehouse through the connector, and the run's PolyBase lock.
"""

from __future__ import annotations

import contextlib
import typing as t

from target_azure_sqldw.errors import LoadError, one_line
from target_azure_sqldw.load.odbc import error_number, is_transient
from target_azure_sqldw.load.sql import copy, ddl, polybase
from target_azure_sqldw.schema import names
from target_azure_sqldw.stage.blob_store import wasbs_location

if t.TYPE_CHECKING:
    from target_azure_sqldw.load.loading_sink import LoadingSink
    from target_azure_sqldw.load.sql.statement import Statement


def load_polybase(sink: LoadingSink, folder: str, staging: str, batch_id: str, text: str) -> None:
    """PolyBase: an external table over the batch folder, then a CTAS into the staging table.

    Args:
        sink: The stream's sink.
        folder: The batch folder in the container.
        staging: The staging table name.
        batch_id: The batch identifier.
        text: The batch label.
    """
    source = _ensure_polybase_objects(sink)
    external = names.external_table_name(sink.table_name, batch_id)
    try:
        sink.connector.execute(
            polybase.create_external_table(sink.schema_name, external, sink.columns, folder, source)
        )
        sink.connector.execute(
            polybase.ctas_stage(sink.schema_name, staging, external, sink.columns, text)
        )
    finally:
        with contextlib.suppress(Exception):
            sink.connector.execute(polybase.drop_external_table(sink.schema_name, external))


def _ensure_polybase_objects(sink: LoadingSink) -> str:
    """Create the master key, credential, data source and file format when missing.

    The objects are database-wide: sinks draining in parallel check and create them under
    the run's lock, so two never race to create the same one (error 15578).
    """
    with sink.run.polybase_objects_lock:
        return _create_polybase_objects(sink)


def _create_polybase_objects(sink: LoadingSink) -> str:
    connector = sink.connector
    stage = sink.run.blob_stage
    credential, source = polybase.object_names(stage.account, stage.container)
    if not connector.query(polybase.master_key_exists()):
        _create_unless_exists(sink, polybase.create_master_key())
    if not connector.query(polybase.object_exists("sys.database_scoped_credentials", credential)):
        _create_unless_exists(sink, polybase.create_credential(credential, stage.account_key))
    if not connector.query(polybase.object_exists("sys.external_data_sources", source)):
        location = wasbs_location(stage.account, stage.container)
        _create_unless_exists(sink, polybase.create_data_source(source, location, credential))
    if not connector.query(
        polybase.object_exists("sys.external_file_formats", polybase.FILE_FORMAT_NAME)
    ):
        _create_unless_exists(sink, polybase.create_file_format())
    return source


def _create_unless_exists(sink: LoadingSink, statement: Statement) -> None:
    """Create a database-wide object; another process creating it first is fine.

    The lock only covers this process: a second target loading into the same database
    can create the object between the check and the CREATE.
    """
    try:
        sink.connector.execute(statement)
    except Exception as exc:
        if error_number(exc) not in polybase.ALREADY_EXISTS_ERRORS:
            raise
        sink.logger.info("PolyBase object already created elsewhere: %s", one_line(exc, 200))


def load_copy(sink: LoadingSink, folder: str, staging: str, urls: list[str], text: str) -> None:
    """COPY INTO a staging table created for it; rejected rows are named in the error.

    Args:
        sink: The stream's sink.
        folder: The batch folder in the container.
        staging: The staging table name.
        urls: The batch's files.
        text: The batch label.

    Raises:
        LoadError: When COPY refuses the files (not for transient errors, which are retried).
    """
    stage = sink.run.blob_stage
    credential = copy.copy_credential(sink.flavor, stage.account_key, stage.sas_token)
    sink.connector.execute(
        ddl.create_stage_table(sink.schema_name, staging, sink.columns, sink.flavor)
    )
    error_folder = f"{folder}/_rejected"
    try:
        sink.connector.execute(
            copy.copy_into(
                sink.schema_name, staging, sink.columns, urls, credential, error_folder, text
            )
        )
    except Exception as exc:
        if is_transient(exc):
            raise
        rejected = _rejected_rows(sink, error_folder)
        msg = f"COPY INTO failed for stream {sink.stream_name!r}: {one_line(exc)}"
        if rejected:
            msg += f"; rejected rows: {rejected}"
        raise LoadError(msg) from None


def _rejected_rows(sink: LoadingSink, error_folder: str) -> str:
    """The reasons COPY wrote to the ERRORFILE folder, by file and row, on one line.

    COPY writes, per data file, a ``.Row.Txt`` (the rejected lines) and an ``.Error.Txt``
    (one reason per rejected row, naming its row). The folder is deleted with the batch, so
    the reasons are carried in the error; the rejected data itself is left out of logs.

    Args:
        sink: The stream's sink.
        error_folder: The ERRORFILE folder of the batch.

    Returns:
        ``<error file>: <reasons>`` for up to five files, or "" when nothing was written.
    """
    stage = sink.run.blob_stage
    found: list[str] = []
    with contextlib.suppress(Exception):
        names = stage.list_names(error_folder)
        errors = [n for n in names if n.lower().endswith(".error.txt")] or names
        for name in errors[:5]:
            reasons = stage.read_text(name).splitlines()[:3]
            found.append(f"{name.rsplit('/', 1)[-1]}: {' | '.join(reasons)[:300]}")
    return "; ".join(found)
