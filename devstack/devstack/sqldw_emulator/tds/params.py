"""RPC parameter decoding: TYPE_INFO and values as the drivers send them (MS-TDS 2.2.5).

Pure.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import struct
import typing as t
import uuid

from devstack.sqldw_emulator.api import SQLError, SQLType, Timestamp100ns
from devstack.sqldw_emulator.tds.wire import ByteReader, ProtocolError

# Fixed-length types: no length on the wire.
_FIXED_SIZES = {
    0x1F: 0,  # NULLTYPE
    0x30: 1,  # INT1
    0x32: 1,  # BIT
    0x34: 2,  # INT2
    0x38: 4,  # INT4
    0x3A: 4,  # DATETIM4
    0x3B: 4,  # FLT4
    0x3C: 8,  # MONEY
    0x3D: 8,  # DATETIME
    0x3E: 8,  # FLT8
    0x7A: 4,  # MONEY4
    0x7F: 8,  # INT8
}
_BYTELEN = {0x24, 0x26, 0x37, 0x3F, 0x68, 0x6A, 0x6C, 0x6D, 0x6E, 0x6F, 0x2F, 0x27, 0x2D, 0x25}
_USHORTLEN = {0xA5, 0xA7, 0xAD, 0xAF, 0xE7, 0xEF}
_LONGLEN = {0x22, 0x23, 0x63}
_WITH_COLLATION = {0xA7, 0xAF, 0xE7, 0xEF, 0x23, 0x63, 0x2F, 0x27}
_SCALED = {0x29, 0x2A, 0x2B}
_DATE_EPOCH = datetime.date(1, 1, 1).toordinal()
_DATETIME_EPOCH = datetime.datetime(1900, 1, 1)


@dataclasses.dataclass(frozen=True, slots=True)
class TypeInfo:
    """A decoded TYPE_INFO."""

    tds_type: int
    length: int = 0
    precision: int = 0
    scale: int = 0
    collation: bytes = b""

    @property
    def is_plp(self) -> bool:
        """Whether values use partially-length-prefixed chunks ((max) types)."""
        return self.tds_type in _USHORTLEN and self.length == 0xFFFF


def read_type_info(reader: ByteReader) -> TypeInfo:
    """Decode a TYPE_INFO.

    Raises:
        ProtocolError: for types no loader sends (sql_variant, xml, UDT, TVP).
    """
    tds_type = reader.u8()
    if tds_type in _FIXED_SIZES:
        return TypeInfo(tds_type, _FIXED_SIZES[tds_type])
    if tds_type == 0x28:  # DATEN
        return TypeInfo(tds_type, 3)
    if tds_type in _SCALED:
        return TypeInfo(tds_type, 0, scale=reader.u8())
    if tds_type in _BYTELEN:
        length = reader.u8()
        precision = scale = 0
        if tds_type in (0x37, 0x3F, 0x6A, 0x6C):
            precision, scale = reader.u8(), reader.u8()
        collation = reader.take(5) if tds_type in _WITH_COLLATION else b""
        return TypeInfo(tds_type, length, precision, scale, collation)
    if tds_type in _USHORTLEN:
        length = reader.u16()
        collation = reader.take(5) if tds_type in _WITH_COLLATION else b""
        return TypeInfo(tds_type, length, collation=collation)
    if tds_type in _LONGLEN:
        length = reader.u32()
        collation = reader.take(5) if tds_type in _WITH_COLLATION else b""
        return TypeInfo(tds_type, length, collation=collation)
    msg = f"unsupported parameter type {tds_type:#04x}"
    raise ProtocolError(msg)


def _read_plp(reader: ByteReader) -> bytes | None:
    total = reader.u64()
    if total == 0xFFFFFFFFFFFFFFFF:
        return None
    parts = []
    while True:
        size = reader.u32()
        if size == 0:
            break
        parts.append(reader.take(size))
    return b"".join(parts)


def _read_raw(reader: ByteReader, info: TypeInfo) -> bytes | None:
    kind = info.tds_type
    if kind in _FIXED_SIZES:
        return reader.take(info.length) if kind != 0x1F else None
    if info.is_plp:
        return _read_plp(reader)
    if kind in _USHORTLEN:
        size = reader.u16()
        return None if size == 0xFFFF else reader.take(size)
    if kind in _LONGLEN:
        size = reader.u32()
        return None if size == 0xFFFFFFFF else reader.take(size)
    size = reader.u8()
    if size == 0 or (size == 0xFF and kind in (0x2F, 0x27, 0x2D, 0x25)):
        return None
    return reader.take(size)


def _decode_time(raw: bytes, scale: int) -> tuple[int, int]:
    """(microseconds since midnight, extra 100 ns ticks) of a scaled time."""
    ticks = int.from_bytes(raw, "little") * 10 ** (7 - scale)
    return ticks // 10, ticks % 10


def _time_value(micros: int, extra: int) -> t.Any:
    seconds, micro = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    value = datetime.time(hour, minute, second, micro)
    return Timestamp100ns(value, extra) if extra else value


def _decode_varchar(raw: bytes, collation: bytes) -> str:
    # A UTF-8 collation sets bit 0x04 of the fourth collation byte (fUTF8, TDS 7.4+).
    if len(collation) == 5 and collation[3] & 0x04:
        return raw.decode("utf-8")
    return raw.decode("cp1252", "replace")


def decode_value(raw: bytes | None, info: TypeInfo) -> t.Any:
    """Turn a parameter's bytes into the Python value of the :mod:`api` contract."""
    if raw is None:
        return None
    kind = info.tds_type
    if kind in (0x26, 0x30, 0x34, 0x38, 0x7F):
        signed = kind != 0x30 and len(raw) != 1
        return int.from_bytes(raw, "little", signed=signed)
    if kind in (0x68, 0x32):
        return raw[0] != 0
    if kind in (0x6D, 0x3B, 0x3E):
        return struct.unpack("<f" if len(raw) == 4 else "<d", raw)[0]
    if kind in (0x6A, 0x6C, 0x37, 0x3F):
        number = int.from_bytes(raw[1:], "little")
        digits = tuple(int(c) for c in str(number))
        return decimal.Decimal((0 if raw[0] else 1, digits, -info.scale))
    if kind in (0x6E, 0x3C, 0x7A):
        if len(raw) == 4:
            number = struct.unpack("<i", raw)[0]
        else:
            high, low = struct.unpack("<iI", raw)
            number = (high << 32) | low
        return decimal.Decimal(number).scaleb(-4)
    if kind in (0x6F, 0x3D, 0x3A):
        if len(raw) == 4:
            days, minutes = struct.unpack("<HH", raw)
            return _DATETIME_EPOCH + datetime.timedelta(days=days, minutes=minutes)
        days, ticks = struct.unpack("<iI", raw)
        millis = round(ticks * 10 / 3)
        return _DATETIME_EPOCH + datetime.timedelta(days=days, milliseconds=millis)
    if kind == 0x24:
        return uuid.UUID(bytes_le=raw)
    if kind == 0x28:
        return datetime.date.fromordinal(int.from_bytes(raw, "little") + _DATE_EPOCH)
    if kind in _SCALED:
        return _decode_temporal(raw, info)
    if kind in (0xE7, 0xEF, 0x63):
        return raw.decode("utf-16-le", "surrogatepass")
    if kind in (0xA7, 0xAF, 0x23, 0x2F, 0x27):
        return _decode_varchar(raw, info.collation)
    return bytes(raw)


