"""``X-Hub-Signature``: ``sha1=`` and the HMAC-SHA1 (RFC 2104) of the raw body (pure)."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: bytes, body: bytes) -> str:
    """The header value Intercom sends for ``body``.

    Args:
        secret: The app's client secret.
        body: The raw request body.

    Returns:
        ``sha1=<40 hex digits>``.

    >>> sign(b"s", b"{}")
    'sha1=850413ce2dee4c4142838bab9e9086cb305da54d'
    """
    return "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` (constant-time comparison).

    Args:
        secret: The app's client secret.
        body: The raw request body, exactly as received.
        header: The ``X-Hub-Signature`` header, or None when missing.

    Returns:
        True only for a matching ``sha1=`` signature.

    >>> verify(b"s", b"{}", "sha1=850413ce2dee4c4142838bab9e9086cb305da54d")
    True
    >>> verify(b"s", b"{} ", "sha1=850413ce2dee4c4142838bab9e9086cb305da54d")
    False
    >>> verify(b"s", b"{}", None)
    False
    """
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip().lower())
