"""Pause/resume events of each synced conversation (opt-in)."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream
from tap_intercom.streams.conversations import ConversationsStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class ConversationHandlingEventsStream(ChildStream):
    """Handling events of each synced conversation (``GET /conversations/{id}/handling_events``).

    2.16+, opt-in (``include_conversation_handling_events``: one request per changed
    conversation). Events carry no id: one is the conversation, its ``timestamp`` and ``type``.
    """

    name = "conversation_handling_events"
    path = "/conversations/{conversation_id}/handling_events"
    parent_stream_type = ConversationsStream
    primary_keys = ("conversation_id", "timestamp", "type")
    min_api_version = "2.16"
    permission = "read_conversations"
    opt_in_setting = "include_conversation_handling_events"
    opt_in_note = "read handling events (one request per changed conversation)"

    @override
    def fetch(self, context: Context) -> list[dict[str, t.Any]]:
        """The handling events of one conversation (the list is not paged).

        Args:
            context: The conversation's child context.

        Returns:
            The events.
        """
        path = f"/conversations/{context['conversation_id']}/handling_events"
        body = self.run.transport.request_json("GET", path)
        return list(body.get("handling_events") or [])

    @override
    def request_key(self, context: Context) -> t.Hashable:
        """One request per conversation (the parts' context also carries timestamps).

        Args:
            context: The conversation's child context.

        Returns:
            The key.
        """
        return (self.name, context["conversation_id"])

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Events with their conversation id.

        Args:
            result: The events.
            context: The conversation's child context.

        Returns:
            The records.
        """
        return [{**event, "conversation_id": context["conversation_id"]} for event in result]
