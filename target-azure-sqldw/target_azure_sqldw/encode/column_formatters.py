"""Column-wise formatters: a chunk's values of one column to its staged fields, or None.

Pure: values in, text out; used by ``encode.staging_encoder``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import typing as t

from target_azure_sqldw.encode.formats import field_writer, format_fields
from target_azure_sqldw.encode.number_texts import (
    float_repr_texts,
    plain_decimal_texts,
    plain_decimals,
)
from target_azure_sqldw.encode.offset_texts import offset_shape, offset_utc_texts
from target_azure_sqldw.encode.values import (
    integer_bounds,
    parsed_json_texts,
    utf8_bytes,
    utf16_units,
)
from target_azure_sqldw.errors import ValueRejectedError
from target_azure_sqldw.schema.sql_types import UNICODE_TYPES

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from target_azure_sqldw.encode.values import ColumnCodec

NoneType = type(None)
UTC = dt.timezone.utc
#: Column texts, or None when the chunk must be staged record by record.
Texts = list[str] | None


class ColumnFormatter(t.Protocol):
    """Formats one column's values (a list, or :class:`UtcTimestamps` for timestamp columns).

    ``types`` is the set of the values' types when it is known (see :class:`TypedValues`).
    """

    def __call__(self, values: t.Any, types: set[type] | None = None, /) -> Texts:
        """The column's fields, or None when a value needs the record path."""


class TypedValues(t.NamedTuple):
    """A chunk's column of values and the set of their types, worked out once by its check."""

    values: list[t.Any]
    types: set[type]


class Repeated(t.NamedTuple):
    """One value for every record of a chunk (a metadata column such as ``_sdc_batched_at``)."""

    value: t.Any


class UtcTimestamps(t.NamedTuple):
    """A date-time column whose texts all share one ISO 8601 UTC shape, and their values.

    Formatting a datetime costs about twenty times parsing one, so a column of texts such
    as ``2024-01-31T12:00:00.123456Z`` is staged by editing the texts of the whole column
    at once (see :func:`utc_timestamps`); ``values`` serve any other column type.
    """

    texts: list[str | None]
    values: list[t.Any]
    length: int


class ParsedDateTimes(t.NamedTuple):
    """A date-time or date column of a chunk: its texts and their parsed values (None for NULL)."""

    texts: list[t.Any]
    values: list[t.Any]


#: Lengths of ``YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+00:00)`` and whether each has a fraction.
UTC_SHAPES = {20: False, 25: False, 27: True, 32: True}
#: Characters every such text has at these positions.
UTC_FIXED = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))


def utc_timestamps(texts: list[t.Any], values: list[t.Any]) -> UtcTimestamps | None:
    """The column as :class:`UtcTimestamps` when every text has one UTC shape, else None.

    Args:
        texts: The column's texts (None for NULL), each already parsed into ``values``
            (which proves the digits and ranges).
        values: The parsed datetimes.

    Returns:
        The column, or None.
    """
    present = [text for text in texts if text is not None]
    if not present:
        return None
    length = len(present[0])
    if length not in UTC_SHAPES or set(map(len, present)) != {length}:
        return None
    joined = "".join(present)
    count = len(present)
    fixed = [*UTC_FIXED, (19, ".")] if UTC_SHAPES[length] else list(UTC_FIXED)
    suffix = "Z" if length in {20, 27} else "+00:00"
    fixed += [(length - len(suffix) + i, char) for i, char in enumerate(suffix)]
    for position, char in fixed:
        if joined[position::length] != char * count:
            return None
    return UtcTimestamps(texts, values, length)


def _utc_texts(column: UtcTimestamps, *, offset: bool) -> list[str]:
    """The column's datetime2 (or, with ``offset``, datetimeoffset) staging texts."""
    suffix = "Z" if column.length in {20, 27} else "+00:00"
    fraction = "" if UTC_SHAPES[column.length] else ".000000"
    present = [text for text in column.texts if text is not None]
    # Newlines cannot occur in these texts; "T" and the suffix occur once in each.
    joined = "\n".join(present)
    if offset:
        joined = joined.replace(suffix, fraction + "+00:00")
    else:
        joined = joined.replace("T", " ").replace(suffix, fraction)
    edited = joined.split("\n")
    if len(present) == len(column.texts):
        return edited
    return _with_nulls(column.texts, edited)


