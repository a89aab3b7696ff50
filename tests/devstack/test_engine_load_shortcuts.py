"""Loads and CTAS through the emulator's shortcuts give what the full checks give.

The loader leaves out checks that cannot fire (a row terminator inside an unquoted field, a
string that fails to become a string); the translator guards REPLACE chains and the exact
UTF-16 count of DATALENGTH with cheap tests. Each test here loads or selects edge values and
compares the outcome with the expected rows or errors (the same before these shortcuts).
"""

from __future__ import annotations

import typing as t

import pytest

from devstack.sqldw_emulator.api import Parameter, SQLType
from tests.devstack.engine_support import (
    DATABASE,
    USER,
    create_container,
    error_of,
    make_engine,
    polybase_source,
    results,
    rows,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from azure.storage.blob import ContainerClient

    from devstack.sqldw_emulator.engine.session import DuckDBSession

#: The escaped staging format of target-azure-sqldw: no string delimiter, ``|`` between
#: fields, backslash escapes decoded by the CTAS.
ESCAPED = "1|plain|7\n2|a\\pb\\nc\\rd\\be|8\n3|\\e|9\n4||10\n5|\\bn stays|11\n6|snow ❄ 𝄞|12\n"
#: CRLF line ends: the CR belongs to the terminator, not to the last field.
ESCAPED_CRLF = "1|x|7\r\n2|y|8\r\n"
#: A lone CR inside a line of an unquoted file.
LONE_CR = "1|x\ry|7\n"


@pytest.fixture(scope="module")
def container(blob_endpoint: str) -> ContainerClient:
    client = create_container(blob_endpoint, "stage")
    client.upload_blob("escaped/part-1.txt", ESCAPED.encode())
    client.upload_blob("crlf/part-1.txt", ESCAPED_CRLF.encode())
    client.upload_blob("lonecr/part-1.txt", LONE_CR.encode())
    return client


@pytest.fixture
def session(blob_endpoint: str, container: ContainerClient) -> Iterator[DuckDBSession]:
    engine = make_engine(azurite_blob_endpoint=blob_endpoint)
    session = engine.open_session(USER, DATABASE)
    results(
        session,
        f"""
        CREATE MASTER KEY;
        {polybase_source()}
        CREATE EXTERNAL FILE FORMAT escaped WITH (FORMAT_TYPE = DELIMITEDTEXT,
            FORMAT_OPTIONS (FIELD_TERMINATOR = '|', USE_TYPE_DEFAULT = FALSE, ENCODING = 'UTF8'));
        """,
    )
    yield session
    session.close()
    engine.close()


def _external(session: DuckDBSession, name: str, folder: str, text_type: str) -> None:
    results(
        session,
        f"CREATE EXTERNAL TABLE dbo.{name} (id NVARCHAR(64), body {text_type}, n NVARCHAR(64)) "
        f"WITH (LOCATION = '/{folder}/', DATA_SOURCE = src, FILE_FORMAT = escaped, "
        "REJECT_TYPE = VALUE, REJECT_VALUE = 0)",
    )


#: The decoding target-azure-sqldw's CTAS applies to an escaped text column.
DECODE = (
    "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(body COLLATE Latin1_General_100_BIN2, "
    "N'\\n', CHAR(10)), N'\\r', CHAR(13)), N'\\p', N'|'), N'\\0', CHAR(0)), N'\\e', N''), "
    "N'\\b', N'\\')"
)


def test_escaped_ctas_decodes_every_escape(session: DuckDBSession) -> None:
    _external(session, "ext", "escaped", "NVARCHAR(MAX)")
    results(
        session,
        "CREATE TABLE dbo.stage WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS SELECT "
        f"CAST(id AS bigint) AS id, CAST({DECODE} AS nvarchar(4000)) COLLATE DATABASE_DEFAULT "
        "AS body, CAST(n AS bigint) AS n FROM dbo.ext",
    )
    assert rows(session, "SELECT id, body, n FROM dbo.stage ORDER BY id") == [
        (1, "plain", 7),
        (2, "a|b\nc\rd\\e", 8),
        (3, "", 9),
        (4, None, 10),
        (5, "\\n stays", 11),
        (6, "snow ❄ 𝄞", 12),
    ]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (5, ["plain", "a|b\nc", "", None, "\\n st", "snow "]),
        (3, ["pla", "a|b", "", None, "\\n ", "sno"]),
    ],
)
def test_cast_to_a_shorter_nvarchar_truncates_decoded_text(
    session: DuckDBSession, length: int, expected: list[str | None]
) -> None:
    _external(session, "ext", "escaped", "NVARCHAR(MAX)")
    found = rows(
        session,
        f"SELECT CAST({DECODE} AS nvarchar({length})) FROM dbo.ext ORDER BY CAST(id AS int)",
    )
    assert [value for (value,) in found] == expected


