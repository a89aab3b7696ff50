"""A small T-SQL tokenizer: enough structure to split batches and find statement shapes.

Pure; every token keeps its source span.
"""

from __future__ import annotations

import dataclasses
import re

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<comment>--[^\n]*|/\*.*?\*/)
    |(?P<string>[Nn]?'(?:[^']|'')*')
    |(?P<bracket>\[(?:[^\]]|\]\])*\])
    |(?P<quoted>"(?:[^"]|"")*")
    |(?P<var>@@?[A-Za-z_][\w@$#]*)
    |(?P<temp>\#\#?[A-Za-z_][\w@$#]*)
    |(?P<number>0[xX][0-9A-Fa-f]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_][\w@$#]*)
    |(?P<op><>|!=|<=|>=|\|\||::|[-+*/%=<>(),.;~&|^!?:{}])
    """,
    re.VERBOSE | re.DOTALL,
)


# DuckDB name of a T-SQL ``#temp`` table (a DuckDB TEMP table, private to the connection).
TEMP_PREFIX = "__dw_tmp_"


class LexError(ValueError):
    """Raised for text the tokenizer cannot read (an unclosed string or bracket)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Token:
    """One token with its source span.

    Attributes:
        kind: ``string``, ``bracket``, ``quoted``, ``var``, ``temp``, ``number``, ``word`` or
            ``op``.
        text: The token as written.
        start: Offset of its first character in the source.
        end: Offset just past its last character.
    """

    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        """The text in upper case (keywords compare this way)."""
        return self.text.upper()

    def is_word(self, *words: str) -> bool:
        """Whether the token is a bare word equal (case-insensitively) to one of ``words``."""
        return self.kind == "word" and self.text.upper() in words

    @property
    def ident(self) -> str:
        """The identifier value with brackets or quotes removed."""
        if self.kind == "bracket":
            return self.text[1:-1].replace("]]", "]")
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        if self.kind == "temp":
            return TEMP_PREFIX + self.text.lstrip("#")
        return self.text

    @property
    def string_value(self) -> str:
        """The value of a string literal."""
        text = self.text[1:] if self.text[:1] in "Nn" else self.text
        return text[1:-1].replace("''", "'")


def tokenize(sql: str) -> list[Token]:
    """Tokenize T-SQL text, dropping whitespace and comments.

    Raises:
        LexError: for an unterminated string, bracket or comment.
    """
    tokens: list[Token] = []
    pos = 0
    length = len(sql)
    while pos < length:
        match = _TOKEN.match(sql, pos)
        if match is None:
            char = sql[pos]
            if char in "'[\"":
                raise LexError(f"Unclosed quotation mark after the character string '{sql[pos:]}'.")
            if sql.startswith("/*", pos):
                raise LexError("Missing end comment mark '*/'.")
            raise LexError(f"Incorrect syntax near '{char}'.")
        kind = match.lastgroup or "op"
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        pos = match.end()
    return tokens


def is_identifier(token: Token) -> bool:
    """Whether a token can name an object."""
    return token.kind in ("word", "bracket", "quoted", "temp")


def read_name(tokens: list[Token], index: int) -> tuple[list[str], int]:
    """Read a dotted multi-part name starting at ``tokens[index]``.

    Returns:
        The name parts (unquoted) and the index just past the name. Empty parts (``db..t``)
        are kept as empty strings.
    """
    parts: list[str] = []
    expect_part = True
    while index < len(tokens):
        token = tokens[index]
        if expect_part and is_identifier(token):
            parts.append(token.ident)
            expect_part = False
            index += 1
        elif token.text == ".":
            if expect_part:
                parts.append("")
            expect_part = True
            index += 1
        else:
            break
    return parts, index


def matching_paren(tokens: list[Token], index: int) -> int:
    """The index of the ``)`` that closes the ``(`` at ``tokens[index]``.

    Raises:
        LexError: when the parenthesis is not closed.
    """
    depth = 0
    for position in range(index, len(tokens)):
        text = tokens[position].text
        if tokens[position].kind != "op":
            continue
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                return position
    raise LexError("Incorrect syntax near ')'.")


def split_top_level(tokens: list[Token], separator: str = ",") -> list[list[Token]]:
    """Split a token list at ``separator`` tokens outside parentheses."""
    groups: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "op" and token.text == "(":
            depth += 1
        elif token.kind == "op" and token.text == ")":
            depth -= 1
        if depth == 0 and token.kind == "op" and token.text == separator:
            groups.append([])
            continue
        groups[-1].append(token)
    return [group for group in groups if group] if len(groups) > 1 else groups
