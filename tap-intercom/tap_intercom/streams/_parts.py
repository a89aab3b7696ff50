"""Parts of a conversation or ticket, read with the parent (``GET /<kind>s/{id}``)."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.children import ChildStream, log_truncated_parts
from tap_intercom.client import IncrementalStream
from tap_intercom.windows import to_epoch

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class PartsStream(ChildStream, IncrementalStream):
    """Parts of each changed parent, filtered on the part's own ``updated_at``.

    The stream has one bookmark. While the parent stream runs it stays at its value from the
    start of the run (the SDK keeps progress in ``progress_markers``), so a run resumed from
    any STATE filters with the same threshold and never skips a part of a parent it has not
    finished; at the end it moves to the newest part seen, capped at the run's upper bound.
    Without a bookmark (first run, or the stream newly selected) every part returned for a
    changed parent is emitted.
    """

    #: ``conversation`` or ``ticket``.
    kind: t.ClassVar[str] = ""

    @property
    def parts_key(self) -> str:
        """``conversation_parts`` or ``ticket_parts``."""
        return f"{self.kind}_parts"

    @override
    def fetch(self, context: Context) -> t.Any:
        """The parent with its parts.

        Args:
            context: The parent's id and timestamps.

        Returns:
            The decoded parent.
        """
        return self.run.transport.request_json("GET", f"/{self.kind}s/{context[self.kind + '_id']}")

    def threshold(self) -> int | None:
        """Parts updated before this are skipped (None: emit all).

        Returns:
            The bookmark at the start of the run minus the lookback, or None.
        """
        state = self.get_context_state(None)
        bookmark = to_epoch(state.get("replication_key_value"))
        if bookmark is None:
            return None
        return bookmark - self.run.settings.lookback_seconds

    @override
    def records_from(self, result: t.Any, context: Context) -> Iterable[dict[str, t.Any]]:
        """Parts with the parent's id, timestamps, total part count and truncation flag.

        Args:
            result: The decoded parent.
            context: The parent's id and timestamps.

        Returns:
            The part records.
        """
        container = result.get(self.parts_key) or {}
        parts = container.get(self.parts_key) or []
        total = container.get("total_count")
        total = int(total) if total is not None else len(parts)
        truncated = total > len(parts)
        parent_id = str(context[f"{self.kind}_id"])
        if truncated:
            log_truncated_parts(self.logger, self.kind, parent_id, len(parts), total)
        threshold = self.threshold()
        extra = {
            f"{self.kind}_id": parent_id,
            f"{self.kind}_created_at": context.get(f"{self.kind}_created_at"),
            f"{self.kind}_updated_at": context.get(f"{self.kind}_updated_at"),
            f"{self.kind}_total_parts": total,
            f"{self.kind}_parts_truncated": truncated,
        }
        records = []
        for part in parts:
            updated = to_epoch(part.get("updated_at"))
            if threshold is not None and updated is not None and updated < threshold:
                continue
            records.append({**part, **extra})
        return records


def parent_context(kind: str, record: dict[str, t.Any]) -> dict[str, t.Any]:
    """The child context a parent passes to its parts stream.

    Args:
        kind: ``conversation`` or ``ticket``.
        record: The parent record.

    Returns:
        Its id and timestamps.
    """
    return {
        f"{kind}_id": str(record["id"]),
        f"{kind}_created_at": to_epoch(record.get("created_at")),
        f"{kind}_updated_at": to_epoch(record.get("updated_at")),
    }