def test_replace_chain_with_a_null_replacement_is_null(session: DuckDBSession) -> None:
    """REPLACE with a NULL argument is NULL even when nothing matches (no shortcut may skip it)."""
    found = rows(
        session,
        "SELECT REPLACE(REPLACE(v, N'\\n', NULL), N'\\r', CHAR(13)), "
        "REPLACE(REPLACE(v, N'\\n', CHAR(10)), N'', N'x') "
        "FROM (VALUES (N'plain'), (N'a\\nb'), (NULL)) AS s(v) ORDER BY v",
    )
    assert found == [(None, None), (None, "a\nb"), (None, "plain")]


def test_unquoted_crlf_lines_keep_no_carriage_return(session: DuckDBSession) -> None:
    _external(session, "crlf", "crlf", "NVARCHAR(20)")
    assert rows(session, "SELECT id, body, n FROM dbo.crlf ORDER BY id") == [
        ("1", "x", "7"),
        ("2", "y", "8"),
    ]


def test_unquoted_lone_carriage_return_fails_the_read(session: DuckDBSession) -> None:
    """DuckDB's reader refuses the line, so no value ever holds the CR (how a pool reads it
    is not modelled, and the emulator says so)."""
    _external(session, "lonecr", "lonecr", "NVARCHAR(20)")
    error = error_of(session, "SELECT * FROM dbo.lonecr")
    assert (error.number, error.message) == (
        40517,
        "Keyword or statement option 'this statement' is not supported in this version of SQL "
        "Server (not modelled by the SQL DW emulator).",
    )


def test_ctas_of_a_replace_chain_keeps_the_column_type(session: DuckDBSession) -> None:
    """The guarded chain types its column as the unguarded chain did (nvarchar(4000) in the
    database collation: the emulator's REPLACE typing, which the guard leaves as it was)."""
    _external(session, "ext", "escaped", "NVARCHAR(300)")
    results(
        session,
        "CREATE TABLE dbo.decoded WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
        f"SELECT {DECODE} AS body FROM dbo.ext",
    )
    assert rows(
        session,
        "SELECT DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, COLLATION_NAME "
        "FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = 'decoded'",
    ) == [("nvarchar", 4000, "SQL_Latin1_General_CP1_CI_AS")]


DATALENGTH_VALUES = [
    "",
    "abc",
    "trailing  ",
    "Zoë",
    "李雷",
    "🙂",
    "a🙂b",
    "李🙂",
    "é🙂",
    "𝄞" * 2000,
    "x" * 3999 + "🙂",
    "ab" * 1500 + "李" * 1000,
]


def test_datalength_of_nvarchar_counts_utf16_bytes(session: DuckDBSession) -> None:
    """2 bytes a UTF-16 code unit, 4 for a character beyond the BMP, whatever else the text
    holds (the test that skips the exact count must not skip an astral character)."""
    results(session, "CREATE TABLE dbo.texts (n INT, v NVARCHAR(MAX)) WITH (HEAP)")
    for number, value in enumerate([*DATALENGTH_VALUES, None]):
        value_type = SQLType("nvarchar", -1)
        results(
            session,
            f"INSERT INTO dbo.texts VALUES ({number}, @P1)",
            [Parameter("@P1", value_type, value)],
        )
    found = rows(session, "SELECT DATALENGTH(v) FROM dbo.texts ORDER BY n")
    expected = [len(value.encode("utf-16-le")) for value in DATALENGTH_VALUES]
    assert [length for (length,) in found] == [*expected, None]


@pytest.mark.parametrize(("column", "type_name"), [("i", "int"), ("d", "date"), ("b", "varbinary")])
def test_replace_chain_over_a_non_text_column_keeps_its_error(
    session: DuckDBSession, column: str, type_name: str
) -> None:
    """Only a character column's chain is guarded: another keeps REPLACE's own 8116."""
    results(session, "CREATE TABLE dbo.n (i INT, d DATE, b VARBINARY(10)) WITH (HEAP)")
    results(session, "INSERT INTO dbo.n VALUES (123, '2024-01-02', 0x41)")
    error = error_of(session, f"SELECT REPLACE(REPLACE({column}, '-', '/'), '-0', 'z') FROM dbo.n")
    assert (error.number, error.message) == (
        8116,
        f"Argument data type {type_name} , varchar , varchar is invalid for argument 1 of "
        "replace function.",
    )