def _decode_temporal(raw: bytes, info: TypeInfo) -> t.Any:
    if info.tds_type == 0x29:
        return _time_value(*_decode_time(raw, info.scale))
    tsize = len(raw) - (3 if info.tds_type == 0x2A else 5)
    micros, extra = _decode_time(raw[:tsize], info.scale)
    day = datetime.date.fromordinal(int.from_bytes(raw[tsize : tsize + 3], "little") + _DATE_EPOCH)
    value = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(
        microseconds=micros
    )
    if info.tds_type == 0x2B:
        (offset,) = struct.unpack("<h", raw[tsize + 3 : tsize + 5])
        zone = datetime.timezone(datetime.timedelta(minutes=offset))
        value = value.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    return Timestamp100ns(value, extra) if extra else value


def read_value(reader: ByteReader, info: TypeInfo, ordinal: int = 0, name: str = "") -> t.Any:
    """Read and decode one parameter value.

    Raises:
        SQLError: 8023 when the bytes are no valid value of their type (SQL Server's answer,
            e.g. to FreeTDS sending 0001-01-01 as day 0xFFFFFF).
    """
    raw = _read_raw(reader, info)
    try:
        return decode_value(raw, info)
    except (ValueError, OverflowError, UnicodeDecodeError, struct.error) as exc:
        kind = sql_type_of(info).name
        msg = (
            "The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream "
            f'is incorrect. Parameter {ordinal} ("{name}"): The supplied value is not a valid '
            f"instance of data type {kind}. Check the source data for invalid values."
        )
        raise SQLError(8023, msg) from exc


def sql_type_of(info: TypeInfo) -> SQLType:
    """The T-SQL type a TYPE_INFO stands for (used when no declaration names the parameter)."""
    kind = info.tds_type
    ints = {1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"}
    if kind == 0x26:
        return SQLType(ints.get(info.length, "int"))
    fixed_ints = {0x30: "tinyint", 0x34: "smallint", 0x38: "int", 0x7F: "bigint"}
    if kind in fixed_ints:
        return SQLType(fixed_ints[kind])
    if kind in (0x68, 0x32):
        return SQLType("bit")
    if kind in (0x6D, 0x3B, 0x3E):
        return SQLType("real" if info.length == 4 or kind == 0x3B else "float")
    if kind in (0x6A, 0x37):
        return SQLType("decimal", precision=info.precision, scale=info.scale)
    if kind in (0x6C, 0x3F):
        return SQLType("numeric", precision=info.precision, scale=info.scale)
    if kind in (0x6E, 0x3C, 0x7A):
        return SQLType("money")
    if kind in (0x6F, 0x3D, 0x3A):
        return SQLType("datetime")
    if kind == 0x24:
        return SQLType("uniqueidentifier")
    if kind == 0x28:
        return SQLType("date")
    temporal = {0x29: "time", 0x2A: "datetime2", 0x2B: "datetimeoffset"}
    if kind in temporal:
        return SQLType(temporal[kind], scale=info.scale)
    lengths = {0xE7: ("nvarchar", 2), 0xEF: ("nchar", 2), 0xA7: ("varchar", 1)}
    lengths |= {0xAF: ("char", 1), 0xA5: ("varbinary", 1), 0xAD: ("binary", 1)}
    if kind in lengths:
        name, unit = lengths[kind]
        return SQLType(name, -1 if info.is_plp else info.length // unit)
    legacy = {0x63: "nvarchar", 0x23: "varchar", 0x22: "varbinary", 0x2F: "char"}
    legacy |= {0x27: "varchar", 0x2D: "binary", 0x25: "varbinary"}
    if kind in legacy:
        return SQLType(legacy[kind], -1 if kind in _LONGLEN else info.length)
    return SQLType("nvarchar", -1)
