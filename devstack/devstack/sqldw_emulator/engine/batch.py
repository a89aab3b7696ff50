"""Splitting a T-SQL batch into statements, including IF ... [ELSE ...] and BEGIN ... END blocks.

Pure: tokens in, statements out.
"""

from __future__ import annotations

import dataclasses

from devstack.sqldw_emulator.engine.lexer import Token, tokenize

_STARTERS = frozenset(
    {
        "CREATE", "DROP", "ALTER", "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE",
        "DECLARE", "SET", "IF", "COMMIT", "ROLLBACK", "BEGIN", "EXEC", "EXECUTE", "RENAME",
        "COPY", "PRINT", "SELECT", "THROW", "RAISERROR", "RETURN", "WHILE",
    }
)  # fmt: skip
_SELECT_AFTER = frozenset(
    {"DECLARE", "SET", "DROP", "TRUNCATE", "RENAME", "PRINT", "COMMIT", "ROLLBACK", "EXEC",
     "EXECUTE", "ALTER", "BEGIN", "THROW", "RAISERROR", "COPY", "UPDATE", "DELETE", "MERGE"}
)  # fmt: skip
_SET_OPERATORS = frozenset({"UNION", "ALL", "EXCEPT", "INTERSECT", "DISTINCT"})
_OBJECT_KINDS = frozenset(
    {"TABLE", "VIEW", "SCHEMA", "PROCEDURE", "PROC", "FUNCTION", "INDEX", "STATISTICS",
     "DATABASE", "TYPE", "SEQUENCE", "TRIGGER", "SYNONYM", "EXTERNAL"}
)  # fmt: skip


@dataclasses.dataclass(slots=True)
class Statement:
    """One simple statement: its source text and tokens."""

    text: str
    tokens: list[Token]
    terminated: bool = False
    # Upper-case words of the statement's first few tokens (for dispatch); computed once,
    # since a cached batch's statements are dispatched again on every execution.
    keywords: list[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.keywords = [token.upper for token in self.tokens[:6]]


@dataclasses.dataclass(slots=True)
class IfStatement:
    """``IF condition body [ELSE body]``."""

    condition: Statement
    then: list[Node]
    otherwise: list[Node]


Node = Statement | IfStatement


class BatchSyntaxError(ValueError):
    """The batch's block structure is broken (unclosed BEGIN, ELSE without IF...)."""


class _Parser:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.tokens = tokenize(sql)
        self.index = 0

    def peek(self, offset: int = 0) -> Token | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def block(self, *, until_end: bool) -> list[Node]:
        nodes: list[Node] = []
        while True:
            token = self.peek()
            if token is None:
                if until_end:
                    raise BatchSyntaxError("Incorrect syntax: BEGIN without a matching END.")
                return nodes
            if token.text == ";":
                self.index += 1
                continue
            if token.is_word("END"):
                if not until_end:
                    raise BatchSyntaxError("Incorrect syntax near the keyword 'END'.")
                self.index += 1
                return nodes
            nodes.extend(self.statement(stop_at_else=False))

    def _is_block_begin(self) -> bool:
        token = self.peek()
        after = self.peek(1)
        if token is None or not token.is_word("BEGIN"):
            return False
        return after is None or not after.is_word(
            "TRAN", "TRANSACTION", "DISTRIBUTED", "TRY", "CATCH"
        )

    def statement(self, *, stop_at_else: bool) -> list[Node]:
        token = self.peek()
        assert token is not None
        if token.is_word("IF"):
            return [self.if_statement()]
        if token.is_word("ELSE"):
            raise BatchSyntaxError("Incorrect syntax near the keyword 'ELSE'.")
        if self._is_block_begin():
            self.index += 1
            return self.block(until_end=True)
        return [self.simple(stop_at_else=stop_at_else)]

    def if_statement(self) -> IfStatement:
        self.index += 1
        start = self.index
        depth = 0
        while True:
            token = self.peek()
            if token is None:
                raise BatchSyntaxError("Incorrect syntax: IF without a statement.")
            if token.kind == "op" and token.text == "(":
                depth += 1
            elif token.kind == "op" and token.text == ")":
                depth -= 1
            elif (
                depth == 0
                and self.index > start
                and token.kind == "word"
                and (
                    (token.upper in _STARTERS and token.upper != "SELECT")
                    or (token.upper == "SELECT" and self.tokens[self.index - 1].kind != "op")
                )
            ):
                break
            self.index += 1
        condition = self._make(start, self.index)
        then = self.statement(stop_at_else=True)
        otherwise: list[Node] = []
        while self.peek() is not None and self.peek().text == ";":  # type: ignore[union-attr]
            self.index += 1
        nxt = self.peek()
        if nxt is not None and nxt.is_word("ELSE"):
            self.index += 1
            otherwise = self.statement(stop_at_else=True)
        return IfStatement(condition, then, otherwise)

    def _boundary(self, start: int, token: Token) -> bool:
        if token.kind != "word" or token.upper not in _STARTERS or self.index == start:
            return False
        first = self.tokens[start].upper
        prev = self.tokens[self.index - 1]
        word = token.upper
        if prev.is_word("THEN", "NOT") or (prev.kind == "op" and prev.text not in (")",)):
            return False
        if first == "MERGE" and word in ("INSERT", "UPDATE", "DELETE", "SET"):
            return False
        if word == "SET":
            return first not in ("UPDATE", "MERGE", "ALTER")
        if word == "IF":
            return not prev.is_word(*_OBJECT_KINDS)
        if word == "DROP" or word == "ALTER":
            return first != "ALTER"
        if word == "SELECT":
            if prev.is_word(*_SET_OPERATORS):
                return False
            if first == "SELECT":
                return True
            return first in _SELECT_AFTER
        if word in ("INSERT", "UPDATE", "DELETE"):
            return not prev.is_word("FOR", "AFTER", "INSTEAD", "OF", "ON", "GRANT", "DENY")
        if word == "EXEC" or word == "EXECUTE":
            return not prev.is_word("GRANT", "ON")
        return True

    def simple(self, *, stop_at_else: bool) -> Statement:
        start = self.index
        depth = 0
        # CASE ... ELSE ... END inside the statement: its END and ELSE close no block.
        cases = 0
        while True:
            token = self.peek()
            if token is None:
                break
            if token.kind == "op" and token.text == "(":
                depth += 1
            elif token.kind == "op" and token.text == ")":
                depth -= 1
            elif token.is_word("CASE"):
                cases += 1
            elif cases and token.is_word("END"):
                cases -= 1
            elif depth == 0 and not (cases and token.is_word("ELSE")):
                if token.text == ";":
                    break
                if token.is_word("END") or (stop_at_else and token.is_word("ELSE")):
                    break
                if self._boundary(start, token):
                    break
            self.index += 1
        statement = self._make(start, self.index)
        following = self.peek()
        statement.terminated = following is not None and following.text == ";"
        return statement

    def _make(self, start: int, end: int) -> Statement:
        tokens = self.tokens[start:end]
        if not tokens:
            raise BatchSyntaxError("Incorrect syntax near ';'.")
        return Statement(self.sql[tokens[0].start : tokens[-1].end], tokens)


def split_batch(sql: str) -> list[Node]:
    """Split a batch into statements and IF blocks.

    Raises:
        BatchSyntaxError: for broken block structure.
        LexError: for text the tokenizer cannot read.
    """
    return _Parser(sql).block(until_end=False)
