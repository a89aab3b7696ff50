"""Reading a whole GET list through the transport and the page walker (for child requests)."""

from __future__ import annotations

import typing as t

from tap_intercom.pagination import IntercomPaginator, Page, PageToken, list_page, walk_pages

if t.TYPE_CHECKING:
    from tap_intercom.transport import Transport


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

    def load(token: PageToken | None) -> Page:
        url, query = list_page(path, params, token)
        body = transport.request_json("GET", url, params=query)
        return body, list(body.get(records_key) or [])

    records: list[dict[str, t.Any]] = []
    for _, page in walk_pages(load, IntercomPaginator()):
        records.extend(page)
    return records
