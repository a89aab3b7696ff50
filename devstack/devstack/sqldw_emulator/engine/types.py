"""T-SQL types: parsing declarations, their DuckDB storage, and value conversion both ways.

Pure.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid

from devstack.sqldw_emulator.api import SQLType, Timestamp100ns
from devstack.sqldw_emulator.engine import temporal

UNSUPPORTED = frozenset(
    {"text", "ntext", "image", "xml", "sql_variant", "geometry", "geography", "hierarchyid",
     "timestamp", "rowversion", "table", "cursor", "json", "vector"}
)  # fmt: skip
_FIXED = {
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "UTINYINT",
    "bit": "BOOLEAN",
    "real": "FLOAT",
    "money": "DECIMAL(19,4)",
    "smallmoney": "DECIMAL(10,4)",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "smalldatetime": "TIMESTAMP",
    "datetime2": "TIMESTAMP",
    "time": "TIME",
    "datetimeoffset": "VARCHAR",
    "uniqueidentifier": "UUID",
    "char": "VARCHAR",
    "varchar": "VARCHAR",
    "nchar": "VARCHAR",
    "nvarchar": "VARCHAR",
    "binary": "BLOB",
    "varbinary": "BLOB",
    "sysname": "VARCHAR",
}
KNOWN = frozenset(_FIXED) | {"float", "decimal", "numeric"}
CHAR_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "sysname"})
BINARY_TYPES = frozenset({"binary", "varbinary"})
_DTO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"\s*(?:(Z)|([+-])(\d{1,2}):?(\d{2}))?\s*$",
    re.IGNORECASE,
)


#: The ISO synonyms SQL Server accepts for its type names ("Data type synonyms", Transact-SQL
#: reference), by their words; multi-word forms are read by :func:`synonym`.
SYNONYMS: dict[tuple[str, ...], str] = {
    ("integer",): "int",
    ("dec",): "decimal",
    ("character",): "char",
    ("double", "precision"): "float",
    ("char", "varying"): "varchar",
    ("character", "varying"): "varchar",
    ("binary", "varying"): "varbinary",
    ("national", "char"): "nchar",
    ("national", "character"): "nchar",
    ("national", "char", "varying"): "nvarchar",
    ("national", "character", "varying"): "nvarchar",
    ("national", "text"): "ntext",
}
_SYNONYM_LENGTHS = sorted({len(words) for words in SYNONYMS}, reverse=True)


def synonym(words: list[str]) -> tuple[str, int] | None:
    """The T-SQL type named by the ISO synonym at the start of ``words`` and its word count.

    Args:
        words: Upcoming words, lower case (a non-word stops the list).

    Returns:
        (type name, words used), or None when ``words`` start with no synonym.
    """
    for size in _SYNONYM_LENGTHS:
        if size > len(words):
            continue
        name = SYNONYMS.get(tuple(words[:size]))
        if name is not None:
            return name, size
    return None


class DeclaredTypeError(ValueError):
    """A declared type the dialect does not know or does not allow."""


def make_type(name: str, args: list[str]) -> SQLType:
    """Build an :class:`SQLType` from a base name and its argument texts.

    Raises:
        DeclaredTypeError: for unknown names or invalid arguments.
    """
    name = name.lower()
    known = synonym([name])
    if known is not None:
        name = known[0]
    if name == "sysname":
        return SQLType("nvarchar", 128)
    if name not in KNOWN:
        raise DeclaredTypeError(name)
    if name in CHAR_TYPES or name in BINARY_TYPES:
        if not args:
            return SQLType(name, 1)
        text = args[0].strip().lower()
        length = -1 if text == "max" else int(text)
        limit = 4000 if name in ("nchar", "nvarchar") else 8000
        if length != -1 and not 1 <= length <= limit:
            raise DeclaredTypeError(f"{name}({length})")
        if length == -1 and name in ("char", "nchar", "binary"):
            raise DeclaredTypeError(f"{name}(max)")
        return SQLType(name, length)
    if name in ("decimal", "numeric"):
        precision = int(args[0]) if args else 18
        scale = int(args[1]) if len(args) > 1 else 0
        if not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise DeclaredTypeError(f"{name}({precision},{scale})")
        return SQLType(name, precision=precision, scale=scale)
    if name == "float":
        bits = int(args[0]) if args else 53
        if not 1 <= bits <= 53:
            raise DeclaredTypeError(f"float({bits})")
        return SQLType("real") if bits <= 24 else SQLType("float", precision=53)
    if name in ("time", "datetime2", "datetimeoffset"):
        scale = int(args[0]) if args else 7
        if not 0 <= scale <= 7:
            raise DeclaredTypeError(f"{name}({scale})")
        return SQLType(name, scale=scale)
    if args:
        raise DeclaredTypeError(f"{name}({','.join(args)})")
    return SQLType(name)


def storage_type(sql: SQLType) -> str:
    """The DuckDB column type that stores a T-SQL type."""
    if sql.name in ("decimal", "numeric"):
        return f"DECIMAL({sql.precision or 18},{sql.scale or 0})"
    if sql.name == "float":
        return "DOUBLE"
    if temporal.text_kind(sql) is not None:
        return "VARCHAR"
    return _FIXED[sql.name]


def type_text(sql: SQLType) -> str:
    """The T-SQL spelling of a type, e.g. ``nvarchar(40)``, ``decimal(38,6)``."""
    if sql.name in CHAR_TYPES or sql.name in BINARY_TYPES:
        return f"{sql.name}({'max' if sql.length == -1 else sql.length})"
    if sql.name in ("decimal", "numeric"):
        return f"{sql.name}({sql.precision},{sql.scale})"
    if sql.name in ("time", "datetime2", "datetimeoffset"):
        return f"{sql.name}({7 if sql.scale is None else sql.scale})"
    return sql.name


def max_length_bytes(sql: SQLType) -> int:
    """sys.columns.max_length: bytes of storage, -1 for (max)."""
    if sql.length == -1:
        return -1
    if sql.name in ("nchar", "nvarchar"):
        return 2 * (sql.length or 1)
    if sql.name in CHAR_TYPES or sql.name in BINARY_TYPES:
        return sql.length or 1
    sizes = {"bigint": 8, "int": 4, "smallint": 2, "tinyint": 1, "bit": 1, "float": 8,
             "real": 4, "money": 8, "smallmoney": 4, "date": 3, "datetime": 8,
             "smalldatetime": 4, "uniqueidentifier": 16}  # fmt: skip
    if sql.name in ("decimal", "numeric"):
        precision = sql.precision or 18
        return 5 if precision <= 9 else 9 if precision <= 19 else 13 if precision <= 28 else 17
    if sql.name in ("time", "datetime2", "datetimeoffset"):
        scale = 7 if sql.scale is None else sql.scale
        base = 3 if scale <= 2 else 4 if scale <= 4 else 5
        return base + {"time": 0, "datetime2": 3, "datetimeoffset": 5}[sql.name]
    return sizes.get(sql.name, 0)


def length_check(column_sql: str, sql: SQLType) -> str | None:
    """A DuckDB CHECK expression enforcing a declared length, or None when unbounded.

    nvarchar counts UTF-16 code units, so a character beyond the BMP takes two. ``strlen``
    (UTF-8 bytes) is never below that count, so the cheap test settles almost every row and
    the exact count only runs for long values. (More cheap tests, e.g. ``length`` over n,
    made every short value's check about 20 % slower.)
    """
    if sql.length in (None, -1):
        return None
    n = sql.length
    if sql.name in BINARY_TYPES:
        return f"octet_length({column_sql}) <= {n}"
    if sql.name in ("nchar", "nvarchar"):
        # CASE, not OR: DuckDB evaluates both sides of OR for every row, and the regexp is slow.
        return (
            f"CASE WHEN strlen({column_sql}) <= {n} THEN true "
            f"ELSE length({column_sql}) + {astral_count(column_sql)} <= {n} END"
        )
    return f"length({column_sql}) <= {n}"


#: Text without its characters beyond the BMP, matched in runs: one match per run, not per
#: character (a match per character made a 4,000-character value cost about 0.4 ms).
NOT_ASTRAL_RUNS = "[^\\x{10000}-\\x{10FFFF}]+"


def astral_count(text_sql: str) -> str:
    """SQL counting the characters beyond the BMP (two UTF-16 code units each) in a text."""
    return f"length(regexp_replace({text_sql}, '{NOT_ASTRAL_RUNS}', '', 'g'))"


def format_check(column_sql: str, sql: SQLType) -> str | None:
    """A CHECK that text stored for a datetime2(7)/time(7)/datetimeoffset is canonical."""
    return temporal.format_check(column_sql, sql)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as nvarchar counts it."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def fits(value: object, sql: SQLType) -> bool:
    """Whether a Python value fits a declared length (for values checked outside DuckDB)."""
    if value is None or sql.length in (None, -1):
        return True
    if isinstance(value, str):
        size = utf16_length(value) if sql.name in ("nchar", "nvarchar") else len(value)
        return size <= (sql.length or 1)
    if isinstance(value, bytes | bytearray):
        return len(value) <= (sql.length or 1)
    return True


def assigned(value: object, sql: SQLType | None) -> object:
    """A value as a variable of type ``sql`` holds it: T-SQL cuts strings to the declared length.

    ``DECLARE @v varchar`` is ``varchar(1)``, so ``SET @v = 'abc'`` keeps ``'a'`` (silently, as
    SQL Server does for variables, unlike columns); a ``decimal(p, s)`` variable keeps s digits.
    """
    if (
        sql is not None
        and sql.name in ("decimal", "numeric")
        and isinstance(value, decimal.Decimal | int | float)
    ):
        # A decimal variable rounds to its scale (half away from zero, as SQL Server does).
        exponent = decimal.Decimal(1).scaleb(-(sql.scale or 0))
        return decimal.Decimal(str(value)).quantize(exponent, rounding=decimal.ROUND_HALF_UP)
    if sql is None or sql.length in (None, -1) or not isinstance(value, str | bytes):
        return value
    if isinstance(value, str) and sql.name in CHAR_TYPES:
        if sql.name in ("nchar", "nvarchar"):
            cut = value[: sql.length]
            while utf16_length(cut) > (sql.length or 1):
                cut = cut[:-1]
            return cut
        return value[: sql.length]
    if isinstance(value, bytes) and sql.name in BINARY_TYPES:
        return value[: sql.length]
    return value


def format_dto(value: datetime.datetime, ticks: int = 0) -> str:
    """The canonical stored text of a datetimeoffset (local time and offset)."""
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    fraction = f"{value.microsecond:06d}{ticks}"
    return (
        f"{value.strftime('%Y-%m-%d %H:%M:%S').zfill(19)}.{fraction} {sign}{hours:02d}:{mins:02d}"
    )


def _datetime_text(value: datetime.datetime) -> str:
    return f"{value.year:04d}-{value.strftime('%m-%d %H:%M:%S.%f')}"


def parse_datetime2(text: str) -> datetime.datetime | Timestamp100ns:
    """A stored ``YYYY-MM-DD hh:mm:ss.fffffff`` text as a datetime (with its 100 ns tick)."""
    date, clock = text[:10], text[11:26]
    year, month, day = (int(part) for part in date.split("-"))
    value = datetime.datetime.combine(
        datetime.date(year, month, day), datetime.time.fromisoformat(clock)
    )
    ticks = int(text[26:27] or 0)
    return Timestamp100ns(value, ticks) if ticks else value


def parse_time(text: str) -> datetime.time | Timestamp100ns:
    """A stored ``hh:mm:ss.fffffff`` text as a time (with its 100 ns tick)."""
    value = datetime.time.fromisoformat(text[:15])
    ticks = int(text[15:16] or 0)
    return Timestamp100ns(value, ticks) if ticks else value


def parse_dto(text: str) -> datetime.datetime | Timestamp100ns:
    """Parse datetimeoffset text (ISO 8601 or SQL Server form) into an aware datetime.

    Raises:
        ValueError: when the text is not a datetimeoffset.
    """
    match = _DTO.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zulu, sign, oh, om = match.groups()
    digits = (fraction or "").ljust(7, "0")
    offset = datetime.timedelta(0)
    if sign:
        offset = datetime.timedelta(hours=int(oh), minutes=int(om))
        if sign == "-":
            offset = -offset
    _ = zulu
    value = datetime.datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int(digits[:6]),
        tzinfo=datetime.timezone(offset),
    )
    ticks = int(digits[6])
    return Timestamp100ns(value, ticks) if ticks else value


def to_storage(value: object, sql: SQLType | None) -> object:
    """Convert a bound parameter value into what DuckDB should receive for a column type."""
    if value is None:
        return None
    if isinstance(value, Timestamp100ns):
        if sql is not None and sql.name == "datetimeoffset":
            return format_dto(value.value, value.ticks)
        if isinstance(value.value, datetime.datetime):
            # Text keeps the ticks; the statement converts it where a column needs it.
            return f"{_datetime_text(value.value)}{value.ticks}"
        if isinstance(value.value, datetime.time):
            return f"{value.value.strftime('%H:%M:%S.%f')}{value.ticks}"
        value = value.value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        if sql is None or sql.name == "datetimeoffset":
            return format_dto(value)
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def from_storage(value: object, sql: SQLType) -> object:
    """Convert a DuckDB value back into the Python type the TDS layer expects for ``sql``."""
    if value is None:
        return None
    name = sql.name
    if name == "datetimeoffset":
        return parse_dto(str(value))
    if isinstance(value, str) and name == "datetime2":
        return parse_datetime2(value)
    if isinstance(value, str) and name == "time":
        return parse_time(value)
    if name == "bit":
        return bool(value)
    if name in ("decimal", "numeric", "money", "smallmoney") and not isinstance(
        value, decimal.Decimal
    ):
        return decimal.Decimal(str(value))
    if name == "uniqueidentifier" and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    if name in ("float", "real") and not isinstance(value, float):
        return float(value)  # type: ignore[arg-type]
    return value


_DUCK_TO_TSQL = {
    "BOOLEAN": SQLType("bit"),
    "TINYINT": SQLType("smallint"),
    "UTINYINT": SQLType("tinyint"),
    "SMALLINT": SQLType("smallint"),
    "USMALLINT": SQLType("int"),
    "INTEGER": SQLType("int"),
    "UINTEGER": SQLType("bigint"),
    "BIGINT": SQLType("bigint"),
    "UBIGINT": SQLType("decimal", precision=20, scale=0),
    "HUGEINT": SQLType("decimal", precision=38, scale=0),
    "UHUGEINT": SQLType("decimal", precision=38, scale=0),
    "FLOAT": SQLType("real"),
    "DOUBLE": SQLType("float", precision=53),
    "VARCHAR": SQLType("nvarchar", -1),
    "BLOB": SQLType("varbinary", -1),
    "DATE": SQLType("date"),
    "TIME": SQLType("time", scale=7),
    "TIMESTAMP": SQLType("datetime2", scale=7),
    "TIMESTAMP_NS": SQLType("datetime2", scale=7),
    "TIMESTAMP_MS": SQLType("datetime2", scale=3),
    "TIMESTAMP_S": SQLType("datetime2", scale=0),
    "TIMESTAMP WITH TIME ZONE": SQLType("datetimeoffset", scale=7),
    "UUID": SQLType("uniqueidentifier"),
    "INTERVAL": SQLType("nvarchar", 100),
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def from_duck_type(type_code: object) -> SQLType:
    """The T-SQL type reported for a DuckDB result column with no declared type."""
    text = str(type_code).upper()
    match = _DECIMAL.match(text)
    if match:
        return SQLType("decimal", precision=int(match.group(1)), scale=int(match.group(2)))
    return _DUCK_TO_TSQL.get(text, SQLType("nvarchar", -1))


def from_duck_value(value: object, sql: SQLType) -> object:
    """Normalize a DuckDB value of an undeclared column (tz-aware times, odd ints)."""
    if value is None:
        return None
    if sql.name == "datetimeoffset" and isinstance(value, datetime.datetime):
        return value
    if sql.name == "nvarchar" and not isinstance(value, str):
        return str(value)
    if sql.name == "decimal" and isinstance(value, int):
        return decimal.Decimal(value)
    return value
