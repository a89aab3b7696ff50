"""Exceptions for Intercom API responses, and the pure mapping from a response to one of them."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

if t.TYPE_CHECKING:
    import requests


class IntercomError(Exception):
    """Base class: every Intercom error carries a one-line, secret-free message."""


class IntercomAuthError(IntercomError, FatalAPIError):
    """401: the access token is invalid or revoked. Ends the run."""


class IntercomScopeError(IntercomError, FatalAPIError):
    """403: the token lacks a permission a stream needs. Ends that stream."""


class IntercomNotFoundError(IntercomError, FatalAPIError):
    """404: the resource does not exist (a deleted parent, an expired scroll)."""


class IntercomClientError(IntercomError, FatalAPIError):
    """Any other 4xx: a request the API refuses; retrying will not help."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class IntercomRateLimitedError(IntercomError, RetriableAPIError):
    """429: retried after the rate-limit window resets."""


class IntercomServerError(IntercomError, RetriableAPIError):
    """5xx: retried with jittered exponential backoff."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class IntercomTransportError(IntercomError):
    """Timeouts and connection failures that persisted through every retry."""


def error_details(response: requests.Response) -> tuple[str | None, str]:
    """The first error code and message of an Intercom ``error.list`` body.

    Args:
        response: The HTTP response.

    Returns:
        ``(code, message)``; the message falls back to the reason phrase.
    """
    try:
        body = response.json()
    except ValueError:
        return None, (response.text or response.reason or "").strip()[:200]
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return first.get("code"), str(first.get("message") or first.get("code") or "")
    if isinstance(body, dict) and body.get("message"):
        return body.get("code"), str(body["message"])
    return None, (response.reason or "").strip()


def classify(response: requests.Response, what: str) -> IntercomError | None:
    """Map a response to the exception it means, or ``None`` when it succeeded.

    Args:
        response: The HTTP response.
        what: A short, secret-free description of the request, e.g. ``GET /contacts/search``.

    Returns:
        The exception to raise (or retry on), or ``None`` for a 2xx/3xx response.
    """
    status = response.status_code
    if status < HTTPStatus.BAD_REQUEST:
        return None
    code, message = error_details(response)
    detail = f"{what} returned {status}" + (f" {code}" if code else "") + f": {message}"
    if status == HTTPStatus.UNAUTHORIZED:
        return IntercomAuthError(
            f"Intercom rejected the access token ({detail}); check access_token"
        )
    if status == HTTPStatus.FORBIDDEN:
        return IntercomScopeError(detail)
    if status == HTTPStatus.NOT_FOUND:
        return IntercomNotFoundError(detail)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return IntercomRateLimitedError(detail)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return IntercomServerError(detail, code)
    return IntercomClientError(detail, code)
