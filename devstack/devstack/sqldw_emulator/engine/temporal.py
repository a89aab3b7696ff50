"""Exact datetime2(7), time(7) and datetimeoffset: canonical text storage and its SQL.

DuckDB's TIMESTAMP and TIME stop at microseconds and TIMESTAMP_NS only spans 1677-2262, so
the types that need 100 ns over 0001-9999 are stored as fixed-width text, which sorts and
compares like the values it holds:

- ``datetime2(7)``: ``YYYY-MM-DD hh:mm:ss.fffffff``;
- ``time(7)``: ``hh:mm:ss.fffffff``;
- ``datetimeoffset(n)``: ``YYYY-MM-DD hh:mm:ss.fffffff +hh:mm`` (local time and offset), which
  compares by instant through :data:`DTO_KEY` (a BIGINT of 100 ns units in UTC).

``datetime2(0-6)`` and ``time(0-6)`` stay TIMESTAMP/TIME. The macros below (created in every
session) turn any value (text, TIMESTAMP, DATE, a stored text) into the canonical text: the
``dw_try_*`` forms give NULL for bad input (loads count it as a reject), the others fail with
a conversion error (241).
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType

_OFFSET = r"(Z|z|[+-]\d{1,2}:?\d{2})"
_FRACTION = r"substr(rpad(regexp_extract(s, ':\d{2}\.(\d+)', 1), 7, '0'), 7, 1)"
#: Per-session DuckDB macros (TEMP: private to the connection, nothing persisted).
MACROS = (
    # s: text of a datetime2; ts: s as a TIMESTAMP (NULL when it is not one).
    "CREATE OR REPLACE TEMP MACRO dw_dt2_of(s, ts) AS CASE WHEN ts IS NOT NULL THEN "
    f"strftime(ts, '%Y-%m-%d %H:%M:%S.%f') || {_FRACTION} END",
    "CREATE OR REPLACE TEMP MACRO dw_dt2_text(x) AS "
    f"regexp_replace(trim(CAST(x AS VARCHAR)), '\\s*{_OFFSET}$', '')",
    "CREATE OR REPLACE TEMP MACRO dw_dt2_s(s) AS dw_dt2_of(s, CAST(s AS TIMESTAMP))",
    "CREATE OR REPLACE TEMP MACRO dw_try_dt2_s(s) AS dw_dt2_of(s, TRY_CAST(s AS TIMESTAMP))",
    "CREATE OR REPLACE TEMP MACRO dw_dt2(x) AS dw_dt2_s(dw_dt2_text(x))",
    "CREATE OR REPLACE TEMP MACRO dw_try_dt2(x) AS dw_try_dt2_s(dw_dt2_text(x))",
    # time: the time of day of a time or datetime text.
    "CREATE OR REPLACE TEMP MACRO dw_time_text(x) AS "
    "regexp_extract(dw_dt2_text(x), '\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?$', 0)",
    "CREATE OR REPLACE TEMP MACRO dw_time_of(s, tm) AS CASE WHEN tm IS NOT NULL THEN "
    f"strftime(DATE '2000-01-01' + tm, '%H:%M:%S.%f') || {_FRACTION} END",
    "CREATE OR REPLACE TEMP MACRO dw_time7_s(s) AS dw_time_of(s, CAST(s AS TIME))",
    "CREATE OR REPLACE TEMP MACRO dw_try_time7_s(s) AS dw_time_of(s, TRY_CAST(s AS TIME))",
    "CREATE OR REPLACE TEMP MACRO dw_time7(x) AS dw_time7_s(dw_time_text(x))",
    "CREATE OR REPLACE TEMP MACRO dw_try_time7(x) AS dw_try_time7_s(dw_time_text(x))",
    # datetimeoffset: split into local text and offset, both made canonical.
    "CREATE OR REPLACE TEMP MACRO dw_dto_parts(x) AS "
    f"regexp_extract(trim(CAST(x AS VARCHAR)), '^(.*?)\\s*{_OFFSET}?$', ['l', 'o'])",
    "CREATE OR REPLACE TEMP MACRO dw_offset_minutes(o) AS CASE WHEN o IN ('', 'Z', 'z') "
    "THEN 0 ELSE (CASE WHEN o[1] = '-' THEN -1 ELSE 1 END) * ("
    "CAST(regexp_extract(o, '^[+-](\\d{1,2}):?(\\d{2})$', 1) AS INTEGER) * 60 + "
    "CAST(regexp_extract(o, '^[+-](\\d{1,2}):?(\\d{2})$', 2) AS INTEGER)) END",
    "CREATE OR REPLACE TEMP MACRO dw_offset_text(m) AS CASE WHEN abs(m) <= 840 THEN "
    "(CASE WHEN m < 0 THEN '-' ELSE '+' END) || lpad(CAST(abs(m) // 60 AS VARCHAR), 2, '0') "
    "|| ':' || lpad(CAST(abs(m) % 60 AS VARCHAR), 2, '0') END",
    "CREATE OR REPLACE TEMP MACRO dw_dto_of(p, local) AS CASE WHEN local IS NOT NULL "
    "THEN local || ' ' || dw_offset_text(dw_offset_minutes(p.o)) END",
    "CREATE OR REPLACE TEMP MACRO dw_dto_p(p) AS CASE WHEN p IS NULL THEN NULL "
    "WHEN abs(dw_offset_minutes(p.o)) > 840 THEN error('Conversion failed when converting "
    "date and/or time from character string (offset beyond 14:00).') "
    "ELSE dw_dto_of(p, dw_dt2_s(p.l)) END",
    "CREATE OR REPLACE TEMP MACRO dw_try_dto_p(p) AS CASE WHEN abs(dw_offset_minutes(p.o)) "
    "<= 840 THEN dw_dto_of(p, dw_try_dt2_s(p.l)) END",
    "CREATE OR REPLACE TEMP MACRO dw_dto(x) AS dw_dto_p(dw_dto_parts(x))",
    "CREATE OR REPLACE TEMP MACRO dw_try_dto(x) AS dw_try_dto_p(dw_dto_parts(x))",
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


def macro(kind: str, *, strict: bool = True) -> str:
    """The macro that makes a value of any type into the stored text of ``kind``."""
    name = _MACRO[kind]
    return name if strict else name.replace("dw_", "dw_try_", 1)


def store_sql(expression: str, sql: SQLType, *, strict: bool = True) -> str | None:
    """SQL turning ``expression`` into the stored text of ``sql`` (None: not a text type)."""
    kind = text_kind(sql)
    if kind is None:
        return None
    return f"{macro(kind, strict=strict)}({expression})"


def format_check(column_sql: str, sql: SQLType) -> str | None:
    """A CHECK that a stored text is canonical (else None)."""
    kind = text_kind(sql)
    if kind is None:
        return None
    return f"regexp_full_match({column_sql}, '{PATTERNS[kind]}')"
