"""Full-table streams: small lists read completely on every run."""

from __future__ import annotations

import typing as t

from tap_intercom.client import IntercomStream


class AdminsStream(IntercomStream):
    """Teammates (``GET /admins``)."""

    name = "admins"
    path = "/admins"
    records_jsonpath = "$.admins[*]"
    permission = "read_admins"


class TeamsStream(IntercomStream):
    """Teams (``GET /teams``)."""

    name = "teams"
    path = "/teams"
    records_jsonpath = "$.teams[*]"
    permission = "read_admins"


class TagsStream(IntercomStream):
    """Tags (``GET /tags``)."""

    name = "tags"
    path = "/tags"
    permission = "read_tags"


class TicketTypesStream(IntercomStream):
    """Ticket types (``GET /ticket_types``)."""

    name = "ticket_types"
    path = "/ticket_types"
    min_api_version = "2.9"
    permission = "read_tickets"


class TicketStatesStream(IntercomStream):
    """Ticket states (``GET /ticket_states``)."""

    name = "ticket_states"
    path = "/ticket_states"
    min_api_version = "2.12"
    permission = "read_tickets"


class SubscriptionTypesStream(IntercomStream):
    """Subscription types (``GET /subscription_types``)."""

    name = "subscription_types"
    path = "/subscription_types"
    permission = "read_subscription_types"


class HelpCentersStream(IntercomStream):
    """Help centers (``GET /help_center/help_centers``)."""

    name = "help_centers"
    path = "/help_center/help_centers"
    permission = "read_articles"


class HelpCenterCollectionsStream(IntercomStream):
    """Help center collections (``GET /help_center/collections``)."""

    name = "help_center_collections"
    path = "/help_center/collections"
    permission = "read_articles"


class ArticlesStream(IntercomStream):
    """Articles (``GET /articles``)."""

    name = "articles"
    path = "/articles"
    permission = "read_articles"


class NewsItemsStream(IntercomStream):
    """News items (``GET /news/news_items``)."""

    name = "news_items"
    path = "/news/news_items"
    permission = "read_news"


class NewsfeedsStream(IntercomStream):
    """Newsfeeds (``GET /news/newsfeeds``)."""

    name = "newsfeeds"
    path = "/news/newsfeeds"
    permission = "read_news"


class _DataAttributesStream(IntercomStream):
    """Data attributes of one model; ACTIVATE_VERSION removes archived-then-deleted ones.

    Keyed by ``full_name``: ``name`` repeats within a model (companies' ``name`` and
    ``plan.name``; standard attributes have no ``id``).
    """

    path = "/data_attributes"
    primary_keys = ("model", "full_name")
    always_activate_version = True
    permission = "read_data_attributes"
    model: t.ClassVar[str] = ""

    @property
    def extra_params(self) -> dict[str, t.Any]:  # type: ignore[override]
        """``model`` and ``include_archived``."""
        return {"model": self.model, "include_archived": "true"}


class ContactAttributesStream(_DataAttributesStream):
    """Contact data attributes (``GET /data_attributes?model=contact``)."""

    name = "contact_attributes"
    model = "contact"


class CompanyAttributesStream(_DataAttributesStream):
    """Company data attributes (``GET /data_attributes?model=company``)."""

    name = "company_attributes"
    model = "company"


class ConversationAttributesStream(IntercomStream):
    """Conversation attributes (``GET /conversations/attributes``, API 2.16+)."""

    name = "conversation_attributes"
    path = "/conversations/attributes"
    extra_params: t.ClassVar[dict[str, t.Any]] = {"include_archived": "true"}
    always_activate_version = True
    min_api_version = "2.16"
    permission = "read_conversations"
