"""Binding RPC parameter values to their declarations, converting each to its declared type.

Pure: SQL Server's implicit conversion, before the statement sees the values.
"""

from __future__ import annotations

import datetime
import decimal
import re
import typing as t
import uuid

from devstack.sqldw_emulator.api import Parameter, SQLError, SQLType, Timestamp100ns

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from devstack.sqldw_emulator.declarations import Declared
    from devstack.sqldw_emulator.tds.rpc import RpcParam


def bind(declared: Sequence[Declared], values: Sequence[RpcParam]) -> list[Parameter]:
    """Match values (by name, else by position) to declarations and convert them.

    SQL Server converts each RPC value to its declared type before the statement sees it;
    a value that does not convert is error 8114.

    Raises:
        SQLError: 8178 when a declared parameter has no value, 8114 on a failed conversion.
    """
    by_name = {p.name.lower(): p for p in values if p.name}
    positional = [p for p in values if not p.name]
    bound = []
    for decl in declared:
        param = by_name.get(decl.name.lower())
        if param is None and positional:
            param = positional.pop(0)
        if param is None:
            msg = (
                f"The parameterized query '({decl.name} ...' expects the parameter "
                f"'{decl.name}', which was not supplied."
            )
            raise SQLError(8178, msg)
        bound.append(Parameter(decl.name, decl.type, coerce(param.value, decl.type)))
    return bound


def coerce(value: t.Any, target: SQLType) -> t.Any:
    """Convert a decoded value to the declared type, as SQL Server's implicit conversion does.

    Raises:
        SQLError: 8114 when the value cannot be converted.
    """
    if value is None:
        return None
    name = target.name
    try:
        if name in ("tinyint", "smallint", "int", "bigint"):
            if isinstance(value, str):
                return int(value.strip())
            if isinstance(value, (float, decimal.Decimal)):
                return int(value)
            return int(value)
        if name == "bit":
            if isinstance(value, str):
                text = value.strip().lower()
                return (
                    text in ("1", "true") if text in ("0", "1", "true", "false") else int(text) != 0
                )
            return bool(value)
        if name in ("float", "real"):
            return float(value)
        if name in ("decimal", "numeric", "money", "smallmoney"):
            if isinstance(value, float):
                return decimal.Decimal(repr(value))
            if isinstance(value, str):
                return decimal.Decimal(value.strip())
            return decimal.Decimal(value)
        if name in ("char", "varchar", "nchar", "nvarchar"):
            if isinstance(value, (bytes, bytearray)):
                return bytes(value).decode("utf-8", "replace")
            return value if isinstance(value, str) else str(value)
        if name in ("binary", "varbinary"):
            if isinstance(value, str):
                return value.encode("utf-16-le")
            return value
        if name == "uniqueidentifier":
            return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip("{} "))
        if name == "date":
            return _to_date(value)
        if name in ("datetime2", "datetime", "smalldatetime"):
            return _to_datetime(value)
        if name == "datetimeoffset":
            return _to_datetimeoffset(value)
        if name == "time":
            return _to_time(value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        kind = type(value).__name__
        msg = f"Error converting data type {kind} to {name}."
        raise SQLError(8114, msg) from exc
    return value


def _to_date(value: t.Any) -> t.Any:
    plain = value.value if isinstance(value, Timestamp100ns) else value
    if isinstance(plain, datetime.datetime):
        return plain.date()
    if isinstance(plain, str):
        return datetime.date.fromisoformat(plain.strip()[:10])
    return plain


def _to_datetime(value: t.Any) -> t.Any:
    if isinstance(value, Timestamp100ns):
        return value
    if isinstance(value, str):
        return _parse_datetime_text(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return value


def _to_datetimeoffset(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return _parse_datetime_text(value, aware=True)
    plain = value.value if isinstance(value, Timestamp100ns) else value
    if isinstance(plain, datetime.datetime) and plain.tzinfo is None:
        aware = plain.replace(tzinfo=datetime.timezone.utc)
        return Timestamp100ns(aware, value.ticks) if isinstance(value, Timestamp100ns) else aware
    return value


def _to_time(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return _parse_datetime_text("1900-01-01 " + value.strip()).time()
    if isinstance(value, datetime.datetime):
        return value.time()
    return value


def _parse_datetime_text(text: str, *, aware: bool = False) -> t.Any:
    """Parse ISO-like text with up to seven fractional digits (the 7th kept as ticks)."""
    raw = text.strip().replace("T", " ")
    match = re.match(
        r"^(\d{4}-\d{2}-\d{2})(?:\s+(\d{1,2}:\d{2}(?::\d{2})?)(?:\.(\d{1,7}))?)?\s*"
        r"(Z|[+-]\d{2}:?\d{2})?$",
        raw,
    )
    if not match:
        msg = f"cannot convert {text!r}"
        raise ValueError(msg)
    day, clock, fraction, zone = match.groups()
    base = datetime.datetime.fromisoformat(f"{day} {clock or '00:00:00'}")
    digits = (fraction or "").ljust(7, "0")
    ticks = int(digits)
    base = base.replace(microsecond=ticks // 10)
    if zone or aware:
        offset = datetime.timedelta()
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            hours, minutes = int(zone[1:3]), int(zone[-2:])
            offset = sign * datetime.timedelta(hours=hours, minutes=minutes)
        base = base.replace(tzinfo=datetime.timezone(offset))
    return Timestamp100ns(base, ticks % 10) if ticks % 10 else base
