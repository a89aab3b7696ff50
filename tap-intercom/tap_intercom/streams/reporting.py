"""``reporting_<dataset>``: one stream per reporting dataset, read through export jobs (2.14+).

Discovery reads ``GET /export/reporting_data/get_datasets`` and makes one stream class per
dataset, typed from its attribute list (:mod:`tap_intercom.reporting_datasets`). A sync splits
``[bookmark - lookback, upper bound]`` into windows of ``reporting_window_days`` on the
dataset's ``default_time_attribute_id`` and reads them through export jobs
(:mod:`tap_intercom.reporting_jobs`). The bookmark is the SDK's: the latest time attribute
value read, written only when the stream has read every window, so a run that breaks off
leaves it where it was and the next run reads the same windows again.
"""

from __future__ import annotations

import typing as t

from singer_sdk.schema.source import SchemaSource
from typing_extensions import override

from tap_intercom.client import IncrementalStream, IntercomSchema
from tap_intercom.errors import IntercomAuthError, IntercomError, IntercomScopeError
from tap_intercom.reporting_datasets import DatasetSpec
from tap_intercom.reporting_jobs import ExportJobs
from tap_intercom.windows import DAY, split_window

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from logging import Logger

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_intercom.client import IntercomStream
    from tap_intercom.run_context import RunContext
    from tap_intercom.transport import Transport

#: First version whose description has the reporting data export.
REPORTING_SINCE = "2.14"
#: A first run without start_date reads from 1970; older windows merge into the first one
#: (a window the API finds too long is then halved).
MAX_REPORTING_WINDOWS = 24
PERMISSION = "read_reporting_data"


class DatasetSchema(SchemaSource[str]):
    """The schema of one dataset's stream, from its attribute list."""

    def __init__(self, spec: DatasetSpec) -> None:
        super().__init__()
        self.spec = spec

    @override
    def fetch_schema(self, key: str) -> dict[str, t.Any]:
        """The dataset's schema.

        Args:
            key: The stream name (one source serves one stream).

        Returns:
            The JSON Schema.
        """
        return self.spec.schema()


class ReportingStream(IncrementalStream):
    """The family of reporting datasets: :meth:`instances` makes one stream per dataset."""

    name = "reporting_<dataset>"
    path = "/export/reporting_data/enqueue"
    min_api_version = REPORTING_SINCE
    permission = PERMISSION
    opt_in_setting = "include_reporting"
    opt_in_note = "read the reporting datasets (export jobs)"
    #: The dataset (set on each generated subclass).
    spec: t.ClassVar[DatasetSpec]
    #: The workspace's ``id_code`` for the status and download requests (None: not sent).
    app_id: t.ClassVar[str | None] = None

    @classmethod
    @override
    def instances(cls, tap: Tap, run: RunContext) -> list[IntercomStream]:
        """One stream per dataset the workspace lists (none when the token may not read them).

        Args:
            tap: The tap.
            run: The run context.

        Returns:
            The stream instances, in listing order.
        """
        specs, app_id = discover_datasets(run.transport, tap.logger)
        return [stream_type(tap, run) for stream_type in reporting_stream_types(specs, app_id)]

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Every window's records through export jobs, each key once.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        settings = self.run.settings
        window = self.sync_window(context)
        step = max(1, settings.reporting_window_days) * DAY
        windows = split_window(window, step, max_parts=MAX_REPORTING_WINDOWS)
        jobs = ExportJobs(
            self.run.transport,
            pool=self.run.pool,
            app_id=self.app_id,
            max_jobs=settings.reporting_max_jobs,
        )
        try:
            for record in jobs.records(self.spec, windows):
                # Windows share their boundary second, and a broken download is read again
                # from its start: a key seen in this run is not emitted twice.
                if self.dedupe.first_time(self.key_of(record)):
                    yield record
        finally:
            stats = jobs.stats
            self.logger.info(
                "%s: %d export jobs for %d windows, %d status requests, %.1fs waiting for "
                "jobs, %d retries, %d splits",
                self.name,
                stats.jobs,
                len(windows),
                stats.polls,
                stats.waited_seconds,
                stats.retries,
                stats.splits,
            )


def reporting_stream_types(
    specs: Iterable[DatasetSpec], app_id: str | None
) -> list[type[ReportingStream]]:
    """One stream class per dataset.

    Args:
        specs: The datasets.
        app_id: The workspace's ``id_code``.

    Returns:
        The classes, in listing order.
    """
    types: list[type[ReportingStream]] = []
    for spec in specs:
        namespace = {
            "__doc__": f"Reporting dataset {spec.id!r} ({spec.name}) through export jobs.",
            "name": spec.stream_name,
            "spec": spec,
            "app_id": app_id,
            "schema": IntercomSchema(DatasetSchema(spec)),
            "primary_keys": (spec.key_attribute,),
            "replication_key": spec.time_attribute,
        }
        types.append(type(f"Reporting_{spec.stream_name}", (ReportingStream,), namespace))
    return types


def discover_datasets(transport: Transport, logger: Logger) -> tuple[list[DatasetSpec], str | None]:
    """The workspace's datasets (``get_datasets``) and its ``id_code`` (``GET /me``).

    A token that may not read reporting data offers no reporting streams, on every run
    alike (a warning says why); any other failure fails discovery.

    Args:
        transport: The run's transport.
        logger: Where the warning goes.

    Returns:
        The datasets (unique stream names) and the app id (None when ``/me`` is refused).

    Raises:
        IntercomError: When the datasets could not be read.
    """
    try:
        body = transport.request_json("GET", "/export/reporting_data/get_datasets")
    except IntercomScopeError as exc:
        logger.warning(
            "Reporting streams left out: the token may not read reporting data (%s)", exc
        )
        return [], None
    except IntercomAuthError:
        raise
    except IntercomError as exc:
        msg = f"Discovery failed: the reporting datasets could not be read: {exc}"
        raise IntercomError(msg) from exc
    specs: dict[str, DatasetSpec] = {}
    for entry in body.get("data") or []:
        spec = DatasetSpec.from_listing(entry)
        if spec.stream_name in specs:
            other = specs[spec.stream_name].id
            msg = (
                f"Discovery failed: reporting datasets {spec.id!r} and {other!r} share the "
                f"stream name {spec.stream_name}"
            )
            raise IntercomError(msg)
        specs[spec.stream_name] = spec
    app_id = None
    try:
        me = transport.request_json("GET", "/me")
        app_id = str((me.get("app") or {}).get("id_code") or "") or None
    except IntercomScopeError:
        logger.info("Reporting jobs polled without app_id: the token may not read /me")
    return list(specs.values()), app_id


def catalog_own_schema(stream: str, schema: dict[str, t.Any]) -> dict[str, t.Any] | None:
    """A reporting stream's schema in the tap's own form, from a catalog's copy of it.

    The catalog may have been discovered with the other ``timestamp_format``; the tap's own
    form has its timestamps (attributes named ``*_at``) as Unix-second integers, which is
    what the catalog's schema is rewritten from.

    Args:
        stream: The catalog entry's stream id.
        schema: The entry's schema.

    Returns:
        The own schema, or None for a stream that is no reporting stream.

    >>> catalog_own_schema("reporting_call", {"properties": {"call_started_at": {}}})
    {'properties': {'call_started_at': {'type': ['integer', 'null']}}}
    """
    if not stream.startswith("reporting_"):
        return None
    properties = {
        name: {"type": ["integer", "null"]} if name.endswith("_at") else node
        for name, node in (schema.get("properties") or {}).items()
    }
    return {**schema, "properties": properties}
