"""Reading an input STATE's bookmarks in any form an Intercom tap writes, or refusing it (pure)."""

from __future__ import annotations

import datetime
import decimal
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: Integers at least this large are milliseconds (in seconds they would be after year 5000).
MILLISECONDS_FROM = 100_000_000_000

#: State keys holding a replication key value (the SDK's own markers included).
VALUE_KEYS = ("replication_key_value", "starting_replication_value", "replication_key_signpost")


class BookmarkError(ValueError):
    """A bookmark the tap cannot read; the message names the stream and the value."""


def bookmark_seconds(value: t.Any) -> int:
    """Exact Unix seconds of a bookmark value.

    Args:
        value: Seconds or milliseconds (a number or digits), or ISO 8601 text (a date, or a
            date-time; without an offset it is UTC). Fractions of a second are dropped, so
            the window starts at or before the bookmark.

    Returns:
        Unix seconds.

    Raises:
        ValueError: For anything else (booleans, other text, objects, lists).

    >>> bookmark_seconds(1717200000), bookmark_seconds(1717200000123)
    (1717200000, 1717200000)
    >>> bookmark_seconds("2024-06-01T00:00:00Z"), bookmark_seconds("2024-06-01T02:00:00.9+02:00")
    (1717200000, 1717200000)
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        number = decimal.Decimal(value)
        if not number.is_finite():
            raise ValueError(value)
        return _from_number(number)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    try:
        return _from_number(decimal.Decimal(text))
    except (decimal.InvalidOperation, ValueError):
        pass
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return int(parsed.timestamp() // 1)


def _from_number(number: decimal.Decimal) -> int:
    if not number.is_finite():
        raise ValueError(number)
    if abs(number) >= MILLISECONDS_FROM:
        number = number / 1000
    return int(number.to_integral_value(rounding=decimal.ROUND_FLOOR))


def normalize_state(
    state: t.Any,
    replication_keys: Mapping[str, str | None],
    form: Callable[[str, int], t.Any],
) -> dict[str, t.Any]:
    """A copy of an input STATE whose bookmarks are in the form this run writes.

    Args:
        state: The decoded ``--state`` file.
        replication_keys: Replication key of every stream of the tap (None: full table).
        form: ``form(stream, seconds)`` is the bookmark value this run writes for a stream.

    Returns:
        The state, every replication key value rewritten by ``form``; bookmarks of full-table
        streams are dropped (nothing reads them).

    Raises:
        BookmarkError: When the state is not an object, or a bookmark cannot be read.

    >>> keys = {"contacts": "updated_at", "tags": None}
    >>> normalize_state({"bookmarks": {"contacts": {"updated_at": "2024-06-01T00:00:00Z"},
    ...     "tags": "x"}}, keys, lambda stream, seconds: seconds)["bookmarks"]["contacts"]
    {'replication_key': 'updated_at', 'replication_key_value': 1717200000}
    """
    if not isinstance(state, dict):
        msg = f"STATE must be a JSON object, not {_shown(state)}"
        raise BookmarkError(msg)
    bookmarks = state.get("bookmarks") or {}
    if not isinstance(bookmarks, dict):
        msg = f"STATE bookmarks must be an object, not {_shown(bookmarks)}"
        raise BookmarkError(msg)
    result: dict[str, t.Any] = {k: v for k, v in state.items() if k != "bookmarks"}
    normalized: dict[str, t.Any] = {}
    for stream, entry in bookmarks.items():
        if stream not in replication_keys:
            normalized[stream] = entry  # another tap's stream: kept, never read
            continue
        key = replication_keys[stream]
        if key is None:
            continue
        normalized[stream] = _stream_state(stream, key, entry, form)
    if bookmarks or "bookmarks" in state:
        result["bookmarks"] = normalized
    return result


def _stream_state(
    stream: str, key: str, entry: t.Any, form: Callable[[str, int], t.Any]
) -> dict[str, t.Any]:
    if not isinstance(entry, dict):
        # singer-io's old layout: the bookmark itself.
        entry = {key: entry}
    entry = dict(entry)
    if "replication_key_value" not in entry and key in entry:
        # singer-io's layout: {"<replication key>": value}.
        entry = {"replication_key": key, "replication_key_value": entry.pop(key), **entry}
    if entry.get("replication_key") not in (None, key):
        return {}  # bookmarked on another key: this stream starts over, as the SDK would
    _rewrite(stream, entry, form)
    markers = entry.get("progress_markers")
    if isinstance(markers, dict):
        entry["progress_markers"] = dict(markers)
        _rewrite(stream, entry["progress_markers"], form)
    partitions = entry.get("partitions")
    if isinstance(partitions, list):
        entry["partitions"] = []
        for partition in partitions:
            partition = dict(partition) if isinstance(partition, dict) else {}
            _rewrite(stream, partition, form)
            entry["partitions"].append(partition)
    return entry


def _rewrite(stream: str, entry: dict[str, t.Any], form: Callable[[str, int], t.Any]) -> None:
    for name in VALUE_KEYS:
        value = entry.get(name)
        if value is None:
            continue
        try:
            seconds = bookmark_seconds(value)
        except (ValueError, ArithmeticError):
            msg = (
                f"Cannot read the bookmark of stream {stream}: {name} {_shown(value)} is "
                "neither Unix seconds, milliseconds nor ISO 8601 text; fix or remove it "
                "in the state"
            )
            raise BookmarkError(msg) from None
        entry[name] = form(stream, seconds)


def _shown(value: t.Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
