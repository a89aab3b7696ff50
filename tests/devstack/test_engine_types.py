"""Types kept exactly: declared lengths, full datetime2 range, offsets, decimals, bytes, Unicode."""

from __future__ import annotations

import datetime
import decimal
import typing as t
import uuid

import pytest

from devstack.sqldw_emulator.api import SQLType, Timestamp100ns
from tests.devstack.engine_support import (
    engine_session,
    error_of,
    param,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

TABLE = """
CREATE TABLE dbo.v (
    id INT NOT NULL, nv NVARCHAR(5), vc VARCHAR(5), nvmax NVARCHAR(MAX), dec38 DECIMAL(38, 10),
    bitv BIT, f FLOAT, r REAL, dt2 DATETIME2(7), dt26 DATETIME2(6), dto DATETIMEOFFSET(7),
    d DATE, tm TIME(7), vb VARBINARY(4), guid UNIQUEIDENTIFIER, big BIGINT, tiny TINYINT
) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)
"""


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session(TABLE) as session:
        yield session


def _roundtrip(session: DuckDBSession, column: str, sql_type: SQLType, value: t.Any) -> t.Any:
    results(session, "TRUNCATE TABLE dbo.v")
    results(
        session,
        f"INSERT INTO dbo.v (id, {column}) VALUES (1, @P1)",
        [param("@P1", sql_type.name, value, length=sql_type.length, precision=sql_type.precision,
               scale=sql_type.scale)],
    )  # fmt: skip
    (result,) = results(session, f"SELECT {column} FROM dbo.v")
    assert result.result_set is not None
    assert result.result_set.columns[0].type.name in (sql_type.name, "float", "real")
    return result.result_set.rows[0][0]


NINES = "9" * 28 + "." + "9" * 10
EDGES: list[tuple[str, SQLType, t.Any]] = [
    ("nv", SQLType("nvarchar", 5), "ab\U0001d11ec"),
    ("nv", SQLType("nvarchar", 5), "a\x00b\x00c"),
    ("nv", SQLType("nvarchar", 5), ""),
    ("vc", SQLType("varchar", 5), "abcde"),
    ("nvmax", SQLType("nvarchar", -1), "é" * 20_000),
    ("dec38", SQLType("decimal", precision=38, scale=10), decimal.Decimal(NINES)),
    ("dec38", SQLType("decimal", precision=38, scale=10), decimal.Decimal("-0.0000000001")),
    ("bitv", SQLType("bit"), True),
    ("bitv", SQLType("bit"), False),
    ("f", SQLType("float", precision=53), -2.25e10),
    ("f", SQLType("float", precision=53), 1.7976931348623157e308),
    ("f", SQLType("float", precision=53), 5e-324),
    ("r", SQLType("real"), 0.5),
    ("dt2", SQLType("datetime2", scale=7), datetime.datetime(1, 1, 1)),
    ("dt2", SQLType("datetime2", scale=7), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)),
    ("dt26", SQLType("datetime2", scale=6), datetime.datetime(2024, 2, 29, 12, 0, 0, 123456)),
    (
        "dto",
        SQLType("datetimeoffset", scale=7),
        datetime.datetime(2024, 1, 1, 10, 0, 0, 500, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),  # noqa: E501
    ),
    (
        "dto",
        SQLType("datetimeoffset", scale=7),
        datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-14))),
    ),
    ("d", SQLType("date"), datetime.date(1, 1, 1)),
    ("tm", SQLType("time", scale=7), datetime.time(23, 59, 59, 999999)),
    ("vb", SQLType("varbinary", 4), b"\x00\xff\x00\x01"),
    ("guid", SQLType("uniqueidentifier"), uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("big", SQLType("bigint"), -(2**63)),
    ("tiny", SQLType("tinyint"), 255),
]  # fmt: skip


@pytest.mark.parametrize(
    ("column", "sql_type", "value"), EDGES, ids=[f"{c}-{i}" for i, (c, _s, _v) in enumerate(EDGES)]
)
def test_edge_values_round_trip(
    session: DuckDBSession, column: str, sql_type: SQLType, value: t.Any
) -> None:
    back = _roundtrip(session, column, sql_type, value)
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        assert back.utcoffset() == value.utcoffset()


