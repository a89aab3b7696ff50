"""Reading a whole list endpoint through the transport (used by concurrent child requests)."""

from __future__ import annotations

import typing as t

from tap_intercom.pagination import is_url, next_token

if t.TYPE_CHECKING:
    from tap_intercom.transport import Transport

#: Stop following pages after this many, in case an endpoint keeps returning a next link.
MAX_PAGES = 10_000


def fetch_all(
    transport: Transport, path: str, records_key: str, params: dict[str, t.Any] | None = None
) -> list[dict[str, t.Any]]:
    """Every record of a list endpoint, following ``pages.next`` (cursor or URL).

    Args:
        transport: The run's transport.
        path: The API path.
        records_key: The key of the records array in the body.
        params: Query parameters of the first page.

    Returns:
        The records in API order.
    """
    records: list[dict[str, t.Any]] = []
    seen: set[str] = set()
    url, query = path, dict(params or {})
    for _ in range(MAX_PAGES):
        body = transport.request_json("GET", url, params=query)
        records.extend(body.get(records_key) or [])
        token = next_token(body)
        if token is None or token in seen:
            break
        seen.add(token)
        if is_url(token):
            url, query = token, {}
        else:
            query = {**(params or {}), "starting_after": token}
    return records
