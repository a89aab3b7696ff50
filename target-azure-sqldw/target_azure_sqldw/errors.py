"""Errors the target reports as one clear, secret-free line (exit status 1)."""

from __future__ import annotations


class TargetError(Exception):
    """Base class: the message is one line and carries no secret."""


class ConnectError(TargetError, RuntimeError):
    """The warehouse cannot be reached or refuses the login."""


class StorageError(TargetError, RuntimeError):
    """Blob storage refused an upload, listing or deletion."""


class StagingError(TargetError, RuntimeError):
    """The local folder of a batch's part files refused a write (a full disk, say)."""


class LoadError(TargetError, RuntimeError):
    """A batch could not be loaded (e.g. COPY INTO rejected rows)."""


class ValueRejectedError(ValueError):
    """A value cannot be stored exactly in its column (message without record context)."""


def one_line(exc: BaseException, limit: int = 400) -> str:
    """An exception's text on one line.

    Args:
        exc: The exception.
        limit: Maximum length.

    Returns:
        The arguments joined and whitespace collapsed.
    """
    text = " ".join(str(a) for a in getattr(exc, "args", ()) if a) or repr(exc)
    return " ".join(text.split())[:limit]