def test_declared_types_are_reported(session: DuckDBSession) -> None:
    (result,) = results(session, "SELECT nv, vc, nvmax, dec38, bitv, f, dt2, dto, vb FROM dbo.v")
    assert result.result_set is not None
    assert [c.type for c in result.result_set.columns] == [
        SQLType("nvarchar", 5), SQLType("varchar", 5), SQLType("nvarchar", -1),
        SQLType("decimal", precision=38, scale=10), SQLType("bit"), SQLType("float", precision=53),
        SQLType("datetime2", scale=7), SQLType("datetimeoffset", scale=7), SQLType("varbinary", 4),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("column", "sql_type", "value"),
    [
        ("nv", SQLType("nvarchar", 10), "abcdef"),
        ("nv", SQLType("nvarchar", 10), "abcd\U0001d11e"),  # 6 UTF-16 code units
        ("vc", SQLType("varchar", 10), "abcdef"),
        ("vb", SQLType("varbinary", 10), b"12345"),
    ],
)
def test_overflow_is_8152(
    session: DuckDBSession, column: str, sql_type: SQLType, value: t.Any
) -> None:
    error = error_of(
        session,
        f"INSERT INTO dbo.v (id, {column}) VALUES (1, @P1)",
        [param("@P1", sql_type.name, value, length=sql_type.length)],
    )
    assert error.number == 8152
    assert column in error.message


def test_overflow_on_update_and_ctas(session: DuckDBSession) -> None:
    results(session, "INSERT INTO dbo.v (id, nv) VALUES (1, N'abc')")
    assert error_of(session, "UPDATE dbo.v SET nv = nv + N'def'").number == 8152
    results(session, "CREATE TABLE dbo.small (s NVARCHAR(2)) WITH (HEAP)")
    assert error_of(session, "INSERT INTO dbo.small (s) SELECT nv FROM dbo.v").number == 8152


def test_cast_to_shorter_string_truncates_silently(session: DuckDBSession) -> None:
    assert scalar(session, "SELECT CAST(N'abcdef' AS NVARCHAR(3))") == "abc"


def test_null_into_not_null_is_515(session: DuckDBSession) -> None:
    assert error_of(session, "INSERT INTO dbo.v (id) VALUES (NULL)").number == 515


def test_overflowing_int_is_8115(session: DuckDBSession) -> None:
    assert error_of(session, "INSERT INTO dbo.v (id) VALUES (99999999999)").number == 8115


def test_bad_datetimeoffset_text_is_241(session: DuckDBSession) -> None:
    assert error_of(session, "INSERT INTO dbo.v (id, dto) VALUES (1, 'yesterday')").number == 241


def test_decimal_scale_is_kept(session: DuckDBSession) -> None:
    results(session, "INSERT INTO dbo.v (id, dec38) VALUES (1, 1.5)")
    assert rows(session, "SELECT dec38 FROM dbo.v") == [(decimal.Decimal("1.5000000000"),)]


def test_information_schema_reports_declared_types(session: DuckDBSession) -> None:
    found = rows(
        session,
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'dbo' AND TABLE_NAME = 'v' ORDER BY ORDINAL_POSITION",
    )
    by_name = {row[0]: row[1:] for row in found}
    assert by_name["id"] == ("int", None, 10, 0, None, "NO")
    assert by_name["nv"] == ("nvarchar", 5, None, None, None, "YES")
    assert by_name["nvmax"] == ("nvarchar", -1, None, None, None, "YES")
    assert by_name["dec38"] == ("decimal", None, 38, 10, None, "YES")
    assert by_name["dt2"] == ("datetime2", None, None, None, 7, "YES")
    assert by_name["dto"] == ("datetimeoffset", None, None, None, 7, "YES")
    assert by_name["f"] == ("float", None, 53, None, None, "YES")


def test_sys_columns_report_max_length(session: DuckDBSession) -> None:
    found = dict(
        rows(
            session,
            "SELECT c.name, c.max_length FROM sys.columns c JOIN sys.tables t "
            "ON c.object_id = t.object_id WHERE t.name = 'v'",
        )
    )
    assert (found["nv"], found["vc"], found["nvmax"], found["vb"]) == (10, 5, -1, 4)


def test_datetime2_keeps_100ns(session: DuckDBSession) -> None:
    value = Timestamp100ns(datetime.datetime(2024, 1, 1, 0, 0, 0, 123456), 7)
    back = _roundtrip(session, "dt2", SQLType("datetime2", scale=7), value)
    assert back == value


def test_time7_keeps_100ns(session: DuckDBSession) -> None:
    value = Timestamp100ns(datetime.time(23, 59, 59, 999999), 9)
    assert _roundtrip(session, "tm", SQLType("time", scale=7), value) == value


def _tick(text: str) -> datetime.datetime | Timestamp100ns:
    base = datetime.datetime.strptime(text[:26], "%Y-%m-%d %H:%M:%S.%f")
    return Timestamp100ns(base, int(text[26])) if text[26] != "0" else base


