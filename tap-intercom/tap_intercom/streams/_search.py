"""Search-endpoint streams: POST bodies, ascending sort, resumable bookmarks."""

from __future__ import annotations

import typing as t

from singer_sdk.helpers.jsonpath import extract_jsonpath
from typing_extensions import override

from tap_intercom.client import IncrementalStream
from tap_intercom.windows import SyncWindow, exact_query, search_body, to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest


class SearchStream(IncrementalStream):
    """``POST /<entity>/search`` sorted ascending by ``updated_at``.

    Sorted output lets the SDK checkpoint the bookmark as records are emitted, so an
    interrupted run resumes from its last STATE (re-reading ties, which are de-duplicated).
    """

    is_sorted = True
    STATE_MSG_FREQUENCY = 100
    _window: SyncWindow | None = None

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.http_method = "POST"

    @property
    def window(self) -> SyncWindow:
        """The window of the running sync."""
        if self._window is None:
            self._window = self.sync_window(None)
        return self._window

    def query(self, window: SyncWindow) -> dict[str, t.Any]:
        """The search ``query`` for a window (exact seconds by default).

        Args:
            window: The sync window.

        Returns:
            The query object.
        """
        return exact_query(window, self.replication_key)

    @override
    def apply_cursor(self, request: HTTPRequest, cursor: str | None) -> None:
        """Search cursors go in the body, with the query and sort.

        Args:
            request: The request being built.
            cursor: The cursor, or None on the first page.
        """
        request.data = search_body(self.query(self.window), cursor)

    @override
    def stop_paging(self, body: t.Any) -> bool:
        """Stop once a page ends past the upper bound (ascending sort: nothing later fits).

        Args:
            body: The decoded page.

        Returns:
            True to stop.
        """
        records = list(extract_jsonpath(self.records_jsonpath, input=body))
        if not records:
            return False
        last = to_epoch(records[-1].get(self.replication_key))
        return last is not None and last > self.window.hi

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Records inside the window, each once.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        self._window = window = self.sync_window(context)
        if window.empty:
            self.logger.info("%s: bookmark is at the upper bound; nothing to read", self.name)
            return
        self.logger.info("%s: reading updated_at in [%d, %d]", self.name, window.lo, window.hi)
        for record in super().read_records(context):
            if self.accept(record, window):
                yield record

    @override
    def on_page(self, records: list[dict[str, t.Any]]) -> None:
        """Prefetch the children of the page's records that will be emitted.

        Args:
            records: The page's records.
        """
        self.prefetch_children([r for r in records if self.accepted_now(r, self.window)])
