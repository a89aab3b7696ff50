"""The catalog surface a dedicated pool offers clients: views, metadata functions, name forms,
type synonyms and default lengths, and the error numbers of its refusals."""

from __future__ import annotations

import datetime
import decimal
import typing as t

import pytest

from devstack.sqldw_emulator.api import SQLError, SQLType, Timestamp100ns
from devstack.sqldw_emulator.engine.view_columns import COLUMNS
from tests.devstack.engine_support import (
    DATABASE,
    USER,
    engine_session,
    error_of,
    results,
    rows,
    scalar,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.engine.session import DuckDBSession

D = decimal.Decimal

ORDERS = (
    "CREATE TABLE sales.orders (order_id INTEGER NOT NULL, customer NVARCHAR(40) NOT NULL, "
    "amount DEC(12, 2) NULL, placed_at DATETIME2(7) NULL, code CHAR(3) NULL, "
    "status VARCHAR(10) NULL DEFAULT 'new', "
    "CONSTRAINT pk_orders PRIMARY KEY NONCLUSTERED (order_id) NOT ENFORCED) "
    "WITH (DISTRIBUTION = HASH(order_id), CLUSTERED COLUMNSTORE INDEX)"
)


@pytest.fixture
def session() -> Iterator[DuckDBSession]:
    with engine_session("CREATE SCHEMA sales", ORDERS) as session:
        yield session


def test_catalog_views_take_every_name_form(session: DuckDBSession) -> None:
    forms = [
        "SELECT [INFORMATION_SCHEMA].[TABLES].[TABLE_NAME] FROM [INFORMATION_SCHEMA].[TABLES] "
        "WHERE [INFORMATION_SCHEMA].[TABLES].[TABLE_SCHEMA] = 'sales'",
        "SELECT TABLES.TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'sales'",
        "SELECT t.TABLE_NAME FROM information_schema.tables AS t WHERE t.table_schema = N'sales'",
        f"SELECT TABLE_NAME FROM {DATABASE}.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'sales'",
        "SELECT sys.tables.name FROM sys.tables JOIN sys.schemas "
        "ON sys.tables.schema_id = sys.schemas.schema_id WHERE sys.schemas.name = 'sales'",
    ]
    for sql in forms:
        assert rows(session, sql) == [("orders",)], sql


def test_char_codes_compare_ignoring_trailing_spaces(session: DuckDBSession) -> None:
    found = rows(
        session,
        "SELECT o.name, o.type FROM sys.objects AS o WHERE o.type IN ('U', 'V') "
        "AND o.schema_id = SCHEMA_ID('sales')",
    )
    # sys.objects.type is char(2): the client reads 'U ' (the TDS layer pads it).
    assert found == [("orders", "U")]
    assert scalar(session, "SELECT COUNT(*) FROM sys.objects WHERE type = 'U '") == 1
    assert scalar(session, "SELECT COUNT(*) FROM sys.objects WHERE type = 'PK'") == 1


def test_object_id_takes_one_two_and_three_part_names(session: DuckDBSession) -> None:
    table_id = scalar(session, "SELECT object_id FROM sys.tables WHERE name = 'orders'")
    results(session, "CREATE TABLE dbo.plain (id INT) WITH (HEAP)")
    plain_id = scalar(session, "SELECT object_id FROM sys.tables WHERE name = 'plain'")
    names = {
        "sales.orders": table_id,
        "[sales].[orders]": table_id,
        f"{DATABASE}.sales.orders": table_id,
        "plain": plain_id,
        "dbo.plain": plain_id,
        f"{DATABASE}..plain": plain_id,
        "orders": None,
        "other_db.sales.orders": None,
    }
    for name, expected in names.items():
        assert scalar(session, f"SELECT OBJECT_ID('{name}')") == expected, name
        # Computed per row, as SQLAlchemy's reflection sends it.
        computed = scalar(
            session,
            "SELECT OBJECT_ID(x.n) FROM (SELECT @P1 AS n) AS x",
            [_nvarchar("@P1", name)],
        )
        assert computed == expected, name
    assert scalar(session, "SELECT OBJECT_ID('sales.orders', 'U')") == table_id
    assert scalar(session, "SELECT OBJECT_ID('sales.orders', 'V')") is None
    per_row = rows(
        session,
        "SELECT TABLE_NAME, OBJECT_ID(TABLE_SCHEMA + '.' + TABLE_NAME) "
        "FROM INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME",
    )
    assert per_row == [("orders", table_id), ("plain", plain_id)]


def _nvarchar(name: str, value: str) -> t.Any:
    from devstack.sqldw_emulator.api import Parameter

    return Parameter(name, SQLType("nvarchar", 4000), value)


def test_metadata_functions_answer_as_a_pool_does(session: DuckDBSession) -> None:
    answers = rows(
        session,
        "SELECT SCHEMA_ID('sales'), SCHEMA_ID(), SCHEMA_NAME(SCHEMA_ID('sales')), "
        "OBJECT_NAME(OBJECT_ID('sales.orders')), OBJECT_SCHEMA_NAME(OBJECT_ID('sales.orders')), "
        "OBJECTPROPERTY(OBJECT_ID('sales.orders'), 'IsUserTable'), "
        "OBJECTPROPERTY(OBJECT_ID('sales.orders'), 'TableHasPrimaryKey'), "
        "OBJECTPROPERTY(OBJECT_ID('sales.pk_orders'), 'CnstIsClustKey'), "
        "OBJECTPROPERTY(OBJECT_ID('sales.orders'), 'NoSuchProperty'), "
        "COLUMNPROPERTY(OBJECT_ID('sales.orders'), 'customer', 'AllowsNull'), "
        "COLUMNPROPERTY(OBJECT_ID('sales.orders'), 'amount', 'AllowsNull'), "
        "COLUMNPROPERTY(OBJECT_ID('sales.orders'), 'customer', 'Precision'), "
        "COLUMNPROPERTY(OBJECT_ID('sales.orders'), 'amount', 'Scale')",
    )
    schema_id = scalar(session, "SELECT schema_id FROM sys.schemas WHERE name = 'sales'")
    assert answers == [(schema_id, 1, "sales", "orders", "sales", 1, 1, 0, None, 0, 1, 40, 2)]
    assert rows(session, "SELECT SESSION_USER, CURRENT_USER, SYSTEM_USER") == [(USER, USER, USER)]
    version = scalar(session, "SELECT @@VERSION")
    assert version.startswith("Microsoft Azure SQL Data Warehouse - 10.0.")
    assert scalar(session, "SELECT SERVERPROPERTY('EngineEdition')") == 6


def test_sys_columns_carries_sql_server_lengths_precisions_and_scales(
    session: DuckDBSession,
) -> None:
    results(
        session,
        "CREATE TABLE dbo.kinds (a datetime2(7), b datetime2(0), c time(7), d datetimeoffset(7), "
        "e date, f datetime, g decimal(38, 6), h float, i real, j bit, k nvarchar(40), "
        "l varchar(max), m bigint, n uniqueidentifier) WITH (HEAP)",
    )
    found = rows(
        session,
        "SELECT c.name, c.max_length, c.precision, c.scale FROM sys.columns AS c "
        "WHERE c.object_id = OBJECT_ID('dbo.kinds') ORDER BY c.column_id",
    )
    assert found == [
        ("a", 8, 27, 7),
        ("b", 6, 19, 0),
        ("c", 5, 16, 7),
        ("d", 10, 34, 7),
        ("e", 3, 10, 0),
        ("f", 8, 23, 3),
        ("g", 17, 38, 6),
        ("h", 8, 53, 0),
        ("i", 4, 24, 0),
        ("j", 1, 1, 0),
        ("k", 80, 0, 0),
        ("l", -1, 0, 0),
        ("m", 8, 19, 0),
        ("n", 16, 0, 0),
    ]


def test_key_constraints_show_in_both_catalogs(session: DuckDBSession) -> None:
    assert rows(
        session,
        "SELECT tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, k.ORDINAL_POSITION "
        "FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS AS tc "
        "JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS k ON k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME",
    ) == [("pk_orders", "PRIMARY KEY", "order_id", 1)]
    assert rows(
        session,
        "SELECT i.name, i.type_desc, i.is_primary_key, c.name FROM sys.indexes AS i "
        "JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id "
        "JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
        "WHERE i.object_id = OBJECT_ID('sales.orders')",
    ) == [("pk_orders", "NONCLUSTERED", True, "order_id")]
    assert rows(
        session,
        "SELECT d.definition, c.name FROM sys.default_constraints AS d JOIN sys.columns AS c "
        "ON c.default_object_id = d.object_id",
    ) == [("('new')", "status")]


def test_three_part_names_on_the_current_database(session: DuckDBSession) -> None:
    results(session, f"INSERT INTO {DATABASE}.sales.orders (order_id, customer) VALUES (1, N'a')")
    assert scalar(session, f"SELECT COUNT(*) FROM {DATABASE}.sales.orders") == 1
    assert scalar(session, f"SELECT [customer] FROM [{DATABASE}].[sales].[orders]") == "a"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", SQLType("int")),
        ("DEC(10, 2)", SQLType("decimal", precision=10, scale=2)),
        ("DOUBLE PRECISION", SQLType("float", precision=53)),
        ("CHARACTER VARYING(20)", SQLType("varchar", 20)),
        ("CHAR VARYING(5)", SQLType("varchar", 5)),
        ("CHARACTER(4)", SQLType("char", 4)),
        ("NATIONAL CHARACTER VARYING(30)", SQLType("nvarchar", 30)),
        ("NATIONAL CHAR VARYING(7)", SQLType("nvarchar", 7)),
        ("NATIONAL CHAR(2)", SQLType("nchar", 2)),
        ("BINARY VARYING(16)", SQLType("varbinary", 16)),
    ],
)
def test_iso_synonyms_declare_their_sql_server_types(
    session: DuckDBSession, declared: str, expected: SQLType
) -> None:
    results(session, f"CREATE TABLE dbo.syn (c {declared} NULL) WITH (HEAP)")
    info = session.lookup_table("dbo", "syn")
    assert info is not None
    assert info.columns[0].type == expected
    assert scalar(
        session, "SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'syn'"
    ) == (expected.name)


