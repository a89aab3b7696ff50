"""Draining the companies scroll completely, restarting it when Intercom breaks it.

Pages through the page walker; the scroll's rules and why nothing is emitted before the scan
ends: tap README, "Code layout". Keeps the scan on disk (:class:`~tap_intercom.spool.CompanySpool`).
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass

from tap_intercom.errors import IntercomClientError, IntercomNotFoundError, IntercomServerError
from tap_intercom.pagination import IntercomPaginator, Page, PageToken, scroll_token, walk_pages
from tap_intercom.spool import CompanySpool
from tap_intercom.windows import to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Callable

LOGGER = logging.getLogger("tap-intercom")


class ScrollIncompleteError(Exception):
    """The scroll could not be read to its end within the allowed restarts."""


@dataclass(slots=True)
class ScrollPolicy:
    """Waits and limits for the scroll.

    Attributes:
        exists_wait_seconds: Wait after ``scroll_exists`` before trying again.
        max_exists_waits: How many ``scroll_exists`` answers to wait through.
        max_restarts: How many times a broken scan is started again.
    """

    exists_wait_seconds: float = 60.0
    max_exists_waits: int = 5
    max_restarts: int = 5


@dataclass(slots=True)
class ScrollStats:
    """What happened during a drain."""

    pages: int = 0
    restarts: int = 0
    exists_waits: int = 0


def drain(
    get_page: Callable[[str | None], t.Any],
    policy: ScrollPolicy,
    sleep: Callable[[float], None],
    stats: ScrollStats | None = None,
) -> CompanySpool:
    """Every company, from a scan that reached the end of the scroll.

    Args:
        get_page: Requests one page, given the scroll param (None for a new scroll); raises
            the mapped Intercom errors and must not retry server errors itself.
        policy: Waits and limits.
        sleep: Sleep function (injectable for tests).
        stats: Optional counters to fill.

    Returns:
        The companies in first-seen order, each once (latest version); the caller closes it.

    Raises:
        ScrollIncompleteError: When the scan broke more often than ``max_restarts``.
    """
    stats = stats or ScrollStats()
    companies = CompanySpool()
    try:
        while True:
            try:
                _scan(get_page, policy, sleep, stats, companies)
                return companies
            except (IntercomNotFoundError, IntercomServerError) as exc:
                stats.restarts += 1
                if stats.restarts > policy.max_restarts:
                    msg = f"companies scroll broke {stats.restarts} times; last: {exc}"
                    raise ScrollIncompleteError(msg) from exc
                LOGGER.warning("companies scroll broke (%s); restarting the scan", exc)
    except BaseException:
        companies.close()
        raise


def _scan(
    get_page: Callable[[str | None], t.Any],
    policy: ScrollPolicy,
    sleep: Callable[[float], None],
    stats: ScrollStats,
    companies: CompanySpool,
) -> None:
    def load(param: PageToken | None) -> Page:
        body = get_page(param) if param else _first_page(get_page, policy, sleep, stats)
        if body is None:  # a workspace without companies
            return None, []
        stats.pages += 1
        return body, list(body.get("data") or [])

    # The param names the scroll, not a position in it (the same on every page), so no
    # revisit guard; the scan is complete at the first page without companies.
    for _, page in walk_pages(load, IntercomPaginator(token_of=scroll_token, guard=False)):
        for company in page:
            companies.put(str(company.get("id")), to_epoch(company.get("updated_at")), company)


def _first_page(
    get_page: Callable[[str | None], t.Any],
    policy: ScrollPolicy,
    sleep: Callable[[float], None],
    stats: ScrollStats,
) -> t.Any:
    while True:
        try:
            return get_page(None)
        except IntercomNotFoundError:
            # A workspace without companies answers the first request with 404.
            return None
        except IntercomClientError as exc:
            if exc.code != "scroll_exists" or stats.exists_waits >= policy.max_exists_waits:
                raise
            stats.exists_waits += 1
            LOGGER.warning(
                "companies scroll already open elsewhere; waiting %.1fs (%d/%d)",
                policy.exists_wait_seconds,
                stats.exists_waits,
                policy.max_exists_waits,
            )
            sleep(policy.exists_wait_seconds)