def column_formatter(codec: ColumnCodec, file_format: str) -> ColumnFormatter:
    """The function that formats one column's values of a chunk.

    Args:
        codec: The column's codec.
        file_format: ``csv`` or ``escaped``.

    Returns:
        ``format(values)``: the fields, or None when a value needs the record path.
    """
    column = codec.column
    slow = _slow_formatter(codec, file_format)
    nullable = codec.nullable

    def generic(values: list[t.Any], types: set[type] | None = None) -> Texts:
        del types
        if not nullable and None in values:
            return None
        texts = list(map(slow, values))
        return None if None in texts else texts  # type: ignore[return-value]

    if column.is_string and column.name in {"nvarchar", "varchar"}:
        return _text_formatter(codec, file_format, generic)
    if integer_bounds(column) is not None:
        return _integer_formatter(codec, generic)
    if column.name in {"float", "real"}:
        return _float_formatter(codec, slow)
    if column.name in {"decimal", "numeric"}:
        return _decimal_formatter(codec, slow, generic)
    if column.name == "date":
        return _date_formatter(codec, generic)
    if column.name == "time":
        return _time_formatter(codec, slow, generic)
    if column.name == "bit":
        return _bit_formatter(codec, generic)
    if column.name in {"datetime2", "datetimeoffset"}:
        return _timestamp_formatter(codec, slow, generic, offset=column.name == "datetimeoffset")
    return generic


def _slow_formatter(codec: ColumnCodec, file_format: str) -> Callable[[t.Any], str | None]:
    """The line encoder's fallback for one value: codec, then the format's quoting."""
    encode = codec.encode
    quote = field_writer(file_format, quoted=codec.quoted)
    nullable = codec.nullable

    def slow(value: t.Any) -> str | None:
        if value is None:
            return "" if nullable else None
        try:
            return quote(encode(value))
        except ValueRejectedError:
            return None

    return slow


def _with_nulls(values: list[t.Any], texts: list[str]) -> list[str]:
    """``texts`` (one per value that is not None, in order) with an empty field for each None."""
    it = iter(texts)
    return ["" if value is None else next(it) for value in values]


_NULL = {NoneType}


def _types_are(
    values: list[t.Any], allowed: set[type], *, nullable: bool, types: set[type] | None = None
) -> bool | None:
    """Whether some values are NULL, when all others are of an ``allowed`` type; else None.

    ``types``, when given, is the set of the values' types (not changed here).
    """
    if types is None:
        types = set(map(type, values))
    if NoneType in types:
        if not nullable:
            return None
        return True if types - _NULL <= allowed else None
    return False if types <= allowed else None


def _text_formatter(
    codec: ColumnCodec, file_format: str, generic: ColumnFormatter
) -> ColumnFormatter:
    """Strings (and JSON text of objects and arrays) within the column's length."""
    column = codec.column
    limit = column.length if column.length is not None and column.length >= 0 else None
    measure = utf16_units if column.name in UNICODE_TYPES else utf8_bytes
    # Every code point takes at most 2 UTF-16 units or 4 UTF-8 bytes.
    sure = None if limit is None else limit // (2 if column.name in UNICODE_TYPES else 4)
    nullable = codec.nullable
    allowed: set[type] = {dict, list} if column.json else {str}

    def fits(texts: list[str]) -> bool:
        if limit is None or not texts:
            return True
        if max(map(len, texts)) <= sure:  # type: ignore[operator]
            return True
        return all(
            len(text) <= limit if text.isascii() else 0 <= measure(text) <= limit for text in texts
        )

    def format_texts(values: list[t.Any], types: set[type] | None = None) -> Texts:
        nulls = _types_are(values, allowed, nullable=nullable, types=types)
        if nulls is None:
            return generic(values)
        if column.json:
            # The values are the reader's (see ``parsed_json_texts``).
            written = parsed_json_texts([value for value in values if value is not None])
            if None in written:
                return generic(values)  # a Decimal, NaN or date inside: the codec decides
            present = t.cast("list[str]", written)
        else:
            present = [text for text in values if text is not None] if nulls else values
        if not fits(present):
            return None
        fields = format_fields(present, file_format)
        return _with_nulls(values, fields) if nulls else fields

    return format_texts