DT2_TEXTS = [
    "0001-01-01 00:00:00.0000000",
    "0001-01-01 00:00:00.0000001",
    "1677-09-21 00:12:43.1454999",
    "2024-01-01 12:00:00.1234567",
    "2262-04-11 23:47:16.8547759",
    "9999-12-31 23:59:59.9999999",
]


def test_datetime2_7_text_round_trips_over_the_full_range(session: DuckDBSession) -> None:
    for position, text in enumerate(DT2_TEXTS):
        results(session, f"INSERT INTO dbo.v (id, dt2) VALUES ({position}, '{text}')")
    assert rows(session, "SELECT dt2 FROM dbo.v ORDER BY id") == [(_tick(x),) for x in DT2_TEXTS]
    # Ordered, compared and cast from text at 100 ns.
    assert rows(session, "SELECT id FROM dbo.v ORDER BY dt2 DESC") == [
        (i,) for i in reversed(range(len(DT2_TEXTS)))
    ]
    assert rows(session, "SELECT id FROM dbo.v WHERE dt2 > '2024-01-01 12:00:00.1234566'") == [
        (3,),
        (4,),
        (5,),
    ]
    assert rows(
        session, "SELECT id FROM dbo.v WHERE dt2 = CAST('2024-01-01 12:00:00.1234567' AS datetime2)"
    ) == [(3,)]
    assert rows(
        session,
        "SELECT id FROM dbo.v WHERE dt2 BETWEEN '0001-01-01' AND '0001-01-01 00:00:00.0000001' "
        "ORDER BY id",
    ) == [(0,), (1,)]
    assert rows(session, "SELECT MAX(dt2), MIN(dt2) FROM dbo.v") == [
        (_tick(DT2_TEXTS[-1]), _tick(DT2_TEXTS[0]))
    ]
    assert rows(session, "SELECT CAST(dt2 AS nvarchar(27)) FROM dbo.v WHERE id = 3") == [
        (DT2_TEXTS[3],)
    ]
    assert scalar(session, "SELECT CAST('9999-12-31 23:59:59.9999999' AS datetime2(7))") == (
        _tick(DT2_TEXTS[-1])
    )


def test_datetime2_7_in_functions_and_updates(session: DuckDBSession) -> None:
    results(session, "INSERT INTO dbo.v (id, dt2, tm) VALUES (1, '2024-01-31 12:00:00.1234567', "
                     "'12:00:00.1234567')")  # fmt: skip
    found = rows(
        session,
        "SELECT DATEADD(day, 1, dt2), DATEDIFF(day, dt2, '2024-03-01'), CAST(dt2 AS date), "
        "YEAR(dt2) FROM dbo.v",
    )
    # Functions other than compare/sort/cast-to-text run at microseconds (documented).
    assert found == [
        (datetime.datetime(2024, 2, 1, 12, 0, 0, 123456), 30, datetime.date(2024, 1, 31), 2024)
    ]
    results(session, "UPDATE dbo.v SET dt2 = '2000-01-01 00:00:00.0000009' WHERE tm < '12:00:01'")
    assert scalar(session, "SELECT dt2 FROM dbo.v") == Timestamp100ns(
        datetime.datetime(2000, 1, 1), 9
    )
    # INSERT ... SELECT and CTAS keep the ticks; SYSUTCDATETIME() fills a datetime2(7) column.
    results(session, "INSERT INTO dbo.v SELECT * FROM dbo.v")
    results(
        session,
        "CREATE TABLE dbo.c WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        "SELECT dt2, tm, SYSUTCDATETIME() AS now FROM dbo.v",
    )
    copied = rows(session, "SELECT dt2, tm FROM dbo.c")
    assert copied == [
        (Timestamp100ns(datetime.datetime(2000, 1, 1), 9),
         Timestamp100ns(datetime.time(12, 0, 0, 123456), 7))
    ] * 2  # fmt: skip
    assert scalar(session, "SELECT COUNT(*) FROM dbo.c WHERE now > '2020-01-01'") == 2


DTO_TEXTS = [
    (1, "2024-01-01T10:00:00+02:00"),
    (2, "2024-01-01 08:00:00Z"),
    (3, "2024-01-01 09:00:00.0000001 +01:00"),
    (4, "2024-01-01 02:59:59.9999999 -05:00"),
]