def test_iso_synonyms_in_cast_convert_and_declare(session: DuckDBSession) -> None:
    outcome = results(
        session,
        "SELECT CAST('abc' AS CHARACTER VARYING(2)), "
        "CAST(N'xyz' AS NATIONAL CHARACTER VARYING(2)), CONVERT(DOUBLE PRECISION, 1), "
        "CAST(1.25 AS DEC(4, 1)), CAST(7 AS INTEGER)",
    )
    result_set = outcome[-1].result_set
    assert result_set is not None
    assert result_set.rows == [("ab", "xy", 1.0, D("1.3"), 7)]
    assert [column.type for column in result_set.columns] == [
        SQLType("varchar", 2),
        SQLType("nvarchar", 2),
        SQLType("float", precision=53),
        SQLType("decimal", precision=4, scale=1),
        SQLType("int"),
    ]
    assert rows(
        session, "DECLARE @c NATIONAL CHAR VARYING(3) = N'abcd', @i INTEGER = 5; SELECT @c, @i"
    ) == [("abc", 5)]


def test_national_text_is_refused_as_ntext(session: DuckDBSession) -> None:
    error = error_of(session, "CREATE TABLE dbo.nt (c NATIONAL TEXT) WITH (HEAP)")
    assert (error.number, error.message) == (
        100086,
        "The data type 'ntext' is not supported in Azure Synapse dedicated SQL pool.",
    )


