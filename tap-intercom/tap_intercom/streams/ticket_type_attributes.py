"""The attributes of every ticket type, read from the ticket types themselves."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.client import IntercomStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests


def embedded_attributes(ticket_type: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The attributes a ticket type embeds.

    The 2.16 schema keys the list ``ticket_type_attributes``; its examples key it ``data``.

    Args:
        ticket_type: A ticket type record.

    Returns:
        Its attributes.

    >>> embedded_attributes({"ticket_type_attributes": {"data": [{"id": "1"}]}})
    [{'id': '1'}]
    """
    embedded = ticket_type.get("ticket_type_attributes")
    if not isinstance(embedded, dict):
        return []
    items = embedded.get("ticket_type_attributes") or embedded.get("data") or []
    return [item for item in items if isinstance(item, dict)]


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