def _integer_formatter(codec: ColumnCodec, generic: ColumnFormatter) -> ColumnFormatter:
    """Python ints within the column's range."""
    bounds = integer_bounds(codec.column)
    assert bounds is not None
    low, high = bounds
    nullable = codec.nullable

    def format_integers(values: list[t.Any], types: set[type] | None = None) -> Texts:
        nulls = _types_are(values, {int}, nullable=nullable, types=types)
        if nulls is None:
            return generic(values)
        if nulls:
            present = [value for value in values if value is not None]
            if present and (min(present) < low or max(present) > high):
                return None
            return ["" if value is None else str(value) for value in values]
        if values and (min(values) < low or max(values) > high):
            return None
        return list(map(str, values))

    return format_integers


#: The types of a column of floats and NULLs, and of Decimals and NULLs.
FLOATS = frozenset({float, NoneType})
DECIMALS = frozenset({decimal.Decimal, NoneType})


def _float_formatter(codec: ColumnCodec, slow: Callable[[t.Any], str | None]) -> ColumnFormatter:
    """Finite floats as ``repr``, Decimals that print as their float; others through the codec."""
    nullable = codec.nullable
    to_float = float
    exact = decimal.Decimal

    def one(value: t.Any) -> str | None:
        kind = type(value)
        if kind is float:
            # ``v - v`` is 0.0 exactly for finite floats and NaN for infinities and NaN.
            return repr(value) if value - value == 0.0 else None
        if kind is exact:
            # Streams that compare numbers read every number as a Decimal: one whose text
            # is its float's repr is that float exactly (what the codec checks).
            text = repr(to_float(value))
            if text == str(value):
                return text
        return slow(value)

    def format_numbers(values: list[t.Any], types: set[type] | None = None) -> Texts:
        kinds = set(map(type, values)) if types is None else types
        floats = kinds <= FLOATS
        if floats or kinds <= DECIMALS:
            nulls = NoneType in kinds
            if nulls and not nullable:
                return None
            present = [value for value in values if value is not None] if nulls else values
            texts: list[str] | None = None
            if floats:
                # The sum is finite only when every float is (or a false alarm: it overflowed).
                total = sum(present, 0.0)
                if total - total == 0.0:
                    texts = list(map(repr, present))
            else:
                plain = list(map(str, present))
                # One match proves most columns; converting each value costs ~5x as much.
                if float_repr_texts(plain) or list(map(repr, map(to_float, present))) == plain:
                    texts = plain
            if texts is not None:
                return _with_nulls(values, texts) if nulls else texts
        checked = list(map(one, values))
        return None if None in checked else checked  # type: ignore[return-value]

    return format_numbers


def _decimal_formatter(
    codec: ColumnCodec, slow: Callable[[t.Any], str | None], generic: ColumnFormatter
) -> ColumnFormatter:
    """Ints and Decimals that plainly fit ``decimal(p,s)``; others through the codec.

    A value's text (``str``, which is ``format(value, "f")``, what the codec writes, when it
    has no exponent) with at most ``s`` decimals and ``p - s`` whole digits fits: one
    pattern match over the whole column proves it. Other texts may still fit (trailing
    zeros: ``1.230`` in ``decimal(38,2)``; ``1E+2``), which the codec decides value by value.
    """
    column = codec.column
    scale = column.scale or 0
    whole_digits = (column.precision or 18) - scale
    pattern = plain_decimals(whole_digits, scale)
    all_plain = plain_decimal_texts(whole_digits, scale)
    nullable = codec.nullable
    exact = decimal.Decimal

    def one(value: t.Any) -> str | None:
        if value is None:
            return ""
        text = str(value)
        if pattern.fullmatch(text + "\n"):
            return text
        return slow(value)

    def format_decimals(values: list[t.Any], types: set[type] | None = None) -> Texts:
        nulls = _types_are(values, {int, exact}, nullable=nullable, types=types)
        if nulls is None:
            return generic(values)
        if nulls:
            texts = ["" if value is None else str(value) for value in values]
        else:
            texts = list(map(str, values))
        if all_plain(texts):
            return texts
        checked = list(map(one, values))
        return None if None in checked else checked  # type: ignore[return-value]

    return format_decimals


