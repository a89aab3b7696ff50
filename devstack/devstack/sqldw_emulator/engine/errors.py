"""SQL Server / Synapse error numbers the engine raises, with where each number comes from.

Also turns DuckDB's own errors into them, so DuckDB's texts never reach a client.
"""

from __future__ import annotations

import re
import typing as t

import duckdb

from devstack.sqldw_emulator.api import SQLError

# number: (severity, source)
ERRORS: dict[int, tuple[int, str]] = {
    102: (15, "SQL Server: Incorrect syntax near '%.*ls'."),
    103: (15, "SQL Server: identifier too long, maximum length is 128"),
    134: (15, "SQL Server: variable name already declared"),
    137: (15, "SQL Server: Must declare the scalar variable"),
    156: (15, "SQL Server: Incorrect syntax near the keyword"),
    207: (16, "SQL Server: Invalid column name"),
    208: (16, "SQL Server: Invalid object name"),
    241: (16, "SQL Server: Conversion failed when converting date and/or time"),
    245: (16, "SQL Server: Conversion failed when converting the value to data type"),
    448: (16, "SQL Server: Invalid collation '%.*ls'."),
    515: (16, "SQL Server: Cannot insert the value NULL into column"),
    1205: (13, "SQL Server: deadlock victim"),
    1702: (16, "SQL Server: CREATE TABLE failed because column exceeds the maximum of 1024"),
    1750: (16, "SQL Server: Could not create constraint or index"),
    1779: (16, "SQL Server: Table already has a primary key defined on it"),
    2705: (16, "SQL Server: Column names in each table must be unique"),
    2714: (16, "SQL Server: There is already an object named '%.*ls' in the database"),
    2715: (16, "SQL Server: Cannot find data type"),
    2759: (16, "SQL Server: CREATE SCHEMA failed due to previous errors (schema exists)"),
    3617: (16, "SQL Server: the query was cancelled (attention)"),
    3701: (11, "SQL Server: Cannot drop the object, it does not exist"),
    3902: (16, "SQL Server: COMMIT TRANSACTION request has no corresponding BEGIN"),
    3903: (16, "SQL Server: ROLLBACK TRANSACTION request has no corresponding BEGIN"),
    4060: (11, "SQL Server: Cannot open database requested by the login"),
    4701: (16, "SQL Server: Cannot find the object because it does not exist (TRUNCATE)"),
    4861: (16, "SQL Server: Cannot bulk load because the file could not be opened"),
    4863: (16, "SQL Server: Bulk load data conversion error (truncation)"),
    4864: (16, "SQL Server: Bulk load data conversion error (type mismatch)"),
    8003: (16, "SQL Server: The incoming request has too many parameters"),
    8102: (
        16,
        "SQL Server: Cannot update identity column; what a dedicated pool's MERGE into an "
        "IDENTITY table raises (MicrosoftDocs/sql-docs #5619)",
    ),
    8115: (16, "SQL Server: Arithmetic overflow error converting to data type"),
    8152: (16, "SQL Server: String or binary data would be truncated"),
    8672: (16, "SQL Server: MERGE attempted to UPDATE or DELETE the same row more than once"),
    10713: (15, "SQL Server: A MERGE statement must be terminated by a semi-colon"),
    15151: (16, "SQL Server: Cannot drop the object, it does not exist or no permission"),
    15530: (16, "SQL Server: object with the same name already exists (credential)"),
    35343: (
        16,
        "SQL Server/Synapse: data type cannot participate in a columnstore index "
        "(dbt-synapse PR #56, MicrosoftDocs/sql-docs PR #9603)",
    ),
    18456: (
        14,
        "SQL Server/Azure SQL: Login failed for user; with an Entra ID token the user is "
        "'<token-identified principal>', state 233 adds 'Token is expired.' (azuredatastudio "
        "#14497, mssql-jdbc #1944)",
    ),
    24556: (
        16,
        "Fabric: Snapshot isolation transaction aborted due to update conflict (Fabric blog "
        "'Resolving Write Conflicts in Microsoft Fabric Data Warehouse')",
    ),
    24574: (
        16,
        "Fabric: The data type '%ls' is not supported in this edition of SQL Server "
        "(microsoft/dbt-fabric #154, sdebruyn/fabric-dw-mcp-cli #370)",
    ),
    40501: (16, "Azure SQL: The service is currently busy (transient)"),
    40613: (17, "Azure SQL: Database is not currently available (transient)"),
    42109: (16, "Synapse: The SQL pool is warming up (transient; dotnet/SqlClient #1205)"),
    174: (15, "SQL Server: The %.*ls function requires %d argument(s)"),
    195: (15, "SQL Server: '%.*ls' is not a recognized built-in function name"),
    402: (16, "SQL Server: The data types %ls and %ls are incompatible in the %ls operator"),
    108: (16, "SQL Server: The ORDER BY position number %ld is out of range"),
    191: (15, "SQL Server: Some part of your SQL statement is nested too deeply"),
    117: (15, "SQL Server: The object name contains more than the maximum number of prefixes"),
    8120: (16, "SQL Server: Column is invalid in the select list (not in GROUP BY)"),
    40517: (
        16,
        "Azure SQL: Keyword or statement option '%.*ls' is not supported in this version of SQL "
        "Server; what the emulator answers for T-SQL it does not model (non-transient)",
    ),
    8116: (16, "SQL Server: Argument data type %ls is invalid for argument %d of %ls function"),
    50000: (16, "SQL Server: user-defined message (THROW/RAISERROR)"),
    103010: (16, "Synapse: Parse error at line: %d, column: %d (ibis-project/ibis #9431)"),
    104467: (
        16,
        "Synapse: Enforced unique constraints are not supported "
        "(MicrosoftDocs/azure-docs #10545 quotes the text; number unconfirmed)",
    ),
    100086: (
        16,
        "Synapse: feature not supported in dedicated SQL pool (number unconfirmed; "
        "refusals of FOREIGN KEY, CHECK, triggers, sequences, synonyms, indexed views, "
        "computed/sparse columns, user-defined types, OPENROWSET)",
    ),
    104058: (
        16,
        "Synapse: FROM clause in UPDATE and DELETE statements cannot contain subquery "
        "sources or joins (Msg 104058 quoted from a dedicated pool in MicrosoftDocs/sql-docs "
        "#4873)",
    ),
    100088: (
        16,
        "Synapse: MERGE WHEN NOT MATCHED [BY TARGET] into a non-HASH table (message text "
        "as quoted from a dedicated pool by paulomoralescastillo.com/snapshot-hash-table and "
        "sarnendude.com; number unconfirmed)",
    ),
    100089: (
        16,
        "Synapse: CTAS requires a DISTRIBUTION option (create-table-as-select "
        "doc; number unconfirmed)",
    ),
    105019: (
        16,
        "Synapse PolyBase: External file access failed (HdfsBridge); also used here "
        "for COPY INTO's storage access failures (COPY's own number unconfirmed)",
    ),
    106000: (
        16,
        "Synapse PolyBase: HdfsBridge::recordReaderFillBuffer ClassCastException "
        "(MicrosoftDocs/azure-docs #105087, #113724)",
    ),
    15581: (16, "SQL Server: Please create a master key in the database"),
    107090: (16, "Synapse PolyBase: Query aborted -- the maximum reject threshold was reached"),
    111212: (
        16,
        "Synapse: Operation cannot be performed within a transaction (DDL in a user "
        "transaction; 'Transactions in Synapse SQL', learn.microsoft.com, and "
        "MicrosoftDocs/azure-docs issue threads quoting Msg 111212)",
    ),
    110802: (16, "Synapse: internal DMS error / storage access denied for COPY"),
}


