"""Search endpoints over real HTTP: pagination, per_page limits, the query language, quirks."""

from __future__ import annotations

import itertools
import typing as t

import pytest

from tests.devstack.sandbox_helpers import Client, error_code

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def _live(table: t.Any) -> list[int]:
    return [i for i in range(len(table)) if i not in table.deleted]


def test_cursor_pagination_walks_every_contact_once(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    first = sandbox_client.post("/contacts/search", {"pagination": {"per_page": 37}}).json()
    assert first["type"] == "list"
    assert first["total_count"] == len(ws.contacts)
    assert first["pages"]["page"] == 1
    assert first["pages"]["per_page"] == 37
    assert first["pages"]["total_pages"] == -(-len(ws.contacts) // 37)
    assert first["pages"]["next"]["page"] == 2
    records = sandbox_client.search("/contacts/search", per_page=37)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == len(ws.contacts)
    assert ids == [ws.contact_id(i) for i in range(len(ws.contacts))]


def test_default_page_sizes_and_the_150_maximum(sandbox_client: Client) -> None:
    contacts = sandbox_client.post("/contacts/search", {}).json()
    assert contacts["pages"]["per_page"] == 50
    assert len(contacts["data"]) == 50
    conversations = sandbox_client.post("/conversations/search", {}).json()
    assert conversations["pages"]["per_page"] == 20
    assert len(conversations["conversations"]) == 20
    assert (
        sandbox_client.post("/tickets/search", {"pagination": {"per_page": 150}}).status_code == 200
    )
    for path in ("/contacts/search", "/conversations/search", "/tickets/search"):
        too_many = sandbox_client.post(path, {"pagination": {"per_page": 151}})
        assert too_many.status_code == 400
        assert error_code(too_many) == "parameter_invalid"
        assert "150" in too_many.json()["errors"][0]["message"]
    assert sandbox_client.get("/contacts", per_page=151).status_code == 400


def test_a_bad_cursor_is_refused(sandbox_client: Client) -> None:
    response = sandbox_client.post(
        "/contacts/search", {"pagination": {"starting_after": "nonsense!"}}
    )
    assert response.status_code == 400
    assert error_code(response) == "parameter_invalid"


def test_get_contacts_list_pages_with_starting_after(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"per_page": 100, **({"starting_after": cursor} if cursor else {})}
        page = sandbox_client.get("/contacts", **params).json()
        seen += [c["id"] for c in page["data"]]
        cursor = page["pages"].get("next", {}).get("starting_after")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == len(intercom_sandbox.workspace.contacts)


def _contact_ids(sandbox_client: Client, query: t.Any) -> set[str]:
    return {r["id"] for r in sandbox_client.search("/contacts/search", query)}


def test_contact_dates_match_whole_days_in_the_workspace_time_zone(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    # Row 4 sits on the second before a Los Angeles midnight (see tables.spread_timestamps).
    value = ws.contacts.updated[4]
    start, end = ws.day_bounds(value)
    assert value == end - 1
    assert end - start in (86_400, 82_800, 90_000)

    def expect(test: t.Callable[[int], bool]) -> set[str]:
        return {ws.contact_id(i) for i in range(len(ws.contacts)) if test(ws.contacts.updated[i])}

    same_day = expect(lambda u: start <= u < end)
    assert ws.contact_id(4) in same_day
    assert (
        _contact_ids(sandbox_client, {"field": "updated_at", "operator": "=", "value": value})
        == same_day
    )
    # Any instant of the day selects the same whole day.
    assert (
        _contact_ids(sandbox_client, {"field": "updated_at", "operator": "=", "value": start})
        == same_day
    )
    # ">" starts at the next local midnight: the rest of the value's day is lost.
    after = _contact_ids(sandbox_client, {"field": "updated_at", "operator": ">", "value": start})
    assert after == expect(lambda u: u >= end)
    assert ws.contact_id(4) not in after
    # "<" ends before the day starts.
    before = _contact_ids(sandbox_client, {"field": "updated_at", "operator": "<", "value": value})
    assert before == expect(lambda u: u < start)
    # The safe incremental form: "= day OR > day" covers the whole bookmark day and later.
    safe = _contact_ids(
        sandbox_client,
        {
            "operator": "OR",
            "value": [
                {"field": "updated_at", "operator": "=", "value": value},
                {"field": "updated_at", "operator": ">", "value": value},
            ],
        },
    )
    assert safe == expect(lambda u: u >= start)


def test_contact_days_follow_the_configured_time_zone(
    sandbox_factory: t.Callable[..., Sandbox],
) -> None:
    utc = sandbox_factory(timezone="UTC")
    tokyo = sandbox_factory(timezone="Asia/Tokyo")
    value = 1_786_000_000  # 2026-08-06T08:26:40Z: the previous day ends at different instants
    query = {"field": "updated_at", "operator": ">", "value": value}
    counts = {}
    for sandbox in (utc, tokyo):
        ws = sandbox.workspace
        _, end = ws.day_bounds(value)
        found = Client(sandbox).post("/contacts/search", {"query": query}).json()["total_count"]
        assert found == sum(1 for u in ws.contacts.updated if u >= end)
        counts[str(ws.tz)] = found
    assert utc.workspace.day_bounds(value) != tokyo.workspace.day_bounds(value)


@pytest.mark.parametrize("operator", [">=", "<=", "!=", "IN", "NIN"])
def test_contact_date_operators_intercom_refuses(sandbox_client: Client, operator: str) -> None:
    value: t.Any = [1_780_000_000] if operator in ("IN", "NIN") else 1_780_000_000
    response = sandbox_client.post(
        "/contacts/search",
        {"query": {"field": "updated_at", "operator": operator, "value": value}},
    )
    assert response.status_code == 400
    assert error_code(response) == "parameter_invalid"
    assert "Date" in response.json()["errors"][0]["message"]


def test_conversation_and_ticket_dates_are_exact_seconds(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    for path, table, id_of in (
        ("/conversations/search", ws.conversations, ws.conversation_id),
        ("/tickets/search", ws.tickets, ws.ticket_id),
    ):
        live = _live(table)
        value = table.updated[live[5]]

        def ids(operator: str, v: int, _path: str = path) -> set[str]:
            query = {"field": "updated_at", "operator": operator, "value": v}
            return {r["id"] for r in sandbox_client.search(_path, query)}

        def expect(
            test: t.Callable[[int], bool], _table: t.Any = table, _id: t.Any = id_of
        ) -> set[str]:
            return {_id(i) for i in _live(_table) if test(_table.updated[i])}

        assert ids(">", value) == expect(lambda u, v=value: u > v)
        assert id_of(live[5]) not in ids(">", value)
        assert id_of(live[5]) in ids(">", value - 1)
        assert ids("<", value) == expect(lambda u, v=value: u < v)
        assert ids("=", value) == expect(lambda u, v=value: u == v)
        assert ids(">=", value) == expect(lambda u, v=value: u >= v)
        assert ids("<=", value) == expect(lambda u, v=value: u <= v)


def test_nested_and_or_with_typed_operators(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    cutoff = sorted(ws.conversations.updated)[len(ws.conversations) // 2]
    picked = [ws.conversation_id(i) for i in (0, 2, 4)]
    query = {
        "operator": "OR",
        "value": [
            {
                "operator": "AND",
                "value": [
                    {"field": "state", "operator": "=", "value": "open"},
                    {"field": "updated_at", "operator": ">", "value": cutoff},
                ],
            },
            {"field": "id", "operator": "IN", "value": picked},
        ],
    }
    expected = set()
    for i in _live(ws.conversations):
        record = ws.conversation(i)
        if (record["state"] == "open" and record["updated_at"] > cutoff) or record["id"] in picked:
            expected.add(record["id"])
    found = {r["id"] for r in sandbox_client.search("/conversations/search", query)}
    assert found == expected
    assert found


def test_string_and_list_operators_on_contacts(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    ws = intercom_sandbox.workspace
    everyone = [ws.contact(i) for i in range(len(ws.contacts))]
    cases = [
        ({"field": "email", "operator": "~", "value": "SILVA"}, lambda c: "silva" in c["email"]),
        (
            {"field": "email", "operator": "!~", "value": "silva"},
            lambda c: "silva" not in c["email"],
        ),
        ({"field": "name", "operator": "^", "value": "Ada"}, lambda c: c["name"].startswith("Ada")),
        (
            {"field": "email", "operator": "$", "value": "7@example.com"},
            lambda c: c["email"].endswith("7@example.com"),
        ),
        ({"field": "role", "operator": "IN", "value": ["lead"]}, lambda c: c["role"] == "lead"),
        ({"field": "role", "operator": "NIN", "value": ["lead"]}, lambda c: c["role"] != "lead"),
        ({"field": "role", "operator": "!=", "value": "user"}, lambda c: c["role"] != "user"),
        (
            {"field": "tag_id", "operator": "=", "value": ws.tag_id(3)},
            lambda c: ws.tag_id(3) in _all_tags(ws, c),
        ),
        (
            {"field": "custom_attributes.seats", "operator": ">=", "value": 250},
            lambda c: c["custom_attributes"]["seats"] >= 250,
        ),
        (
            {"field": "custom_attributes.vip", "operator": "=", "value": True},
            lambda c: c["custom_attributes"]["vip"],
        ),
    ]
    for query, test in cases:
        expected = {c["id"] for c in everyone if test(c)}
        assert _contact_ids(sandbox_client, query) == expected, query
        assert expected, query


def _all_tags(ws: t.Any, record: dict[str, t.Any]) -> list[str]:
    from devstack.intercom_sandbox import records

    index = ws.contact_index(record["id"])
    return [ws.tag_id(k) for k in records.contact_links(ws, index)[0]]


def test_query_limits_and_type_errors(sandbox_client: Client) -> None:
    leaf = {"field": "role", "operator": "=", "value": "user"}
    too_deep = {
        "operator": "AND",
        "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [leaf]}]}],
    }
    two_levels = {"operator": "AND", "value": [{"operator": "OR", "value": [leaf, leaf]}]}
    sixteen = {"operator": "OR", "value": [leaf] * 16}
    bad = [
        too_deep,
        sixteen,
        {"field": "email", "operator": ">", "value": "a"},
        {"field": "updated_at", "operator": "=", "value": "yesterday"},
        {"field": "no_such_field", "operator": "=", "value": 1},
        {"field": "role", "operator": "LIKE", "value": "user"},
        {"field": "role", "operator": "IN", "value": "user"},
    ]
    for query in bad:
        response = sandbox_client.post("/contacts/search", {"query": query})
        assert response.status_code == 400, query
        assert error_code(response) == "parameter_invalid"
    assert sandbox_client.post("/contacts/search", {"query": two_levels}).status_code == 200
    assert (
        sandbox_client.post(
            "/contacts/search", {"query": {"operator": "OR", "value": [leaf] * 15}}
        ).status_code
        == 200
    )


def test_sort_orders_and_sort_errors(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    for order, check in (("ascending", lambda a, b: a <= b), ("descending", lambda a, b: a >= b)):
        rows = sandbox_client.search(
            "/conversations/search", per_page=23, sort={"field": "updated_at", "order": order}
        )
        assert len(rows) == len(_live(intercom_sandbox.workspace.conversations))
        assert all(check(a["updated_at"], b["updated_at"]) for a, b in itertools.pairwise(rows))
    wrong = sandbox_client.post(
        "/contacts/search", {"sort": {"field": "updated_at", "order": "desc"}}
    )
    assert wrong.status_code == 400
    assert error_code(wrong) == "invalid_sort_order"


def test_cursor_is_a_keyset_so_updates_mid_walk_reappear_later(
    sandbox_client: Client, intercom_sandbox: Sandbox
) -> None:
    sort = {"field": "updated_at", "order": "ascending"}
    first = sandbox_client.post(
        "/contacts/search", {"sort": sort, "pagination": {"per_page": 50}}
    ).json()
    moved = first["data"][0]["id"]
    intercom_sandbox.set_clock(intercom_sandbox.workspace.anchor + 3600)
    intercom_sandbox.update("contacts", ids=[moved])
    rest = []
    cursor = first["pages"]["next"]["starting_after"]
    while cursor:
        page = sandbox_client.post(
            "/contacts/search",
            {"sort": sort, "pagination": {"per_page": 50, "starting_after": cursor}},
        ).json()
        rest += [c["id"] for c in page["data"]]
        cursor = page["pages"].get("next", {}).get("starting_after")
    # The updated contact moved past the cursor, so a reader sees it twice (de-dup by id).
    assert rest[-1] == moved


def test_new_contacts_can_be_held_out_of_search(intercom_sandbox: Sandbox) -> None:
    client = Client(intercom_sandbox)
    intercom_sandbox.set_clock(intercom_sandbox.workspace.anchor + 1_000)
    intercom_sandbox.control(contact_search_delay_seconds=300)
    (fresh,) = intercom_sandbox.add("contacts", 1)
    query = {"field": "id", "operator": "=", "value": fresh}
    assert client.search("/contacts/search", query) == []
    assert client.get(f"/contacts/{fresh}").json()["id"] == fresh  # direct reads see it
    intercom_sandbox.control(advance_clock=301)
    assert [c["id"] for c in client.search("/contacts/search", query)] == [fresh]


def test_inclusive_conversation_bounds_are_a_knob(intercom_sandbox: Sandbox) -> None:
    client = Client(intercom_sandbox)
    ws = intercom_sandbox.workspace
    value = ws.conversations.updated[0]
    query = {"field": "updated_at", "operator": ">", "value": value}
    assert ws.conversation_id(0) not in {
        c["id"] for c in client.search("/conversations/search", query)
    }
    intercom_sandbox.control(conversation_gt_inclusive=True)
    assert ws.conversation_id(0) in {c["id"] for c in client.search("/conversations/search", query)}


@pytest.mark.slow
def test_a_large_workspace_starts_and_answers_in_seconds(
    sandbox_factory: t.Callable[..., Sandbox],
) -> None:
    import time

    began = time.perf_counter()
    sandbox = sandbox_factory(size="large")
    client = Client(sandbox)
    body = {
        "query": {
            "field": "updated_at",
            "operator": ">",
            "value": sandbox.workspace.anchor - 86_400 * 3,
        },
        "sort": {"field": "updated_at", "order": "ascending"},
        "pagination": {"per_page": 150},
    }
    page = client.post("/contacts/search", body).json()
    assert len(sandbox.workspace.contacts) == 300_000
    assert len(page["data"]) == 150
    assert page["total_count"] > 150
    conversation = client.get("/conversations/1000001").json()
    assert conversation["conversation_parts"]["total_count"] == 520
    # About 1.5 s of CPU on this machine; the bound leaves room for a loaded CI box.
    assert time.perf_counter() - began < 30


def test_ticket_fields_as_documented(sandbox_client: Client, intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    tickets = [ws.ticket(i) for i in range(len(ws.tickets))]
    terms = {"Customer": "request", "Back-office": "task", "Tracker": "tracker"}
    cases = [
        (
            {"field": "category", "operator": "=", "value": "task"},
            lambda r: r["category"] == "Back-office",
        ),
        (
            {"field": "title", "operator": "=", "value": "Ticket 7"},
            lambda r: r["ticket_attributes"]["_default_title_"] == "Ticket 7",
        ),
        (
            {"field": "state", "operator": "=", "value": "resolved"},
            lambda r: r["ticket_state"]["category"] == "resolved",
        ),
        (
            {
                "field": "admin_assignee_id",
                "operator": "=",
                "value": str(tickets[0]["admin_assignee_id"]),
            },
            lambda r: r["admin_assignee_id"] == tickets[0]["admin_assignee_id"],
        ),
        (
            {"field": "ticket_type_id", "operator": "IN", "value": ["60", "62"]},
            lambda r: r["ticket_type"]["id"] in ("60", "62"),
        ),
    ]
    for query, test in cases:
        expected = {r["id"] for r in tickets if test(r)}
        assert expected, query
        assert {r["id"] for r in sandbox_client.search("/tickets/search", query)} == expected, query
    assert set(terms.values()) >= {"task"}
    # Customer categories are searched by their terms, not their names.
    named = sandbox_client.search(
        "/tickets/search", {"field": "category", "operator": "=", "value": "Back-office"}
    )
    assert named == []


def test_conversation_source_body_matches_word_by_word(sandbox_client: Client) -> None:
    def ids(value: str) -> set[str]:
        query = {"field": "source.body", "operator": "=", "value": value}
        return {c["id"] for c in sandbox_client.search("/conversations/search", query)}

    assert "1000007" in ids("7")
    assert "1000007" in ids("order")
    assert ids("with order") == set()
    contains = sandbox_client.search(
        "/conversations/search", {"field": "source.body", "operator": "~", "value": "with order 7"}
    )
    assert "1000007" in {c["id"] for c in contains}


def test_preview_version_filters_contact_dates_to_the_second(intercom_sandbox: Sandbox) -> None:
    ws = intercom_sandbox.workspace
    value = ws.contacts.updated[4]
    preview = Client(intercom_sandbox, version="Unstable")
    query = {"field": "updated_at", "operator": ">=", "value": value}
    found = {c["id"] for c in preview.search("/contacts/search", query)}
    assert found == {ws.contact_id(i) for i, u in enumerate(ws.contacts.updated) if u >= value}
    stable = Client(intercom_sandbox, version="2.16")
    assert stable.post("/contacts/search", {"query": query}).status_code == 400
