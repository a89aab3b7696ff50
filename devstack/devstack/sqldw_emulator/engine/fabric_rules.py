"""What a Fabric Warehouse refuses that a dedicated pool takes, asked before each DDL statement.

Pure checks on tokens and types; sources and numbers: devstack/README.md ("Fabric mode").
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import ddl, errors, flavors, types
from devstack.sqldw_emulator.engine.lexer import (
    is_identifier,
    matching_paren,
    read_name,
    split_top_level,
)

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLError
    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.catalog import ColumnInfo
    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.protocols import StatementSession

#: Types a Fabric Warehouse table cannot hold (data-types.md, "Unsupported data types").
UNSUPPORTED_TYPES = frozenset(
    {"nchar", "nvarchar", "ntext", "text", "image", "datetime", "smalldatetime",
     "datetimeoffset", "money", "smallmoney", "tinyint", "xml", "json", "geography",
     "geometry", "sql_variant", "hierarchyid", "timestamp", "rowversion", "sysname", "vector"}
)  # fmt: skip
#: Fractional-second digits datetime2 and time hold in Fabric (data-types.md).
MAX_FRACTIONAL_DIGITS = 6
_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "REFERENCES"})


def refusal(feature: str, rule: str) -> SQLError:
    """Fabric's refusal of a statement or option (number unconfirmed: 40517, see above)."""
    return errors.error(
        40517,
        f"Keyword or statement option '{feature}' is not supported in this version of SQL "
        f"Server. {rule}",
    )


def type_refusal(display: str) -> SQLError:
    """Fabric's refusal of a column type (24574)."""
    return errors.error(
        24574, f"The data type '{display}' is not supported in this edition of SQL Server."
    )


def check_type(sql: SQLType) -> None:
    """Refuse a column type a Fabric table cannot hold.

    Raises:
        SQLError: 24574 naming the type as declared (``nvarchar(40)``, ``datetime2(7)``).
    """
    if sql.name in UNSUPPORTED_TYPES:
        raise type_refusal(_display(sql))
    if sql.name in ("datetime2", "time") and (sql.scale or 0) > MAX_FRACTIONAL_DIGITS:
        raise type_refusal(_display(sql))


def snapshot_conflict(target: tuple[str | None, str] | None, database: str) -> SQLError:
    """Fabric's write-write conflict under snapshot isolation (24556).

    Number and text from the Fabric blog "Resolving Write Conflicts in Microsoft Fabric Data
    Warehouse" (2025); Fabric detects the conflict at COMMIT, the emulator (DuckDB) at the
    second writer's statement.
    """
    table = "unknown" if target is None else f"{target[0] or 'dbo'}.{target[1]}"
    return errors.error(
        24556,
        "Snapshot isolation transaction aborted due to update conflict. Using snapshot "
        f"isolation to access table '{table}' directly or indirectly in database '{database}' "
        "can cause update conflicts if rows in that table have been deleted or updated by "
        "another concurrent transaction. Retry the transaction.",
    )


def inferred_type(sql: SQLType) -> SQLType:
    """The Fabric type of a CTAS column the emulator typed from DuckDB's result.

    DuckDB's text and timestamp-with-zone results have no declared T-SQL type; the dedicated
    pool reading of them (nvarchar, datetimeoffset) is what Fabric cannot store, and Fabric
    itself types such expressions as varchar / datetime2.
    """
    if sql.name in ("nvarchar", "nchar"):
        return SQLType("varchar", 8000 if sql.length in (None, -1) else min(sql.length * 4, 8000))
    if sql.name == "datetimeoffset":
        return SQLType("datetime2", scale=MAX_FRACTIONAL_DIGITS)
    if sql.name in ("datetime2", "time") and (sql.scale or 0) > MAX_FRACTIONAL_DIGITS:
        return SQLType(sql.name, scale=MAX_FRACTIONAL_DIGITS)
    return sql


def apply_collation_default(columns: list[ColumnInfo]) -> None:
    """Give character columns declared without COLLATE the warehouse's UTF-8 collation.

    Fabric's default is ``Latin1_General_100_BIN2_UTF8`` (case-sensitive, collation.md);
    recording it makes storage (binary comparison) and ``sys.columns`` agree.
    """
    for column in columns:
        if column.type.name in types.CHAR_TYPES and column.collation is None:
            column.collation = flavors.FABRIC_COLLATION


def _display(sql: SQLType) -> str:
    if sql.length is not None:
        return f"{sql.name}({'max' if sql.length == -1 else sql.length})"
    if sql.name in ("datetime2", "time", "datetimeoffset") and sql.scale is not None:
        return f"{sql.name}({sql.scale})"
    if sql.name in ("decimal", "numeric"):
        return f"{sql.name}({sql.precision},{sql.scale})"
    return sql.name


