"""Token-level refusals that apply to any statement (the guard's full list: devstack README).

Pure; the rest of the guard sits where the facts are: ddl, translate, session.
"""

from __future__ import annotations

import typing as t

from devstack.sqldw_emulator.engine import errors
from devstack.sqldw_emulator.engine.lexer import TEMP_PREFIX, is_identifier

if t.TYPE_CHECKING:
    from devstack.sqldw_emulator.engine.lexer import Token

_ROWSET_FUNCTIONS = frozenset({"OPENROWSET", "OPENQUERY", "OPENDATASOURCE", "OPENXML"})
MAX_IDENTIFIER = 128


def check_tokens(tokens: list[Token]) -> None:
    """Refuse rowset functions and over-long identifiers anywhere in a statement.

    Raises:
        SQLError: 100086 or 103.
    """
    for index, token in enumerate(tokens):
        if token.kind == "word" and token.upper in _ROWSET_FUNCTIONS:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.text == "(":
                raise errors.not_supported(token.upper)
        if is_identifier(token):
            name = token.ident
            if name.startswith(TEMP_PREFIX):
                name = "#" + name[len(TEMP_PREFIX) :]
            if len(name) > MAX_IDENTIFIER:
                raise errors.error(
                    103,
                    f"The identifier that starts with '{name[:128]}' is too long. Maximum "
                    "length is 128.",
                )
