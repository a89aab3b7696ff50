"""Conversations (search), their parts, and deleted conversations."""

from __future__ import annotations

import time
import typing as t

from singer_sdk.helpers.jsonpath import extract_jsonpath
from typing_extensions import override

from tap_intercom.client import IncrementalStream
from tap_intercom.sdk_adapter import write_record
from tap_intercom.streams._parts import PartsStream, parent_context
from tap_intercom.streams._search import SearchStream
from tap_intercom.windows import iso_utc, to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class ConversationsStream(SearchStream):
    """Conversations (``POST /conversations/search``), incremental on ``updated_at``."""

    name = "conversations"
    path = "/conversations/search"
    records_jsonpath = "$.conversations[*]"
    custom_attributes_model = "conversation"
    permission = "read_conversations"

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> Context:
        """The conversation's id and timestamps for conversation_parts.

        Args:
            record: A conversation.
            context: Unused.

        Returns:
            The child context.
        """
        return parent_context("conversation", record)


class ConversationPartsStream(PartsStream):
    """Parts of each changed conversation (``GET /conversations/{id}``, at most 500)."""

    name = "conversation_parts"
    path = "/conversations/{conversation_id}"
    parent_stream_type = ConversationsStream
    kind = "conversation"
    permission = "read_conversations"


class DeletedConversationsStream(IncrementalStream):
    """Ids of deleted conversations (``GET /conversations/deleted``), incremental on ``deleted_at``.

    The endpoint has no time filter; it is read newest first and stops at the window's start.
    Each deletion is also sent as a ``conversations`` record ``{id, _sdc_deleted_at}`` (when
    that stream is selected), Singer's delete convention: a target with ``hard_delete``
    removes the row, others mark it.
    """

    name = "deleted_conversations"
    path = "/conversations/deleted"
    records_jsonpath = "$.conversations[*]"
    replication_key = "deleted_at"
    page_size = 60
    extra_params: t.ClassVar[dict[str, t.Any]] = {"order": "desc"}
    min_api_version = "2.16"
    permission = "read_conversations"

    @override
    def stop_paging(self, body: t.Any) -> bool:
        """Stop once a page reaches deletions older than the window.

        Args:
            body: The decoded page.

        Returns:
            True to stop.
        """
        records = list(extract_jsonpath(self.records_jsonpath, input=body))
        oldest = to_epoch(records[-1].get("deleted_at")) if records else None
        return oldest is not None and oldest < self.sync_window(None).lo

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Deletions inside the window, each once.

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each record.
        """
        window = self.sync_window(context)
        for record in super().read_records(context):
            if self.accept(record, window):
                yield record

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Send the deletion to ``conversations`` as well.

        Args:
            row: A deleted conversation.
            context: Unused.

        Returns:
            The row.
        """
        conversations = self.run.streams().get(ConversationsStream.name)
        if conversations is not None and conversations.selected:
            seconds = to_epoch(row.get("deleted_at"))
            deleted_at = iso_utc(seconds if seconds is not None else int(time.time()))
            marker = {"id": str(row["id"]), "_sdc_deleted_at": deleted_at}
            write_record(conversations, marker)
        return row
