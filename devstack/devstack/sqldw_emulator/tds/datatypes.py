"""Result encoding: a TYPE_INFO and a value encoder for each declared T-SQL type.

Pure.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import struct
import typing as t
import uuid

from devstack.sqldw_emulator.api import SQLType, Timestamp100ns
from devstack.sqldw_emulator.tds.tokens import DEFAULT_COLLATION, UTF8_COLLATION

INTN = 0x26
BITN = 0x68
FLTN = 0x6D
DECIMALN = 0x6A
NUMERICN = 0x6C
MONEYN = 0x6E
DATETIMN = 0x6F
GUID = 0x24
DATEN = 0x28
TIMEN = 0x29
DATETIME2N = 0x2A
DATETIMEOFFSETN = 0x2B
BIGVARBINARY = 0xA5
BIGVARCHAR = 0xA7
BIGBINARY = 0xAD
BIGCHAR = 0xAF
NVARCHAR = 0xE7
NCHAR = 0xEF

PLP_NULL = b"\xff\xff\xff\xff\xff\xff\xff\xff"
USHORT_NULL = b"\xff\xff"
# The code page behind the default collation (SQL_Latin1_General_CP1_CI_AS).
VARCHAR_CODEC = "cp1252"

_EPOCH_ORDINAL = datetime.date(1, 1, 1).toordinal()
_DATETIME_EPOCH = datetime.datetime(1900, 1, 1)
_INT_FORMATS = {1: "<B", 2: "<h", 4: "<i", 8: "<q"}
_INT_NAMES = {"tinyint": 1, "smallint": 2, "int": 4, "bigint": 8}

Encoder = t.Callable[[t.Any, bytearray], None]


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnCodec:
    """How one column travels: its TYPE_INFO and the function that appends a value."""

    type_info: bytes
    encode: Encoder


def decimal_size(precision: int) -> int:
    """Bytes of a DECIMALN value (sign byte included) for a precision."""
    if precision <= 9:
        return 5
    if precision <= 19:
        return 9
    if precision <= 28:
        return 13
    return 17


def time_size(scale: int) -> int:
    """Bytes of the time part of TIMEN/DATETIME2N/DATETIMEOFFSETN for a scale."""
    if scale <= 2:
        return 3
    if scale <= 4:
        return 4
    return 5


def scaled_integer(value: decimal.Decimal, scale: int) -> int:
    """The exact integer ``value * 10**scale`` (digits past the scale are truncated)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        msg = f"cannot send {value} as a decimal"
        raise ValueError(msg)
    number = int("".join(map(str, digits)) or "0")
    shift = exponent + scale
    number = number * 10**shift if shift >= 0 else number // 10 ** (-shift)
    return -number if sign else number


def time_ticks(value: t.Any) -> tuple[int, int]:
    """Split a time-like value into (100 ns ticks since midnight, extra ticks below 1 µs)."""
    extra = 0
    if isinstance(value, Timestamp100ns):
        extra = value.ticks
        value = value.value
    ticks = (value.hour * 3600 + value.minute * 60 + value.second) * 10_000_000
    return ticks + value.microsecond * 10 + extra, extra


def _plain_value(value: t.Any) -> t.Any:
    return value.value if isinstance(value, Timestamp100ns) else value


def _int_codec(size: int) -> ColumnCodec:
    pack = struct.Struct(_INT_FORMATS[size]).pack
    prefix = bytes((size,))

    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out += prefix
            out += pack(int(value))

    return ColumnCodec(bytes((INTN, size)), encode)


def _bit_encode(value: t.Any, out: bytearray) -> None:
    if value is None:
        out.append(0)
    else:
        out += b"\x01\x01" if value else b"\x01\x00"


def _float_codec(size: int) -> ColumnCodec:
    pack = struct.Struct("<d" if size == 8 else "<f").pack
    prefix = bytes((size,))

    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out += prefix
            out += pack(float(value))

    return ColumnCodec(bytes((FLTN, size)), encode)


