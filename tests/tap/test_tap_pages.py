"""The page walker: where the four old page loops differed, and what every listing does now."""

from __future__ import annotations

import logging
import typing as t

import pytest

from tap_intercom.pagination import IntercomPaginator, list_page, scroll_token, walk_pages
from tap_intercom.scroll import ScrollPolicy, drain


class Pages:
    """Serves scripted pages by token: ``{token: (records, next token)}`` (None: first)."""

    def __init__(self, script: dict[str | None, tuple[list[t.Any], str | None]]) -> None:
        self.script = script
        self.requested: list[str | None] = []

    def __call__(self, token: str | None) -> tuple[t.Any, list[t.Any]]:
        self.requested.append(token)
        records, nxt = self.script[token]
        body = {"data": records, "pages": {"next": {"starting_after": nxt} if nxt else None}}
        return body, records


def records_of(load: Pages, paginator: IntercomPaginator, **kwargs: t.Any) -> list[t.Any]:
    return [r for _, page in walk_pages(load, paginator, **kwargs) for r in page]


@pytest.mark.parametrize("ahead", [False, True])
def test_a_revisited_cursor_ends_every_listing_with_a_warning(
    caplog: pytest.LogCaptureFixture, ahead: bool
) -> None:
    # Before, fetch_all and the contacts slices stopped here silently; stream pages warned.
    load = Pages({None: ([1], "A"), "A": ([2], "B"), "B": ([3], "A")})
    paginator = IntercomPaginator()
    with caplog.at_level(logging.WARNING, logger="tap-intercom"):
        assert records_of(load, paginator, ahead=ahead) == [1, 2, 3]
    assert load.requested == [None, "A", "B"]
    assert paginator.revisited
    assert caplog.messages == ["Pagination revisited token A; stopping this listing"]


def test_an_empty_page_ends_the_listing_even_with_a_next_cursor() -> None:
    # Before, fetch_all (child lists) requested the next page after an empty one.
    load = Pages({None: ([1], "A"), "A": ([], "B"), "B": ([2], None)})
    assert records_of(load, IntercomPaginator()) == [1]
    assert load.requested == [None, "A"]


def test_no_page_count_cap() -> None:
    # Before, fetch_all stopped silently after 10,000 pages; the revisit guard is the loop
    # protection now, so a long listing is read to its end.
    count = 10_050
    script: dict[str | None, tuple[list[t.Any], str | None]] = {
        (None if n == 0 else f"c{n}"): ([n], f"c{n + 1}" if n + 1 < count else None)
        for n in range(count)
    }
    assert records_of(Pages(script), IntercomPaginator()) == list(range(count))


def test_the_stop_predicate_ends_after_the_page_it_saw() -> None:
    load = Pages({None: ([1, 5], "A"), "A": ([6, 9], "B"), "B": ([10], None)})
    paginator = IntercomPaginator(stop=lambda body: body["data"][-1] > 5)
    assert records_of(load, paginator, ahead=True) == [1, 5, 6, 9]
    assert load.requested == [None, "A"]


def test_the_scroll_param_repeats_on_every_page_and_is_no_revisit() -> None:
    # Intercom (and the sandbox) return the same scroll_param on every page of one scroll.
    pages = [[{"id": "1"}], [{"id": "2"}], [{"id": "3"}], []]
    params: list[str | None] = []

    def get_page(param: str | None) -> t.Any:
        params.append(param)
        return {"data": pages[len(params) - 1], "scroll_param": "same"}

    companies = drain(get_page, ScrollPolicy(), lambda seconds: None)
    try:
        assert [c["id"] for c in companies] == ["1", "2", "3"]
    finally:
        companies.close()
    assert params == [None, "same", "same", "same"]
    assert scroll_token({"scroll_param": "same"}) == "same"


def test_list_page_follows_a_cursor_or_a_next_url() -> None:
    assert list_page("/tags", {"per_page": 5}, None) == ("/tags", {"per_page": 5})
    assert list_page("/tags", {"per_page": 5}, "c1") == (
        "/tags",
        {"per_page": 5, "starting_after": "c1"},
    )
    url = "https://api.intercom.io/articles?page=2&per_page=5"
    assert list_page("/articles", {"per_page": 5}, url) == (url, {})
