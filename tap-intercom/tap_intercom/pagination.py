"""The one page walker every paginated read uses: cursor, next URL or scroll param, revisit guard.

Pure: pages come from the caller's ``load`` (which sends through the transport).
"""

from __future__ import annotations

import decimal
import logging
import typing as t
import weakref
from concurrent.futures import ThreadPoolExecutor

import requests

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

LOGGER = logging.getLogger("tap-intercom")

#: A next-page token: a cursor string, the absolute URL of the next page, or a scroll param.
PageToken: t.TypeAlias = str
#: One page: its decoded body and its records.
Page: t.TypeAlias = tuple[t.Any, list[dict[str, t.Any]]]


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


def scroll_token(body: t.Any) -> PageToken | None:
    """The ``scroll_param`` of a companies scroll page (the same value on every page).

    Args:
        body: The decoded JSON body.

    Returns:
        The param, or None.
    """
    param = body.get("scroll_param") if isinstance(body, dict) else None
    return str(param) if param else None


def is_url(token: PageToken | None) -> bool:
    """Whether a token is a next-page URL rather than a cursor.

    Args:
        token: A page token.

    Returns:
        True for ``http(s)://`` tokens.
    """
    return bool(token) and str(token).startswith(("http://", "https://"))


def list_page(
    path: str, params: Mapping[str, t.Any] | None, token: PageToken | None
) -> tuple[str, dict[str, t.Any]]:
    """The URL and query of the page of a GET list a token names.

    Args:
        path: The list's path.
        params: Query parameters of every page.
        token: None (first page), a ``starting_after`` cursor, or a next-page URL.

    Returns:
        ``(path or URL, query)``: a next-page URL as is (it carries its query), else the
        path with the parameters and the cursor.
    """
    if is_url(token):
        return str(token), {}
    query = dict(params or {})
    if token:
        query["starting_after"] = token
    return path, query


class IntercomPaginator:
    """Where a listing is: the next token, and whether to go on (the revisit guard lives here).

    Search results can revisit cursors while the data changes (A -> B -> A), so a repeated
    token ends the listing with a warning instead of looping.

    Args:
        stop: Optional predicate on the decoded page; when it returns True, no further
            pages are requested (e.g. a sorted search has passed the sync's upper bound).
        token_of: Reads the next token from a decoded page (:func:`next_token`, or
            :func:`scroll_token` for the companies scroll).
        guard: Whether a token seen before ends the listing; off for the scroll, whose
            param names the scroll, not a position in it.
    """

    def __init__(
        self,
        stop: Callable[[t.Any], bool] | None = None,
        *,
        token_of: Callable[[t.Any], PageToken | None] = next_token,
        guard: bool = True,
    ) -> None:
        self._stop = stop
        self._token_of = token_of
        self._guard = guard
        self._seen: set[str] = set()
        self.current_value: PageToken | None = None
        self.finished = False
        self.revisited = False
        self.count = 0

    def advance(self, page: requests.Response | t.Any) -> None:
        """Move past one page: to its next token, or to the end.

        Args:
            page: The page's response, or its decoded body.
        """
        body = decode(page) if isinstance(page, requests.Response) else page
        self.count += 1
        token = self._token_of(body)
        if token is None:
            self.finished = True
            return
        if self._guard:
            if token in self._seen:
                self.revisited = True
                self.finished = True
                LOGGER.warning("Pagination revisited token %s; stopping this listing", token[:40])
                return
            self._seen.add(token)
        if self._stop is not None and self._stop(body):
            self.finished = True
            return
        self.current_value = token


def walk_pages(
    load: Callable[[PageToken | None], Page],
    paginator: IntercomPaginator,
    *,
    ahead: bool = False,
    name: str = "pages",
) -> Iterator[Page]:
    """Every page of a listing, in order, until the last page, an empty page or a revisit.

    Args:
        load: Requests the page a token names (None: the first) and returns its body and
            records.
        paginator: Follows the tokens (and says when to stop).
        ahead: Load the next page on a worker thread while the caller handles this one.
        name: Prefix of that thread's name.

    Yields:
        ``(body, records)`` of each page that has records.
    """
    if not ahead:
        token: PageToken | None = None
        while True:
            body, records = load(token)
            if not records:
                return
            paginator.advance(body)
            yield body, records
            if paginator.finished:
                return
            token = paginator.current_value
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    try:
        future = executor.submit(load, None)
        while True:
            body, records = future.result()
            if not records:
                return
            paginator.advance(body)
            if not paginator.finished:
                future = executor.submit(load, paginator.current_value)
            yield body, records
            if paginator.finished:
                return
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