# Refusal texts as a dedicated SQL pool words them (sources in ERRORS).
UPDATE_DELETE_FROM_JOIN = (
    "FROM clause in UPDATE and DELETE statements cannot contain subquery sources or joins."
)
MERGE_NOT_HASH = (
    "Merge statements with a WHEN NOT MATCHED [BY TARGET] clause must target a hash "
    "distributed table."
)


def error(number: int, message: str, *, state: int = 1) -> SQLError:
    """An :class:`SQLError` with the severity recorded for ``number``."""
    severity = ERRORS.get(number, (16, ""))[0]
    return SQLError(number, message, state=state, severity=severity)


def parse_error(near: str, *, line: int = 1, column: int = 1) -> SQLError:
    """Synapse's parser refusal (103010), which is what unsupported syntax produces there."""
    return error(
        103010, f"Parse error at line: {line}, column: {column}: Incorrect syntax near '{near}'."
    )


def not_modelled(feature: str) -> SQLError:
    """The emulator's refusal of T-SQL a pool may accept but the emulator does not model.

    Non-transient (a retry gets the same answer) and naming the feature, so a user can tell it
    from a pool's own refusal.
    """
    return error(
        40517,
        f"Keyword or statement option '{feature}' is not supported in this version of SQL "
        "Server (not modelled by the SQL DW emulator).",
    )


