"""API versions: which endpoints and fields each one has.

Facts come from intercom/Intercom-OpenAPI ``descriptions/2.7`` to ``2.16`` (commit 8889625):
the version in which a path or a schema property first appears there.
"""

from __future__ import annotations

import typing as t

from devstack.intercom_sandbox import errors

# "Unstable" is Intercom's Preview: every 2.16 endpoint and field; contacts search compares
# standard timestamps to the exact second (see search.Searcher.page).
VERSIONS = ("2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "Unstable")
DEFAULT_VERSION = "2.16"

# First stable version whose spec has the endpoint; endpoints absent here exist in all.
ENDPOINT_SINCE: dict[str, str] = {
    "/ticket_types": "2.9",
    "/tickets/search": "2.10",
    "/tickets/{id}": "2.10",
    "/ticket_states": "2.12",
    "/export/reporting_data/get_datasets": "2.14",
    "/export/reporting_data/enqueue": "2.14",
    "/export/reporting_data/{job_identifier}": "2.14",
    "/download/reporting_data/{job_identifier}": "2.14",
    "/companies/{id}/notes": "2.15",
    "/conversations/deleted": "2.16",
    "/conversations/attributes": "2.16",
    "/macros": "2.16",
    "/macros/{id}": "2.16",
    "/admins/activity_logs/search": "2.16",
    "/contacts/{id}/merge_history": "2.16",
    "/teams/{id}/metrics": "2.16",
    # The new streams' endpoints (issue 17): present in the 2.14 description, or first in
    # 2.16; where the issue names an earlier version the two files allow, that one (internal
    # articles 2.13, brands and emails 2.15: the 2.13 and 2.15 files are not vendored).
    "/calls": "2.14",
    "/calls/search": "2.14",
    "/calls/{id}": "2.14",
    "/calls/{id}/transcript": "2.14",
    "/internal_articles": "2.13",
    "/content_snippets": "2.16",
    "/brands": "2.15",
    "/emails": "2.15",
    "/office_hours_schedules": "2.16",
    "/away_status_reasons": "2.14",
    "/admins/activity_log_event_types": "2.16",
    "/custom_object_instances/{type}": "2.16",
    "/conversations/{id}/handling_events": "2.16",
}

# (schema, property) -> first version whose spec lists the property.
FIELD_SINCE: dict[str, dict[str, str]] = {
    "conversation": {
        "custom_attributes": "2.14",
        "company": "2.15",
        "channel": "2.16",
        "external_references": "2.16",
        "monitor_evaluations": "2.16",
        "sales_agent": "2.16",
        "sales_agent_participated": "2.16",
        "scorecards": "2.16",
    },
    "conversation_part": {
        "app_package_code": "2.13",
        "email_message_metadata": "2.13",
        "event_details": "2.13",
        "state": "2.13",
        "tags": "2.13",
        "metadata": "2.14",
    },
    "ticket_part": {"app_package_code": "2.13", "updated_attribute_data": "2.14"},
    "contact": {"merge_history": "2.16"},
    "company": {"notes": "2.16"},
    "ticket": {"previous_ticket_state_id": "2.16"},
    "admin": {"away_status_reason_id": "2.14", "role": "2.16"},
    "help_center": {"default": "2.16", "locales": "2.16"},
    "article": {
        "tags": "2.13",
        "ai_chatbot_availability": "2.16",
        "ai_copilot_availability": "2.16",
        "ai_sales_agent_availability": "2.16",
        "body_markdown": "2.16",
        "created_by_id": "2.16",
        "draft_updated_at": "2.16",
        "exclude_from_article_suggestions": "2.16",
        "has_unpublished_changes": "2.16",
        "help_center_audience": "2.16",
        "scheduled_publish_at": "2.16",
        "scheduled_unpublish_at": "2.16",
        "updated_by_id": "2.16",
    },
}

# Properties that 2.16 dropped; older versions still send them.
FIELD_UNTIL: dict[str, dict[str, str]] = {"article": {"parent_id": "2.15", "parent_type": "2.15"}}


def key(version: str) -> tuple[int, int]:
    """A sortable key for a version string like ``2.16``."""
    if version == "Unstable":
        return (99, 0)
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def resolve(header: str | None, default: str) -> str:
    """The version a request asks for, validated.

    Raises:
        ApiError: 400 ``intercom_version_invalid`` for an unknown version.
    """
    version = (header or default).strip()
    if version not in VERSIONS:
        listed = ", ".join(VERSIONS)
        raise errors.ApiError(
            400,
            "intercom_version_invalid",
            f"The requested version could not be found. Supported versions: {listed}",
        )
    return version


def require(version: str, endpoint: str) -> None:
    """Refuse an endpoint the version does not have.

    Raises:
        ApiError: 400 ``intercom_version_invalid``.
    """
    since = ENDPOINT_SINCE.get(endpoint)
    if since is not None and key(version) < key(since):
        raise errors.version_unavailable()


def shape(schema: str, record: dict[str, t.Any], version: str) -> dict[str, t.Any]:
    """Drop the properties ``version`` does not have (records are built in 2.16 shape)."""
    since = FIELD_SINCE.get(schema, {})
    until = FIELD_UNTIL.get(schema, {})
    wanted = key(version)
    drop = [name for name, first in since.items() if wanted < key(first)]
    drop += [name for name, last in until.items() if wanted > key(last)]
    if not drop:
        return record
    return {name: value for name, value in record.items() if name not in drop}
