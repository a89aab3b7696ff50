"""Custom object instances: one stream per custom object type found at discovery.

The 2.16 description has no endpoint listing custom object types. They are named by the
relationship attributes of conversations (``GET /conversations/attributes``: ``data_type``
``relationship``, ``reference.object_type_id``), and each type's instances are listed by
``GET /custom_object_instances/{type}`` (2.16; 2.14 only finds one by ``external_id``).
"""

from __future__ import annotations

import re
import typing as t
import urllib.parse

from tap_intercom.client import SCHEMAS_DIR, IntercomSchema, IntercomStream
from tap_intercom.errors import IntercomAuthError, IntercomError, IntercomScopeError
from tap_intercom.settings import version_key

if t.TYPE_CHECKING:
    from tap_intercom.tap import TapIntercom

#: Stream names are this prefix and the type, in lower case with ``_`` for other characters.
PREFIX = "custom_object_instances_"
#: ``per_page`` maximum of the instance list.
PER_PAGE = 150
MIN_API_VERSION = "2.16"


class CustomObjectInstancesStream(IntercomStream):
    """Instances of one custom object type (``GET /custom_object_instances/{type}``).

    Full table with ACTIVATE_VERSION: the list has no time filter, and instances deleted in
    Intercom disappear downstream. ``custom_attributes`` is an open object: the API has no
    endpoint describing a custom object type's attributes.
    """

    schema: t.ClassVar[IntercomSchema] = IntercomSchema(SCHEMAS_DIR, key="custom_object_instances")
    page_size = PER_PAGE
    always_activate_version = True
    min_api_version = MIN_API_VERSION
    permission = "read_custom_objects"
    #: The custom object type (``Order``).
    object_type: t.ClassVar[str] = ""


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


def stream_types(tap: TapIntercom) -> list[type[CustomObjectInstancesStream]]:
    """One stream class per custom object type of the workspace.

    A token that may not read conversation attributes finds no types (a warning says why);
    any other failure fails discovery, so a passing problem never drops streams.

    Args:
        tap: The tap (its transport and API version).

    Returns:
        The stream classes, named by :func:`stream_name` (two types with the same name get a
        numbered suffix).

    Raises:
        IntercomError: When the conversation attributes could not be read.
    """
    if version_key(tap.api_version) < version_key(MIN_API_VERSION):
        return []
    try:
        body = tap.transport.request_json(
            "GET", "/conversations/attributes", params={"include_archived": "true"}
        )
    except IntercomScopeError as exc:
        tap.logger.warning("No custom object streams: the token may not read attributes (%s)", exc)
        return []
    except IntercomAuthError:
        raise
    except IntercomError as exc:
        msg = f"Discovery failed: the custom object types could not be read: {exc}"
        raise IntercomError(msg) from exc
    classes: list[type[CustomObjectInstancesStream]] = []
    names: set[str] = set()
    for object_type in object_types(body.get("data") or []):
        name = base = stream_name(object_type)
        serial = 1
        while name in names:
            serial += 1
            name = f"{base}_{serial}"
        names.add(name)
        path = "/custom_object_instances/" + _quote(object_type)
        attributes = {
            "name": name,
            "path": path,
            "object_type": object_type,
            "__doc__": f"Instances of the custom object type {object_type!r} (``GET {path}``).",
        }
        stream_type = type(
            f"CustomObjects{len(classes)}Stream", (CustomObjectInstancesStream,), attributes
        )
        classes.append(stream_type)
    return classes


def _quote(value: str) -> str:
    # Braces too: the SDK would read them as path parameters.
    return urllib.parse.quote(value, safe="")