def test_default_lengths_of_cast_convert_and_declare(session: DuckDBSession) -> None:
    long = "abcdefghijklmnopqrstuvwxyz0123456789"
    found = rows(
        session,
        f"SELECT CAST('{long}' AS varchar), CONVERT(nvarchar, N'{long}'), "
        "CONVERT(varchar, 123456789), CAST(SERVERPROPERTY('ProductVersion') AS VARCHAR), "
        f"CONVERT(varchar(3), '{long}')",
    )
    assert found == [(long[:30], long[:30], "123456789", "10.0.15665.0", "abc")]
    declared = rows(
        session,
        "DECLARE @v varchar; DECLARE @w nvarchar(3) = N'wxyz'; SET @v = 'abc'; SELECT @v, @w",
    )
    assert declared == [("a", "wxy")]
    rounded = rows(session, "DECLARE @b DEC(5, 1) = 2.25, @d numeric(4, 0) = -2.5; SELECT @b, @d")
    assert rounded == [(D("2.3"), D("-3"))]


def test_result_columns_are_declared_as_long_as_their_values(session: DuckDBSession) -> None:
    result = results(session, "SELECT CONVERT(varchar, 123456789) AS v, CAST(1 AS nvarchar) AS w")
    result_set = result[-1].result_set
    assert result_set is not None
    assert [column.type for column in result_set.columns] == [
        SQLType("varchar", 30),
        SQLType("nvarchar", 30),
    ]


