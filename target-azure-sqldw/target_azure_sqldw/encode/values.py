"""Check and serialise record values: one codec per column (the per-value rules).

Pure: values in, text out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import importlib
import json.encoder
import marshal
import math
import re
import typing as t

import msgspec

from target_azure_sqldw.encode.temporal import (
    date_encoder,
    datetime2_encoder,
    datetimeoffset_encoder,
    time_encoder,
)
from target_azure_sqldw.errors import TargetError, ValueRejectedError
from target_azure_sqldw.schema.sql_types import UNICODE_TYPES, ColumnType, decimal_digits

if t.TYPE_CHECKING:
    from collections.abc import Callable

Encoder = t.Callable[[t.Any], str]
# simplejson (a singer-sdk dependency) writes Decimal digits exactly; it ships no type stubs.
simplejson: t.Any = importlib.import_module("simplejson")

INT_BOUNDS = {
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
UTC = dt.timezone.utc


class RecordRejectedError(TargetError, ValueError):
    """A record cannot be staged; the message names stream, column and record."""


def json_text(value: t.Any) -> str:
    """Serialise a value as compact JSON that parses back equal.

    Decimals keep every digit (singer-sdk parses JSON numbers as ``Decimal``), non-ASCII text
    stays as is, and NaN/Infinity are refused because JSON cannot carry them.

    Args:
        value: Any JSON-compatible value.

    Returns:
        The JSON text.

    Raises:
        ValueRejectedError: If the value cannot be written as JSON.
    """
    text = plain_json_text(value)
    if text is not None:
        return text
    try:
        return str(_JSON_ENCODER.encode(value))
    except (TypeError, ValueError) as exc:
        raise ValueRejectedError(f"cannot be written as JSON: {exc}") from None


def _json_default(value: t.Any) -> t.Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def plain_json_text(value: t.Any) -> str | None:
    """:func:`json_text` of a value made only of JSON's own types, fast; else None.

    Args:
        value: Any value.

    Returns:
        The JSON text, or None when the value holds a Decimal, a date, NaN or infinity
        (:func:`json_text` then decides).
    """
    if type(value) is dict or type(value) is list:
        try:
            # Only plain builtins (no Decimal, date, enum or subclass) go to msgspec.
            marshal.dumps(value)
        except ValueError:
            return _c_json_text(value)
        return parsed_json_texts([value])[0]
    return _c_json_text(value)


def parsed_json_texts(values: list[t.Any]) -> list[str | None]:
    """:func:`json_text` of each of a column's objects and arrays as a JSON parser returns them.

    The values must hold only what the target's readers return: dicts with text keys,
    lists, strings, integers, floats, booleans, None and Decimals. msgspec writes the column
    as JSON lines in one call, several times faster than the standard library's encoder, and
    its text is :func:`json_text`'s (strings escaped alike, integers of any size, dict
    order, floats as their shortest round-trip digits, Decimals as ``str``) but for NaN and
    infinity, which msgspec writes as ``null``, and floats that ``repr`` writes with an
    exponent (``1e-05``, ``1e+16``; msgspec ``0.00001``, ``1e16``): a value that may hold
    one is written by the standard library instead.

    Args:
        values: Dicts and lists.

    Returns:
        One JSON text per value, or None where :func:`json_text` must decide.
    """
    try:
        data = _MSGSPEC_LINES(values)
    except (TypeError, ValueError):  # NaN Decimals; unpaired surrogates (UnicodeEncodeError)
        return list(map(_c_json_text, values))
    # msgspec escapes every newline inside strings: each line is one value.
    texts = t.cast("list[str | None]", data.decode("utf-8").split("\n"))
    texts.pop()
    nulls = b"null" in data
    if nulls or _odd_floats(data):
        for position, text in enumerate(texts):
            line = text.encode("utf-8")  # type: ignore[union-attr]
            if (nulls and b"null" in line and _non_finite(values[position])) or _odd_floats(line):
                texts[position] = _c_json_text(values[position])
    return texts


def _non_finite(value: t.Any) -> bool:
    r"""Whether a value may hold NaN or infinity (which msgspec writes as ``null``).

    marshal writes a float as its 8 bytes, and NaN and infinity end in
    ``[\xf0-\xff][\x7f\xff]``, which no UTF-8 text holds (a negative integer may: a false
    alarm); a value marshal refuses (a Decimal inside) is not known to be free of them.
    """
    try:
        return _NON_FINITE.search(marshal.dumps(value)) is not None
    except ValueError:
        return True


def _odd_floats(data: bytes) -> bool:
    """Whether msgspec's text of objects and arrays may hold a float ``repr`` writes otherwise.

    Those are the floats below 1e-4 (msgspec ``0.0000...``, where ``repr`` has an exponent)
    and the ones with an exponent (``1e16``, ``1.5e-7``). A number follows ``:``, ``,`` or
    ``[``; with digits, points and minus signs deleted and those three made ``:``, an
    exponent leaves ``:e``. A string that looks alike only costs the standard library's
    encoding.
    """
    if b"0.0000" in data and any(mark in data for mark in _TINY_MARKS):
        return True
    return b":e" in data.translate(_EXPONENT_TABLE, b"0123456789-.")


#: How each float below 1e-4 starts in msgspec's text, after what precedes a number.
_TINY_MARKS = (b":0.0000", b",0.0000", b"[0.0000", b"-0.0000")
_EXPONENT_TABLE = bytes.maketrans(b",[", b"::")
_MSGSPEC_LINES = msgspec.json.Encoder(decimal_format="number").encode_lines
#: Two bytes every NaN and infinity ends with in marshal's binary (see _non_finite).
_NON_FINITE = re.compile(rb"[\xf0-\xff][\x7f\xff]")


def _c_json_text(value: t.Any) -> str | None:
    """The standard library's JSON text of a value of JSON's own types, else None."""
    if _C_ENCODER is None:
        return None
    try:
        return "".join(_C_ENCODER(value, 0))
    except (TypeError, ValueError):
        return None


def _no_default(value: t.Any) -> t.Any:
    raise TypeError(type(value).__name__)


# The standard library's C encoder, built once, writes exactly what simplejson writes for
# strings, integers, floats, booleans, null, lists and objects (ensure_ascii off, compact,
# NaN refused) at several times the speed; anything else (Decimal, dates) raises and is
# left to simplejson. No circular check: values come from parsed JSON.
_C_ENCODER: t.Any = (
    json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _no_default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    if json.encoder.c_make_encoder is not None  # type: ignore[attr-defined]
    else None
)
# Built once: ``simplejson.dumps`` with these options builds a new encoder on every call.
_JSON_ENCODER: t.Any = simplejson.JSONEncoder(
    use_decimal=True,
    ensure_ascii=False,
    separators=(",", ":"),
    allow_nan=False,
    default=_json_default,
)


def _check_length(text: str, column: ColumnType, *, truncate: bool, overflowed: list[bool]) -> str:
    """Check a string against its declared length, in the units the type counts."""
    limit = column.length
    if limit is None or limit < 0:
        return _check_unicode(text)
    unicode = column.name in UNICODE_TYPES
    if text.isascii():
        size = len(text)
        if size <= limit:
            return text
        encoded = b""
    else:
        try:
            encoded = text.encode("utf-16-le" if unicode else "utf-8")
        except UnicodeEncodeError:
            raise ValueRejectedError("contains an unpaired surrogate (invalid Unicode)") from None
        size = len(encoded) // 2 if unicode else len(encoded)
        if size <= limit:
            return text
    if not truncate:
        unit = "UTF-16 code units" if unicode else "bytes (UTF-8)"
        raise ValueRejectedError(
            f"is {size} {unit} long but {column.sql} holds {limit}; "
            "set string_overflow to 'truncate' or 'heap' to accept longer strings"
        )
    overflowed[0] = True
    if not encoded:
        return text[:limit]
    if unicode:
        cut = encoded[: limit * 2]
        if 0xD8 <= cut[-1] <= 0xDB:
            cut = cut[:-2]
        return cut.decode("utf-16-le")
    return encoded[:limit].decode("utf-8", errors="ignore")


def _check_unicode(text: str) -> str:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueRejectedError("contains an unpaired surrogate (invalid Unicode)") from None
    return text


def _as_decimal(value: t.Any) -> decimal.Decimal:
    if isinstance(value, bool):
        raise ValueRejectedError(f"is a boolean ({value}), not a number")
    if isinstance(value, decimal.Decimal):
        result = value
    elif isinstance(value, int):
        result = decimal.Decimal(value)
    elif isinstance(value, float):
        result = decimal.Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValueRejectedError(f"is not a number: {value[:40]!r}") from None
    else:
        raise ValueRejectedError(f"is a {type(value).__name__}, not a number")
    if not result.is_finite():
        raise ValueRejectedError(f"is {result}, which SQL numbers cannot hold")
    return result


def integer_bounds(column: ColumnType) -> tuple[int, int] | None:
    """The range of a whole-number column, or None when the column is not one.

    Args:
        column: A declared type: ``tinyint`` to ``bigint``, or ``decimal(p,0)``.

    Returns:
        The lowest and highest value the column keeps.
    """
    if column.name in INT_BOUNDS:
        return INT_BOUNDS[column.name]
    if column.name in {"decimal", "numeric"} and not column.scale:
        digits = column.precision or 38
        return -(10**digits) + 1, 10**digits - 1
    return None


def utf16_units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (what nvarchar(n) counts), -1 if unencodable."""
    try:
        return len(text.encode("utf-16-le")) >> 1
    except UnicodeEncodeError:
        return -1


def utf8_bytes(text: str) -> int:
    """The length of ``text`` in UTF-8 bytes (what varchar(n) counts), -1 if unencodable."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return -1


def integer_encoder(column: ColumnType) -> Encoder:
    """Encoder for ``tinyint``/``smallint``/``int``/``bigint``/``decimal(p,0)`` columns."""
    bounds = integer_bounds(column)
    assert bounds is not None
    low, high = bounds

    def encode(value: t.Any) -> str:
        if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
            number = value
        else:
            exact = _as_decimal(value)
            if exact != exact.to_integral_value():
                raise ValueRejectedError(f"{exact} is not an integer")
            number = int(exact)
        if not low <= number <= high:
            raise ValueRejectedError(f"{number} is outside the range of {column.sql}")
        return str(number)

    return encode


def decimal_encoder(column: ColumnType) -> Encoder:
    """Encoder for ``decimal(p,s)``: refuses values with more digits than the type keeps."""
    precision, scale = column.precision or 18, column.scale or 0
    int_digits = precision - scale

    def encode(value: t.Any) -> str:
        exact = _as_decimal(value)
        whole, fraction = decimal_digits(exact)
        if fraction > scale:
            raise ValueRejectedError(
                f"{exact} has {fraction} decimal places but {column.sql} keeps {scale}"
            )
        if whole > int_digits:
            raise ValueRejectedError(f"{exact} is too large for {column.sql}")
        return format(exact, "f")

    return encode


def float_encoder(*, allow_rounding: bool) -> Encoder:
    """Encoder for ``float`` columns: refuses values a 64-bit float would round."""

    def encode(value: t.Any) -> str:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueRejectedError(f"is {value}, which SQL float cannot hold")
            return repr(value)
        exact = _as_decimal(value)
        number = float(exact)
        if math.isinf(number):
            raise ValueRejectedError(f"{exact} is outside the range of float")
        if not allow_rounding and decimal.Decimal(repr(number)) != exact:
            raise ValueRejectedError(
                f"{exact} would be rounded to {number!r} by float; declare a scale "
                "(multipleOf or x-singer.decimal) or set allow_float_rounding"
            )
        return repr(number)

    return encode


def bit_encoder(value: t.Any) -> str:
    """Encode a boolean as ``1``/``0``.

    Args:
        value: ``True``/``False`` (or 0/1).

    Returns:
        ``1`` or ``0``.

    Raises:
        ValueRejectedError: For anything else.
    """
    if value is True or value is False or (type(value) is int and value in {0, 1}):
        return "1" if value else "0"
    raise ValueRejectedError(f"is not a boolean: {value!r}"[:80])


def _text_of(value: t.Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return json_text(value)


@dataclasses.dataclass
class ColumnCodec:
    """How one column's values are checked and written.

    Attributes:
        name: Column name.
        column: Declared type.
        nullable: Whether NULL is allowed (key columns are NOT NULL).
        encode: Turns a non-null value into its canonical text.
        quoted: The value is text (CSV quotes it; PolyBase escapes it).
    """

    name: str
    column: ColumnType
    nullable: bool
    encode: Callable[[t.Any], str]
    quoted: bool


def make_codec(
    name: str,
    column: ColumnType,
    *,
    nullable: bool = True,
    truncate: bool = False,
    allow_float_rounding: bool = False,
    overflowed: list[bool] | None = None,
) -> ColumnCodec:
    """Build the codec of one column.

    Args:
        name: Column name.
        column: The column's declared type.
        nullable: Whether NULL is allowed.
        truncate: Cut strings that are too long instead of refusing them.
        allow_float_rounding: Accept numbers that a float column would round.
        overflowed: A one-item list set to True when a value was truncated.

    Returns:
        The codec.
    """
    flag = overflowed if overflowed is not None else [False]

    def make(encode: Callable[[t.Any], str], *, quoted: bool = False) -> ColumnCodec:
        return ColumnCodec(name, column, nullable, encode, quoted)

    if column.is_string:
        if column.name == "char":
            return make(_fixed_char(column), quoted=True)
        if column.json:
            return make(
                lambda value: _check_length(
                    json_text(value), column, truncate=truncate, overflowed=flag
                ),
                quoted=True,
            )
        return make(_text_encoder(column, truncate=truncate, overflowed=flag), quoted=True)
    if integer_bounds(column) is not None:
        return make(integer_encoder(column))
    if column.name in {"decimal", "numeric"}:
        return make(decimal_encoder(column))
    if column.name in {"float", "real"}:
        return make(float_encoder(allow_rounding=allow_float_rounding))
    if column.name == "bit":
        return make(bit_encoder)
    if column.name == "date":
        return make(date_encoder)
    if column.name == "time":
        return make(time_encoder)
    if column.name == "datetimeoffset":
        return make(datetimeoffset_encoder)
    if column.name == "datetime2":
        return make(datetime2_encoder)
    msg = f"Column {name!r} has type {column.sql}, which this target does not load"
    raise ValueError(msg)


def _text_encoder(
    column: ColumnType, *, truncate: bool, overflowed: list[bool]
) -> Callable[[t.Any], str]:
    """Encoder of a text column: ASCII strings that fit are taken as they are."""
    limit = column.length if column.length is not None and column.length >= 0 else None

    def encode(value: t.Any) -> str:
        # ASCII counts one unit per character in every text type: no encoding to measure it.
        if type(value) is str and value.isascii() and (limit is None or len(value) <= limit):
            return value
        return _check_length(_text_of(value), column, truncate=truncate, overflowed=overflowed)

    return encode


def _fixed_char(column: ColumnType) -> Callable[[t.Any], str]:
    length = column.length or 1

    def encode(value: t.Any) -> str:
        text = _text_of(value)
        # char(n) pads shorter values with spaces, which would change them.
        if len(text) != length or not text.isascii():
            raise ValueRejectedError(
                f"{text[:40]!r} does not have exactly {length} ASCII characters"
            )
        return text

    return encode
