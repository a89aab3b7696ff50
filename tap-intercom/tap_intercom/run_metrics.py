"""Run-wide METRIC meters: one line per stream and metric, not one per parent or page."""

from __future__ import annotations

import time
import typing as t

from singer_sdk import metrics
from typing_extensions import override

if t.TYPE_CHECKING:
    from types import TracebackType

    from singer_sdk.helpers.types import Context


class RunRecordCounter(metrics.Counter):
    """Counts a child stream's records across all parents; logs at :meth:`finish`.

    Like the SDK's counter it also logs every ``log_interval`` seconds on a long run.
    """

    @override
    def with_context(self, value: Context | None) -> None:
        """Ignore the parent context: one line covers every parent.

        Args:
            value: The parent's context.
        """

    @override
    def exit(self) -> None:
        """Nothing to log when one parent is done."""

    def finish(self) -> None:
        """Log the count (once per run)."""
        self._pop()


class RunSyncTimer(metrics.Timer):
    """Adds up the time a child stream spends on each parent; logs at :meth:`finish`."""

    def __init__(self, metric: metrics.Metric, tags: dict[str, t.Any] | None = None) -> None:
        super().__init__(metric, tags)
        self.total = 0.0
        self.failed = False

    @override
    def with_context(self, value: Context | None) -> None:
        """Ignore the parent context: one line covers every parent.

        Args:
            value: The parent's context.
        """

    @override
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        """Add the time spent on one parent.

        Args:
            exc_type: The exception type.
            exc_val: The exception value.
            exc_tb: The exception traceback.
        """
        self.total += time.time() - self.start_time
        self.failed = self.failed or exc_type is not None

    def finish(self) -> None:
        """Log the total time (once per run)."""
        status = metrics.Status.FAILED if self.failed else metrics.Status.SUCCEEDED
        tags = {**self.tags, metrics.Tag.STATUS: status}
        metrics.log(self.logger, metrics.Point("timer", self.metric, self.total, tags))


class RequestTimer:
    """Adds up a stream's HTTP request time; logs one ``http_request_duration`` line.

    Args:
        stream: The stream name.
        endpoint: The stream's path.
    """

    def __init__(self, stream: str, endpoint: str) -> None:
        self.tags: dict[str, t.Any] = {
            metrics.Tag.STREAM: stream,
            metrics.Tag.ENDPOINT: endpoint,
        }
        self.seconds = 0.0
        self.requests = 0

    def add(self, seconds: float) -> None:
        """Count one request.

        Args:
            seconds: Its duration.
        """
        self.seconds += seconds
        self.requests += 1

    def finish(self) -> None:
        """Log the total (nothing when the stream sent no request of its own)."""
        if not self.requests:
            return
        point = metrics.Point(
            "timer",
            metrics.Metric.HTTP_REQUEST_DURATION,
            self.seconds,
            {**self.tags, "requests": self.requests},
        )
        metrics.log(metrics.get_metrics_logger(), point)
