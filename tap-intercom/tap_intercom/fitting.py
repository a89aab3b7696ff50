"""A record that does not fit its stream's schema widens it (a new SCHEMA) before it is sent.

Touches only its stream (schema, stream maps, SCHEMA messages); why: tap README, "Code layout".
"""

from __future__ import annotations

import copy
import typing as t

from tap_intercom.sdk_adapter import announce_schema, input_schema, replace_input_schema
from tap_intercom.widening import RecordChecker, widen

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Record


def closed(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """A copy of ``schema`` where objects with declared properties refuse undeclared ones.

    An explicit ``additionalProperties`` (custom attributes created after discovery) is kept.

    Args:
        schema: A JSON Schema.

    Returns:
        The strict copy, for checking only.
    """
    result = copy.deepcopy(schema)
    stack: list[t.Any] = [result]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        properties = node.get("properties")
        if isinstance(properties, dict):
            node.setdefault("additionalProperties", False)
            stack.extend(properties.values())
        if isinstance(node.get("items"), dict):
            stack.append(node["items"])
        if isinstance(node.get("additionalProperties"), dict):
            stack.append(node["additionalProperties"])
    return result


class SchemaFitting:
    """Mixin for singer-sdk streams: widen the schema for a record that does not fit it."""

    _record_checker: RecordChecker | None = None
    _widened_paths: set[str] | None = None

    def fit_schema(self, record: Record) -> None:
        """Widen the stream's schema and send it again when ``record`` does not fit it.

        Args:
            record: The record about to be written.
        """
        if self._record_checker is None:
            self._record_checker = RecordChecker(closed(self._stream.effective_schema))
        if self._record_checker.fits(record):
            return
        self._widen_for(record)

    @property
    def _stream(self) -> t.Any:
        return self  # a singer_sdk Stream (this class is its mixin)

    def _widen_for(self, record: Record) -> None:
        stream = self._stream
        effective = copy.deepcopy(stream.effective_schema)
        changes = widen(effective, record, add_missing=True)
        self._record_checker = None
        if not changes:
            return
        if input_schema(stream) is not None:
            replace_input_schema(stream, effective)
        else:
            stream._typed_schema = effective
        # The SCHEMA message comes from the primary stream map: rebuild the maps from the
        # widened selected schema (deselected top-level properties stay out).
        raw = copy.deepcopy(stream.stream_maps[0].raw_schema)
        mask = stream.mask
        selected = {k: v for k, v in record.items() if mask.get(("properties", k), True)}
        widen(raw, selected, add_missing=True)
        announce_schema(stream, raw)
        warned = self._widened_paths = self._widened_paths or set()
        for change in changes:
            if change.path not in warned:
                warned.add(change.path)
                stream.logger.warning(
                    "Stream %s: %s did not fit its schema (%s); widened to %s in a new "
                    "SCHEMA message",
                    stream.name,
                    change.path,
                    change.before,
                    change.after,
                )
