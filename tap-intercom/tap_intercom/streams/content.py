"""Knowledge content the help center streams do not cover: internal articles, snippets."""

from __future__ import annotations

from tap_intercom.client import IntercomStream
from tap_intercom.streams._numbered import NumberedStream


class InternalArticlesStream(IntercomStream):
    """Internal articles (``GET /internal_articles``)."""

    name = "internal_articles"
    path = "/internal_articles"
    min_api_version = "2.13"
    permission = "read_content"


class ContentSnippetsStream(NumberedStream):
    """Content snippets (``GET /content_snippets``, 2.16+, numbered pages)."""

    name = "content_snippets"
    path = "/content_snippets"
    page_size = 50
    min_api_version = "2.16"
    permission = "read_content"
