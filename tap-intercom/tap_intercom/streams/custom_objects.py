"""Custom object instances: one stream per custom object type found at discovery.

The 2.16 description has no endpoint listing custom object types. They are named by the
relationship attributes of conversations (``GET /conversations/attributes``: ``data_type``
``relationship``, ``reference.object_type_id``), and each type's instances are listed by
``GET /custom_object_instances/{type}`` (2.16; 2.14 only finds one by ``external_id``).
"""

from __future__ import annotations

import logging
import re
import typing as t
import urllib.parse

from typing_extensions import override

from tap_intercom.client import SCHEMAS_DIR, IntercomSchema, IntercomStream
from tap_intercom.errors import IntercomAuthError, IntercomError, IntercomScopeError

if t.TYPE_CHECKING:
    from singer_sdk import Tap

    from tap_intercom.run_context import RunContext

LOGGER = logging.getLogger("tap-intercom")

#: Stream names are this prefix and the type, in lower case with ``_`` for other characters.
PREFIX = "custom_object_instances_"
#: ``per_page`` maximum of the instance list.
PER_PAGE = 150
MIN_API_VERSION = "2.16"


class CustomObjectInstancesStream(IntercomStream):
    """Instances of one custom object type (``GET /custom_object_instances/{type}``).

    One stream per type found at discovery (:meth:`instances`). Full table with
    ACTIVATE_VERSION: the list has no time filter, and instances deleted in Intercom disappear
    downstream. ``custom_attributes`` is an open object: the API has no endpoint describing a
    custom object type's attributes.
    """

    #: The family's name in the registry; each stream is ``custom_object_instances_<type>``.
    name = "custom_object_instances"
    schema: t.ClassVar[IntercomSchema] = IntercomSchema(SCHEMAS_DIR, key="custom_object_instances")
    page_size = PER_PAGE
    always_activate_version = True
    min_api_version = MIN_API_VERSION
    permission = "read_custom_objects"

    def __init__(self, tap: Tap, run: RunContext, *, object_type: str, name: str) -> None:
        """The stream of one custom object type.

        Args:
            tap: The tap.
            run: The run context.
            object_type: The type's identifier (``Order``).
            name: The stream name (:func:`stream_name`, made unique).
        """
        self.object_type = object_type
        super().__init__(
            tap, run, name=name, path="/custom_object_instances/" + _quote(object_type)
        )

    @classmethod
    @override
    def instances(cls, tap: Tap, run: RunContext) -> list[IntercomStream]:
        """One stream per custom object type of the workspace.

        Args:
            tap: The tap.
            run: The run context.

        Returns:
            The streams, named by :func:`stream_name` (two types with the same name get a
            numbered suffix).
        """
        streams: list[IntercomStream] = []
        names: set[str] = set()
        for object_type in find_object_types(run):
            name = base = stream_name(object_type)
            serial = 1
            while name in names:
                serial += 1
                name = f"{base}_{serial}"
            names.add(name)
            streams.append(cls(tap, run, object_type=object_type, name=name))
        return streams


def stream_name(object_type: str) -> str:
    """The stream name of a custom object type.

    Args:
        object_type: The type's identifier.

    Returns:
        The name.

    >>> stream_name("Order Line")
    'custom_object_instances_order_line'
    """
    return PREFIX + (re.sub(r"[^0-9a-z]+", "_", object_type.lower()).strip("_") or "type")


def object_types(attributes: t.Iterable[dict[str, t.Any]]) -> list[str]:
    """The custom object types that relationship attributes reference, in first-seen order.

    Args:
        attributes: Records of ``GET /conversations/attributes``.

    Returns:
        The type identifiers.

    >>> object_types([{"data_type": "relationship", "reference": {"object_type_id": "Order"}}])
    ['Order']
    """
    found: list[str] = []
    for attribute in attributes:
        if attribute.get("data_type") != "relationship":
            continue
        reference = attribute.get("reference") or {}
        name = reference.get("object_type_id") if isinstance(reference, dict) else None
        if name and str(name) not in found:
            found.append(str(name))
    return found


def find_object_types(run: RunContext) -> list[str]:
    """The custom object types the workspace's conversation attributes reference.

    A token that may not read conversation attributes finds none (a warning says why); any
    other failure fails discovery, so a passing problem never drops streams.

    Args:
        run: The run context.

    Returns:
        The type identifiers.

    Raises:
        IntercomError: When the conversation attributes could not be read.
    """
    try:
        body = run.transport.request_json(
            "GET", "/conversations/attributes", params={"include_archived": "true"}
        )
    except IntercomScopeError as exc:
        LOGGER.warning("No custom object streams: the token may not read attributes (%s)", exc)
        return []
    except IntercomAuthError:
        raise
    except IntercomError as exc:
        msg = f"Discovery failed: the custom object types could not be read: {exc}"
        raise IntercomError(msg) from exc
    return object_types(body.get("data") or [])


def _quote(value: str) -> str:
    # Braces too: the SDK would read them as path parameters.
    return urllib.parse.quote(value, safe="")