def not_supported(feature: str) -> SQLError:
    """A dedicated-pool refusal of a feature that SQL Server has."""
    return error(100086, f"{feature} is not supported in Azure Synapse dedicated SQL pool.")


_CHECK = re.compile(r'CHECK constraint failed on table "?([^"\s]+)"? with expression CHECK\((.*)')
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\S+)\.(\S+)")
_CATALOG = re.compile(r"Table with name (\S+) does not exist|Catalog Error: Table.*?(\S+)")
_COLUMN = re.compile(r'Referenced column "([^"]+)" not found|column "?([^"\s]+)"? not found', re.I)
_CHECK_COLUMN = re.compile(r"(?:length|strlen|octet_length)\(\"?([^\")]+)\"?\)")


def from_duckdb(
    exc: duckdb.Error,
    *,
    database: str = "",
    qualify: t.Callable[[str], str] | None = None,
) -> SQLError:
    """Map a DuckDB exception to the SQL Server error a client would see for the same fault.

    Args:
        exc: The DuckDB error.
        database: The database name used in messages.
        qualify: Turns DuckDB's bare table name into ``schema.table`` (or ``#temp``).
    """
    name_of = qualify or (lambda table: table)
    text = str(exc).split("\n")[0]
    if isinstance(exc, duckdb.InterruptException):
        return error(3617, "The statement was cancelled by the client (attention).")
    if isinstance(exc, duckdb.ConstraintException):
        match = _NOT_NULL.search(text)
        if match:
            table, column = match.groups()
            return error(
                515,
                f"Cannot insert the value NULL into column '{column}', table "
                f"'{database}.{name_of(table)}'; column does not allow nulls. INSERT fails.",
                state=2,
            )
        match = _CHECK.search(text)
        if match and "regexp_full_match" in match.group(2):
            return error(
                241, "Conversion failed when converting date and/or time from character string."
            )
        if match:
            column_match = _CHECK_COLUMN.search(match.group(2))
            column = column_match.group(1) if column_match else "?"
            return error(
                8152,
                "String or binary data would be truncated in table "
                f"'{database}.{name_of(match.group(1))}',"
                f" column '{column}'.",
                state=30,
            )
        return error(2627, text)
    if isinstance(exc, duckdb.TransactionException) and "conflict" in text.lower():
        return error(
            1205,
            "Transaction was deadlocked on lock resources with another process and has been "
            "chosen as the deadlock victim. Rerun the transaction.",
            state=51,
        )
    if isinstance(exc, duckdb.ConversionException) and (
        "field value out of range" in text or "Unknown TimeZone" in text
    ):
        # A date or time field out of range ('2024-13-01') or an offset that is not one
        # ('+15:00') is a conversion failure in T-SQL.
        return error(241, _DATE_FAILED)
    if isinstance(exc, duckdb.InvalidInputException) and "converting date and/or time" in text:
        return error(241, text.split("Error: ", 1)[-1])
    if isinstance(exc, duckdb.OutOfRangeException) or (
        isinstance(exc, duckdb.ConversionException) and "out of range" in text
    ):
        target = _DESTINATION.search(text)
        name = _DUCK_TYPE_NAMES.get(target.group(1), "numeric") if target else "numeric"
        return error(8115, f"Arithmetic overflow error converting expression to data type {name}.")
    if isinstance(exc, duckdb.ConversionException):
        if any(word in text for word in ("date", "time", "TIMESTAMP", "DATE")):
            return error(241, _DATE_FAILED)
        value = _CONVERT_STRING.search(text)
        if value is not None:
            name = _DUCK_TYPE_NAMES.get(value.group(2), value.group(2).lower())
            return error(
                245,
                f"Conversion failed when converting the varchar value '{value.group(1)}' to data "
                f"type {name}.",
            )
        return error(245, "Conversion failed when converting the value to the target data type.")
    if isinstance(exc, duckdb.CatalogException):
        refusal = _binder_refusal(text)
        if refusal is not None:
            return refusal
        if "does not exist" in text and ("Table" in text or "View" in text):
            named = re.search(r"with name (\S+)", text)
            found = named.group(1) if named else "?"
            return error(208, f"Invalid object name '{found}'.")
        return error(208, "Invalid object name.")
    if isinstance(exc, duckdb.BinderException):
        refusal = _binder_refusal(text)
        if refusal is not None:
            return refusal
    if isinstance(exc, duckdb.ParserException) and "expression depth" in text:
        return error(191, "Some part of your SQL statement is nested too deeply. Rewrite the "
                     "query or break it up into smaller queries.")  # fmt: skip
    if isinstance(exc, duckdb.ParserException):
        return error(102, "Incorrect syntax near the statement (the emulator could not read it).")
    # DuckDB's own words never reach a client: they would name things the client never wrote.
    return not_modelled(_statement_feature(text))


