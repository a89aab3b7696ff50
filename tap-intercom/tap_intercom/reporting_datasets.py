"""Reporting datasets as ``get_datasets`` lists them, and their files' rows as records (pure).

An attribute is listed with ``id``, ``name`` and (2.16) ``qualified_id``; the descriptions give
no data type, so the schema types what the names say: an attribute ending in ``_at`` is a
timestamp (Unix seconds, ISO 8601 text with ``timestamp_format: iso``), every other one is
text, exactly as the CSV carries it (nothing is rounded or guessed). The file's header names
its columns by attribute name (or id); each is matched to its attribute.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import typing as t

from tap_intercom.errors import IntercomError
from tap_intercom.windows import to_epoch

#: The key of a dataset whose attributes hold no ``<dataset>_id``: a hash of the whole row.
ROW_HASH = "row_hash"


@dataclasses.dataclass(frozen=True, slots=True)
class Attribute:
    """One dataset attribute.

    Attributes:
        id: The simple id (``conversation_id``).
        name: The display name (``Conversation ID``).
        qualified_id: ``conversation.conversation_id`` (2.16+), else None.
    """

    id: str
    name: str
    qualified_id: str | None = None

    @property
    def is_timestamp(self) -> bool:
        """Whether the attribute holds a point in time (its id ends in ``_at``)."""
        return self.id.endswith("_at")


@dataclasses.dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A reporting dataset and the stream that reads it.

    Attributes:
        id: Dataset id (``conversation``).
        name: Display name.
        description: What a row is.
        time_attribute: ``default_time_attribute_id``: what export windows filter on.
        attributes: Its attributes, in listing order.
    """

    id: str
    name: str
    description: str
    time_attribute: str
    attributes: tuple[Attribute, ...]

    @classmethod
    def from_listing(cls, entry: dict[str, t.Any]) -> DatasetSpec:
        """A dataset from one ``get_datasets`` entry.

        Args:
            entry: The entry.

        Returns:
            The dataset.

        Raises:
            IntercomError: For an entry without an id, attributes or time attribute.
        """
        attributes = tuple(
            Attribute(str(a["id"]), str(a.get("name") or a["id"]), a.get("qualified_id"))
            for a in entry.get("attributes") or []
            if isinstance(a, dict) and a.get("id")
        )
        dataset_id = str(entry.get("id") or "")
        time_attribute = str(entry.get("default_time_attribute_id") or "")
        if not dataset_id or not attributes or time_attribute not in {a.id for a in attributes}:
            msg = (
                f"Discovery failed: reporting dataset {dataset_id or '(no id)'} lists no "
                "attributes or no default_time_attribute_id among them"
            )
            raise IntercomError(msg)
        return cls(
            dataset_id,
            str(entry.get("name") or dataset_id),
            str(entry.get("description") or ""),
            time_attribute,
            attributes,
        )

    @property
    def stream_name(self) -> str:
        """``reporting_<dataset id>`` (characters other than letters, digits, ``_`` as ``_``).

        >>> DatasetSpec("admin status-change", "", "", "a_at", ()).stream_name
        'reporting_admin_status_change'
        """
        return "reporting_" + re.sub(r"[^0-9a-z_]", "_", self.id.lower())

    @property
    def key_attribute(self) -> str:
        """The primary key: ``<dataset>_id`` when the dataset has it, else :data:`ROW_HASH`."""
        wanted = f"{self.id}_id"
        return wanted if any(a.id == wanted for a in self.attributes) else ROW_HASH

    def schema(self) -> dict[str, t.Any]:
        """The stream's JSON Schema: timestamps as Unix-second integers, the rest as text.

        Returns:
            The schema.
        """
        properties: dict[str, t.Any] = {}
        for attribute in self.attributes:
            kind = "integer" if attribute.is_timestamp else "string"
            node: dict[str, t.Any] = {"type": [kind, "null"], "title": attribute.name}
            if attribute.qualified_id:
                node["description"] = attribute.qualified_id
            properties[attribute.id] = node
        if self.key_attribute == ROW_HASH:
            properties[ROW_HASH] = {
                "type": ["string"],
                "description": "SHA-256 of the row's values (the dataset has no id attribute)",
            }
        return {"type": "object", "properties": properties}

    def request_ids(self) -> list[str]:
        """The ``attribute_ids`` of an enqueue: qualified ids where listed (2.16 needs them).

        Returns:
            Every attribute of the dataset.
        """
        return [a.qualified_id or a.id for a in self.attributes]

    def columns(self, header: list[str]) -> list[str]:
        """The attribute id of each column of a file's header row.

        A header cell is matched by name, qualified id or id. Names may repeat (the
        descriptions warn that ids can); a header that cannot be matched one to one is
        matched by position when it has one column per attribute requested.

        Args:
            header: The header cells.

        Returns:
            Attribute ids, one per column.

        Raises:
            IntercomError: For a header that matches neither way.
        """
        lookup: dict[str, list[str]] = {}
        for attribute in self.attributes:
            for label in {attribute.name, attribute.id, attribute.qualified_id}:
                if label:
                    lookup.setdefault(label.strip().lower(), []).append(attribute.id)
        matched = [lookup.get(cell.strip().lower(), []) for cell in header]
        ids = [found[0] for found in matched if len(set(found)) == 1]
        if len(ids) == len(header) and len(set(ids)) == len(ids):
            return ids
        if len(header) == len(self.attributes):
            return [a.id for a in self.attributes]
        unknown = [
            cell for cell, found in zip(header, matched, strict=True) if len(set(found)) != 1
        ]
        msg = (
            f"{self.stream_name}: the export's columns {unknown} match no single attribute of "
            f"dataset {self.id}"
        )
        raise IntercomError(msg)

    def record(self, columns: list[str], cells: list[str]) -> dict[str, t.Any]:
        """One CSV row as a record.

        Args:
            columns: Attribute id per column (:meth:`columns`).
            cells: The row's cells.

        Returns:
            The record; empty cells are null, timestamps Unix seconds.

        Raises:
            IntercomError: For a row with another number of cells than the header, or a
                timestamp that is neither Unix seconds nor ISO 8601 text.

        >>> spec = DatasetSpec("call", "", "", "call_started_at",
        ...     (Attribute("call_id", "Call ID"), Attribute("call_started_at", "Started")))
        >>> spec.record(["call_id", "call_started_at"], ["7", "2024-06-01T00:00:00Z"])
        {'call_id': '7', 'call_started_at': 1717200000}
        """
        if len(cells) != len(columns):
            msg = (
                f"{self.stream_name}: an export row has {len(cells)} values for "
                f"{len(columns)} columns"
            )
            raise IntercomError(msg)
        stamps = self._timestamps()
        record: dict[str, t.Any] = {}
        for column, cell in zip(columns, cells, strict=True):
            if cell == "":
                record[column] = None
            elif column in stamps:
                seconds = to_epoch(cell)
                if seconds is None:
                    msg = f"{self.stream_name}: {column} {cell[:40]!r} is not a timestamp"
                    raise IntercomError(msg)
                record[column] = seconds
            else:
                record[column] = cell
        if self.key_attribute == ROW_HASH:
            # Sorted by column, so a listing that reorders attributes keeps the keys.
            pairs = sorted(zip(columns, cells, strict=True))
            joined = "\x1f".join(f"{c}={v}" for c, v in pairs)
            record[ROW_HASH] = hashlib.sha256(joined.encode()).hexdigest()
        return record

    def _timestamps(self) -> frozenset[str]:
        return frozenset(a.id for a in self.attributes if a.is_timestamp)
