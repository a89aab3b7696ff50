"""Reading one contacts search window as time slices paged in parallel, emitted in order.

Pure threading over a ``fetch_page`` function; why and how slices are queried: tap README,
"Code layout".
"""

from __future__ import annotations

import queue
import threading
import typing as t

from tap_intercom.pagination import IntercomPaginator, Page, PageToken, walk_pages
from tap_intercom.windows import SyncWindow, contacts_query, search_body, to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: Pages buffered per slice ahead of the consumer (bounds memory).
PAGES_AHEAD = 3
_DONE = object()


def contacts_slice_query(part: SyncWindow) -> dict[str, t.Any]:
    """A day-safe contacts filter covering at least ``[part.lo, part.hi]``.

    Args:
        part: The slice.

    Returns:
        The ``query`` object: :func:`~tap_intercom.windows.contacts_query` with a day-safe
        upper bound.
    """
    return contacts_query(part, upper_bound=True)


def slice_bounds(lo: int, hi: int, slices: int) -> list[SyncWindow]:
    """``slices`` consecutive, disjoint windows covering ``[lo, hi]``.

    Args:
        lo: First second.
        hi: Last second.
        slices: How many.

    Returns:
        The slices in ascending order.

    >>> [(s.lo, s.hi) for s in slice_bounds(0, 99, 4)]
    [(0, 24), (25, 49), (50, 74), (75, 99)]
    """
    span = hi - lo + 1
    count = max(1, min(slices, span))
    edges = [lo + (span * k) // count for k in range(count + 1)]
    return [SyncWindow(edges[k], edges[k + 1] - 1) for k in range(count)]


class SlicedSearch:
    """Pages every slice on its own thread; :meth:`records` yields slice after slice.

    Args:
        fetch_page: Sends one search body and returns the decoded page.
        query_for: The ``query`` object for a slice.
        records_key: Key of the records array in a page.
        on_page: Called (on the slice's thread) with each page's records in the slice.
    """

    def __init__(
        self,
        fetch_page: Callable[[dict[str, t.Any]], t.Any],
        query_for: Callable[[SyncWindow], dict[str, t.Any]],
        records_key: str,
        on_page: Callable[[list[dict[str, t.Any]]], None] | None = None,
    ) -> None:
        self.fetch_page = fetch_page
        self.query_for = query_for
        self.records_key = records_key
        self.on_page = on_page

    def records(self, parts: list[SyncWindow]) -> Iterator[dict[str, t.Any]]:
        """Records of every slice, in slice order, each filtered to its slice.

        Args:
            parts: Consecutive slices.

        Yields:
            Records (not de-duplicated: slices are disjoint).

        Raises:
            BaseException: Whatever a slice's request raised.
        """
        stop = threading.Event()
        queues = [queue.Queue[t.Any](maxsize=PAGES_AHEAD) for _ in parts]
        threads = [
            threading.Thread(target=self._run, args=(part, q, stop), daemon=True)
            for part, q in zip(parts, queues, strict=True)
        ]
        for thread in threads:
            thread.start()
        try:
            for q in queues:
                while True:
                    item = q.get()
                    if item is _DONE:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    yield from item
        finally:
            stop.set()
            for q in queues:
                # Unblock producers waiting on a full queue.
                while not q.empty():
                    q.get_nowait()
            for thread in threads:
                thread.join(timeout=60)

    def _run(self, part: SyncWindow, out: queue.Queue[t.Any], stop: threading.Event) -> None:
        def load(cursor: PageToken | None) -> Page:
            body = self.fetch_page(search_body(self.query_for(part), cursor))
            return body, list(body.get(self.records_key) or [])

        def past_slice(body: t.Any) -> bool:
            # Sorted ascending: once a page ends past the slice, no later page has any of it.
            page = body.get(self.records_key) or []
            return (to_epoch(page[-1].get("updated_at")) or 0) > part.hi

        try:
            for _, page in walk_pages(load, IntercomPaginator(stop=past_slice)):
                inside = [r for r in page if part.contains(to_epoch(r.get("updated_at")))]
                if self.on_page is not None and inside:
                    self.on_page(inside)
                self._put(out, inside, stop)
                if stop.is_set():  # the consumer is gone: request no further page
                    break
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(out, exc, stop)
            return
        self._put(out, _DONE, stop)

    @staticmethod
    def _put(out: queue.Queue[t.Any], item: t.Any, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
