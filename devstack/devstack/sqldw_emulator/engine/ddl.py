"""Parsing CREATE TABLE / CREATE EXTERNAL TABLE / CTAS in the dedicated-pool dialect.

Pure: tokens in, table definitions out, with the guard's table-level refusals applied.
"""

from __future__ import annotations

import dataclasses

from devstack.sqldw_emulator.api import SQLType
from devstack.sqldw_emulator.engine import collation, errors, flavors, types
from devstack.sqldw_emulator.engine.catalog import ColumnInfo, KeyConstraint
from devstack.sqldw_emulator.engine.lexer import (
    Token,
    is_identifier,
    matching_paren,
    read_name,
    split_top_level,
)

MAX_COLUMNS = 1024
MAX_IDENTIFIER = 128
_ENFORCED_MESSAGE = (
    "Enforced unique constraints are not supported. To create an unenforced unique constraint "
    "you must include the NOT ENFORCED syntax as part of your statement."
)


@dataclasses.dataclass(slots=True)
class TableOptions:
    """The WITH (...) options of CREATE TABLE / CTAS."""

    distribution: str | None = None
    distribution_columns: list[str] = dataclasses.field(default_factory=list)
    index: str | None = None
    index_columns: list[str] = dataclasses.field(default_factory=list)
    other: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class CreateTable:
    """A parsed CREATE TABLE.

    Attributes:
        as_select: Source text of the SELECT of a CTAS (None for a plain CREATE TABLE).
    """

    name: list[str]
    columns: list[ColumnInfo]
    options: TableOptions
    as_select: str | None = None
    column_names: list[str] | None = None
    external: bool = False
    keys: list[KeyConstraint] = dataclasses.field(default_factory=list)


def check_identifier(name: str) -> None:
    """Refuse identifiers longer than sysname allows.

    Raises:
        SQLError: 103.
    """
    if len(name) > MAX_IDENTIFIER:
        raise errors.error(
            103,
            f"The identifier that starts with '{name[:128]}' is too long. Maximum length is 128.",
        )


def parse_type(tokens: list[Token], index: int) -> tuple[SQLType, int]:
    """Read a type name and its arguments.

    Raises:
        SQLError: 2715 for unknown types, 100086 for types the pool does not support.
    """
    parts, index = read_name(tokens, index)
    if not parts:
        raise errors.error(102, "Incorrect syntax: a column needs a data type.")
    name = parts[-1].lower()
    if len(parts) == 1 and tokens[index - 1].kind == "word":
        # ISO synonyms of several words (DOUBLE PRECISION, NATIONAL CHAR VARYING...).
        words = [name]
        while index + len(words) - 1 < len(tokens) and len(words) < 3:
            following = tokens[index + len(words) - 1]
            if following.kind != "word":
                break
            words.append(following.text.lower())
        known = types.synonym(words)
        if known is not None:
            name, used = known
            index += used - 1
    args: list[str] = []
    if index < len(tokens) and tokens[index].text == "(":
        end = matching_paren(tokens, index)
        args = [
            " ".join(tok.text for tok in group)
            for group in split_top_level(tokens[index + 1 : end])
        ]
        index = end + 1
    if name in types.UNSUPPORTED:
        raise errors.error(
            100086,
            f"The data type '{name}' is not supported in Azure Synapse dedicated SQL pool.",
        )
    if len(parts) > 1 and not (name in types.KNOWN and parts[0].lower() in ("sys", "")):
        raise errors.not_supported("User-defined types")
    try:
        return types.make_type(name, args), index
    except types.DeclaredTypeError as exc:
        if name in types.KNOWN:
            raise errors.error(
                2716 if name in types.CHAR_TYPES else 2750,
                f"Column or parameter has an invalid size or precision: {exc}.",
            ) from exc
        raise errors.error(
            2715, f"Column, parameter, or variable #1: Cannot find data type {name}."
        ) from exc


def _refuse_constraint(words: list[str], text: str) -> None:
    upper = " ".join(words)
    if "FOREIGN" in words or "REFERENCES" in words:
        raise errors.not_supported("FOREIGN KEY constraints")
    if (words and words[0] == "CHECK") or " CHECK" in f" {upper}":
        raise errors.not_supported("CHECK constraints")
    if "PRIMARY" in words or "UNIQUE" in words:
        if "NOT ENFORCED" not in upper:
            raise errors.error(104467, _ENFORCED_MESSAGE)
        if "PRIMARY" in words and "NONCLUSTERED" not in words:
            raise errors.error(
                104467,
                "PRIMARY KEY is only supported when NONCLUSTERED and NOT ENFORCED are both used.",
            )
    _ = text


def _key_columns(tokens: list[Token]) -> list[str]:
    """The column names in the first parenthesized list of a table constraint."""
    for position, token in enumerate(tokens):
        if token.text == "(":
            end = matching_paren(tokens, position)
            return [
                group[0].ident
                for group in split_top_level(tokens[position + 1 : end])
                if group and is_identifier(group[0])
            ]
    return []


