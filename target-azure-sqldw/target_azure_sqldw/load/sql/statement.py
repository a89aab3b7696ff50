"""The statement value object shared by every builder, and the load label."""

from __future__ import annotations

import dataclasses
import re
import typing as t

LABEL_PREFIX = "target-azure-sqldw"
MAX_LABEL_LENGTH = 255
_LABEL_UNSAFE = re.compile(r"[^ -~]")


@dataclasses.dataclass(frozen=True)
class Statement:
    """One T-SQL statement with its bound parameters.

    Attributes:
        sql: The statement text, with ``?`` placeholders for ``params``.
        params: Values bound by the driver, never pasted into ``sql``.
        redacted: The text to log instead of ``sql`` when ``sql`` carries a secret that T-SQL
            cannot take as a parameter (DDL credentials, COPY credentials).
    """

    sql: str
    params: tuple[t.Any, ...] = ()
    redacted: str | None = None

    @property
    def loggable(self) -> str:
        """The text that may appear in logs."""
        return self.redacted if self.redacted is not None else self.sql


def label(stream: str, batch_id: str) -> str:
    """The ``OPTION (LABEL = ...)`` value of a batch's statements.

    Args:
        stream: The stream name.
        batch_id: The batch identifier.

    Returns:
        ``target-azure-sqldw:<stream>:<batch>``, printable ASCII, at most 255 characters.
    """
    safe_stream = _LABEL_UNSAFE.sub("?", stream)
    room = MAX_LABEL_LENGTH - len(LABEL_PREFIX) - len(batch_id) - 2
    return f"{LABEL_PREFIX}:{safe_stream[:room]}:{batch_id}"


def option_label(text: str) -> str:
    """The ``OPTION (LABEL = '...')`` clause (a literal: T-SQL does not bind labels).

    Args:
        text: The label from :func:`label`.

    Returns:
        The clause.
    """
    return "OPTION (LABEL = '" + text.replace("'", "''") + "')"


def secret_literal(secret: str) -> str:
    """A string literal for a secret T-SQL only accepts inline (``'`` doubled).

    Args:
        secret: The secret.

    Returns:
        The literal.
    """
    return "'" + secret.replace("'", "''") + "'"


REDACTED = "'***'"
