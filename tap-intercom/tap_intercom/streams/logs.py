"""Incremental streams filtered by the tap: segments, admin activity logs, macros."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.client import IncrementalStream
from tap_intercom.pagination import is_url
from tap_intercom.streams.fetch import fetch_all
from tap_intercom.windows import DAY, SyncWindow, iso_utc, split_window, to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext


#: A first run without start_date would otherwise query 30-day windows back to 1970.
MAX_ACTIVITY_WINDOWS = 24


class _WindowFiltered(IncrementalStream):
    """Reads the endpoint and keeps records inside the window, each once."""

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Records inside the window.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        window = self.sync_window(context)
        for record in super().read_records(context):
            if self.accept(record, window):
                yield record


class SegmentsStream(_WindowFiltered):
    """Segments (``GET /segments``); the API has no time filter, so the tap filters."""

    name = "segments"
    path = "/segments"
    records_jsonpath = "$.segments[*]"
    extra_params: t.ClassVar[dict[str, t.Any]] = {"include_count": "true"}
    permission = "read_segments"


class ActivityLogsStream(IncrementalStream):
    """Admin activity logs (``GET /admins/activity_logs``) in ``created_at`` windows."""

    name = "activity_logs"
    path = "/admins/activity_logs"
    records_jsonpath = "$.activity_logs[*]"
    replication_key = "created_at"
    permission = "read_admins"

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Each window in turn (fetched concurrently); windows share their boundary second.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        window = self.sync_window(context)
        step = self.run.settings.activity_logs_window_days * DAY
        parts = split_window(window, step, max_parts=MAX_ACTIVITY_WINDOWS)
        prefetcher = self.run.pool
        fetchers = [self._fetcher(part) for part in parts]
        for part, fetch in zip(parts, fetchers, strict=True):
            prefetcher.submit((self.name, part), fetch)
        for part, fetch in zip(parts, fetchers, strict=True):
            for record in prefetcher.take((self.name, part), fetch):
                if self.accept(record, part):
                    yield record

    def _fetcher(self, part: SyncWindow) -> t.Callable[[], list[dict[str, t.Any]]]:
        # The API's bounds are exclusive or inclusive depending on the reader; widen by one
        # second and filter exactly.
        params = {"created_at_after": str(part.lo - 1), "created_at_before": str(part.hi + 1)}
        transport = self.run.transport
        return lambda: fetch_all(transport, self.path, "activity_logs", params)


class MacrosStream(_WindowFiltered):
    """Macros (``GET /macros?updated_since=``); ``updated_at`` is ISO 8601 text."""

    name = "macros"
    path = "/macros"
    page_size = 150
    iso_replication_key = True
    min_api_version = "2.16"
    permission = "read_conversations"

    @override
    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """Adds ``updated_since`` (one second early: "after" may be strict).

        Args:
            page: The stream context and the page token.

        Returns:
            The request.
        """
        request = super().get_http_request(page=page)
        lo = self.sync_window(None).lo
        if not is_url(page.next_page_token) and lo > 0:
            request.params["updated_since"] = lo - 1
        return request

    @override
    def signpost_value(self, seconds: int) -> t.Any:
        """The bound as ISO 8601 text, comparable with normalised ``updated_at`` values.

        Args:
            seconds: Unix seconds.

        Returns:
            ISO 8601 text.
        """
        return iso_utc(seconds)

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Normalise timestamps to ``+00:00`` ISO text so bookmarks compare correctly.

        Args:
            row: A macro.
            context: Unused.

        Returns:
            The macro.
        """
        for field in ("created_at", "updated_at"):
            seconds = to_epoch(row.get(field))
            if seconds is not None:
                row[field] = iso_utc(seconds)
        return row
