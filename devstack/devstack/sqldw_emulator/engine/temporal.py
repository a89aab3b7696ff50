"""Exact datetime2(7), time(7) and datetimeoffset: canonical text storage and its SQL macros.

Pure: values and SQL text.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType

_FORMAT = "'%Y-%m-%d %H:%M:%S.%f'"
_OFFSET_ERROR = (
    "error('Conversion failed when converting date and/or time from character string "
    "(offset beyond 14:00).')"
)
#: Per-session DuckDB macros (TEMP: private to the connection, nothing persisted). A macro
#: argument is substituted wherever it is used, so values needed more than once are bound once
#: through ``list_transform([value], lambda v: ...)[1]``. DuckDB parses the text (its TIMESTAMP
#: cast keeps the local time and ignores an offset; TIMESTAMPTZ gives the instant) and the
#: seventh fraction digit is read from the text.
MACROS = (
    # The 7th fractional digit of a text (0 when absent).
    "CREATE OR REPLACE TEMP MACRO dw_digit7(s) AS CASE WHEN instr(s, '.') > 0 AND "
    "substr(s, instr(s, '.') + 7, 1) BETWEEN '0' AND '9' THEN substr(s, instr(s, '.') + 7, 1) "
    "ELSE '0' END",
    # SQL Server allows a space before the offset; DuckDB does not.
    "CREATE OR REPLACE TEMP MACRO dw_unspace(x) AS "
    "replace(replace(trim(CAST(x AS VARCHAR)), ' +', '+'), ' -', '-')",
    "CREATE OR REPLACE TEMP MACRO dw_dt2_of(s, ts) AS CASE WHEN ts IS NOT NULL THEN "
    f"strftime(ts, {_FORMAT}) || dw_digit7(s) END",
    "CREATE OR REPLACE TEMP MACRO dw_dt2(x) AS list_transform([dw_unspace(x)], "
    "lambda s: dw_dt2_of(s, CAST(s AS TIMESTAMP)))[1]",
    "CREATE OR REPLACE TEMP MACRO dw_try_dt2(x) AS list_transform([dw_unspace(x)], "
    "lambda s: dw_dt2_of(s, TRY_CAST(s AS TIMESTAMP)))[1]",
    # time: a time text, or the time of day of a datetime text.
    "CREATE OR REPLACE TEMP MACRO dw_time_of(s, tm) AS CASE WHEN tm IS NOT NULL THEN "
    "strftime(DATE '2000-01-01' + tm, '%H:%M:%S.%f') || dw_digit7(s) END",
    "CREATE OR REPLACE TEMP MACRO dw_time7(x) AS list_transform([dw_unspace(x)], "
    "lambda s: dw_time_of(s, coalesce(TRY_CAST(s AS TIME), "
    "CAST(CAST(s AS TIMESTAMP) AS TIME))))[1]",
    "CREATE OR REPLACE TEMP MACRO dw_try_time7(x) AS list_transform([dw_unspace(x)], "
    "lambda s: dw_time_of(s, coalesce(TRY_CAST(s AS TIME), "
    "CAST(TRY_CAST(s AS TIMESTAMP) AS TIME))))[1]",
    # datetimeoffset: local time, then the offset in minutes (local minus instant).
    "CREATE OR REPLACE TEMP MACRO dw_offset_text(m) AS (CASE WHEN m < 0 THEN '-' ELSE '+' END)"
    " || lpad(CAST(abs(m) // 60 AS VARCHAR), 2, '0') || ':' "
    "|| lpad(CAST(abs(m) % 60 AS VARCHAR), 2, '0')",
    "CREATE OR REPLACE TEMP MACRO dw_dto_text(s, l, m) AS "
    f"strftime(l, {_FORMAT}) || dw_digit7(s) || ' ' || dw_offset_text(m)",
    "CREATE OR REPLACE TEMP MACRO dw_dto_minutes(p) AS (epoch_us(p.l) - epoch_us(p.u)) // 60000000",
    "CREATE OR REPLACE TEMP MACRO dw_dto(x) AS list_transform([dw_unspace(x)], lambda s: "
    "list_transform([{'l': CAST(s AS TIMESTAMP), 'u': CAST(s AS TIMESTAMPTZ)}], lambda p: "
    f"CASE WHEN abs(dw_dto_minutes(p)) > 840 THEN {_OFFSET_ERROR} "
    "ELSE dw_dto_text(s, p.l, dw_dto_minutes(p)) END)[1])[1]",
    "CREATE OR REPLACE TEMP MACRO dw_try_dto(x) AS list_transform([dw_unspace(x)], lambda s: "
    "list_transform([{'l': TRY_CAST(s AS TIMESTAMP), 'u': TRY_CAST(s AS TIMESTAMPTZ)}], "
    "lambda p: CASE WHEN abs(dw_dto_minutes(p)) <= 840 "
    "THEN dw_dto_text(s, p.l, dw_dto_minutes(p)) END)[1])[1]",
    # Lambda-free forms for DEFAULT expressions (DuckDB refuses lambdas there); one row each.
    "CREATE OR REPLACE TEMP MACRO dw_dt2_plain(x) AS "
    "dw_dt2_of(dw_unspace(x), CAST(dw_unspace(x) AS TIMESTAMP))",
    "CREATE OR REPLACE TEMP MACRO dw_time7_plain(x) AS dw_time_of(dw_unspace(x), "
    "coalesce(TRY_CAST(dw_unspace(x) AS TIME), CAST(CAST(dw_unspace(x) AS TIMESTAMP) AS TIME)))",
    "CREATE OR REPLACE TEMP MACRO dw_dto_plain_of(s, p) AS "
    f"CASE WHEN abs(dw_dto_minutes(p)) > 840 THEN {_OFFSET_ERROR} "
    "ELSE dw_dto_text(s, p.l, dw_dto_minutes(p)) END",
    "CREATE OR REPLACE TEMP MACRO dw_dto_plain(x) AS dw_dto_plain_of(dw_unspace(x), "
    "{'l': CAST(dw_unspace(x) AS TIMESTAMP), 'u': CAST(dw_unspace(x) AS TIMESTAMPTZ)})",
    # The instant of a canonical datetimeoffset, in 100 ns units since 1970 UTC.
    "CREATE OR REPLACE TEMP MACRO dw_dto_key(c) AS "
    "(epoch_us(CAST(substr(c, 1, 26) AS TIMESTAMP)) - "
    "(CASE WHEN substr(c, 29, 1) = '-' THEN -1 ELSE 1 END) * "
    "(CAST(substr(c, 30, 2) AS BIGINT) * 60 + CAST(substr(c, 33, 2) AS BIGINT)) * 60000000) "
    "* 10 + CAST(substr(c, 27, 1) AS BIGINT)",
)

#: CHECK patterns of the stored texts (a value that bypassed the macros fails with 241).
PATTERNS = {
    "datetime2": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7}$",
    "time": r"^\d{2}:\d{2}:\d{2}\.\d{7}$",
    "datetimeoffset": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{7} [+-]\d{2}:\d{2}$",
}
_MACRO = {"datetime2": "dw_dt2", "time": "dw_time7", "datetimeoffset": "dw_dto"}


def text_kind(sql: SQLType | None) -> str | None:
    """``datetime2``, ``time`` or ``datetimeoffset`` when ``sql`` is stored as canonical text."""
    if sql is None:
        return None
    if sql.name in ("datetime2", "time") and sql.scale in (None, 7):
        return sql.name
    if sql.name == "datetimeoffset":
        return sql.name
    return None


def macro(kind: str, *, strict: bool = True, plain: bool = False) -> str:
    """The macro that makes a value of any type into the stored text of ``kind``.

    Args:
        kind: ``datetime2``, ``time`` or ``datetimeoffset``.
        strict: Fail on bad input (else give NULL).
        plain: The lambda-free form, which a DEFAULT may use (always strict).
    """
    name = _MACRO[kind]
    if plain:
        return f"{name}_plain"
    return name if strict else name.replace("dw_", "dw_try_", 1)


def store_sql(
    expression: str, sql: SQLType, *, strict: bool = True, plain: bool = False
) -> str | None:
    """SQL turning ``expression`` into the stored text of ``sql`` (None: not a text type)."""
    kind = text_kind(sql)
    if kind is None:
        return None
    return f"{macro(kind, strict=strict, plain=plain)}({expression})"


def format_check(column_sql: str, sql: SQLType) -> str | None:
    """A CHECK that a stored text is canonical (else None)."""
    kind = text_kind(sql)
    if kind is None:
        return None
    return f"regexp_full_match({column_sql}, '{PATTERNS[kind]}')"