def _key_constraint(tokens: list[Token], column: str | None) -> KeyConstraint | None:
    """The PRIMARY KEY / UNIQUE constraint (already checked as NOT ENFORCED) in ``tokens``."""
    words = [tok.upper for tok in tokens if tok.kind == "word"]
    kind = "PK" if "PRIMARY" in words else "UQ" if "UNIQUE" in words else None
    if kind is None:
        return None
    name = None
    for position, token in enumerate(tokens[:-1]):
        if token.is_word("CONSTRAINT") and is_identifier(tokens[position + 1]):
            name = tokens[position + 1].ident
            break
    columns = [column] if column is not None else _key_columns(tokens)
    return KeyConstraint(kind, name, columns)


def parse_column(tokens: list[Token]) -> tuple[ColumnInfo | None, KeyConstraint | None]:
    """Parse one column definition or table constraint.

    Returns:
        The column (None for a table constraint) and the PRIMARY KEY / UNIQUE constraint it
        declares, if any.
    """
    first = tokens[0]
    if first.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX"):
        words = [tok.upper for tok in tokens if tok.kind == "word"]
        if first.is_word("INDEX"):
            raise errors.not_supported("Inline index definitions")
        _refuse_constraint(words, "")
        return None, _key_constraint(tokens, None)
    if not is_identifier(first):
        raise errors.error(102, f"Incorrect syntax near '{first.text}'.")
    name = first.ident
    check_identifier(name)
    if len(tokens) > 1 and tokens[1].is_word("AS"):
        raise errors.not_supported("Computed columns")
    sql, index = parse_type(tokens, 1)
    column = ColumnInfo(name, sql)
    rest = tokens[index:]
    words = [tok.upper for tok in rest if tok.kind == "word"]
    position = 0
    constraint_start: int | None = None
    while position < len(rest):
        token = rest[position]
        word = token.upper if token.kind == "word" else ""
        if word == "NOT" and position + 1 < len(rest) and rest[position + 1].is_word("NULL"):
            column.nullable = False
            position += 2
            continue
        if word == "NULL":
            position += 1
            continue
        if word == "IDENTITY":
            column.identity = True
            column.nullable = False
            position += 1
            if position < len(rest) and rest[position].text == "(":
                position = matching_paren(rest, position) + 1
            continue
        if word == "DEFAULT":
            start = position + 1
            end = start
            if end < len(rest) and rest[end].text == "(":
                end = matching_paren(rest, end) + 1
            else:
                end += 1
            column.default = " ".join(tok.text for tok in rest[start:end])
            position = end
            continue
        if word == "COLLATE":
            if position + 1 < len(rest):
                collation.check(rest[position + 1].text)
                column.collation = rest[position + 1].text.strip("[]")
            position += 2
            continue
        if word in ("SPARSE", "FILESTREAM", "ROWGUIDCOL"):
            raise errors.not_supported(f"{word.capitalize()} columns")
        if word in ("CONSTRAINT",):
            constraint_start = position
            position += 2
            continue
        if word in ("PRIMARY", "UNIQUE", "REFERENCES", "FOREIGN", "CHECK"):
            _refuse_constraint(words[words.index(word) :], "")
            start = constraint_start if constraint_start is not None else position
            return column, _key_constraint(rest[start:], name)
        if word == "MASKED":
            raise errors.not_supported("Dynamic data masking in CREATE TABLE")
        raise errors.error(102, f"Incorrect syntax near '{token.text}'.")
    return column, None


def parse_with_options(tokens: list[Token]) -> TableOptions:
    """Parse the contents of ``WITH ( ... )`` of CREATE TABLE / CTAS.

    Raises:
        SQLError: 102 for options the dialect does not know.
    """
    options = TableOptions()
    for group in split_top_level(tokens):
        words = [tok.upper for tok in group if tok.kind == "word"]
        head = group[0].upper
        if head == "DISTRIBUTION":
            kind = group[2].upper if len(group) > 2 else ""
            if kind == "HASH":
                options.distribution = "HASH"
                close = matching_paren(group, 3)
                options.distribution_columns = [
                    tok.ident for tok in group[4:close] if is_identifier(tok)
                ]
            elif kind in ("ROUND_ROBIN", "REPLICATE"):
                options.distribution = kind
            else:
                raise errors.parse_error(group[2].text if len(group) > 2 else "DISTRIBUTION")
        elif words[:3] == ["CLUSTERED", "COLUMNSTORE", "INDEX"]:
            options.index = "CLUSTERED COLUMNSTORE INDEX"
            opens = [i for i, tok in enumerate(group) if tok.text == "("]
            if opens:
                end = matching_paren(group, opens[0])
                options.index_columns = [
                    tok.ident for tok in group[opens[0] + 1 : end] if is_identifier(tok)
                ]
        elif head == "HEAP":
            options.index = "HEAP"
        elif words[:2] == ["CLUSTERED", "INDEX"]:
            options.index = "CLUSTERED INDEX"
            opens = [i for i, tok in enumerate(group) if tok.text == "("]
            if opens:
                end = matching_paren(group, opens[0])
                options.index_columns = [
                    tok.ident
                    for tok in group[opens[0] + 1 : end]
                    if is_identifier(tok) and not tok.is_word("ASC", "DESC")
                ]
        elif head in ("PARTITION", "LOCATION", "DATA_SOURCE", "FILE_FORMAT", "REJECT_TYPE",
                      "REJECT_VALUE", "REJECT_SAMPLE_VALUE", "REJECTED_ROW_LOCATION"):  # fmt: skip
            value = group[2] if len(group) > 2 else group[-1]
            options.other[head] = value.string_value if value.kind == "string" else value.ident
        else:
            raise errors.parse_error(group[0].text)
    return options