def test_datetimeoffset_compares_and_orders_by_instant(session: DuckDBSession) -> None:
    for number, text in DTO_TEXTS:
        results(session, f"INSERT INTO dbo.v (id, dto) VALUES ({number}, '{text}')")
    assert rows(session, "SELECT id FROM dbo.v WHERE dto = '2024-01-01T08:00:00Z' ORDER BY id") == [
        (1,),
        (2,),
    ]
    assert rows(
        session,
        "SELECT id FROM dbo.v WHERE dto = CAST('2024-01-01 10:00:00 +02:00' AS datetimeoffset) "
        "ORDER BY id",
    ) == [(1,), (2,)]
    assert rows(session, "SELECT id FROM dbo.v ORDER BY dto, id") == [(4,), (1,), (2,), (3,)]
    assert rows(session, "SELECT id FROM dbo.v WHERE dto > '2024-01-01T08:00:00Z'") == [(3,)]
    assert rows(
        session, "SELECT id FROM dbo.v WHERE dto IN ('2024-01-01T03:00:00-05:00') ORDER BY id"
    ) == [(1,), (2,)]
    (result,) = results(session, "SELECT MAX(dto), MIN(dto) FROM dbo.v")
    assert result.result_set is not None
    latest, earliest = result.result_set.rows[0]
    east = datetime.timezone(datetime.timedelta(hours=1))
    assert latest == Timestamp100ns(datetime.datetime(2024, 1, 1, 9, tzinfo=east), 1)
    assert earliest.value.utcoffset() == datetime.timedelta(hours=-5)
    # The offset is kept on output.
    first = scalar(session, "SELECT dto FROM dbo.v WHERE id = 1")
    assert first.utcoffset() == datetime.timedelta(hours=2)
    assert first.hour == 10


def test_cast_text_as_datetimeoffset_in_ctas(session: DuckDBSession) -> None:
    results(
        session, "INSERT INTO dbo.v (id, nvmax) VALUES (1, N'2024-01-01 10:00:00.1234567 +05:30')"
    )
    results(
        session,
        "CREATE TABLE dbo.c WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        "SELECT CAST(nvmax AS datetimeoffset(7)) AS o, CAST(nvmax AS datetime2) AS d, "
        "CAST(nvmax AS time(7)) AS t FROM dbo.v",
    )
    zone = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    assert rows(session, "SELECT o, d, t FROM dbo.c") == [
        (
            Timestamp100ns(datetime.datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=zone), 7),
            Timestamp100ns(datetime.datetime(2024, 1, 1, 10, 0, 0, 123456), 7),
            Timestamp100ns(datetime.time(10, 0, 0, 123456), 7),
        )
    ]
    assert scalar(session, "SELECT CAST(o AS nvarchar(40)) FROM dbo.c") == (
        "2024-01-01 10:00:00.1234567 +05:30"
    )


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("dt2", "2024-13-01"),
        ("dt2", "yesterday"),
        ("tm", "25:00:00"),
        ("dto", "2024-01-01 10:00:00 +15:00"),
        ("dto", "2024-02-30 10:00:00 +01:00"),
    ],
)
def test_bad_temporal_text_is_241(session: DuckDBSession, column: str, text: str) -> None:
    error = error_of(session, f"INSERT INTO dbo.v (id, {column}) VALUES (1, '{text}')")
    assert error.number == 241
    assert scalar(session, "SELECT COUNT(*) FROM dbo.v") == 0


def test_merge_writes_canonical_temporal_values(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.m (id int NOT NULL, d datetime2(7), o datetimeoffset(7)) "
                     "WITH (DISTRIBUTION = HASH(id), HEAP)")  # fmt: skip
    results(session, "CREATE TABLE dbo.s (id int NOT NULL, v nvarchar(40)) WITH (HEAP)")
    results(session, "INSERT INTO dbo.m (id, d, o) VALUES (1, '2000-01-01', '2000-01-01 00:00Z')")
    for number in (1, 2):
        results(
            session,
            f"INSERT INTO dbo.s (id, v) VALUES ({number}, "
            f"'2024-01-01 1{number}:00:00.1234567 +02:00')",
        )
    results(
        session,
        "MERGE INTO dbo.m AS t USING dbo.s AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET d = s.v, o = s.v "
        "WHEN NOT MATCHED THEN INSERT (id, d, o) VALUES (s.id, s.v, s.v);",
    )
    zone = datetime.timezone(datetime.timedelta(hours=2))
    assert rows(session, "SELECT id, d, o FROM dbo.m ORDER BY id") == [
        (
            number,
            Timestamp100ns(datetime.datetime(2024, 1, 1, 10 + number, 0, 0, 123456), 7),
            Timestamp100ns(
                datetime.datetime(2024, 1, 1, 10 + number, 0, 0, 123456, tzinfo=zone), 7
            ),
        )
        for number in (1, 2)
    ]


