"""The attributes of every ticket type, read from the ticket types themselves."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.client import IntercomStream
from tap_intercom.custom_attributes import embedded_attributes

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests


class TicketTypeAttributesStream(IntercomStream):
    """Ticket type attributes (``GET /ticket_types``, their ``ticket_type_attributes``).

    The API has no list endpoint for them (``/ticket_types/{id}/attributes`` only creates
    one); each ticket type embeds its whole list, so the ticket types are read again. Each
    attribute carries its ``ticket_type_id``.
    """

    name = "ticket_type_attributes"
    path = "/ticket_types"
    min_api_version = "2.9"
    permission = "read_tickets"

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """The attributes of the page's ticket types.

        Args:
            response: The page.

        Yields:
            Each attribute.
        """
        for ticket_type in super().parse_response(response):
            yield from embedded_attributes(ticket_type)