def parse_create_table(tokens: list[Token], text: str) -> CreateTable:
    """Parse CREATE [EXTERNAL] TABLE, with its columns, options and CTAS query.

    Raises:
        SQLError: for syntax the pool does not accept (with the guard's error numbers).
    """
    index = 1
    external = tokens[index].is_word("EXTERNAL")
    if external:
        index += 1
    index += 1  # TABLE
    if index < len(tokens) and tokens[index].is_word("IF"):
        raise errors.parse_error("IF", column=tokens[index].start + 1)
    name, index = read_name(tokens, index)
    for part in name:
        check_identifier(part)
    columns: list[ColumnInfo] = []
    keys: list[KeyConstraint] = []
    column_names: list[str] | None = None
    options = TableOptions()
    as_select: str | None = None
    if index < len(tokens) and tokens[index].text == "(":
        end = matching_paren(tokens, index)
        groups = split_top_level(tokens[index + 1 : end])
        index = end + 1
        is_ctas = any(tok.is_word("AS") for tok in tokens[index:]) and not any(
            len(group) > 1 for group in groups
        )
        if is_ctas:
            column_names = [group[0].ident for group in groups]
        else:
            if len(groups) > MAX_COLUMNS:
                raise errors.error(
                    1702,
                    f"CREATE TABLE failed because column '{groups[MAX_COLUMNS][0].ident}' in "
                    f"table '{name[-1]}' exceeds the maximum of {MAX_COLUMNS} columns.",
                )
            seen: set[str] = set()
            for group in groups:
                column, key = parse_column(group)
                if key is not None:
                    keys.append(key)
                if column is None:
                    continue
                if column.name.lower() in seen:
                    raise errors.error(
                        2705,
                        f"Column names in each table must be unique. Column name '{column.name}' "
                        f"in table '{name[-1]}' is specified more than once.",
                    )
                seen.add(column.name.lower())
                columns.append(column)
    if index < len(tokens) and tokens[index].is_word("WITH"):
        if index + 1 >= len(tokens) or tokens[index + 1].text != "(":
            raise errors.parse_error("WITH")
        end = matching_paren(tokens, index + 1)
        options = parse_with_options(tokens[index + 2 : end])
        index = end + 1
    if index < len(tokens) and tokens[index].is_word("AS"):
        as_select = text[tokens[index + 1].start - tokens[0].start :]
        index = len(tokens)
    if index < len(tokens):
        raise errors.parse_error(tokens[index].text)
    return CreateTable(name, columns, options, as_select, column_names, external, keys)


def check_columnstore(columns: list[ColumnInfo], index: str) -> None:
    """Refuse (max) columns in a clustered columnstore table.

    Raises:
        SQLError: 35343.
    """
    if index != "CLUSTERED COLUMNSTORE INDEX":
        return
    for column in columns:
        if column.type.length == -1:
            raise errors.error(
                35343,
                f"The statement failed. Column '{column.name}' has a data type that cannot "
                "participate in a columnstore index.",
            )


def column_ddl(column: ColumnInfo, default_sql: str | None, *, fabric: bool = False) -> str:
    """DuckDB column definition (type, NOT NULL, DEFAULT, length CHECK).

    Args:
        column: The declared column.
        default_sql: Its DuckDB DEFAULT expression, if any.
        fabric: Check lengths as a Fabric Warehouse counts them (UTF-8 bytes, 16 MB (max)).
    """
    quoted = '"' + column.name.replace('"', '""') + '"'
    storage = types.storage_type(column.type)
    if column.type.name in types.CHAR_TYPES:
        storage += collation.column_clause(column.collation)
    parts = [quoted, storage]
    if not column.nullable:
        parts.append("NOT NULL")
    if default_sql is not None:
        parts.append(f"DEFAULT {default_sql}")
    if fabric:
        check = flavors.utf8_length_check(quoted, column.type.name, column.type.length)
    else:
        check = types.length_check(quoted, column.type)
    if check is not None:
        parts.append(f"CHECK ({check})")
    check = types.format_check(quoted, column.type)
    if check is not None:
        parts.append(f"CHECK ({check})")
    return " ".join(parts)