#: T-SQL built-in functions (Transact-SQL reference, "Functions"; those a dedicated pool lists
#: as supported) that DuckDB lacks under the same name: a call answers 40517 naming it.
TSQL_FUNCTIONS = frozenset(
    {
        "CHOOSE", "QUOTENAME", "PATINDEX", "SOUNDEX", "DIFFERENCE", "STRING_ESCAPE", "STRING_SPLIT",
        "OPENJSON", "ISJSON", "JSON_QUERY", "JSON_MODIFY", "CHECKSUM", "BINARY_CHECKSUM",
        "CHECKSUM_AGG", "ISNUMERIC", "ISDATE", "SWITCHOFFSET", "TODATETIMEOFFSET", "ERROR_MESSAGE",
        "ERROR_NUMBER", "ERROR_LINE", "ERROR_STATE", "ERROR_SEVERITY", "ERROR_PROCEDURE",
        "CURRENT_TIMEZONE", "CURRENT_TIMEZONE_ID", "COMPRESS", "DECOMPRESS", "FORMATMESSAGE",
        "DATEDIFF_BIG", "SMALLDATETIMEFROMPARTS", "DATETIME2FROMPARTS", "DATETIMEOFFSETFROMPARTS",
        "TIMEFROMPARTS", "DATETIMEFROMPARTS", "PERCENTILE_CONT", "PERCENTILE_DISC", "GROUPING_ID",
        "HAS_PERMS_BY_NAME", "IS_MEMBER", "IS_ROLEMEMBER", "SUSER_SID", "USER_ID",
        "DATABASEPROPERTYEX", "COL_LENGTH", "COL_NAME", "TYPE_NAME", "TYPE_ID", "TYPEPROPERTY",
        "INDEXPROPERTY", "STATS_DATE", "OBJECTPROPERTYEX", "APP_NAME", "HOST_NAME", "HOST_ID",
        "CONTEXT_INFO", "SESSION_CONTEXT", "NEWSEQUENTIALID", "ROWCOUNT_BIG", "XACT_STATE",
        "UNICODE",
        "STR", "SCOPE_IDENTITY", "IDENT_CURRENT", "IDENT_SEED", "IDENT_INCR", "FILEPROPERTY",
        "DB_NAME", "DATA_SOURCE_NAME", "STRING_AGG", "TRIM", "LTRIM", "RTRIM", "LOG10", "SQUARE",
        "RADIANS", "DEGREES"
    }
)  # fmt: skip
_DATE_FAILED = "Conversion failed when converting date and/or time from character string."
_DESTINATION = re.compile(r"destination type (\w+)")
_CONVERT_STRING = re.compile(r"Could not convert string '(.*)' to (\w+)")
_NO_MATCH = re.compile(
    r"No function matches the given name and argument types '([^(']+)\(([^)]*)\)'"
)
_NO_FUNCTION = re.compile(r"(?:Scalar|Aggregate) Function with name \"?([\w.]+)\"? does not exist")
_NO_CANDIDATE = re.compile(
    r'Could not choose a best candidate function for the function call "(\w+)\(([^)]*)\)"'
)
_GROUP_BY = re.compile(r'column "?([^"\s]+)"? must appear in the GROUP BY clause')
_ORDER_POSITION = re.compile(r"ORDER term out of range")
_NO_TABLE_FUNCTION = re.compile(r"Table Function with name \"?([\w.]+)\"? does not exist")
_DUCK_TYPE_NAMES = {"INT8": "tinyint", "INT16": "smallint", "INT32": "int", "INT64": "bigint",
                    "UINT8": "tinyint", "VARCHAR": "varchar", "STRING": "varchar", "INTEGER": "int",
                    "BIGINT": "bigint",
                    "DOUBLE": "float",
                    "BOOLEAN": "bit", "BLOB": "varbinary", "DATE": "date", "TIMESTAMP": "datetime2",
                    "DECIMAL": "decimal", "UUID": "uniqueidentifier", "TIME": "time",
                    "SMALLINT": "smallint", "UTINYINT": "tinyint", "FLOAT": "real"}  # fmt: skip


