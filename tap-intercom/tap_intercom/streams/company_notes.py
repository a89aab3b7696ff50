"""Notes of each synced company (opt-in, like contact notes)."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream
from tap_intercom.streams.companies import CompaniesStream
from tap_intercom.streams.fetch import fetch_all

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class CompanyNotesStream(ChildStream):
    """Notes of each synced company (``GET /companies/{id}/notes``, 2.15+; opt-in).

    One request per changed company, so it is offered only with ``include_company_notes``.
    """

    name = "company_notes"
    path = "/companies/{company_id}/notes"
    parent_stream_type = CompaniesStream
    min_api_version = "2.15"
    permission = "read_companies"
    opt_in_setting = "include_company_notes"
    opt_in_note = "read notes (one request per changed company)"

    @override
    def fetch(self, context: Context) -> list[dict[str, t.Any]]:
        """All notes of one company.

        Args:
            context: ``{"company_id": ...}``.

        Returns:
            The notes.
        """
        return fetch_all(self.run.transport, f"/companies/{context['company_id']}/notes", "data")

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Notes with their company id.

        Args:
            result: The notes.
            context: ``{"company_id": ...}``.

        Returns:
            The records.
        """
        return [{**note, "company_id": context["company_id"]} for note in result]
