"""The staging line encoder generated for one sink (its source is kept, logged at DEBUG).

Pure: values in, text out.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

from target_azure_sqldw.encode.formats import (
    CSV,
    ESCAPE_TABLE,
    SEPARATORS,
    check_format,
    field_writer,
)
from target_azure_sqldw.encode.values import (
    RecordRejectedError,
    integer_bounds,
    plain_json_text,
    utf8_bytes,
    utf16_units,
)
from target_azure_sqldw.errors import ValueRejectedError
from target_azure_sqldw.schema.sql_types import UNICODE_TYPES

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from target_azure_sqldw.encode.values import ColumnCodec, RowEncoder

LineEncoder = t.Callable[[t.Mapping[str, t.Any], int, str], str]
LOGGER = logging.getLogger("target_azure_sqldw.encode.line_encoder")


def encoder_source(encoder: LineEncoder) -> str:
    """The Python source generated for a line encoder.

    Args:
        encoder: A function returned by :func:`compile_line_encoder`.

    Returns:
        Its source text.
    """
    return getattr(encoder, "__source__", "")


class _NullKeyError(ValueRejectedError):
    """A key column's value is missing (reported as RowEncoder reports it)."""


def _fast_case(codec: ColumnCodec, file_format: str) -> str | None:
    """The inline test-and-encode of a value ``v`` that needs no codec, or None."""
    column = codec.column
    if column.is_string:
        if column.name not in {"nvarchar", "varchar"}:
            return None
        # ASCII needs no encoding to be measured; other text is measured in the units the
        # type counts (which also finds unpaired surrogates: size -1).
        size = "U16" if column.name in UNICODE_TYPES else "U8"
        # Strings are written as they are; objects and arrays as their JSON text ``s``.
        if column.json:
            test, s = "type(v) in OBJECTS and (s := J(v)) is not None", "s"
        else:
            test, s = "type(v) is str", "v"
        if column.length is None or column.length < 0:
            test += f" and ({s}.isascii() or {size}({s}) >= 0)"
        else:
            limit = column.length
            test += f" and (len({s}) <= {limit} if {s}.isascii() else 0 <= {size}({s}) <= {limit})"
        if file_format == CSV:
            return f"if {test}:\n    f = '\"' + {s}.replace('\"', '\"\"') + '\"'"
        return f"if {test}:\n    f = {s}.translate(ESCAPES) if {s} else '\\\\e'"

    bounds = integer_bounds(column)
    if bounds is not None:
        low, high = bounds
        return f"if type(v) is int and {low} <= v <= {high}:\n    f = str(v)"
    if column.name in {"float", "real"}:
        # ``v - v`` is 0.0 exactly for finite floats and NaN for infinities and NaN.
        return "if type(v) is float and v - v == 0.0:\n    f = repr(v)"
    if column.name == "bit":
        return "if v is True:\n    f = '1'\nelif v is False:\n    f = '0'"
    if column.name == "datetime2":
        # Naive values are UTC; aware UTC ones print their offset, which is cut off.
        return (
            "if type(v) is datetime and v.tzinfo is None:\n"
            "    f = v.isoformat(' ', 'microseconds')\n"
            "elif type(v) is datetime and v.tzinfo is UTC:\n"
            "    f = v.isoformat(' ', 'microseconds')[:-6]"
        )
    if column.name == "datetimeoffset":
        return (
            "if type(v) is datetime and v.tzinfo is not None:\n"
            "    f = v.isoformat(timespec='microseconds')"
        )
    return None


def compile_line_encoder(encoder: RowEncoder, file_format: str) -> LineEncoder:
    """Generate the line encoder of a sink's columns.

    Args:
        encoder: The sink's row encoder (codecs, their record keys, the stream name).
        file_format: ``csv`` or ``escaped``.

    Returns:
        ``encode(record, number, tail)``: the staging line of the record (``number`` is its
        position in the stream, for error messages) with ``tail`` appended as the last,
        already formatted field(s). It raises what :meth:`RowEncoder.encode` raises.
    """
    check_format(file_format)
    namespace: dict[str, t.Any] = {
        "datetime": dt.datetime,
        "UTC": dt.timezone.utc,
        "ESCAPES": ESCAPE_TABLE,
        "NullKey": _NullKeyError,
        "U16": utf16_units,
        "OBJECTS": (dict, list),
        "J": plain_json_text,
        "U8": utf8_bytes,
        "ValueRejectedError": ValueRejectedError,
        "rejected": _rejection(encoder),
    }
    lines = ["def encode(record, number, tail):", "    get = record.get", "    c = 0", "    try:"]
    fields = []
    for index, (codec, source) in enumerate(zip(encoder.codecs, encoder.sources, strict=False)):
        namespace[f"E{index}"] = codec.encode
        namespace[f"Q{index}"] = field_writer(file_format, quoted=codec.quoted)
        body = [f"c = {index}", f"v = get({source!r})", "if v is None:"]
        if codec.nullable:
            body.append("    f = ''")
        else:
            body.append("    raise NullKey")
        fast = _fast_case(codec, file_format)
        if fast is not None:
            fast_lines = fast.splitlines()
            body.append("el" + fast_lines[0])
            body.extend(fast_lines[1:])
        body.append("else:")
        body.append(f"    f = Q{index}(E{index}(v))")
        body.append(f"f{index} = f")
        lines.extend("        " + line for line in body)
        fields.append(f"f{index}")
    lines.append("    except ValueRejectedError as exc:")
    lines.append("        raise rejected(c, exc, record, number) from None")
    separator = SEPARATORS[file_format]
    joined = separator.join("{" + name + "}" for name in [*fields, "tail"])
    lines.append(f"    return f{joined!r} + '\\n'")
    source_code = "\n".join(lines) + "\n"
    exec(compile(source_code, f"<line encoder of {encoder.stream}>", "exec"), namespace)  # noqa: S102
    function: LineEncoder = namespace["encode"]
    function.__source__ = source_code  # type: ignore[attr-defined]
    LOGGER.debug("Line encoder of %s:\n%s", encoder.stream, source_code)
    return function


def _rejection(encoder: RowEncoder) -> Callable[..., RecordRejectedError]:
    """Build the error :meth:`RowEncoder.encode` raises for column ``index``."""

    def rejected(
        index: int, exc: ValueRejectedError, record: Mapping[str, t.Any], number: int
    ) -> RecordRejectedError:
        codec = encoder.codecs[index]
        where = encoder.where(codec, record, number)
        if isinstance(exc, _NullKeyError):
            return RecordRejectedError(where + "is null in a key column")
        return RecordRejectedError(where + str(exc))

    return rejected
