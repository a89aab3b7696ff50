"""The one encoder of a sink's staged lines: records (one, or a chunk by column) to a file format.

Pure: values in, text out. Per-value rules are the column codecs (``encode.values``); the
format rules are ``encode.formats``; chunks are proved by ``encode.column_formatters``.
"""

from __future__ import annotations

import typing as t

from target_azure_sqldw.encode.column_formatters import (
    ParsedDateTimes,
    Repeated,
    TypedValues,
    UtcTimestamps,
    column_formatter,
    utc_timestamps,
)
from target_azure_sqldw.encode.formats import SEPARATORS, check_format, field_writer
from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.errors import ValueRejectedError

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from target_azure_sqldw.encode.long_text import OverflowWatch
    from target_azure_sqldw.encode.values import ColumnCodec


#: The types of a column of NULLs only.
_NULL_ONLY = {type(None)}


class StagingEncoder:
    """Turn a sink's records into staged lines of one file format (``csv`` or ``escaped``).

    Every pipeline uses it: a record at a time (:meth:`encode_record`, which also judges
    every value and names a bad one) or a chunk at a time, column by column
    (:meth:`encode_chunk`, which declines when a value needs judging). Each line ends with
    the ``_sdc_truncated`` flag (truncate policy) and the row's number in its batch.

    Args:
        stream: Stream name, for error messages.
        codecs: One codec per column, in staging order.
        sources: The record key each codec reads.
        file_format: ``csv`` or ``escaped``.
        key_columns: Record keys shown in error messages to identify a record.
        overflowed: The flag list shared with the codecs (set when a value was cut).
        truncate: Add the ``_sdc_truncated`` flag field (``string_overflow: truncate``).
        watch: Shown every staged line's fields, to find values longer than their column
            (``string_overflow: widen``; see ``encode.long_text.OverflowWatch``).
    """

    def __init__(
        self,
        stream: str,
        codecs: Sequence[ColumnCodec],
        sources: Sequence[str],
        file_format: str,
        *,
        key_columns: Sequence[str] = (),
        overflowed: list[bool] | None = None,
        truncate: bool = False,
        watch: OverflowWatch | None = None,
    ) -> None:
        check_format(file_format)
        self.stream = stream
        self.codecs = list(codecs)
        self.sources = list(sources)
        self.file_format = file_format
        self.key_columns = list(key_columns)
        self.overflowed = overflowed if overflowed is not None else [False]
        self.truncate = truncate
        self.watch = watch
        self.separator = SEPARATORS[file_format]
        #: Which fields are text (quoted or escaped): the columns, the flag, the row number.
        self.quoted = [c.quoted for c in self.codecs] + ([False] if truncate else []) + [False]
        #: (record key, codec, field writer) of each column, for the record-at-a-time loop.
        self._fields = [
            (source, codec, field_writer(file_format, quoted=codec.quoted))
            for source, codec in zip(self.sources, self.codecs, strict=True)
        ]
        self._formatters = [column_formatter(codec, file_format) for codec in self.codecs]
        #: The formatters that take :class:`UtcTimestamps` as they are.
        self._timestamp_formatters = {
            formatter
            for formatter, codec in zip(self._formatters, self.codecs, strict=True)
            if codec.column.name in {"datetime2", "datetimeoffset"}
        }
        #: The formatters that take :class:`ParsedDateTimes` as they are (their texts).
        self._text_date_formatters = self._timestamp_formatters | {
            formatter
            for formatter, codec in zip(self._formatters, self.codecs, strict=True)
            if codec.column.name == "date"
        }

    def encode_record(self, record: t.Mapping[str, t.Any], number: int, row: int) -> str:
        """The staged line of one record.

        Args:
            record: The record (property name to value).
            number: The record's position in the stream (1-based), for error messages.
            row: The record's number in its batch (the line's last field).

        Returns:
            The line, newline included.

        Raises:
            RecordRejectedError: If a value cannot be stored exactly.
        """
        fields: list[str] = []
        append = fields.append
        for source, codec, write in self._fields:
            value = record.get(source)
            if value is None:
                if not codec.nullable:
                    raise self._rejected(codec, record, number, "is null in a key column")
                append("")
                continue
            try:
                append(write(codec.encode(value)))
            except ValueRejectedError as exc:
                raise self._rejected(codec, record, number, str(exc)) from None
        if self.truncate:
            append("1" if self.overflowed[0] else "0")
            self.overflowed[0] = False
        append(str(row))
        if self.watch is not None:
            self.watch.record(fields)
        return self.separator.join(fields) + "\n"

    def texts(self, record: t.Mapping[str, t.Any], number: int) -> list[str | None]:
        """The canonical text of each column's value (None for NULL), before the format.

        Args:
            record: The record.
            number: The record's position in the stream, for error messages.

        Returns:
            One text per codec.

        Raises:
            RecordRejectedError: If a value cannot be stored exactly.
        """
        row: list[str | None] = []
        for source, codec, _write in self._fields:
            value = record.get(source)
            if value is None:
                if not codec.nullable:
                    raise self._rejected(codec, record, number, "is null in a key column")
                row.append(None)
                continue
            try:
                row.append(codec.encode(value))
            except ValueRejectedError as exc:
                raise self._rejected(codec, record, number, str(exc)) from None
        return row

    def encode_chunk(
        self,
        columns: Sequence[list[t.Any] | TypedValues | Repeated | ParsedDateTimes | UtcTimestamps],
        count: int,
        first_row: int,
    ) -> tuple[list[str], bytes] | None:
        """The staged lines of a chunk, formatted column by column.

        Args:
            columns: One list of ``count`` values per codec (or :class:`TypedValues`: the
                list and its values' types), a :class:`Repeated` value,
                :class:`ParsedDateTimes` or :class:`UtcTimestamps`.
            count: The number of records.
            first_row: The batch number of the chunk's first record; the last field of each
                line counts on from it.

        Returns:
            The lines (without newlines) and the whole chunk as UTF-8 bytes, newlines
            included; or None when some value must be judged a record at a time (and with
            the truncate policy's flag, which is set record by record).
        """
        if self.truncate:
            return None
        fields: list[list[str]] = []
        types: set[type] | None
        for formatter, codec, values in zip(self._formatters, self.codecs, columns, strict=True):
            types = None
            if type(values) is TypedValues:
                values, types = values
                only_nulls = types == _NULL_ONLY and bool(values)
            else:
                only_nulls = (
                    type(values) is list
                    and bool(values)
                    and values[0] is None
                    and values.count(None) == count
                )
            if only_nulls:
                # A column of NULLs (a field the stream leaves empty): no values to format.
                if not codec.nullable:
                    return None
                fields.append([""] * count)
                continue
            if isinstance(values, Repeated):
                texts = formatter([values.value], None)
                if texts is None:
                    return None
                fields.append(texts * count)
                continue
            if isinstance(values, ParsedDateTimes):
                # Texts of one UTC shape are edited rather than their datetimes formatted
                # (and so are texts with an offset, by the timestamp formatters).
                if formatter in self._timestamp_formatters:
                    values = utc_timestamps(values.texts, values.values) or values
                elif formatter not in self._text_date_formatters:
                    values = values.values
            elif isinstance(values, UtcTimestamps) and formatter not in self._timestamp_formatters:
                values = values.values
            texts = formatter(values, types)
            if texts is None:
                return None
            fields.append(texts)
        fields.append(list(map(str, range(first_row, first_row + count))))
        lines = list(map(self.separator.join, zip(*fields, strict=True)))
        try:
            data = ("\n".join(lines) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            return None
        if self.watch is not None:
            self.watch.chunk(fields)
        return lines, data

    def where(self, codec: ColumnCodec, record: t.Mapping[str, t.Any], number: int) -> str:
        """The start of an error message naming stream, column and record.

        Args:
            codec: The column's codec.
            record: The record.
            number: The record's position in the stream.

        Returns:
            ``stream '...', column '...', record N (key=...): value ``.
        """
        keys = ", ".join(f"{k}={record.get(k)!r}"[:60] for k in self.key_columns)
        ident = f"record {number}" + (f" ({keys})" if keys else "")
        return f"stream {self.stream!r}, column {codec.name!r}, {ident}: value "

    def _rejected(
        self, codec: ColumnCodec, record: t.Mapping[str, t.Any], number: int, reason: str
    ) -> RecordRejectedError:
        return RecordRejectedError(self.where(codec, record, number) + reason)