def _decimal_codec(tds_type: int, precision: int, scale: int) -> ColumnCodec:
    size = decimal_size(precision)
    prefix = bytes((size,))

    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
            return
        if not isinstance(value, decimal.Decimal):
            value = (
                decimal.Decimal(str(value)) if isinstance(value, float) else decimal.Decimal(value)
            )
        number = scaled_integer(value, scale)
        out += prefix
        out.append(0 if number < 0 else 1)
        out += abs(number).to_bytes(size - 1, "little")

    return ColumnCodec(bytes((tds_type, size, precision, scale)), encode)


def _money_codec(size: int) -> ColumnCodec:
    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
            return
        number = scaled_integer(decimal.Decimal(value), 4)
        out.append(size)
        if size == 4:
            out += struct.pack("<i", number)
        else:
            out += struct.pack("<iI", number >> 32, number & 0xFFFFFFFF)

    return ColumnCodec(bytes((MONEYN, size)), encode)


def _ushort_codec(type_info: bytes, convert: t.Callable[[t.Any], bytes]) -> ColumnCodec:
    pack = struct.Struct("<H").pack

    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out += USHORT_NULL
        else:
            data = convert(value)
            out += pack(len(data))
            out += data

    return ColumnCodec(type_info, encode)


def _plp_codec(type_info: bytes, convert: t.Callable[[t.Any], bytes]) -> ColumnCodec:
    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out += PLP_NULL
            return
        data = convert(value)
        out += struct.pack("<Q", len(data))
        if data:
            out += struct.pack("<I", len(data))
            out += data
        out += b"\x00\x00\x00\x00"

    return ColumnCodec(type_info, encode)


def _nchar(value: t.Any) -> bytes:
    return str(value).encode("utf-16-le", "surrogatepass")


def _char(value: t.Any) -> bytes:
    return str(value).encode(VARCHAR_CODEC, "replace")


def _utf8_char(value: t.Any) -> bytes:
    return str(value).encode("utf-8", "surrogatepass")


def _binary(value: t.Any) -> bytes:
    return bytes(value)


