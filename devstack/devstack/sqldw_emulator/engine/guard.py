"""Token-level refusals that apply to any statement, and the guard's full list.

The rest of the guard sits where the facts are: CREATE TABLE parsing in ``ddl``, DML shapes in
``translate``, transactions in ``session``.

What a dedicated SQL pool refuses and the error each refusal raises (numbers: ``errors``):

====================================================  =====================================
Refused                                               Error
====================================================  =====================================
PRIMARY KEY / UNIQUE without NOT ENFORCED             104467
PRIMARY KEY not NONCLUSTERED                          104467
FOREIGN KEY, CHECK, computed / sparse columns,        100086 (placeholder)
user-defined types, sequences, triggers, synonyms,
indexed views, table variables, OPENROWSET /
OPENQUERY / OPENDATASOURCE / OPENXML
DROP TABLE IF EXISTS, CREATE TABLE IF NOT EXISTS,     103010 (parse error)
multi-row INSERT ... VALUES
ANSI JOIN in UPDATE ... FROM / DELETE ... FROM        104058
MERGE WHEN NOT MATCHED into a non-HASH table          100088 (text real, number a placeholder)
MERGE insert into an IDENTITY table                   8102
CTAS without DISTRIBUTION                             100089 (placeholder)
DDL inside a user transaction                         111212
(n)varchar(max) / varbinary(max) in a CCI table       35343
text, ntext, image, xml, sql_variant, geometry...     100086
more than 1024 columns                                1702
identifiers over 128 characters                       103
more than 2098 parameters                             8003
====================================================  =====================================
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
