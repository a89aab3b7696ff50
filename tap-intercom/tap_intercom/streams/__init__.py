"""Stream classes, one per Intercom entity."""

from __future__ import annotations

from tap_intercom.streams.companies import CompaniesStream, CompanySegmentsStream
from tap_intercom.streams.contacts import ContactNotesStream, ContactsStream
from tap_intercom.streams.conversations import (
    ConversationPartsStream,
    ConversationsStream,
    DeletedConversationsStream,
)
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
from tap_intercom.streams.tickets import TicketPartsStream, TicketsStream

#: Every stream, in sync order (parents before their children).
STREAM_TYPES = (
    AdminsStream,
    TeamsStream,
    TagsStream,
    TicketTypesStream,
    TicketStatesStream,
    SubscriptionTypesStream,
    HelpCentersStream,
    HelpCenterCollectionsStream,
    ArticlesStream,
    NewsItemsStream,
    NewsfeedsStream,
    ContactAttributesStream,
    CompanyAttributesStream,
    ConversationAttributesStream,
    SegmentsStream,
    CompaniesStream,
    CompanySegmentsStream,
    ContactsStream,
    ContactNotesStream,
    ConversationsStream,
    ConversationPartsStream,
    DeletedConversationsStream,
    TicketsStream,
    TicketPartsStream,
    ActivityLogsStream,
    MacrosStream,
)

__all__ = ["STREAM_TYPES"]
