"""Tickets (search) and their parts."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.streams._parts import PartsStream, parent_context
from tap_intercom.streams._search import SearchStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class TicketsStream(SearchStream):
    """Tickets (``POST /tickets/search``), incremental on ``updated_at``."""

    name = "tickets"
    path = "/tickets/search"
    records_jsonpath = "$.tickets[*]"
    min_api_version = "2.10"
    permission = "read_tickets"
    custom_attributes_model = "ticket"
    custom_attributes_field = "ticket_attributes"

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> Context:
        """The ticket's id and timestamps for ticket_parts.

        Args:
            record: A ticket.
            context: Unused.

        Returns:
            The child context.
        """
        return parent_context("ticket", record)


class TicketPartsStream(PartsStream):
    """Parts of each changed ticket (``GET /tickets/{id}``, at most 500)."""

    name = "ticket_parts"
    path = "/tickets/{ticket_id}"
    parent_stream_type = TicketsStream
    kind = "ticket"
    min_api_version = "2.10"
    permission = "read_tickets"
