"""Other people's clients against the devstack's SQL DW emulator: SQLAlchemy 2.x and pandas.

SQLAlchemy's mssql+pyodbc dialect (under singer-sdk SQL targets, pandas, Superset...) reads the
server version, the default schema and the catalog (INFORMATION_SCHEMA and ``sys.*`` with
schema-qualified column names, OBJECT_ID and OBJECTPROPERTY computed per row). Everything here
goes through Microsoft ODBC Driver 18 over TDS, as a user's own script would.

What a dedicated pool demands of these clients, and so the tests do too: DDL outside a
transaction (``isolation_level="AUTOCOMMIT"``), tables created with Synapse's own DDL (keys
``NOT ENFORCED``, no ``(max)`` columns in a columnstore table), and no multi-row ``VALUES``
(pandas' ``to_sql`` with its default ``method=None``, never ``method="multi"``).
"""

from __future__ import annotations

import datetime
import decimal
import typing as t
import urllib.parse

import pandas as pd
import pyodbc
import pytest
import sqlalchemy as sa

if t.TYPE_CHECKING:
    from collections.abc import Iterator

D = decimal.Decimal


def _url(devstack_env: dict[str, str]) -> str:
    return "mssql+pyodbc:///?odbc_connect=" + urllib.parse.quote_plus(
        devstack_env["DEVSTACK_SQLDW_ODBC"]
    )


@pytest.fixture(scope="module")
def engine(devstack_env: dict[str, str]) -> Iterator[sa.Engine]:
    """An SQLAlchemy engine on the devstack, set up as a dedicated pool needs.

    Autocommit, because a pool refuses DDL in a transaction (111212); no "insertmanyvalues",
    because SQLAlchemy would otherwise send an executemany INSERT as one multi-row VALUES.
    """
    created = sa.create_engine(
        _url(devstack_env), isolation_level="AUTOCOMMIT", use_insertmanyvalues=False
    )
    with created.connect() as connection:
        for schema in ("sa_meta", "sa_core", "sa_pandas"):
            connection.exec_driver_sql(f"CREATE SCHEMA [{schema}]")
        connection.exec_driver_sql(
            "CREATE TABLE sa_meta.orders ("
            " order_id INTEGER NOT NULL,"
            " customer NATIONAL CHARACTER VARYING(40) NOT NULL,"
            " amount DEC(12, 2) NULL,"
            " ratio DOUBLE PRECISION NULL,"
            " placed_at DATETIME2(7) NULL,"
            " note VARCHAR(200) NULL,"
            " CONSTRAINT pk_orders PRIMARY KEY NONCLUSTERED (order_id) NOT ENFORCED"
            ") WITH (DISTRIBUTION = HASH(order_id), CLUSTERED COLUMNSTORE INDEX)"
        )
        connection.exec_driver_sql(
            "CREATE VIEW sa_meta.big_orders AS SELECT order_id, amount FROM sa_meta.orders "
            "WHERE amount > 100"
        )
    yield created
    created.dispose()


