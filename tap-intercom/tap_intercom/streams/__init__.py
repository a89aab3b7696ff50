"""The stream registry: every stream class the tap offers, in sync order.

A new stream appends its class to :data:`STREAM_TYPES` (after its parent, if it has one).
Discovery (``TapIntercom.discover_streams``) instantiates each entry through
``IntercomStream.instances`` with the run context, after the API-version gate
(``min_api_version``) and the opt-in gate (``opt_in_setting``).
"""

from __future__ import annotations

import typing as t

from tap_intercom.streams.calls import CallsStream, CallTranscriptsStream
from tap_intercom.streams.companies import CompaniesStream, CompanySegmentsStream
from tap_intercom.streams.company_notes import CompanyNotesStream
from tap_intercom.streams.contacts import ContactNotesStream, ContactsStream
from tap_intercom.streams.content import ContentSnippetsStream, InternalArticlesStream
from tap_intercom.streams.conversations import (
    ConversationPartsStream,
    ConversationsStream,
    DeletedConversationsStream,
)
from tap_intercom.streams.custom_objects import CustomObjectInstancesStream
from tap_intercom.streams.handling_events import ConversationHandlingEventsStream
from tap_intercom.streams.lists import (
    AdminsStream,
    ArticlesStream,
    CompanyAttributesStream,
    ContactAttributesStream,
    ConversationAttributesStream,
    HelpCenterCollectionsStream,
    HelpCentersStream,
    NewsfeedsStream,
    NewsItemsStream,
    SubscriptionTypesStream,
    TagsStream,
    TeamsStream,
    TicketStatesStream,
    TicketTypesStream,
)
from tap_intercom.streams.logs import ActivityLogsStream, MacrosStream, SegmentsStream
from tap_intercom.streams.reporting import ReportingStream
from tap_intercom.streams.ticket_type_attributes import TicketTypeAttributesStream
from tap_intercom.streams.tickets import TicketPartsStream, TicketsStream
from tap_intercom.streams.workspace_settings import (
    ActivityLogEventTypesStream,
    AwayStatusReasonsStream,
    BrandsStream,
    EmailsStream,
    OfficeHoursSchedulesStream,
)

if t.TYPE_CHECKING:
    from tap_intercom.client import IntercomStream

#: Every stream class, in sync order (parents before their children).
STREAM_TYPES: list[type[IntercomStream]] = [
    AdminsStream,
    TeamsStream,
    TagsStream,
    TicketTypesStream,
    TicketTypeAttributesStream,
    TicketStatesStream,
    SubscriptionTypesStream,
    HelpCentersStream,
    HelpCenterCollectionsStream,
    ArticlesStream,
    NewsItemsStream,
    NewsfeedsStream,
    InternalArticlesStream,
    ContentSnippetsStream,
    BrandsStream,
    EmailsStream,
    OfficeHoursSchedulesStream,
    AwayStatusReasonsStream,
    ActivityLogEventTypesStream,
    ContactAttributesStream,
    CompanyAttributesStream,
    ConversationAttributesStream,
    SegmentsStream,
    CompaniesStream,
    CompanySegmentsStream,
    CompanyNotesStream,
    ContactsStream,
    ContactNotesStream,
    ConversationsStream,
    ConversationPartsStream,
    ConversationHandlingEventsStream,
    DeletedConversationsStream,
    TicketsStream,
    TicketPartsStream,
    ActivityLogsStream,
    MacrosStream,
    CallsStream,
    CallTranscriptsStream,
    CustomObjectInstancesStream,
    ReportingStream,
]

__all__ = ["STREAM_TYPES"]
