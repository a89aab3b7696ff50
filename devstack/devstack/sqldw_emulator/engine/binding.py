"""Token-level rewriting before parsing: variables and parameters, temp tables, OPTION(LABEL).

Pure: values become ``?`` placeholders, never text pasted into SQL.
"""

from __future__ import annotations

import dataclasses
import typing as t

from devstack.sqldw_emulator.engine import errors
from devstack.sqldw_emulator.engine.lexer import TEMP_PREFIX, Token, matching_paren

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.api import SQLType

__all__ = ["TEMP_PREFIX", "Bound", "bind", "display_name", "temp_name", "undeclared"]


def temp_name(token_text: str) -> str:
    """The DuckDB name of a ``#temp`` table."""
    return TEMP_PREFIX + token_text.lstrip("#")


def display_name(name: str) -> str:
    """The client-facing name of a table (``#t`` for temp tables)."""
    return "#" + name[len(TEMP_PREFIX) :] if name.startswith(TEMP_PREFIX) else name


@dataclasses.dataclass(slots=True)
class Bound:
    """A statement ready for sqlglot: text with placeholders and the values to bind.

    Attributes:
        text: The rewritten statement text.
        values: Values for the ``?`` placeholders, in order.
        types: Declared T-SQL types of those values (None when unknown).
        label: The ``OPTION (LABEL = '...')`` value, if any.
    """

    text: str
    values: list[t.Any]
    types: list[SQLType | None]
    label: str | None = None


class VariableSource(t.Protocol):
    """Where variable values come from (the session)."""

    def lookup_variable(self, name: str) -> tuple[SQLType | None, t.Any]:
        """Type and value of ``@name`` (parameters first, then declared variables)."""
        ...

    def system_variable(self, name: str) -> t.Any:
        """The value of ``@@name``."""
        ...


def _literal(value: t.Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def strip_label(tokens: list[Token]) -> tuple[list[Token], str | None]:
    """Remove a trailing ``OPTION (...)`` clause, returning its LABEL if any."""
    for position in range(len(tokens) - 1, -1, -1):
        token = tokens[position]
        if (
            token.is_word("OPTION")
            and position + 1 < len(tokens)
            and tokens[position + 1].text == "("
        ):
            end = matching_paren(tokens, position + 1)
            if end != len(tokens) - 1:
                return tokens, None
            inner = tokens[position + 2 : end]
            label = None
            for index, part in enumerate(inner):
                if (
                    part.is_word("LABEL")
                    and index + 2 < len(inner)
                    and inner[index + 2].kind == "string"
                ):
                    label = inner[index + 2].string_value
            return tokens[:position], label
    return tokens, None


def bind(tokens: list[Token], source: VariableSource, *, placeholders: bool = True) -> Bound:
    """Rewrite a statement's tokens into text with placeholders.

    Args:
        tokens: The statement's tokens (from the batch).
        source: Resolves variables.
        placeholders: When False, variables are substituted as literals (for DDL text that
            DuckDB cannot prepare).

    Raises:
        SQLError: 137 for an undeclared variable.
    """
    tokens, label = strip_label(tokens)
    if not tokens:
        return Bound("", [], [], label)
    out: list[str] = []
    values: list[t.Any] = []
    value_types: list[SQLType | None] = []
    for token in tokens:
        # Tokens are re-joined with single spaces: layout carries no meaning once comments
        # are gone, and string literals are single tokens.
        out.append(" ")
        if token.kind == "var" and token.text.startswith("@@"):
            out.append(_literal(source.system_variable(token.text[2:].upper())))
        elif token.kind == "var":
            sql_type, value = source.lookup_variable(token.text)
            if placeholders:
                out.append("?")
                values.append(value)
                value_types.append(sql_type)
            else:
                out.append(_literal(value))
        elif token.kind == "temp":
            out.append('"' + temp_name(token.text) + '"')
        else:
            out.append(token.text)
    text = "".join(out).strip()
    return Bound(text, values, value_types, label)


def undeclared(name: str) -> Exception:
    """The error for a variable used before DECLARE."""
    return errors.error(137, f'Must declare the scalar variable "{name}".')