def test_datalength_counts_bytes_as_sql_server_stores_them(session: DuckDBSession) -> None:
    results(
        session,
        "INSERT INTO sales.orders (order_id, customer, code) "
        "VALUES (7, N'h\u00e9llo \U0001d11e', 'ab')",
    )
    found = rows(
        session,
        "SELECT DATALENGTH(customer), DATALENGTH(code), DATALENGTH(order_id), DATALENGTH(N'ab'), "
        "DATALENGTH('ab'), DATALENGTH(amount) FROM sales.orders",
    )
    # nvarchar: 2 bytes per UTF-16 code unit (the astral character takes two).
    assert found == [(16, 2, 4, 4, 2, None)]


def test_select_into_a_temp_table_answers_a_row_count_only(session: DuckDBSession) -> None:
    results(session, "INSERT INTO sales.orders (order_id, customer) VALUES (1, N'a')")
    results(session, "INSERT INTO sales.orders (order_id, customer) VALUES (2, N'b')")
    outcome = results(session, "SELECT order_id, customer INTO #picked FROM sales.orders")
    assert [(r.result_set, r.rowcount) for r in outcome] == [(None, 2)]
    assert rows(session, "SELECT order_id FROM #picked ORDER BY order_id") == [(1,), (2,)]


def test_update_with_an_implicit_join_as_the_ctas_article_writes_it(
    session: DuckDBSession,
) -> None:
    results(session, "INSERT INTO sales.orders (order_id, customer) VALUES (1, N'old')")
    results(session, "INSERT INTO sales.orders (order_id, customer) VALUES (2, N'keep')")
    results(session, "CREATE TABLE dbo.fixes (id INT, name NVARCHAR(40)) WITH (HEAP)")
    results(session, "INSERT INTO dbo.fixes VALUES (1, N'new')")
    outcome = results(
        session,
        "UPDATE sales.orders SET sales.orders.customer = f.name FROM dbo.fixes AS f "
        "WHERE sales.orders.order_id = f.id",
    )
    assert outcome[-1].rowcount == 1
    assert rows(session, "SELECT order_id, customer FROM sales.orders ORDER BY 1") == [
        (1, "new"),
        (2, "keep"),
    ]
    refused = error_of(
        session,
        "UPDATE o SET o.customer = f.name FROM sales.orders AS o JOIN dbo.fixes AS f "
        "ON o.order_id = f.id",
    )
    assert refused.number == 104058


def test_datetime2_7_keeps_100_ns_through_convert_121(session: DuckDBSession) -> None:
    results(
        session,
        "INSERT INTO sales.orders (order_id, customer, placed_at) "
        "VALUES (1, N'a', '2024-01-02 03:04:05.1234567')",
    )
    found = rows(
        session,
        "SELECT CONVERT(varchar(30), placed_at, 121), CONVERT(nvarchar, placed_at), placed_at "
        "FROM sales.orders",
    )
    moment = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert found == [
        ("2024-01-02 03:04:05.1234567", "2024-01-02 03:04:05.1234567", Timestamp100ns(moment, 7))
    ]


@pytest.mark.parametrize(
    ("sql", "number", "message"),
    [
        (
            "SELECT CAST('10000-01-01' AS datetime2)",
            241,
            "Conversion failed when converting date and/or time from character string.",
        ),
        (
            "INSERT INTO sales.orders (order_id, customer, placed_at) "
            "VALUES (1, N'a', '10000-01-01')",
            241,
            "Conversion failed when converting date and/or time from character string.",
        ),
        (
            "SELECT CAST('abc' AS INT)",
            245,
            "Conversion failed when converting the varchar value 'abc' to data type int.",
        ),
        (
            "SELECT CAST(3000000000 AS INT)",
            8115,
            "Arithmetic overflow error converting expression to data type int.",
        ),
        (
            "SELECT no_such_function(1)",
            195,
            "'no_such_function' is not a recognized built-in function name.",
        ),
        (
            "SELECT 1 FROM fn_listextendedproperty(default, default, default, default, default, "
            "default, default)",
            208,
            "Invalid object name 'fn_listextendedproperty'.",
        ),
        (
            "SELECT N'a' - 1",
            402,
            "The data types varchar and int are incompatible in the subtract operator.",
        ),
        ("SELECT nope FROM sales.orders", 207, "Invalid column name 'nope'."),
        (
            "SELECT CHOOSE(2, 'a', 'b')",
            40517,
            "Keyword or statement option 'CHOOSE' is not supported in this version of SQL Server "
            "(not modelled by the SQL DW emulator).",
        ),
        (
            "SELECT value FROM STRING_SPLIT(N'a,b', N',')",
            40517,
            "Keyword or statement option 'STRING_SPLIT' is not supported in this version of SQL "
            "Server (not modelled by the SQL DW emulator).",
        ),
        (
            "SELECT ROUND('a', 1)",
            8116,
            "Argument data type varchar is invalid for argument 1 of round function.",
        ),
        (
            "SELECT order_id FROM sales.orders GROUP BY customer",
            8120,
            "Column 'order_id' is invalid in the select list because it is not contained in "
            "either an aggregate function or the GROUP BY clause.",
        ),
    ],
)
def test_refusals_carry_sql_server_numbers_and_texts(
    session: DuckDBSession, sql: str, number: int, message: str
) -> None:
    error = error_of(session, sql)
    assert (error.number, error.message) == (number, message)


