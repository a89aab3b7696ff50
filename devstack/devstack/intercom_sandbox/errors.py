"""Intercom's error bodies (``error.list``) and the exception that carries one to the server."""

from __future__ import annotations

import typing as t
import uuid


class ApiError(Exception):
    """An Intercom API error: an HTTP status and one ``error.list`` entry.

    Attributes:
        status: HTTP status code.
        code: Intercom's error code (``unauthorized``, ``scroll_exists``, ...).
        message: Human-readable message, as Intercom words it where known.
        field: Optional name of the offending parameter.
        headers: Extra response headers (``Link`` for a merged contact).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, t.Any]:
        """The JSON body Intercom sends for this error."""
        return error_body(self.code, self.message, self.field)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, t.Any]:
    """An ``error.list`` body with a fresh request id."""
    entry: dict[str, t.Any] = {"code": code, "message": message}
    if field is not None:
        entry["field"] = field
    return {"type": "error.list", "request_id": str(uuid.uuid4()), "errors": [entry]}


def unauthorized() -> ApiError:
    """401 for a missing or wrong token."""
    return ApiError(401, "unauthorized", "Access Token Invalid")


def forbidden(scope: str) -> ApiError:
    """403 for a token that lacks the scope an endpoint needs."""
    message = f"You do not have the required scope ({scope}) to access this resource"
    return ApiError(403, "forbidden", message)


def not_found(message: str = "Resource Not Found", code: str = "not_found") -> ApiError:
    """404 with Intercom's wording for the resource."""
    return ApiError(404, code, message)


def invalid(message: str, field: str | None = None) -> ApiError:
    """400 ``parameter_invalid``."""
    return ApiError(400, "parameter_invalid", message, field)


def version_unavailable() -> ApiError:
    """400 for an endpoint the requested API version does not have."""
    return ApiError(
        400,
        "intercom_version_invalid",
        "Requested resource is not available in current API version.",
    )


def rate_limited(limit: int, window_seconds: int = 10) -> ApiError:
    """429 once the 10-second window's allowance is spent."""
    message = f"Exceeded rate limit of {limit} in {window_seconds}_seconds"
    return ApiError(429, "rate_limit_exceeded", message)


def scroll_restart() -> ApiError:
    """The 500 that tells a client its scroll is lost and must start over."""
    return ApiError(
        500,
        "server_error",
        "Request failed due to an internal network error. Please restart the scroll operation.",
    )


def server_error() -> ApiError:
    """An injected 5xx."""
    return ApiError(500, "server_error", "Server Error")
