"""Paginators for Intercom's two list styles.

- Cursor lists (search endpoints, ``/macros``, ``/companies/{id}/...``): the next cursor is in
  ``pages.next.starting_after`` and goes back in the request body (search) or query string.
- HATEOAS lists (articles, collections, news, segments, deleted conversations, activity logs):
  ``pages.next`` is the URL of the next page.

:class:`IntercomPaginator` reads both. Search results can revisit cursors while the data
changes (A -> B -> A), so a repeated token ends pagination with a warning instead of looping.
"""

from __future__ import annotations

import decimal
import logging
import typing as t
import weakref

import requests
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Callable

LOGGER = logging.getLogger("tap-intercom")

#: A next-page token: a cursor string, or the absolute URL of the next page.
PageToken: t.TypeAlias = str


_BODIES: weakref.WeakKeyDictionary[requests.Response, t.Any] = weakref.WeakKeyDictionary()


def decode(response: requests.Response) -> t.Any:
    """The response's JSON body with floats as ``Decimal``, decoded once per response.

    Args:
        response: An HTTP response.

    Returns:
        The decoded body.
    """
    try:
        return _BODIES[response]
    except KeyError:
        body = response.json(parse_float=decimal.Decimal)
        _BODIES[response] = body
        return body


def next_token(body: t.Any) -> PageToken | None:
    """The next-page token of a decoded Intercom list response.

    Args:
        body: The decoded JSON body.

    Returns:
        The ``starting_after`` cursor, the ``next`` URL, or ``None`` on the last page.

    >>> next_token({"pages": {"next": {"starting_after": "abc"}}})
    'abc'
    >>> next_token({"pages": {"next": "https://api.intercom.io/articles?page=2"}})
    'https://api.intercom.io/articles?page=2'
    >>> next_token({"pages": {"next": None}}) is None
    True
    """
    pages = body.get("pages") if isinstance(body, dict) else None
    if not isinstance(pages, dict):
        return None
    nxt = pages.get("next")
    if isinstance(nxt, dict):
        cursor = nxt.get("starting_after")
        return str(cursor) if cursor else None
    if isinstance(nxt, str) and nxt:
        return nxt
    return None


def is_url(token: PageToken | None) -> bool:
    """Whether a token is a next-page URL rather than a cursor.

    Args:
        token: A page token.

    Returns:
        True for ``http(s)://`` tokens.
    """
    return bool(token) and str(token).startswith(("http://", "https://"))


class IntercomPaginator(BaseAPIPaginator[PageToken | None]):
    """Follows ``pages.next`` (cursor or URL), guarding against revisited tokens.

    Args:
        stop: Optional predicate on the decoded page; when it returns True, no further
            pages are requested (e.g. a sorted search has passed the sync's upper bound).
    """

    def __init__(self, stop: Callable[[t.Any], bool] | None = None) -> None:
        super().__init__(None)
        self._seen: set[str] = set()
        self._stop = stop
        self.revisited = False

    @override
    def has_more(self, response: requests.Response) -> bool:
        """Whether another page should be requested.

        Args:
            response: The last page's response.

        Returns:
            False on the last page, after a revisited token, or when ``stop`` says so.
        """
        body = decode(response)
        token = next_token(body)
        if token is None:
            return False
        if token in self._seen:
            self.revisited = True
            LOGGER.warning("Pagination revisited token %s; stopping this listing", token[:40])
            return False
        return not (self._stop is not None and self._stop(body))

    @override
    def get_next(self, response: requests.Response) -> PageToken | None:
        """The next token, remembered so a revisit is detected.

        Args:
            response: The last page's response.

        Returns:
            The next token.
        """
        token = next_token(decode(response))
        if token is not None:
            self._seen.add(token)
        return token
