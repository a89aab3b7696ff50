"""Canonical texts of dates, times and instants (UTC for datetime2, ISO 8601 with offset)."""

from __future__ import annotations

import datetime as dt
import typing as t

from target_azure_sqldw.errors import ValueRejectedError

UTC = dt.timezone.utc


def date_encoder(value: t.Any) -> str:
    """Encode a date as ``YYYY-MM-DD``.

    Args:
        value: A ``date``, a midnight ``datetime``, or ISO text.

    Returns:
        The date text.

    Raises:
        ValueRejectedError: If the value is not a date.
    """
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value) if len(value) == 10 else _parse_datetime(value)
        except ValueError:
            raise ValueRejectedError(f"is not a date: {value[:40]!r}") from None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) or value.utcoffset():
            raise ValueRejectedError(f"{value.isoformat()} has a time part; the column is date")
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueRejectedError(f"is a {type(value).__name__}, not a date")


def _parse_datetime(text: str) -> dt.datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return dt.datetime.fromisoformat(value)


def _as_datetime(value: t.Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return _parse_datetime(value)
        except ValueError:
            raise ValueRejectedError(f"is not a date-time: {value[:40]!r}") from None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise ValueRejectedError(f"is a {type(value).__name__}, not a date-time")


def datetime2_encoder(value: t.Any) -> str:
    """Encode an instant as UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive values are UTC).

    Args:
        value: A ``datetime`` or ISO 8601 text.

    Returns:
        The UTC text.

    Raises:
        ValueRejectedError: If the value is not a date-time or leaves datetime2's range.
    """
    if type(value) is dt.datetime and value.tzinfo is None:
        return value.isoformat(" ", "microseconds")
    moment = _as_datetime(value)
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueRejectedError(
                f"{moment.isoformat()} leaves datetime2's range in UTC"
            ) from None
    return moment.isoformat(sep=" ", timespec="microseconds")


def datetimeoffset_encoder(value: t.Any) -> str:
    """Encode an instant with its offset, ISO 8601: ``YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM``.

    Args:
        value: A ``datetime`` or ISO 8601 text (naive values are UTC).

    Returns:
        The text.
    """
    moment = _as_datetime(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="microseconds")


def time_encoder(value: t.Any) -> str:
    """Encode a time of day as ``HH:MM:SS.ffffff``, in UTC when it carries an offset.

    Args:
        value: A ``time`` or ISO text.

    Returns:
        The time text.

    Raises:
        ValueRejectedError: If the value is not a time.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise ValueRejectedError(f"is not a time: {value[:40]!r}") from None
    if not isinstance(value, dt.time):
        raise ValueRejectedError(f"is a {type(value).__name__}, not a time")
    offset = value.utcoffset()
    if offset:
        moment = dt.datetime.combine(dt.date(2000, 1, 1), value.replace(tzinfo=None)) - offset
        value = moment.time()
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")