def check_statement(statement: Statement) -> None:
    """Refuse a DDL statement, or an option of one, that a Fabric Warehouse refuses.

    Args:
        statement: A statement whose first word is CREATE, ALTER or RENAME.

    Raises:
        SQLError: 24574 for a column type, 40517 for a statement or option (see the module).
    """
    words = statement.keywords
    tokens = statement.tokens
    head = words[0]
    if head == "RENAME":
        raise refusal(
            "RENAME OBJECT", "Fabric Warehouse renames tables with sp_rename (tsql-surface-area)."
        )
    if head == "CREATE" and len(words) > 2 and words[1] == "EXTERNAL":
        raise refusal(
            f"CREATE EXTERNAL {words[2]}",
            "Fabric Warehouse has no PolyBase external objects; load with COPY INTO.",
        )
    if head == "CREATE" and len(words) > 1 and words[1] == "TABLE":
        _check_create_table(tokens)
    elif head == "ALTER" and len(words) > 1 and words[1] == "TABLE":
        _check_alter_table(tokens)


def drops_if_exists(session: StatementSession, tokens: list[Token], at: int) -> bool:
    """Whether ``DROP TABLE IF EXISTS`` at ``at`` is one this flavor takes (Fabric only)."""
    return (
        session.engine.fabric
        and at + 1 < len(tokens)
        and tokens[at].is_word("IF")
        and tokens[at + 1].is_word("EXISTS")
    )


def _check_create_table(tokens: list[Token]) -> None:
    _name, index = read_name(tokens, 2)
    if index < len(tokens) and tokens[index].text == "(":
        end = matching_paren(tokens, index)
        groups = split_top_level(tokens[index + 1 : end])
        index = end + 1
        ctas = any(tok.is_word("AS") for tok in tokens[index:]) and all(
            len(group) <= 1 for group in groups
        )
        if not ctas:
            for group in groups:
                if group:
                    _check_column(group, inline=True)
    if index < len(tokens) and tokens[index].is_word("WITH"):
        following = tokens[index + 2] if index + 2 < len(tokens) else tokens[index]
        raise refusal(
            f"WITH ({following.text} ...)",
            "Fabric Warehouse manages table storage: no DISTRIBUTION, index or partition "
            "options (tables).",
        )


def _check_column(group: list[Token], *, inline: bool) -> None:
    """Check one column definition (or table constraint) of CREATE TABLE / ALTER TABLE ADD."""
    first = group[0]
    words = [tok.upper for tok in group if tok.kind == "word"]
    if first.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX"):
        if inline:
            raise _inline_constraint()
        return  # ALTER TABLE ... ADD CONSTRAINT: the shared NOT ENFORCED rules apply
    if not is_identifier(first) or len(group) < 2:
        return  # the dedicated-pool parser reports the syntax error
    sql, rest_at = _declared_type(group)
    check_type(sql)
    rest = [tok.upper for tok in group[rest_at:] if tok.kind == "word"]
    if _CONSTRAINT_WORDS.intersection(rest):
        raise _inline_constraint()
    if "DEFAULT" in rest:
        raise refusal("DEFAULT", "Fabric Warehouse has no default constraints (table-constraints).")
    if "IDENTITY" in words:
        position = next(i for i, tok in enumerate(group) if tok.is_word("IDENTITY"))
        seeded = position + 1 < len(group) and group[position + 1].text == "("
        if sql.name != "bigint" or seeded:
            raise refusal(
                "IDENTITY",
                "Fabric Warehouse IDENTITY columns are bigint, without seed or increment "
                "(identity).",
            )


def _declared_type(group: list[Token]) -> tuple[SQLType, int]:
    """The type of a column definition, read before the dedicated-pool rules refuse it."""
    parts, index = read_name(group, 1)
    name = parts[-1].lower() if parts else ""
    if name in types.UNSUPPORTED:
        # text, image, xml...: the dedicated-pool parser refuses these with its own number.
        if index < len(group) and group[index].text == "(":
            index = matching_paren(group, index) + 1
        return SQLType(name), index
    return ddl.parse_type(group, 1)


def _inline_constraint() -> SQLError:
    return refusal(
        "CONSTRAINT",
        "Fabric Warehouse adds PRIMARY KEY, UNIQUE and FOREIGN KEY constraints with ALTER "
        "TABLE ... ADD CONSTRAINT ... NOT ENFORCED, never inline in CREATE TABLE "
        "(table-constraints).",
    )


def _check_alter_table(tokens: list[Token]) -> None:
    _name, index = read_name(tokens, 2)
    action = tokens[index].upper if index < len(tokens) else ""
    if action == "ADD":
        for group in split_top_level(tokens[index + 1 :]):
            if group:
                _check_column(group, inline=False)
                if not group[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN"):
                    _check_nullable(group)
        return
    if action in ("ALTER", "DROP") and not _drops_constraint(tokens[index:]):
        raise refusal(
            f"ALTER TABLE {action} COLUMN",
            "Fabric Warehouse ALTER TABLE only adds nullable columns and adds or drops NOT "
            "ENFORCED constraints (tsql-surface-area).",
        )


def _drops_constraint(tokens: list[Token]) -> bool:
    return len(tokens) > 1 and tokens[0].is_word("DROP") and tokens[1].is_word("CONSTRAINT")


def _check_nullable(group: list[Token]) -> None:
    words = [tok.upper for tok in group]
    for position, word in enumerate(words[:-1]):
        if word == "NOT" and words[position + 1] == "NULL":
            raise refusal(
                "NOT NULL",
                "Fabric Warehouse ALTER TABLE ADD takes nullable columns only (tsql-surface-area).",
            )
