"""Child streams: one request per parent, prefetched concurrently, consumed in order."""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import metrics
from typing_extensions import override

from tap_intercom.client import IntercomStream
from tap_intercom.errors import IntercomNotFoundError
from tap_intercom.run_metrics import RunRecordCounter, RunSyncTimer

if t.TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable

    from singer_sdk.helpers.types import Context


class ChildStream(IntercomStream):
    """One request per parent, prefetched concurrently by the parent, consumed in order.

    A 404 for a parent (deleted meanwhile) skips that parent with a warning.
    """

    #: One bookmark for the whole stream, not one per parent.
    state_partitioning_keys: t.ClassVar[list[str]] = []

    _schema_written = False
    _finalizing = False
    _record_counter: RunRecordCounter | None = None
    _sync_timer: RunSyncTimer | None = None

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # The SDK logs "Beginning sync" and the starting bookmark once per parent record;
        # on a large workspace that is one INFO line per conversation. Warnings still show.
        self.logger.setLevel(logging.WARNING)

    def request_key(self, context: Context) -> Hashable:
        """Identity of this child's request for one parent.

        Args:
            context: The child context from the parent.

        Returns:
            A hashable key.
        """
        return (self.name, tuple(sorted(context.items())))

    def fetch(self, context: Context) -> t.Any:
        """Perform the child's request(s) for one parent (runs on a worker thread).

        Args:
            context: The child context.

        Returns:
            Whatever :meth:`records_from` needs.
        """
        raise NotImplementedError

    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Records from the result of :meth:`fetch`.

        Args:
            result: The fetched result.
            context: The child context.

        Returns:
            The records.
        """
        raise NotImplementedError

    def prefetch(self, context: Context) -> None:
        """Start :meth:`fetch` for a parent in the background.

        Args:
            context: The child context.
        """
        self.run.pool.submit(self.request_key(context), self._fetcher(context))

    def _fetcher(self, context: Context) -> Callable[[], t.Any]:
        frozen = dict(context)
        return lambda: self.fetch(frozen)

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Records for one parent, from the prefetched (or an immediate) request.

        Args:
            context: The child context.

        Returns:
            The records.
        """
        assert context is not None
        try:
            result = self.run.pool.take(self.request_key(context), self._fetcher(context))
        except IntercomNotFoundError as exc:
            self.logger.warning("Skipping %s for %s: %s", self.name, dict(context), exc)
            return []
        return self.records_from(result, context)

    @override
    def get_record_counter(
        self, *, endpoint: str | None = None, log_interval: float = metrics.DEFAULT_LOG_INTERVAL
    ) -> metrics.Counter:
        """One record counter for every parent of the run (logged at the end).

        Args:
            endpoint: Endpoint tag.
            log_interval: Seconds between progress lines on a long run.

        Returns:
            The run's counter.
        """
        if self._record_counter is None:
            tags: dict[str, t.Any] = {metrics.Tag.STREAM: self.name}
            if endpoint:
                tags[metrics.Tag.ENDPOINT] = endpoint
            self._record_counter = RunRecordCounter(
                metrics.Metric.RECORD_COUNT, tags, log_interval=log_interval
            )
        return self._record_counter

    @override
    def get_sync_timer(self) -> metrics.Timer:
        """One sync timer adding up every parent of the run (logged at the end).

        Returns:
            The run's timer.
        """
        if self._sync_timer is None:
            self._sync_timer = RunSyncTimer(
                metrics.Metric.SYNC_DURATION, {metrics.Tag.STREAM: self.name}
            )
        return self._sync_timer

    @override
    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """Promote the bookmark at the end of the parent's sync, write STATE and METRICs once.

        Args:
            state: State object to promote progress markers with.
        """
        self._finalizing = True
        try:
            super().finalize_state_progress_markers(state)
        finally:
            self._finalizing = False
        for meter in (self._record_counter, self._sync_timer):
            if meter is not None:
                meter.finish()
        self._record_counter = self._sync_timer = None

    @override
    def writes_state_message(self) -> bool:
        """Only the final STATE, when the stream's progress is finalized.

        The SDK writes STATE after every parent's children; the parent's own STATE messages
        already carry this stream's state.

        Returns:
            Whether the STATE is written.
        """
        return self._finalizing

    @override
    def writes_schema_message(self) -> bool:
        """Only the first SCHEMA of the run.

        The SDK writes one per parent; one per run is enough and saves megabytes of output
        on large workspaces.

        Returns:
            Whether the SCHEMA is written.
        """
        if self._schema_written:
            return False
        self._schema_written = True
        return True


def log_truncated_parts(
    logger: logging.Logger, kind: str, parent_id: str, returned: int, total: int
) -> None:
    """Warn that the API returned only the most recent ``returned`` of ``total`` parts.

    Args:
        logger: The stream logger.
        kind: ``conversation`` or ``ticket``.
        parent_id: The parent id.
        returned: Parts in the response.
        total: ``total_count`` reported by the API.
    """
    logger.warning(
        "%s %s has %d parts; the API returned only the most recent %d "
        "(records carry %s_parts_truncated=true)",
        kind,
        parent_id,
        total,
        returned,
        kind,
    )
