"""Text-level T-SQL rules sqlglot and DuckDB do not apply: ISO type synonyms, padded compares.

Pure.
"""

from __future__ import annotations

import re

from sqlglot import exp

from devstack.sqldw_emulator.engine import types
from devstack.sqldw_emulator.engine.lexer import tokenize


def _padded(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Literal | exp.National)
        and node.is_string
        and node.name != (node.name.rstrip(" "))
    )


def _trimmed(node: exp.Expression) -> exp.Expression:
    return exp.Anonymous(
        this="rtrim", expressions=[exp.Cast(this=node, to=exp.DataType.build("VARCHAR"))]
    )


def ignore_trailing_spaces(tree: exp.Expression) -> None:
    """``x = 'U '`` as T-SQL compares it: trailing spaces do not count (ANSI padding).

    Only comparisons with a literal that ends in spaces change (``rtrim`` on both sides), so
    ordinary comparisons keep their plain form.
    """
    for node in list(tree.find_all(exp.EQ, exp.NEQ)):
        left, right = node.this, node.expression
        if _padded(right) or _padded(left):
            node.set("this", _trimmed(left.copy()))
            node.set("expression", _trimmed(right.copy()))
    for member in list(tree.find_all(exp.In)):
        items = member.expressions
        if items and any(_padded(item) for item in items):
            member.set("this", _trimmed(member.this.copy()))
            member.set("expressions", [_trimmed(item.copy()) for item in items])


_SYNONYM_WORDS = re.compile(r"\b(?:varying|precision|national)\b", re.I)


def spell_synonyms(sql: str) -> str:
    """Multi-word ISO type synonyms (``CHARACTER VARYING(n)``...) as T-SQL names for sqlglot.

    Only consecutive bare words that spell a synonym change; strings, brackets and comments
    are tokens of their own and stay as written.
    """
    if _SYNONYM_WORDS.search(sql) is None:
        return sql
    tokens = tokenize(sql)
    pieces: list[str] = []
    last = 0
    index = 0
    while index < len(tokens):
        words = []
        for token in tokens[index : index + 3]:
            if token.kind != "word":
                break
            words.append(token.text.lower())
        known = types.synonym(words) if words else None
        # One-word synonyms (INTEGER, DEC) sqlglot reads itself, and they may name columns.
        if known is None or known[1] < 2:
            index += 1
            continue
        name, used = known
        pieces.append(sql[last : tokens[index].start])
        pieces.append(name)
        last = tokens[index + used - 1].end
        index += used
    pieces.append(sql[last:])
    return "".join(pieces)
