"""Calls (a complete page-number scan, filtered by the tap) and their transcripts."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream
from tap_intercom.streams._numbered import NumberedStream
from tap_intercom.streams.logs import _WindowFiltered

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

#: ``GET /calls`` refuses a larger ``per_page``.
CALLS_PER_PAGE = 25


class CallsStream(NumberedStream, _WindowFiltered):
    """Calls (``GET /calls``, 2.14+), incremental on ``updated_at``, filtered by the tap.

    ``GET /calls`` has no time filter and ``POST /calls/search`` finds calls by conversation
    id only, so each run reads every call (25 a page) and emits those updated in the window;
    the bookmark moves only after the complete scan.
    """

    name = "calls"
    path = "/calls"
    page_size = CALLS_PER_PAGE
    min_api_version = "2.14"
    permission = "read_conversations"

    @override
    def on_page(self, records: list[dict[str, t.Any]]) -> None:
        """Start the transcript requests of the page's calls that will be emitted.

        Args:
            records: The page's records.
        """
        window = self.sync_window(None)
        self.prefetch_children([r for r in records if self.accepted_now(r, window)])

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> Context:
        """The call id for call_transcripts.

        Args:
            record: A call.
            context: Unused.

        Returns:
            The child context.
        """
        return {"call_id": str(record["id"])}


class CallTranscriptsStream(ChildStream):
    """The transcript of each synced call (``GET /calls/{id}/transcript``, a text file).

    Opt-in (``include_call_transcripts``): one request per changed call.
    """

    name = "call_transcripts"
    path = "/calls/{call_id}/transcript"
    parent_stream_type = CallsStream
    primary_keys = ("call_id",)
    min_api_version = "2.14"
    permission = "read_conversations"
    opt_in_setting = "include_call_transcripts"
    opt_in_note = "read transcripts (one request per changed call)"

    @override
    def fetch(self, context: Context) -> str:
        """The transcript text of one call.

        Args:
            context: ``{"call_id": ...}``.

        Returns:
            The text (empty for a call without one, such as a missed call).
        """
        response = self.run.transport.send(
            "GET", f"/calls/{context['call_id']}/transcript", headers={"Accept": "text/plain"}
        )
        response.encoding = response.encoding or "utf-8"
        return response.text

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """One record: the call id and its transcript.

        Args:
            result: The transcript text.
            context: ``{"call_id": ...}``.

        Returns:
            The record.
        """
        return [{"call_id": context["call_id"], "transcript": result}]
