"""Which changes to emit when deliveries come more than once and in any order (pure)."""

from __future__ import annotations

from tap_intercom.webhooks.spool import Version
from tap_intercom.webhooks.topics import Change


def admit(change: Change, current: Version | None) -> Version | None:
    """The entity's version after ``change`` if it is to be emitted, else None.

    Args:
        change: A record a notification carries.
        current: What was emitted for the entity so far (None: nothing).

    Returns:
        The new cumulative version, or None to skip the change.

    >>> admit(Change("contacts", "1", {}, 10), Version(12, None)) is None
    True
    >>> admit(Change("contacts", "1", {}, 13), Version(12, None))
    Version(updated_at=13, deleted_at=None)
    >>> admit(Change("contacts", "1", {}, 13), Version(12, 20)) is None
    True
    """
    if change.deleted_at is not None:
        if current is not None and current.deleted_at is not None:
            return None
        return Version(current.updated_at if current else None, change.deleted_at)
    if change.updated_at is None:
        # No version to compare: only the first sighting is safe to emit.
        return Version(None, None) if current is None else None
    if current is None:
        return Version(change.updated_at, None)
    if current.deleted_at is not None and change.updated_at <= current.deleted_at:
        return None
    if current.updated_at is not None and change.updated_at <= current.updated_at:
        return None
    return Version(change.updated_at, current.deleted_at)
