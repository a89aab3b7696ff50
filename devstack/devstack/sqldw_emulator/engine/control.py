"""Control-of-flow and session statements: DECLARE, SET, PRINT, EXEC, THROW, RAISERROR.

Reads and sets the session's variables; runs nested batches through the session.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import Parameter, SQLError, StatementResult
from devstack.sqldw_emulator.declarations import parse_declarations
from devstack.sqldw_emulator.engine import ddl, errors, types
from devstack.sqldw_emulator.engine.binding import bind
from devstack.sqldw_emulator.engine.faults import FaultSettings
from devstack.sqldw_emulator.engine.lexer import Token, split_top_level

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from devstack.sqldw_emulator.engine.batch import Statement
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_SESSION_OPTIONS = frozenset(
    {"NOCOUNT", "ANSI_NULLS", "ANSI_WARNINGS", "ANSI_PADDING", "QUOTED_IDENTIFIER",
     "ARITHABORT", "CONCAT_NULL_YIELDS_NULL", "XACT_ABORT", "TRANSACTION", "LOCK_TIMEOUT",
     "DATEFORMAT", "DATEFIRST", "LANGUAGE", "TEXTSIZE", "ROWCOUNT", "IMPLICIT_TRANSACTIONS",
     "NUMERIC_ROUNDABORT", "ANSI_NULL_DFLT_ON", "CURSOR_CLOSE_ON_COMMIT", "STATISTICS",
     "FMTONLY", "DEADLOCK_PRIORITY", "QUERY_GOVERNOR_COST_LIMIT", "ANSI_DEFAULTS",
     "NO_BROWSETABLE", "IDENTITY_INSERT", "RESULT_SET_CACHING"}
)  # fmt: skip


def _evaluate(session: StatementSession, tokens: list[Token]) -> t.Any:
    bound = bind(tokens, session)
    bound.text = f"SELECT {bound.text}"
    result = session.query(bound)
    rows = result.result_set.rows if result.result_set else []
    return rows[0][0] if rows else None


def run(session: StatementSession, statement: Statement) -> StatementResult | None:
    """Run a control statement.

    Raises:
        SQLError: for unknown procedures, THROW/RAISERROR, and undeclared variables.
    """
    tokens = statement.tokens
    head = tokens[0].upper
    if head == "DECLARE":
        return _declare(session, tokens[1:])
    if head == "SET":
        return _set(session, tokens[1:])
    if head == "PRINT":
        value = _evaluate(session, tokens[1:])
        return StatementResult(messages=["" if value is None else str(value)])
    if head == "THROW":
        parts = split_top_level(tokens[1:])
        if len(parts) != 3:
            raise errors.error(102, "Incorrect syntax near 'THROW'.")
        number = int(_evaluate(session, parts[0]))
        message = str(_evaluate(session, parts[1]))
        state = int(_evaluate(session, parts[2]))
        raise SQLError(number, message, state=state, severity=16)
    if head == "RAISERROR":
        inner = tokens[2:-1] if len(tokens) > 2 and tokens[1].text == "(" else tokens[1:]
        parts = split_top_level(inner)
        message = str(_evaluate(session, parts[0]))
        severity = int(_evaluate(session, parts[1])) if len(parts) > 1 else 16
        state = int(_evaluate(session, parts[2])) if len(parts) > 2 else 1
        if severity <= 10:
            return StatementResult(messages=[message])
        raise SQLError(50000, message, state=state, severity=severity)
    return _exec(session, statement)


def _declare(session: StatementSession, tokens: list[Token]) -> StatementResult | None:
    for group in split_top_level(tokens):
        if not group or group[0].kind != "var":
            raise errors.error(102, "Incorrect syntax near 'DECLARE'.")
        name = group[0].text.lower()
        if name in session.variables:
            raise errors.error(
                134,
                f"The variable name '{group[0].text}' has already been declared. Variable names "
                "must be unique within a query batch or stored procedure.",
            )
        index = 1
        if index < len(group) and group[index].is_word("AS"):
            index += 1
        if index < len(group) and group[index].is_word("TABLE"):
            raise errors.not_supported("Table variables")
        sql_type, index = ddl.parse_type(group, index)
        value = None
        if index < len(group) and group[index].text == "=":
            value = _evaluate(session, group[index + 1 :])
        session.variables[name] = (sql_type, types.assigned(value, sql_type))
    return None


def _set(session: StatementSession, tokens: list[Token]) -> StatementResult | None:
    if not tokens:
        raise errors.error(102, "Incorrect syntax near 'SET'.")
    first = tokens[0]
    if first.kind == "var" and not first.text.startswith("@@"):
        name = first.text.lower()
        if name not in session.variables:
            raise errors.error(137, f'Must declare the scalar variable "{first.text}".')
        if len(tokens) < 3 or tokens[1].text not in ("=", "+", "-"):
            raise errors.error(102, f"Incorrect syntax near '{first.text}'.")
        sql_type, _old = session.variables[name]
        if tokens[1].text == "=":
            value = _evaluate(session, tokens[2:])
        else:
            value = _evaluate(session, [*tokens[:1], tokens[1], *tokens[3:]])
        session.variables[name] = (sql_type, types.assigned(value, sql_type))
        return None
    if first.upper in _SESSION_OPTIONS:
        return None
    raise errors.error(102, f"Incorrect syntax near '{first.text}'.")


def _named_arguments(session: StatementSession, tokens: list[Token]) -> dict[str, t.Any]:
    arguments: dict[str, t.Any] = {}
    for group in split_top_level(tokens):
        if len(group) >= 3 and group[0].kind == "var" and group[1].text == "=":
            arguments[group[0].text[1:].lower()] = _evaluate(session, group[2:])
    return arguments


def inject_fault(session: StatementSession, statement: Statement) -> StatementResult:
    """``EXEC devstack_inject_fault @kind=..., @count=..., @rate=..., @seed=...``.

    Raises:
        SQLError: 50000 for invalid settings.
    """
    arguments = _named_arguments(session, statement.tokens[2:])
    try:
        settings = FaultSettings(
            kind=str(arguments.get("kind", "transient")).lower(),
            count=int(arguments.get("count", 0) or 0),
            rate=float(arguments.get("rate", 0.0) or 0.0),
            seed=int(arguments["seed"]) if arguments.get("seed") is not None else None,
        )
        session.engine.faults.configure(settings)
    except ValueError as exc:
        raise errors.error(50000, f"devstack_inject_fault: {exc}") from exc
    return StatementResult(messages=[f"devstack: fault injection set to {settings}"])


def _exec(session: StatementSession, statement: Statement) -> StatementResult | None:
    tokens = statement.tokens[1:]
    if tokens and tokens[0].text == "(":
        # EXEC ('dynamic sql'): run the string as a nested batch.
        text = str(_evaluate(session, tokens[1:-1]))
        return _nested(session, text)
    if not tokens:
        raise errors.error(102, "Incorrect syntax near 'EXEC'.")
    name = tokens[0].text.lower().split(".")[-1].strip("[]")
    if tokens[0].kind == "var":
        raise errors.not_supported("EXEC of a procedure named by a variable")
    if name == "sp_executesql":
        return _executesql(session, split_top_level(tokens[1:]))
    if name == "sp_rename" and session.engine.fabric:
        from devstack.sqldw_emulator.engine import fabric_rename

        with session.catalog_change():
            return fabric_rename.sp_rename(session, split_top_level(tokens[1:]), _evaluate)
    if name == "sp_rename":
        raise errors.error(
            100086,
            "sp_rename is not supported for tables in Azure Synapse dedicated SQL pool; use "
            "RENAME OBJECT.",
        )
    raise errors.error(2812, f"Could not find stored procedure '{tokens[0].text}'.")


def _executesql(session: StatementSession, groups: list[list[Token]]) -> StatementResult | None:
    """``EXEC sp_executesql N'stmt' [, N'@a int, ...' [, @a = value | value, ...]]``.

    Raises:
        SQLError: 102 for a malformed call; 8178 when a declared parameter gets no value.
    """
    if not groups or not groups[0]:
        raise errors.error(102, "Incorrect syntax near 'sp_executesql'.")
    text = str(_evaluate(session, groups[0]))
    declarations = str(_evaluate(session, groups[1])) if len(groups) > 1 else ""
    named: dict[str, t.Any] = {}
    positional: list[t.Any] = []
    for group in groups[2:]:
        if len(group) >= 3 and group[0].kind == "var" and group[1].text == "=":
            named[group[0].text.lower()] = _evaluate(session, group[2:])
        else:
            positional.append(_evaluate(session, group))
    params: list[Parameter] = []
    for declared in parse_declarations(declarations):
        key = declared.name.lower()
        if key in named:
            value = named[key]
        elif positional:
            value = positional.pop(0)
        else:
            raise errors.error(
                8178,
                f"The parameterized query '({declared.name} ...' expects the parameter "
                f"'{declared.name}', which was not supplied.",
            )
        params.append(Parameter(declared.name, declared.type, value))
    return _nested(session, text, params)


def _nested(
    session: StatementSession, text: str, params: Sequence[Parameter] = ()
) -> StatementResult | None:
    saved_variables = session.variables
    saved_params = session.params
    last: StatementResult | None = None
    try:
        for result in session.execute(text, params):
            last = result
    finally:
        session.variables = saved_variables
        session.params = saved_params
    return last


def assign_select(session: StatementSession, statement: Statement) -> None:
    """``SELECT @a = expr, @b = expr [FROM ...]``: the last row's values go to the variables.

    Raises:
        SQLError: 137 for undeclared variables; 141 when assignments mix with plain columns.
    """
    tokens = statement.tokens
    end = len(tokens)
    depth = 0
    for index, token in enumerate(tokens):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and index > 0 and token.is_word("FROM", "WHERE", "ORDER", "GROUP"):
            end = index
            break
    names: list[str] = []
    expressions: list[list[Token]] = []
    for group in split_top_level(tokens[1:end]):
        if len(group) < 3 or group[0].kind != "var" or group[1].text != "=":
            raise errors.error(
                141,
                "A SELECT statement that assigns a value to a variable must not be combined "
                "with data-retrieval operations.",
            )
        name = group[0].text.lower()
        if name not in session.variables:
            raise errors.error(137, f'Must declare the scalar variable "{group[0].text}".')
        names.append(name)
        expressions.append(group[2:])
    rewritten: list[Token] = [tokens[0]]
    for position, expression in enumerate(expressions):
        if position:
            rewritten.append(Token("op", ",", 0, 0))
        rewritten.extend(expression)
    rewritten.extend(tokens[end:])
    result = session.query(bind(rewritten, session))
    found = result.result_set.rows if result.result_set else []
    if found:
        for name, value in zip(names, found[-1], strict=True):
            declared, _old = session.variables[name]
            session.variables[name] = (declared, types.assigned(value, declared))
