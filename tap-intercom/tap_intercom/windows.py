"""Pure incremental logic: sync windows, search bodies and queries, timestamps, de-duplication."""

from __future__ import annotations

import datetime
import decimal
import threading
import typing as t
from dataclasses import dataclass

from tap_intercom.spool import KeySet

DAY = 86_400
SEARCH_PAGE_SIZE = 150  # the maximum Intercom's search endpoints accept


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """An inclusive range of Unix seconds.

    Attributes:
        lo: First second read (inclusive).
        hi: Last second read (inclusive); frozen at sync start.
    """

    lo: int
    hi: int

    def contains(self, value: int | None) -> bool:
        """Whether a record timestamp falls inside the window.

        Args:
            value: Unix seconds, or None.

        Returns:
            True when ``lo <= value <= hi``.
        """
        return value is not None and self.lo <= value <= self.hi

    @property
    def empty(self) -> bool:
        """True when nothing can be read (a bookmark at or past the upper bound)."""
        return self.lo > self.hi


def to_epoch(value: t.Any) -> int | None:
    """Unix seconds from an Intercom timestamp (int, Decimal, digits or ISO 8601 text).

    Args:
        value: The raw value.

    Returns:
        Whole seconds, or None when the value is missing or unparseable.

    >>> to_epoch(1717200000), to_epoch("1717200000"), to_epoch("2024-06-01T00:00:00Z")
    (1717200000, 1717200000, 1717200000)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        return int(value)
    text = str(value).strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp())


def iso_utc(seconds: int) -> str:
    """ISO 8601 text (``+00:00``) for Unix seconds.

    Args:
        seconds: Unix seconds.

    Returns:
        The timestamp as ISO 8601 text in UTC.
    """
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).isoformat()


def window_for(*, bookmark: int | None, start: int | None, lookback: int, hi: int) -> SyncWindow:
    """The window a run reads.

    Args:
        bookmark: The stream's bookmark from STATE (Unix seconds), if any.
        start: ``start_date`` in Unix seconds, if configured.
        lookback: Seconds re-read before the bookmark.
        hi: The frozen upper bound.

    Returns:
        ``[max(bookmark - lookback, start), hi]``, or ``[start, hi]`` with no bookmark.
    """
    if bookmark is None:
        lo = start or 0
    else:
        lo = bookmark - max(0, lookback)
        if start is not None:
            lo = max(lo, start)
    return SyncWindow(lo=lo, hi=hi)


def contacts_query(window: SyncWindow, *, upper_bound: bool = False) -> dict[str, t.Any]:
    """The contacts search filter for a window (the one place it is built).

    Contact date filters compare whole days in the workspace's time zone, which the tap does
    not know: ``=`` matches the whole day containing the value and ``>`` matches from the
    start of the next day. ``= lo OR > lo`` therefore matches from the start of ``lo``'s day
    in any time zone, so no record of the bookmark's day is skipped; the tap then filters on
    the record's exact timestamp. A whole window gets no upper bound, because ``< hi`` would
    drop hi's whole day; records past ``hi`` are dropped by the tap and read next run. A
    slice of a window (``upper_bound``) ends with ``< hi + 1 day + 1``: ``<`` ends before the
    start of the value's day, so a day later covers ``hi`` in any time zone.

    Args:
        window: The sync window, or one slice of it.
        upper_bound: Add the day-safe upper bound (parallel slices).

    Returns:
        The ``query`` object of the search body.
    """
    from_lo = {
        "operator": "OR",
        "value": [
            {"field": "updated_at", "operator": "=", "value": window.lo},
            {"field": "updated_at", "operator": ">", "value": window.lo},
        ],
    }
    if not upper_bound:
        return from_lo
    return {
        "operator": "AND",
        "value": [
            from_lo,
            {"field": "updated_at", "operator": "<", "value": window.hi + DAY + 1},
        ],
    }


def exact_query(window: SyncWindow, field: str = "updated_at") -> dict[str, t.Any]:
    """The filter for searches that compare exact seconds (conversations, tickets).

    Intercom documents ``>``/``<`` there both as strict and as "or equal"; ``> lo - 1`` and
    ``< hi + 1`` include both ends under either reading.

    Args:
        window: The sync window.
        field: The timestamp field.

    Returns:
        The ``query`` object of the search body.
    """
    return {
        "operator": "AND",
        "value": [
            {"field": field, "operator": ">", "value": window.lo - 1},
            {"field": field, "operator": "<", "value": window.hi + 1},
        ],
    }


def search_body(
    query: dict[str, t.Any], cursor: str | None, per_page: int = SEARCH_PAGE_SIZE
) -> dict[str, t.Any]:
    """A search request body sorted ascending by ``updated_at``.

    Args:
        query: The ``query`` object.
        cursor: ``starting_after`` of the next page, or None for the first page.
        per_page: Page size (at most 150).

    Returns:
        The JSON body.
    """
    pagination: dict[str, t.Any] = {"per_page": per_page}
    if cursor:
        pagination["starting_after"] = cursor
    return {
        "query": query,
        "pagination": pagination,
        "sort": {"field": "updated_at", "order": "ascending"},
    }


def split_window(window: SyncWindow, step: int, max_parts: int | None = None) -> list[SyncWindow]:
    """Consecutive sub-windows of at most ``step`` seconds that share their boundary second.

    Sharing the boundary keeps every window inclusive at both ends; the record read twice
    is dropped by primary key. With ``max_parts``, the oldest sub-windows are merged into
    the first one, so a window reaching far back costs a bounded number of queries.

    Args:
        window: The whole window.
        step: The length of one sub-window in seconds.
        max_parts: Most sub-windows to return.

    Returns:
        The sub-windows in ascending order (empty for an empty window).

    >>> split_window(SyncWindow(0, 25), 10)
    [SyncWindow(lo=0, hi=10), SyncWindow(lo=10, hi=20), SyncWindow(lo=20, hi=25)]
    >>> split_window(SyncWindow(0, 25), 10, max_parts=2)
    [SyncWindow(lo=0, hi=20), SyncWindow(lo=20, hi=25)]
    """
    if window.empty:
        return []
    result = []
    lo = window.lo
    while True:
        hi = min(window.hi, lo + step)
        result.append(SyncWindow(lo, hi))
        if hi >= window.hi:
            break
        lo = hi
    if max_parts and len(result) > max_parts:
        merged = SyncWindow(result[0].lo, result[-max_parts].hi)
        result = [merged, *result[-max_parts + 1 :]]
    return result


class Deduplicator:
    """Remembers the keys emitted in this run so overlaps and revisited pages emit once.

    The keys are kept on disk (:class:`~tap_intercom.spool.KeySet`): a run over a million
    contacts remembers a million keys.
    """

    def __init__(self) -> None:
        self._seen = KeySet()
        self._lock = threading.Lock()
        self.dropped = 0

    def first_time(self, key: t.Hashable) -> bool:
        """Record ``key``; True the first time it is seen.

        Args:
            key: A primary key value.

        Returns:
            Whether the key is new.
        """
        if self._seen.add(key):
            return True
        with self._lock:
            self.dropped += 1
        return False

    def seen(self, key: t.Hashable) -> bool:
        """Whether ``key`` was already emitted (without recording it).

        Args:
            key: A primary key value.

        Returns:
            True when seen before.
        """
        return key in self._seen