def _string_codec(sql: SQLType, *, utf8: bool = False) -> ColumnCodec:
    wide = sql.name in ("nvarchar", "nchar")
    fixed = sql.name in ("nchar", "char", "binary")
    binary = sql.name in ("binary", "varbinary")
    length = sql.length if sql.length is not None else (1 if fixed else 8000 // (2 if wide else 1))
    unit = 2 if wide else 1
    is_max = length == -1 or length * unit > 8000
    if binary:
        tds_type = BIGBINARY if fixed and not is_max else BIGVARBINARY
        convert: t.Callable[[t.Any], bytes] = _binary
        collation = b""
    elif wide:
        tds_type = NCHAR if fixed and not is_max else NVARCHAR
        convert = _nchar
        collation = DEFAULT_COLLATION
    else:
        tds_type = BIGCHAR if fixed and not is_max else BIGVARCHAR
        # A UTF-8 collation (Fabric): the driver decodes the bytes as UTF-8, and the declared
        # length counts those bytes.
        convert = _utf8_char if utf8 else _char
        collation = UTF8_COLLATION if utf8 else DEFAULT_COLLATION
    if is_max:
        return _plp_codec(bytes((tds_type,)) + b"\xff\xff" + collation, convert)
    if fixed and not binary:
        width = length

        def padded(value: t.Any, base: t.Callable[[t.Any], bytes] = convert) -> bytes:
            return base(str(value).ljust(width))

        convert = padded
    type_info = bytes((tds_type,)) + struct.pack("<H", length * unit) + collation
    return _ushort_codec(type_info, _bounded(convert, length * unit))


def _bounded(convert: t.Callable[[t.Any], bytes], limit: int) -> t.Callable[[t.Any], bytes]:
    """Refuse a value longer than its column: the driver would read past it (a broken stream)."""

    def checked(value: t.Any) -> bytes:
        data = convert(value)
        if len(data) > limit:
            msg = f"a value of {len(data)} bytes is longer than its column ({limit} bytes)"
            raise ValueError(msg)
        return data

    return checked


def _date_encode(value: t.Any, out: bytearray) -> None:
    if value is None:
        out.append(0)
        return
    value = _plain_value(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    out.append(3)
    out += (value.toordinal() - _EPOCH_ORDINAL).to_bytes(3, "little")


def _time_codec(tds_type: int, scale: int) -> ColumnCodec:
    tsize = time_size(scale)
    divisor = 10 ** (7 - scale)
    extra = 3 if tds_type == DATETIME2N else 5 if tds_type == DATETIMEOFFSETN else 0
    prefix = bytes((tsize + extra,))

    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
            return
        plain = _plain_value(value)
        offset_minutes = 0
        if tds_type == DATETIMEOFFSETN:
            delta = plain.utcoffset() if plain.tzinfo is not None else None
            offset_minutes = int(delta.total_seconds() // 60) if delta is not None else 0
            if delta is not None:
                # The wire carries UTC date and time plus the offset.
                plain = (plain - delta).replace(tzinfo=None)
                value = (
                    Timestamp100ns(plain, value.ticks)
                    if isinstance(value, Timestamp100ns)
                    else plain
                )
        ticks, _ = time_ticks(value if isinstance(value, Timestamp100ns) else plain)
        out += prefix
        out += (ticks // divisor).to_bytes(tsize, "little")
        if extra:
            out += (plain.toordinal() - _EPOCH_ORDINAL).to_bytes(3, "little")
        if tds_type == DATETIMEOFFSETN:
            out += struct.pack("<h", offset_minutes)

    return ColumnCodec(bytes((tds_type, scale)), encode)


def _datetime_codec(size: int) -> ColumnCodec:
    def encode(value: t.Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
            return
        plain = _plain_value(value)
        if not isinstance(plain, datetime.datetime):
            plain = datetime.datetime.combine(plain, datetime.time())
        plain = plain.replace(tzinfo=None)
        days = (plain.date() - _DATETIME_EPOCH.date()).days
        seconds = plain.hour * 3600 + plain.minute * 60 + plain.second
        out.append(size)
        if size == 4:
            out += struct.pack("<HH", days, seconds // 60)
        else:
            ticks = round((seconds + plain.microsecond / 1_000_000) * 300)
            out += struct.pack("<iI", days, ticks)

    return ColumnCodec(bytes((DATETIMN, size)), encode)


def _guid_encode(value: t.Any, out: bytearray) -> None:
    if value is None:
        out.append(0)
        return
    if not isinstance(value, uuid.UUID):
        value = uuid.UUID(str(value))
    out.append(16)
    out += value.bytes_le


def codec_for(sql: SQLType, *, utf8: bool = False) -> ColumnCodec:
    """The codec of a declared T-SQL type; unknown types travel as nvarchar(max) text.

    Args:
        sql: The column's declared type.
        utf8: Send char/varchar as UTF-8 under a UTF-8 collation (a Fabric Warehouse, to a
            client that announced UTF8_SUPPORT) instead of code page 1252.
    """
    name = sql.name.lower()
    if name in _INT_NAMES:
        return _int_codec(_INT_NAMES[name])
    if name == "bit":
        return ColumnCodec(bytes((BITN, 1)), _bit_encode)
    if name == "real" or (name == "float" and sql.precision is not None and sql.precision <= 24):
        return _float_codec(4)
    if name == "float":
        return _float_codec(8)
    if name in ("decimal", "numeric"):
        precision = sql.precision or 18
        scale = sql.scale or 0
        return _decimal_codec(DECIMALN if name == "decimal" else NUMERICN, precision, scale)
    if name in ("money", "smallmoney"):
        return _money_codec(8 if name == "money" else 4)
    if name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary"):
        return _string_codec(dataclasses.replace(sql, name=name), utf8=utf8)
    if name == "date":
        return ColumnCodec(bytes((DATEN,)), _date_encode)
    if name == "time":
        return _time_codec(TIMEN, 7 if sql.scale is None else sql.scale)
    if name == "datetime2":
        return _time_codec(DATETIME2N, 7 if sql.scale is None else sql.scale)
    if name == "datetimeoffset":
        return _time_codec(DATETIMEOFFSETN, 7 if sql.scale is None else sql.scale)
    if name in ("datetime", "smalldatetime"):
        return _datetime_codec(8 if name == "datetime" else 4)
    if name == "uniqueidentifier":
        return ColumnCodec(bytes((GUID, 16)), _guid_encode)
    return _string_codec(SQLType("nvarchar", -1))