ODD_STATEMENTS = [
    "SELECT CAST('10000-01-01' AS datetime2)",
    "SELECT LEFT(1)",
    "SELECT 1 + 'a'",
    "SELECT DATEADD(nosuchpart, 1, GETDATE())",
    "SELECT * FROM sales.orders WHERE order_id = 'x'",
    "SELECT order_id FROM sales.orders GROUP BY customer",
    "SELECT SUM(customer) FROM sales.orders",
    "SELECT CAST(N'x' AS uniqueidentifier)",
    "SELECT CAST(1 AS date)",
    "SELECT TOP (-1) order_id FROM sales.orders",
    "SELECT order_id FROM sales.orders ORDER BY 9",
    "SELECT STRING_AGG(order_id, ',') FROM sales.orders",
    "SELECT x.y.z.w.v FROM sales.orders",
    "SELECT CONVERT(int, N'12a')",
    "SELECT ROUND('a', 1)",
    "SELECT * FROM OPENJSON(N'[1]')",
    "SELECT REPLICATE('a', -1) + 1",
]


# Words of DuckDB's and sqlglot's own messages, which name nothing the client wrote.
ENGINE_WORDS = (
    "DuckDB", "Binder Error", "Catalog Error", "Conversion Error", "Parser Error",
    "Candidate functions", "LINE 1:", "INT32", "VARCHAR)", "Internal error", "sqlglot", "<class",
    "Required keyword", "_LITERAL",
)  # fmt: skip


def test_no_duckdb_text_reaches_a_client(session: DuckDBSession) -> None:
    results(session, "INSERT INTO sales.orders (order_id, customer) VALUES (1, N'a')")
    leaks = []
    for sql in ODD_STATEMENTS:
        try:
            results(session, sql)
        except SQLError as exc:
            text = exc.message
            if any(word in text for word in ENGINE_WORDS) or exc.number == 50000:
                leaks.append((sql, exc.number, text))
    assert leaks == []


def _materialized_views(session: DuckDBSession) -> dict[str, list[tuple[t.Any, ...]]]:
    """Every catalog view's rows, in stored order, as a statement reading it would see them."""
    engine = session.engine
    engine.sync_catalog_views()
    return {
        view: engine._admin.execute(f"SELECT * FROM __devstack.{view}").fetchall()
        for view in COLUMNS
        if view != "sys_dm_pdw_exec_requests"
    }


def test_catalog_views_rewritten_in_part_match_a_full_rebuild(session: DuckDBSession) -> None:
    # Only the views a change touches are rewritten (a created table's rows appended, the
    # newest table's rows deleted): after each change they must hold what a rebuild holds.
    steps = [
        "CREATE TABLE dbo.stage_a (id INT NOT NULL, note NVARCHAR(20)) "
        "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
        "CREATE TABLE dbo.stage_b (id INT NOT NULL, code CHAR(3) COLLATE Latin1_General_100_BIN2)"
        " WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
        "DROP TABLE dbo.stage_b",
        "CREATE TABLE dbo.stage_c (id INT NOT NULL) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)",
        "DROP TABLE dbo.stage_a",
        "ALTER TABLE dbo.stage_c ADD extra BIGINT NULL",
        "RENAME OBJECT dbo.stage_c TO stage_d",
        "CREATE SCHEMA more",
        "CREATE VIEW more.v AS SELECT id FROM dbo.stage_d",
        "DROP VIEW more.v",
        "DROP TABLE dbo.stage_d",
    ]
    for step in steps:
        results(session, step)
        partial = _materialized_views(session)
        session.engine._view_rows.clear()
        session.engine._views_version = -1
        assert _materialized_views(session) == partial, step
    assert rows(
        session,
        "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'sales' ORDER BY ORDINAL_POSITION",
    ) == [("orders", name) for name in ("order_id", "customer", "amount", "placed_at", "code",
                                        "status")]  # fmt: skip
    assert rows(session, "SELECT name FROM sys.tables") == [("orders",)]
