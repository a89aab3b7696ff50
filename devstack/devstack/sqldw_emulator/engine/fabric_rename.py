"""``EXEC sp_rename`` of tables and columns, as a Fabric Warehouse runs it.

Touches the session's catalog and storage (through ddl_alter and identifiers).
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.api import StatementResult
from devstack.sqldw_emulator.engine import ddl, errors
from devstack.sqldw_emulator.engine.lexer import LexError, read_name, tokenize

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.sqldw_emulator.engine.lexer import Token
    from devstack.sqldw_emulator.engine.protocols import StatementSession

#: What SQL Server says after every sp_rename.
CAUTION = "Caution: Changing any part of an object name could break scripts and stored procedures."
_PARAMETERS = ("@objname", "@newname", "@objtype")


def sp_rename(
    session: StatementSession,
    groups: list[list[Token]],
    evaluate: Callable[[StatementSession, list[Token]], t.Any],
) -> StatementResult:
    """Rename a table (``@objtype`` NULL or ``OBJECT``) or a column (``COLUMN``).

    Args:
        session: The session.
        groups: The call's arguments, split at top-level commas.
        evaluate: Evaluates an argument expression (control's scalar evaluator).

    Returns:
        The caution message SQL Server sends.

    Raises:
        SQLError: 15225 for an unknown object, 15248 for an unknown column or object type,
            2714 / 15335 when the new name is taken.
    """
    arguments = _arguments(session, groups, evaluate)
    objname = str(arguments.get("@objname") or "")
    newname = str(arguments.get("@newname") or "")
    objtype = str(arguments.get("@objtype") or "OBJECT").strip().upper()
    if not objname or not newname:
        raise errors.error(
            15600, "An invalid parameter or option was specified for procedure 'sp_rename'."
        )
    if objtype == "OBJECT":
        _rename_table(session, objname, newname)
    elif objtype == "COLUMN":
        _rename_column(session, objname, newname)
    else:
        raise _ambiguous(objtype)
    return StatementResult(messages=[CAUTION])


def _arguments(
    session: StatementSession,
    groups: list[list[Token]],
    evaluate: Callable[[StatementSession, list[Token]], t.Any],
) -> dict[str, t.Any]:
    values: dict[str, t.Any] = {}
    for position, group in enumerate(groups):
        if len(group) >= 3 and group[0].kind == "var" and group[1].text == "=":
            values[group[0].text.lower()] = evaluate(session, group[2:])
        elif position < len(_PARAMETERS) and group:
            values[_PARAMETERS[position]] = evaluate(session, group)
    return values


def _parts(name: str) -> list[str]:
    try:
        parts, end = read_name(tokenize(name), 0)
    except LexError:
        return []
    return parts if end == len(tokenize(name)) else []


def _ambiguous(objtype: str) -> Exception:
    return errors.error(
        15248,
        f"Either the parameter @objname is ambiguous or the claimed @objtype ({objtype}) is wrong.",
    )


def _rename_table(session: StatementSession, objname: str, newname: str) -> None:
    from devstack.sqldw_emulator.engine import ddl_alter

    parts = _parts(objname)
    if not parts:
        raise _ambiguous("OBJECT")
    # RENAME OBJECT does the rest (the same catalog and storage change); the new name is
    # bracketed so a dotted @newname stays one name, as sp_rename takes it.
    old = ".".join("[" + part.replace("]", "]]") + "]" for part in parts)
    new = "[" + newname.replace("]", "]]") + "]"
    ddl_alter.rename(session, tokenize(f"RENAME OBJECT {old} TO {new}"))


def _rename_column(session: StatementSession, objname: str, newname: str) -> None:
    from devstack.sqldw_emulator.engine.identifiers import duck_name, quote, split_name

    parts = _parts(objname)
    if len(parts) < 2:
        raise _ambiguous("COLUMN")
    schema, table = split_name(session, parts[:-1])
    info = session.lookup_table(schema or None, table)
    column = info.column(parts[-1]) if info is not None else None
    if info is None or column is None or info.kind != "U":
        raise _ambiguous("COLUMN")
    ddl.check_identifier(newname)
    taken = info.column(newname)
    if taken is not None and taken is not column:
        raise errors.error(
            15335,
            f"Error: The new name '{newname}' is already in use as a COLUMN name and would "
            "cause a duplicate that is not permitted.",
        )
    session.cursor.execute(
        f"ALTER TABLE {duck_name(info.schema, info.name)} RENAME COLUMN "
        f"{quote(column.name)} TO {quote(newname)}"
    )
    old_name = column.name
    column.name = newname
    for key in info.keys:
        key.columns = [
            newname if name.lower() == old_name.lower() else name for name in key.columns
        ]
    if info.temporary:
        session.temp_version += 1
    else:
        session.engine.catalog.put_table(info)
        session.engine.save_catalog()
