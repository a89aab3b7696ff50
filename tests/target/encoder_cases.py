"""The values and column types every record encoder is checked with, edge cases of each type.

Shared by the staging encoder tests (test_staging_encoder, test_column_formatters).
"""

from __future__ import annotations

import datetime as dt
import decimal

from target_azure_sqldw.schema.sql_types import ColumnType

D = decimal.Decimal
UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))

VALUES: list[object] = [
    None,
    "",
    "abc",
    "abcdef",
    'quo"te|pipe\\back\nnew\rcr\x00nul',
    "héllo",
    "😀",
    "\ud800",
    0,
    1,
    -1,
    255,
    256,
    2**31,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    True,
    False,
    1.5,
    -0.0,
    2.0,
    float("inf"),
    float("nan"),
    D("1.50"),
    D("0.1"),
    D("1E+400"),
    D("1.230"),
    D("-0.00"),
    D("0.000"),
    D("12345678.12"),
    D("123456789.1"),
    D("-99999999.99"),
    D("1E+2"),
    D("1E-7"),
    D("0.000001"),
    D("3.0"),
    10**8,
    -(10**37),
    "42",
    dt.datetime(2024, 1, 1, 12, 0, 0, 123456),
    dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC),
    dt.datetime(2024, 1, 1, 1, 0, 0, 1, tzinfo=PLUS2),
    dt.datetime(1, 1, 1, 0, 0, tzinfo=PLUS2),
    dt.date(2024, 2, 29),
    dt.time(10, 0, tzinfo=PLUS2),
    dt.time(10, 0, tzinfo=UTC),
    dt.time(23, 59, 59, 999999),
    dt.time(0, 0),
    dt.datetime(2024, 2, 29),
    dt.date(1, 1, 1),
    "2024-06-01T10:00:00Z",
    "10:00:00",
    {"a": 1, "b": [D("1.50"), "ü"]},
    ["x", "new\nline"],
    {"bad": float("nan")},
]

TYPES = [
    "nvarchar(5)",
    "nvarchar(max)",
    "varchar(4)",
    "char(3)",
    "tinyint",
    "int",
    "bigint",
    "decimal(38,0)",
    "decimal(10,2)",
    "decimal(38,6)",
    "decimal(2,2)",
    "float",
    "bit",
    "date",
    "time(6)",
    "datetime2(6)",
    "datetimeoffset(6)",
]

COLUMNS = [ColumnType.parse(sql) for sql in TYPES] + [
    ColumnType(name, length, json=True)
    for name, length in (("nvarchar", 5), ("nvarchar", -1), ("varchar", 4))
]
