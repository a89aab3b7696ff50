"""Date-like values as singer-sdk parses them, and the one line for those it cannot parse.

Used by both record paths and by the sink's own ``parse_timestamps``; singer-sdk only through
the adapter.
"""

from __future__ import annotations

import contextlib
import typing as t

from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.sdk_adapter import (
    date_fromisoformat,
    datetime_fromisoformat,
    get_datelike_property_type,
    handle_invalid_timestamp_in_record,
    time_fromisoformat,
)

if t.TYPE_CHECKING:
    import logging

    from singer_sdk.sinks import Sink

_PARSERS = {"time": time_fromisoformat, "date": date_fromisoformat}


def date_parser(kind: str) -> t.Callable[[str], t.Any]:
    """The parser singer-sdk uses for a date-like property.

    Args:
        kind: ``date``, ``time`` or ``date-time`` (what ``get_datelike_property_type`` says).

    Returns:
        The function turning the text into a date, time or datetime.
    """
    return _PARSERS.get(kind, datetime_fromisoformat)


@contextlib.contextmanager
def unparsable_dates(sink: Sink, number: int) -> t.Iterator[None]:
    """Turn singer-sdk's error for an unparsable date into one line naming the record.

    Args:
        sink: The sink.
        number: The record's position in the stream.

    Yields:
        Nothing; a ValueError or TypeError inside becomes a ``RecordRejectedError``.

    Raises:
        RecordRejectedError: For such an error.
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        msg = f"stream {sink.stream_name!r}, record {number}: {exc}"
        raise RecordRejectedError(msg) from None


def treat_dates_not_text(
    record: dict, schema: dict, treatment: t.Any, logger: logging.Logger
) -> None:
    """Apply ``datetime_error_treatment`` to date-like values that are not text.

    singer-sdk's ``_parse_timestamps_in_record`` handles only the ValueError of text it
    cannot parse; a number or boolean (possible with ``validate_records`` off) would end in
    its TypeError. Treated here first, such a value fails (or is repaired) like bad text,
    with the field named.

    Args:
        record: The record (changed in place).
        schema: The stream's schema.
        treatment: ``datetime_error_treatment``.
        logger: Where MAX and NULL treatments warn.

    Raises:
        ValueError: Under the ERROR treatment, naming the field.
    """
    properties = schema.get("properties") or {}
    for name, value in record.items():
        if value is None or isinstance(value, str) or name not in properties:
            continue
        if kind := get_datelike_property_type(properties[name]):
            error = TypeError(f"{type(value).__name__} is not text")
            record[name] = handle_invalid_timestamp_in_record(
                record, [name], value, kind, error, treatment, logger
            )