def test_the_dialect_reads_version_and_default_schema(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        version = connection.exec_driver_sql(
            "SELECT CAST(SERVERPROPERTY('ProductVersion') AS VARCHAR)"
        ).scalar()
    # A dedicated pool reports a 10.0 product version (@@VERSION: "Microsoft Azure SQL Data
    # Warehouse - 10.0..."), which the dialect reads as four numbers.
    assert engine.dialect.server_version_info == tuple(int(p) for p in str(version).split("."))
    assert engine.dialect.server_version_info[:2] == (10, 0)
    assert engine.dialect.default_schema_name == "dbo"


def test_inspector_lists_schemas_tables_and_views(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert {"dbo", "sa_meta", "sa_core", "sa_pandas"} <= set(inspector.get_schema_names())
    assert inspector.get_table_names(schema="sa_meta") == ["orders"]
    assert inspector.get_view_names(schema="sa_meta") == ["big_orders"]
    assert inspector.has_table("orders", schema="sa_meta")
    assert inspector.has_table("big_orders", schema="sa_meta")
    assert not inspector.has_table("orders", schema="sa_core")
    assert not inspector.has_table("missing", schema="sa_meta")


def test_inspector_describes_columns_with_their_declared_types(engine: sa.Engine) -> None:
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("orders", schema="sa_meta")}
    assert list(columns) == ["order_id", "customer", "amount", "ratio", "placed_at", "note"]
    described = {name: (type(c["type"]).__name__, c["nullable"]) for name, c in columns.items()}
    assert described == {
        "order_id": ("INTEGER", False),
        "customer": ("NVARCHAR", False),
        "amount": ("DECIMAL", True),
        "ratio": ("FLOAT", True),
        "placed_at": ("DATETIME2", True),
        "note": ("VARCHAR", True),
    }
    assert columns["customer"]["type"].length == 40
    assert columns["note"]["type"].length == 200
    assert (columns["amount"]["type"].precision, columns["amount"]["type"].scale) == (12, 2)
    assert columns["customer"]["type"].collation == "SQL_Latin1_General_CP1_CI_AS"
    # The dialect does not reflect datetime2's scale; sys.columns carries it as SQL Server does.
    with engine.connect() as connection:
        placed_at = connection.execute(
            sa.text(
                "SELECT c.precision, c.scale, c.max_length FROM sys.columns AS c "
                "WHERE c.object_id = OBJECT_ID(:table) AND c.name = :column"
            ),
            {"table": "sa_meta.orders", "column": "placed_at"},
        ).one()
    assert tuple(placed_at) == (27, 7, 8)


def test_inspector_reads_the_not_enforced_primary_key(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    key = inspector.get_pk_constraint("orders", schema="sa_meta")
    assert key["name"] == "pk_orders"
    assert key["constrained_columns"] == ["order_id"]
    # NONCLUSTERED, as a dedicated pool requires of a primary key.
    assert key["dialect_options"] == {"mssql_clustered": False}
    assert inspector.get_foreign_keys("orders", schema="sa_meta") == []
    # The primary key's index is not listed (is_primary_key); the table's columnstore is.
    (index,) = inspector.get_indexes("orders", schema="sa_meta")
    assert index["name"].startswith("ClusteredIndex_")
    assert (index["unique"], index["column_names"]) == (False, [])


def test_core_reflects_inserts_and_selects(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE sa_core.events (id BIGINT NOT NULL, kind NVARCHAR(20) NOT NULL, "
            "amount DECIMAL(18, 4) NULL, at DATETIME2(7) NULL) "
            "WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
    events = sa.Table("events", sa.MetaData(), schema="sa_core", autoload_with=engine)
    assert [c.name for c in events.columns] == ["id", "kind", "amount", "at"]
    rows = [
        {"id": 1, "kind": "open", "amount": D("12.3400"), "at": datetime.datetime(2024, 5, 1)},
        {"id": 2, "kind": "close", "amount": None, "at": None},
        {"id": 3, "kind": "Open", "amount": D("-0.0001"), "at": datetime.datetime(2024, 5, 2)},
    ]
    with engine.connect() as connection:
        # executemany: one single-row INSERT per row (a pool refuses multi-row VALUES).
        connection.execute(events.insert(), rows)
        selected = connection.execute(
            sa.select(events.c.id, events.c.kind, events.c.amount)
            .where(events.c.kind == "open")
            .order_by(events.c.id)
        ).all()
        total = connection.execute(sa.select(sa.func.count()).select_from(events)).scalar()
        connection.execute(events.update().where(events.c.id == 2).values(kind="reopened"))
        updated = connection.execute(sa.select(events.c.kind).where(events.c.id == 2)).scalar()
    # The database collation is case-insensitive: 'open' matches 'Open' too.
    assert selected == [(1, "open", D("12.3400")), (3, "Open", D("-0.0001"))]
    assert total == 3
    assert updated == "reopened"


def test_pandas_to_sql_and_read_sql_round_trip(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE sa_pandas.scores (player NVARCHAR(50) NOT NULL, score BIGINT NULL, "
            "ratio FLOAT NULL, seen DATETIME2(6) NULL) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
    frame = pd.DataFrame(
        {
            "player": ["ada", "grace", "linus", "ünïcødé 𝄞"],
            "score": [10, None, 3_000_000_000, -7],
            "ratio": [0.5, 1.25, None, -2.25e10],
            "seen": pd.to_datetime(
                ["2024-01-01 10:00:00.123456", None, "1999-12-31 23:59:59", "2262-04-11"],
                format="ISO8601",
            ),
        }
    ).astype({"score": "Int64"})
    # pyodbc's executemany reports no row count (-1 per chunk), so pandas' return value says
    # nothing: the rows are counted in the table instead.
    # dtype: without it pandas binds text as VARCHAR, which the driver converts to the code
    # page before sending (the 𝄞 would arrive as '?', as with a real server).
    frame.to_sql(
        "scores",
        engine,
        schema="sa_pandas",
        if_exists="append",
        index=False,
        chunksize=2,
        dtype={"player": sa.NVARCHAR(50)},
    )
    back = pd.read_sql(
        "SELECT player, score, ratio, seen FROM sa_pandas.scores ORDER BY player", engine
    )
    expected = frame.sort_values("player", ignore_index=True)
    assert len(back) == 4
    assert back["player"].tolist() == expected["player"].tolist()
    assert back["score"].astype("Int64").tolist() == expected["score"].tolist()
    assert back.set_index("player")["ratio"].to_dict() == pytest.approx(
        {"ada": 0.5, "grace": 1.25, "linus": float("nan"), "ünïcødé 𝄞": -2.25e10}, nan_ok=True
    )
    seen = dict(zip(back["player"], back["seen"], strict=True))
    # pyodbc binds datetime parameters at millisecond precision, against SQL Server too
    # (tds-and-emulation-notes §2.4): the microseconds are the driver's loss, not the pool's.
    assert seen["ada"] == pd.Timestamp("2024-01-01 10:00:00.123")
    assert pd.isna(seen["grace"])
    assert seen["ünïcødé 𝄞"] == pd.Timestamp("2262-04-11")


def test_pandas_multi_row_values_are_refused_as_a_pool_does(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE sa_pandas.multi (n INT NULL) WITH (DISTRIBUTION = ROUND_ROBIN, HEAP)"
        )
    frame = pd.DataFrame({"n": [1, 2, 3]})
    with pytest.raises(pd.errors.DatabaseError) as caught:
        frame.to_sql("multi", engine, schema="sa_pandas", if_exists="append", index=False,
                     method="multi")  # fmt: skip
    assert "Incorrect syntax near ','. (103010)" in str(caught.value)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT COUNT(*) FROM sa_pandas.multi").scalar()
    assert count == 0


def test_sqlalchemy_default_executemany_is_refused_as_a_pool_does(
    engine: sa.Engine, devstack_env: dict[str, str]
) -> None:
    # SQLAlchemy 2's default sends an executemany INSERT as one multi-row VALUES statement.
    default = sa.create_engine(_url(devstack_env), isolation_level="AUTOCOMMIT")
    table = sa.Table("events", sa.MetaData(), schema="sa_core", autoload_with=engine)
    try:
        with default.connect() as connection, pytest.raises(sa.exc.ProgrammingError) as caught:
            connection.execute(table.insert(), [{"id": 90, "kind": "a"}, {"id": 91, "kind": "b"}])
    finally:
        default.dispose()
    assert "Incorrect syntax near ','. (103010)" in str(caught.value.orig)


def test_pandas_own_create_table_meets_the_pool_type_rules(engine: sa.Engine) -> None:
    # For a server that reports version 10, the dialect creates text columns as TEXT, which a
    # pool does not have: create the table with Synapse DDL first, then append (above).
    frame = pd.DataFrame({"word": ["a", "b"]})
    with pytest.raises(sa.exc.ProgrammingError) as caught:
        frame.to_sql("words", engine, schema="sa_pandas", index=False)
    assert isinstance(caught.value.orig, pyodbc.ProgrammingError)
    assert (
        "The data type 'text' is not supported in Azure Synapse dedicated SQL pool. (100086)"
        in str(caught.value.orig)
    )


def test_convert_without_length_keeps_the_tds_stream_valid(devstack_env: dict[str, str]) -> None:
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    try:
        cursor = connection.cursor()
        row = cursor.execute(
            "SELECT CONVERT(varchar, 123456789), CAST(SERVERPROPERTY('ProductVersion') AS "
            "VARCHAR), CAST('abcdefghijklmnopqrstuvwxyz0123456789' AS varchar)"
        ).fetchone()
        assert tuple(row) == ("123456789", "10.0.15665.0", "abcdefghijklmnopqrstuvwxyz0123")
        assert [d[3] for d in cursor.description] == [30, 30, 30]
        # The next statement on the same connection still works (the stream was not broken).
        assert cursor.execute("SELECT 1").fetchone()[0] == 1
    finally:
        connection.close()
