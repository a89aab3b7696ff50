"""Lists paged by page number (``page``/``per_page``, ``total_pages``): calls, snippets."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.client import IntercomStream
from tap_intercom.pagination import next_token

if t.TYPE_CHECKING:
    from singer_sdk.streams.rest import HTTPRequest

    from tap_intercom.pagination import PageToken

#: Prefix of a page-number token (cursor and URL tokens never start with it).
PAGE = "page:"


def next_page(body: t.Any) -> int | None:
    """The next page number of a numbered list, or None on the last page.

    ``page`` and ``total_pages`` are in ``pages`` (calls) or at the top level (content
    snippets).

    Args:
        body: The decoded page.

    Returns:
        The next page number.

    >>> next_page({"pages": {"page": 1, "total_pages": 3}})
    2
    >>> next_page({"page": 3, "per_page": 50, "total_pages": 3}) is None
    True
    """
    if not isinstance(body, dict):
        return None
    pages = body.get("pages")
    source = pages if isinstance(pages, dict) and "total_pages" in pages else body
    try:
        page, total = int(source.get("page") or 1), int(source.get("total_pages") or 0)
    except (TypeError, ValueError):
        return None
    return page + 1 if page < total else None


class NumberedStream(IntercomStream):
    """A list endpoint paged by page number (``pages.next`` wins when the API sends one)."""

    @override
    def page_token(self, body: t.Any) -> PageToken | None:
        """``pages.next`` when the API sends one, else ``page:N`` for the next page.

        Args:
            body: The decoded page.

        Returns:
            The token, or None on the last page.
        """
        token = next_token(body)
        if token is not None:
            return token
        page = next_page(body)
        return None if page is None else f"{PAGE}{page}"

    @override
    def apply_cursor(self, request: HTTPRequest, cursor: str | None) -> None:
        """Send ``page=N`` for a page-number token, else the cursor.

        Args:
            request: The request being built.
            cursor: The token, or None on the first page.
        """
        if cursor and cursor.startswith(PAGE):
            request.params["page"] = int(cursor[len(PAGE) :])
            return
        super().apply_cursor(request, cursor)