def test_defaults_of_text_stored_temporal_columns(session: DuckDBSession) -> None:
    results(
        session,
        "CREATE TABLE dbo.df (id int, d datetime2(7) DEFAULT (SYSUTCDATETIME()), "
        "o datetimeoffset(7) DEFAULT ('2024-01-01T10:00:00.0000001+02:00')) WITH (HEAP)",
    )
    results(session, "INSERT INTO dbo.df (id) VALUES (1)")
    stamp, offset = rows(session, "SELECT d, o FROM dbo.df")[0]
    assert stamp > datetime.datetime(2024, 1, 1)
    zone = datetime.timezone(datetime.timedelta(hours=2))
    assert offset == Timestamp100ns(datetime.datetime(2024, 1, 1, 10, tzinfo=zone), 1)


def test_result_types_of_aggregates_and_integer_arithmetic(session: DuckDBSession) -> None:
    results(session, "CREATE TABLE dbo.n (i int, b bigint, s smallint, d decimal(10,2), f float) "
                     "WITH (HEAP)")  # fmt: skip
    results(session, "INSERT INTO dbo.n (i, b, s, d, f) VALUES (5, 5, 5, 1.25, 0.5)")
    results(session, "INSERT INTO dbo.n (i, b, s, d, f) VALUES (-2, 2, 2, 2.50, 1.5)")
    (result,) = results(
        session,
        "SELECT COUNT(*), COUNT_BIG(*), SUM(i), SUM(b), SUM(s), AVG(i), SUM(d), SUM(f), "
        "MAX(i) + 1, i * b, i / 2, 7 / 2 FROM dbo.n GROUP BY i, b ORDER BY i",
    )
    assert result.result_set is not None
    assert [column.type for column in result.result_set.columns] == [
        SQLType("int"), SQLType("bigint"), SQLType("int"), SQLType("bigint"), SQLType("int"),
        SQLType("int"), SQLType("decimal", precision=38, scale=2), SQLType("float", precision=53),
        SQLType("int"), SQLType("bigint"), SQLType("int"), SQLType("int"),
    ]  # fmt: skip
    assert result.result_set.rows == [
        (1, 1, -2, 2, 2, -2, decimal.Decimal("2.50"), 1.5, -1, -4, -1, 3),
        (1, 1, 5, 5, 5, 5, decimal.Decimal("1.25"), 0.5, 6, 25, 2, 3),
    ]
    # AVG of int divides as integers (toward zero); SUM(int) past int's range is 8115.
    assert scalar(session, "SELECT AVG(i) FROM dbo.n") == 1
    results(session, "INSERT INTO dbo.n (i) VALUES (2147483647)")
    assert error_of(session, "SELECT SUM(i) FROM dbo.n").number == 8115
    assert scalar(session, "SELECT SUM(CAST(i AS bigint)) FROM dbo.n") == 2147483650


@pytest.mark.parametrize(
    "text",
    [
        "a" * 10,
        "a" * 11,
        "é" * 10,  # 20 UTF-8 bytes, 10 code units
        "é" * 11,
        "東" * 10,  # 30 bytes
        "𝄞" * 5,  # 20 bytes, 10 code units
        "𝄞" * 5 + "a",
        "a" * 8 + "𝄞",
        "a" * 8 + "éé",  # 12 bytes, 10 characters, none beyond the BMP
        "a" * 9 + "𝄞",
        "é" * 9 + "𝄞",  # 22 bytes, 11 code units: only the exact count tells
        "é" * 8 + "𝄞",
        "東" * 6 + "𝄞" * 2,
        "東" * 7 + "𝄞" * 2,
    ],
)
def test_nvarchar_length_counts_utf16_code_units(session: DuckDBSession, text: str) -> None:
    results(session, "CREATE TABLE dbo.ten (id INT NOT NULL, s NVARCHAR(10)) "
                     "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)")  # fmt: skip
    units = len(text.encode("utf-16-le")) // 2
    statement = f"INSERT INTO dbo.ten (id, s) VALUES (1, N'{text}')"
    if units > 10:
        assert error_of(session, statement).number == 8152
        assert scalar(session, "SELECT COUNT(*) FROM dbo.ten") == 0
    else:
        results(session, statement)
        assert rows(session, "SELECT s, DATALENGTH(s) FROM dbo.ten") == [(text, 2 * units)]
