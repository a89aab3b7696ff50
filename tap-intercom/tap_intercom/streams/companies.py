"""Companies (complete scroll scan, filtered by the tap) and their segments."""

from __future__ import annotations

import collections
import time
import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream
from tap_intercom.client import IncrementalStream
from tap_intercom.scroll import ScrollPolicy, ScrollStats, drain
from tap_intercom.streams.fetch import fetch_all

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

    from tap_intercom.spool import CompanySpool


class CompaniesStream(IncrementalStream):
    """Companies (``GET /companies/scroll``), incremental on ``updated_at``.

    The scroll has no time filter: each run scans every company, then emits those updated in
    the window. The bookmark only moves after a complete scan.
    """

    name = "companies"
    path = "/companies/scroll"
    custom_attributes_model = "company"
    permission = "read_companies"

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> Context:
        """The company id for company_segments.

        Args:
            record: A company.
            context: Unused.

        Returns:
            The child context.
        """
        return {"company_id": str(record["id"])}

    def scan(self) -> CompanySpool:
        """Every company, from a complete scroll (see :mod:`tap_intercom.scroll`).

        Returns:
            The companies, on disk; the caller closes the spool.
        """
        transport = self.run.transport

        def get_page(param: str | None) -> t.Any:
            return transport.request_json(
                "GET",
                "/companies/scroll",
                params={"scroll_param": param} if param else None,
                retry_server_errors=False,
            )

        policy = ScrollPolicy(
            exists_wait_seconds=self.run.settings.scroll_exists_wait_seconds,
        )
        stats = ScrollStats()
        companies = drain(get_page, policy, time.sleep, stats)
        self.logger.info(
            "companies: scanned %d companies in %d pages (%d restarts)",
            len(companies),
            stats.pages,
            stats.restarts,
        )
        return companies

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Companies updated in the window, after the whole scroll is read.

        The scan holds each company once, so no further de-duplication is needed.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each company.
        """
        window = self.sync_window(context)
        companies = self.scan()
        try:
            # Prefetch children a bounded distance ahead of the record being emitted.
            ahead: collections.deque[dict[str, t.Any]] = collections.deque()
            limit = self.run.pool.max_workers * 4
            for company in companies.select(window.lo, window.hi):
                self.prefetch_children([company])
                ahead.append(company)
                if len(ahead) > limit:
                    yield ahead.popleft()
            yield from ahead
        finally:
            companies.close()


class CompanySegmentsStream(ChildStream):
    """Segments of each synced company (``GET /companies/{id}/segments``)."""

    name = "company_segments"
    path = "/companies/{company_id}/segments"
    parent_stream_type = CompaniesStream
    primary_keys = ("company_id", "id")
    permission = "read_companies"

    @override
    def fetch(self, context: Context) -> list[dict[str, t.Any]]:
        """The company's segments.

        Args:
            context: ``{"company_id": ...}``.

        Returns:
            The segments.
        """
        return fetch_all(self.run.transport, f"/companies/{context['company_id']}/segments", "data")

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Segments with their company id.

        Args:
            result: The segments.
            context: ``{"company_id": ...}``.

        Returns:
            The records.
        """
        return [{**segment, "company_id": context["company_id"]} for segment in result]