def _binder_refusal(text: str) -> SQLError | None:
    """The SQL Server error for a DuckDB binder or catalog failure, if it has one."""
    match = _COLUMN.search(text)
    if match:
        return error(207, f"Invalid column name '{match.group(1) or match.group(2)}'.")
    match = _NO_MATCH.search(text)
    if match:
        operator = match.group(1).strip('"')
        names = [
            _DUCK_TYPE_NAMES.get(
                part.strip().split("(")[0].removesuffix("_LITERAL"), part.strip().lower()
            )
            for part in match.group(2).split(",")
            if part.strip()
        ]
        if len(names) == 2 and not operator.isalnum():
            return error(
                402,
                f"The data types {names[0]} and {names[1]} are incompatible in the "
                f"{_OPERATOR_NAMES.get(operator, operator)} operator.",
            )
        return error(
            8116,
            f"Argument data type {' , '.join(names) or '?'} is invalid for argument 1 of "
            f"{operator} function.",
        )
    match = _NO_CANDIDATE.search(text)
    if match:
        names = [
            _DUCK_TYPE_NAMES.get(part.strip().removesuffix("_LITERAL"), part.strip().lower())
            for part in match.group(2).split(",")
        ]
        return error(
            8116,
            f"Argument data type {names[0]} is invalid for argument 1 of {match.group(1)} "
            "function.",
        )
    match = _GROUP_BY.search(text)
    if match:
        return error(
            8120,
            f"Column '{match.group(1)}' is invalid in the select list because it is not contained "
            "in either an aggregate function or the GROUP BY clause.",
        )
    match = _ORDER_POSITION.search(text)
    if match:
        return error(
            108,
            "The ORDER BY position number is out of range of the number of items in the "
            "select list.",
        )
    match = _NO_TABLE_FUNCTION.search(text) or _NO_FUNCTION.search(text)
    if match and match.group(1).upper() in TSQL_FUNCTIONS:
        # A pool has it; the emulator does not: say so, rather than "not recognized".
        return not_modelled(match.group(1).upper())
    match = _NO_TABLE_FUNCTION.search(text)
    if match:
        return error(208, f"Invalid object name '{match.group(1)}'.")
    match = _NO_FUNCTION.search(text)
    if match:
        return error(195, f"'{match.group(1)}' is not a recognized built-in function name.")
    return None


_OPERATOR_NAMES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "modulo"}


def _statement_feature(text: str) -> str:
    """A short name for what failed, from DuckDB's error class (never its message)."""
    kind = text.split(":", 1)[0].strip() if ":" in text else "statement"
    return {"Binder Error": "this expression", "Not implemented Error": "this statement",
            "Catalog Error": "this object reference"}.get(kind, "this statement")  # fmt: skip
