"""Workspace settings: brands, email settings, office hours, away reasons, event types."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_intercom.client import IntercomStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests


class BrandsStream(IntercomStream):
    """Brands (``GET /brands``, 2.15+)."""

    name = "brands"
    path = "/brands"
    min_api_version = "2.15"
    permission = "read_admins"


class EmailsStream(IntercomStream):
    """Email settings (``GET /emails``, 2.15+)."""

    name = "emails"
    path = "/emails"
    min_api_version = "2.15"
    permission = "read_admins"


class OfficeHoursSchedulesStream(IntercomStream):
    """Office hours schedules (``GET /office_hours_schedules``, 2.16+)."""

    name = "office_hours_schedules"
    path = "/office_hours_schedules"
    min_api_version = "2.16"
    permission = "read_admins"


class AwayStatusReasonsStream(IntercomStream):
    """Away status reasons (``GET /away_status_reasons``, 2.14+; deleted ones flagged)."""

    name = "away_status_reasons"
    path = "/away_status_reasons"
    min_api_version = "2.14"
    permission = "read_admins"


class ActivityLogEventTypesStream(IntercomStream):
    """Activity log event types (``GET /admins/activity_log_event_types``, 2.16+).

    The API lists bare names; each becomes ``{"event_type": name}``. ACTIVATE_VERSION removes
    names Intercom retires.
    """

    name = "activity_log_event_types"
    path = "/admins/activity_log_event_types"
    records_jsonpath = "$.event_types[*]"
    primary_keys = ("event_type",)
    always_activate_version = True
    min_api_version = "2.16"
    permission = "read_admins"

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """One record per event type name.

        Args:
            response: The page.

        Yields:
            ``{"event_type": name}``.
        """
        for name in super().parse_response(response):
            yield {"event_type": name}