def _date_formatter(codec: ColumnCodec, generic: ColumnFormatter) -> ColumnFormatter:
    """Dates (not datetimes, which the codec checks for a time part) as ISO 8601.

    A :class:`ParsedDateTimes` column of dates whose texts are all ``YYYY-MM-DD`` is staged
    as written: ``date.fromisoformat`` took those texts, and ``isoformat`` writes them back.
    """
    nullable = codec.nullable
    date = dt.date

    def format_dates(
        values: list[t.Any] | ParsedDateTimes, types: set[type] | None = None
    ) -> Texts:
        written = None
        if isinstance(values, ParsedDateTimes):
            written, values = values
            types = None  # of the dates, not of their texts
        nulls = _types_are(values, {date}, nullable=nullable, types=types)
        if nulls is None:
            return generic(values)
        if written is not None:
            present = [text for text in written if text is not None] if nulls else written
            joined = "".join(present)
            count = len(present)
            if (
                len(joined) == 10 * count
                and joined.isascii()
                and joined[4::10] == "-" * count
                and joined[7::10] == "-" * count
                and set(map(len, present)) <= {10}
            ):
                return ["" if text is None else text for text in written] if nulls else present
        if nulls:
            return ["" if value is None else value.isoformat() for value in values]
        return list(map(date.isoformat, values))

    return format_dates


def _time_formatter(
    codec: ColumnCodec, slow: Callable[[t.Any], str | None], generic: ColumnFormatter
) -> ColumnFormatter:
    """Times without an offset as the codec writes them; others (offsets, text) through it."""
    nullable = codec.nullable
    time = dt.time

    def one(value: t.Any) -> str | None:
        if value is None:
            return ""
        if value.tzinfo is None:
            return str(value.isoformat(timespec="microseconds"))
        return slow(value)

    return _value_by_value(one, {time}, generic, nullable=nullable)


def _value_by_value(
    one: Callable[[t.Any], str | None],
    allowed: set[type],
    generic: ColumnFormatter,
    *,
    nullable: bool,
) -> ColumnFormatter:
    """Format a column with ``one`` when its values are of ``allowed`` types, else ``generic``."""

    def format_values(values: list[t.Any], types: set[type] | None = None) -> Texts:
        if _types_are(values, allowed, nullable=nullable, types=types) is None:
            return generic(values)
        texts = list(map(one, values))
        return None if None in texts else texts  # type: ignore[return-value]

    return format_values


def _bit_formatter(codec: ColumnCodec, generic: ColumnFormatter) -> ColumnFormatter:
    nullable = codec.nullable

    def format_bits(values: list[t.Any], types: set[type] | None = None) -> Texts:
        if _types_are(values, {bool}, nullable=nullable, types=types) is None:
            return generic(values)
        return ["" if value is None else ("1" if value else "0") for value in values]

    return format_bits


def _timestamp_formatter(
    codec: ColumnCodec,
    slow: Callable[[t.Any], str | None],
    generic: ColumnFormatter,
    *,
    offset: bool,
) -> ColumnFormatter:
    """Datetimes as the line encoder writes them; others (dates, text) through the codec.

    ``datetime2`` (``offset`` False) takes naive (UTC) and UTC datetimes, ``datetimeoffset``
    aware ones with their offset; :class:`UtcTimestamps` columns, and datetime2 columns of
    :class:`ParsedDateTimes` whose texts have one offset shape, are edited as text.
    """
    nullable = codec.nullable
    datetime = dt.datetime

    def one(value: t.Any) -> str | None:
        if value is None:
            return ""
        if offset:
            if value.tzinfo is not None:
                return str(value.isoformat(timespec="microseconds"))
            return slow(value)
        if value.tzinfo is None:
            return str(value.isoformat(" ", "microseconds"))
        if value.tzinfo is UTC:
            return str(value.isoformat(" ", "microseconds")[:-6])
        try:
            # Another offset: the same instant in UTC, as the codec writes it.
            return str(value.astimezone(UTC).isoformat(" ", "microseconds")[:-6])
        except (OverflowError, ValueError):
            return slow(value)  # out of range in UTC: the codec's error

    def format_datetimes(
        values: list[t.Any] | UtcTimestamps | ParsedDateTimes, types: set[type] | None = None
    ) -> Texts:
        if isinstance(values, UtcTimestamps):
            if not nullable and None in values.texts:
                return None
            return _utc_texts(values, offset=offset)
        if isinstance(values, ParsedDateTimes):
            written, parsed = values
            if not offset and (nullable or None not in written):
                # Texts with an offset (``+02:00``): their clocks are moved to UTC as text.
                start = offset_shape(written)
                if start is not None:
                    return offset_utc_texts(written, start, lambda at: one(parsed[at]))
            values, types = parsed, None
        if _types_are(values, {datetime}, nullable=nullable, types=types) is None:
            return generic(values)
        texts = list(map(one, values))
        return None if None in texts else texts  # type: ignore[return-value]

    return format_datetimes
