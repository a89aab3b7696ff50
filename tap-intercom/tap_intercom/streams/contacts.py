"""Contacts (search, day-granular dates) and their notes."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream
from tap_intercom.sliced import SlicedSearch, contacts_slice_query, slice_bounds
from tap_intercom.streams._search import SearchStream
from tap_intercom.streams.fetch import fetch_all
from tap_intercom.windows import SyncWindow, contacts_query, search_body, to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


#: Parallel slices for a large contacts window (each pages on its own thread).
MAX_SLICES = 8
#: Windows with at most this many contacts are read as one search.
SLICE_THRESHOLD = 450

#: Embedded lists capped at 10 items, completed from their own endpoints.
HYDRATED_LISTS = {
    "tags": ("tags", "data", "tag"),
    "companies": ("companies", "companies", "company"),
}


class ContactsStream(SearchStream):
    """Contacts (``POST /contacts/search``), incremental on ``updated_at``."""

    name = "contacts"
    path = "/contacts/search"
    custom_attributes_model = "contact"
    permission = "read_contacts"

    @override
    def query(self, window: SyncWindow) -> dict[str, t.Any]:
        """The day-safe contacts filter (see :func:`windows.contacts_query`).

        Args:
            window: The sync window.

        Returns:
            The query object.
        """
        return contacts_query(window)

    @override
    def read_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Large windows are read as parallel time slices (see :mod:`tap_intercom.sliced`).

        Args:
            context: Stream partition or context dictionary.

        Yields:
            Each contact in the window, once, in ascending ``updated_at`` order.
        """
        self._window = window = self.sync_window(context)
        slices = min(MAX_SLICES, self.run.pool.max_workers)
        if window.empty or slices <= 1:
            yield from super().read_records(context)
            return
        transport = self.run.transport

        def fetch_page(body: dict[str, t.Any]) -> t.Any:
            return transport.request_json("POST", self.path, json=body)

        probe = fetch_page(search_body(contacts_query(window), None, per_page=1))
        first = probe.get("data") or []
        total = int(probe.get("total_count") or 0)
        if not first or total <= SLICE_THRESHOLD:
            yield from super().read_records(context)
            return
        start = max(window.lo, to_epoch(first[0].get("updated_at")) or window.lo)
        parts = slice_bounds(start, window.hi, slices)
        if start > window.lo:
            parts[0] = SyncWindow(window.lo, parts[0].hi)
        self.logger.info("contacts: %d records in %d parallel slices", total, len(parts))
        search = SlicedSearch(fetch_page, contacts_slice_query, "data", self.on_page)
        for record in search.records(parts):
            if self.accept(record, window):
                yield record

    @override
    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> Context:
        """The contact id for contact_notes.

        Args:
            record: A contact.
            context: Unused.

        Returns:
            The child context.
        """
        return {"contact_id": record["id"]}

    @override
    def on_page(self, records: list[dict[str, t.Any]]) -> None:
        """Prefetch notes and the full tag/company lists of the page's contacts.

        Args:
            records: The page's records.
        """
        super().on_page(records)
        if not self.run.settings.hydrate_contact_lists:
            return
        for record in records:
            if not self.accepted_now(record, self.window):
                continue
            for field in HYDRATED_LISTS:
                if _has_more(record, field):
                    key, fn = self._hydration(record["id"], field)
                    self.run.pool.submit(key, fn)

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Complete embedded lists that say ``has_more``.

        Args:
            row: A contact.
            context: Unused.

        Returns:
            The contact with complete ``tags`` and ``companies``.
        """
        if not self.run.settings.hydrate_contact_lists:
            return row
        for field in HYDRATED_LISTS:
            if _has_more(row, field):
                key, fn = self._hydration(row["id"], field)
                items = self.run.pool.take(key, fn)
                row[field] = {
                    **row[field],
                    "data": items,
                    "total_count": len(items),
                    "has_more": False,
                }
        return row

    def _hydration(self, contact_id: str, field: str) -> tuple[t.Any, t.Callable[[], t.Any]]:
        path, records_key, kind = HYDRATED_LISTS[field]
        transport = self.run.transport

        def fetch() -> list[dict[str, t.Any]]:
            items = fetch_all(transport, f"/contacts/{contact_id}/{path}", records_key)
            return [
                {"type": kind, "id": item.get("id"), "url": f"/{path}/{item.get('id')}"}
                for item in items
            ]

        return ("hydrate", field, contact_id), fetch


def _has_more(record: dict[str, t.Any], field: str) -> bool:
    embedded = record.get(field)
    return isinstance(embedded, dict) and bool(embedded.get("has_more"))


class ContactNotesStream(ChildStream):
    """Notes of each synced contact (``GET /contacts/{id}/notes``; opt-in, one request each)."""

    name = "contact_notes"
    path = "/contacts/{contact_id}/notes"
    parent_stream_type = ContactsStream
    permission = "read_contacts"
    opt_in_setting = "include_contact_notes"
    opt_in_note = "read notes (one request per changed contact)"

    @override
    def fetch(self, context: Context) -> list[dict[str, t.Any]]:
        """All notes of one contact.

        Args:
            context: ``{"contact_id": ...}``.

        Returns:
            The notes.
        """
        return fetch_all(self.run.transport, f"/contacts/{context['contact_id']}/notes", "data")

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Notes with their contact id.

        Args:
            result: The notes.
            context: ``{"contact_id": ...}``.

        Returns:
            The records.
        """
        return [{**note, "contact_id": context["contact_id"]} for note in result]
