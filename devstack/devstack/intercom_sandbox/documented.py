"""The response examples of Intercom's OpenAPI descriptions (``openapi_examples.json``).

They are the documented shapes the sandbox serves besides its generated ones, and the test
data of the tap's schema tests. ``tap-intercom/scripts/generate_schemas.py`` writes the file.
"""

from __future__ import annotations

import functools
import json
import pathlib
import typing as t

EXAMPLES_FILE = pathlib.Path(__file__).with_name("openapi_examples.json")


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", json.loads(EXAMPLES_FILE.read_text()))


def examples() -> list[dict[str, t.Any]]:
    """Every example: its version, endpoint, name, role, ``streams`` and ``body``.

    ``streams`` lists ``{"stream", "at"}``: which stream's records the body holds, at which
    dotted key (``""``: the body is one record).
    """
    return list(_document()["examples"])


def records(example: dict[str, t.Any], at: str) -> list[dict[str, t.Any]]:
    """The records at a dotted key of an example's body (``""``: the body itself)."""
    node: t.Any = example["body"]
    if at == "":
        return [node] if isinstance(node, dict) else []
    for key in at.split("."):
        if isinstance(node, list) and key.isdigit():
            # A position in a list (``data.0.ticket_type_attributes.data``).
            node = node[int(key)] if int(key) < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return [item for item in node or [] if isinstance(item, dict)]


def names(example: dict[str, t.Any], at: str) -> list[str]:
    """The bare names listed at a dotted key of an example's body (activity log event types)."""
    node: t.Any = example["body"]
    for key in at.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return [item for item in node or [] if isinstance(item, str)]


def activity_logs() -> list[dict[str, t.Any]]:
    """The documented activity log entries, one per distinct ``activity_type``."""
    found: dict[str, dict[str, t.Any]] = {}
    for example in examples():
        for spot in example["streams"]:
            if spot["stream"] == "activity_logs":
                for entry in records(example, spot["at"]):
                    found.setdefault(str(entry.get("activity_type")), entry)
    return list(found.values())
