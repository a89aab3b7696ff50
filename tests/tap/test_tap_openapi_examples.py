"""Every response example of Intercom's OpenAPI descriptions, fed through the tap over HTTP.

The examples (``devstack/devstack/intercom_sandbox/openapi_examples.json``, extracted from the
2.16 and 2.14 descriptions by ``tap-intercom/scripts/generate_schemas.py``) are served by the
sandbox in place of its own bodies at the endpoint the stream reads, each example's records in
that endpoint's list shape. Every record the tap emits must fit the stream's first SCHEMA
(no run-time widening needed: the committed schemas already accept the documented shapes),
none may be dropped, and no two records of a stream may share a key.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import typing as t

import jsonschema
import pytest

from devstack.intercom_sandbox import documented
from tap_intercom.streams import ticket_type_attributes
from tap_intercom.tap import TapIntercom
from tests.tap.tap_helpers import EVERY_STREAM, base_config

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

Records = list[dict[str, t.Any]]

# Where the tap reads each stream: (method, route template, records key of the list body).
READ_ROUTES: dict[str, tuple[str, str, str]] = {
    "admins": ("GET", "/admins", "admins"),
    "teams": ("GET", "/teams", "teams"),
    "tags": ("GET", "/tags", "data"),
    "ticket_types": ("GET", "/ticket_types", "data"),
    "ticket_states": ("GET", "/ticket_states", "data"),
    "subscription_types": ("GET", "/subscription_types", "data"),
    "help_centers": ("GET", "/help_center/help_centers", "data"),
    "help_center_collections": ("GET", "/help_center/collections", "data"),
    "articles": ("GET", "/articles", "data"),
    "news_items": ("GET", "/news/news_items", "data"),
    "newsfeeds": ("GET", "/news/newsfeeds", "data"),
    "conversation_attributes": ("GET", "/conversations/attributes", "data"),
    "segments": ("GET", "/segments", "segments"),
    "company_segments": ("GET", "/companies/{id}/segments", "data"),
    "contacts": ("POST", "/contacts/search", "data"),
    "contact_notes": ("GET", "/contacts/{id}/notes", "data"),
    "conversations": ("POST", "/conversations/search", "conversations"),
    "deleted_conversations": ("GET", "/conversations/deleted", "conversations"),
    "tickets": ("POST", "/tickets/search", "tickets"),
    "activity_logs": ("GET", "/admins/activity_logs", "activity_logs"),
    "macros": ("GET", "/macros", "data"),
    "internal_articles": ("GET", "/internal_articles", "data"),
    "content_snippets": ("GET", "/content_snippets", "data"),
    "brands": ("GET", "/brands", "data"),
    "emails": ("GET", "/emails", "data"),
    "office_hours_schedules": ("GET", "/office_hours_schedules", "data"),
    "away_status_reasons": ("GET", "/away_status_reasons", "data"),
    "company_notes": ("GET", "/companies/{id}/notes", "data"),
    "conversation_handling_events": (
        "GET",
        "/conversations/{id}/handling_events",
        "handling_events",
    ),
    "calls": ("GET", "/calls", "data"),
    # Every custom object stream reads this route (the sandbox's types: Order, Subscription).
    "custom_object_instances": ("GET", "/custom_object_instances/{type}", "data"),
}
#: Parts are read from their parent's GET; a parent must be listed for them to be read.
PARTS = {"conversation_parts": "conversations", "ticket_parts": "tickets"}
CHILDREN = {
    "company_segments": "companies",
    "contact_notes": "contacts",
    "company_notes": "companies",
    "conversation_handling_events": "conversations",
    "call_transcripts": "calls",
    **PARTS,
}
#: The custom object stream the examples are checked through (their type is ``Order``).
ORDERS = "custom_object_instances_order"
PARENT_TYPES = {
    "companies": "company",
    "contacts": "contact",
    "conversations": "conversation",
    "calls": "call",
}


def example_records(example: dict[str, t.Any]) -> dict[str, Records]:
    """The example's records per stream (data attributes by their ``model``)."""
    found: dict[str, Records] = {}
    for spot in example["streams"]:
        if spot["stream"] == "call_transcripts" and isinstance(example["body"], str):
            # A text file; the tap's record is the call's id and the text.
            found.setdefault(spot["stream"], []).append({"transcript": example["body"]})
            continue
        if spot["stream"] == "activity_log_event_types":
            # A list of bare names; the tap makes each one a record.
            names = documented.names(example, spot["at"])
            found.setdefault(spot["stream"], []).extend({"event_type": n} for n in names)
            continue
        for record in documented.records(example, spot["at"]):
            stream = spot["stream"]
            if stream == "data_attributes":
                stream = f"{record.get('model') or 'contact'}_attributes"
            if stream in PARTS.values():
                # A GET body's parts are served at GET /<kind>s/{id}, where the tap reads them.
                record = {k: v for k, v in record.items() if not k.endswith("_parts")}
            found.setdefault(stream, []).append(record)
    return found


def rounds() -> list[list[dict[str, t.Any]]]:
    """Examples grouped so that no stream gets records from two examples in one run."""
    grouped: list[tuple[set[str], list[dict[str, t.Any]]]] = []
    for example in documented.examples():
        streams = set(example_records(example))
        for used, members in grouped:
            if not used & streams:
                used.update(streams)
                members.append(example)
                break
        else:
            grouped.append((streams, [example]))
    return [members for _, members in grouped]


def canned_bodies(members: list[dict[str, t.Any]]) -> tuple[list[dict[str, t.Any]], dict]:
    """The canned responses serving one round's examples, and the records expected."""
    per_stream: dict[str, Records] = {}
    for example in members:
        for stream, records in example_records(example).items():
            per_stream.setdefault(stream, []).extend(records)
    for child, parent in CHILDREN.items():
        if per_stream.get(child) and not per_stream.get(parent):
            # Children are read per parent: a documented parent from any example will do.
            kind = PARENT_TYPES.get(parent, "ticket")
            per_stream[parent] = [{"type": kind, "id": "parent-1", "updated_at": 1_700_000_000}]
    responses: list[dict[str, t.Any]] = [
        {
            "method": "GET",
            "path": "/calls/{id}/transcript",
            "body": transcript["transcript"],
            "content_type": "text/plain; charset=utf-8",
        }
        for transcript in per_stream.get("call_transcripts", [])[:1]
    ]
    responses += [
        {
            "method": "GET",
            "path": "/admins/activity_log_event_types",
            "body": {
                "type": "activity_log_event_type.list",
                "event_types": [
                    r["event_type"] for r in per_stream.get("activity_log_event_types", [])
                ],
            },
        },
        {"method": "GET", "path": "/ticket_types", "body": ticket_types_body(per_stream)},
    ]
    for stream, (method, path, key) in READ_ROUTES.items():
        if stream == "ticket_types":
            continue  # served above, with the attributes
        body: dict[str, t.Any] = {"type": "list", key: per_stream.get(stream, [])}
        if method == "POST":
            body["total_count"] = len(body[key])
        responses.append({"method": method, "path": path, "body": body})
    attributes = per_stream.get("contact_attributes", []) + per_stream.get("company_attributes", [])
    responses.append({"method": "GET", "path": "/data_attributes", "body": {"data": attributes}})
    companies = per_stream.get("companies", [])
    responses += [
        {"path": "/companies/scroll", "count": 1, "body": {"data": companies, "scroll_param": "s"}},
        {"path": "/companies/scroll", "body": {"data": [], "scroll_param": "s"}},
    ]
    for kind in ("conversation", "ticket"):
        parts = per_stream.get(f"{kind}_parts", [])
        container = {f"{kind}_parts": parts, "total_count": len(parts)}
        responses.append(
            {"path": f"/{kind}s/{{id}}", "body": {"type": kind, f"{kind}_parts": container}}
        )
    return responses, per_stream


def ticket_types_body(per_stream: dict[str, Records]) -> dict[str, t.Any]:
    """The ticket types, and a holder type embedding the documented attributes they lack."""
    types = list(per_stream.get("ticket_types", []))
    embedded = {a.get("id") for tt in types for a in ticket_type_attributes.embedded_attributes(tt)}
    loose = [a for a in per_stream.get("ticket_type_attributes", []) if a.get("id") not in embedded]
    if loose:
        holder = {"type": "ticket_type", "id": "holder-1", "name": "Holder"}
        holder["ticket_type_attributes"] = {"type": "list", "ticket_type_attributes": loose}
        types.append(holder)
    return {"type": "list", "data": types}


def sync(url: str, sandbox: Sandbox, responses: list[dict[str, t.Any]]) -> list[dict]:
    """Discover against the sandbox's own attributes, then sync with the canned bodies."""
    config = base_config(url, start_date="2000-01-01T00:00:00Z", **EVERY_STREAM, max_concurrency=2)
    config["hydrate_contact_lists"] = False
    tap = TapIntercom(config=config, state={}, parse_env_config=False)
    for stream in tap.streams.values():
        _ = stream.schema  # typed custom attributes are read now, from the workspace
    sandbox.control(clear_responses=True, responses=responses)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            tap.sync_all()
        finally:
            tap.close_quietly()
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def key_of(record: dict[str, t.Any], keys: list[str]) -> tuple[t.Any, ...]:
    return tuple(record.get(k) for k in keys)


ROUNDS = rounds()


def test_every_example_is_checked() -> None:
    examples = documented.examples()
    # Both descriptions, endpoints the streams read and endpoints returning the same entity.
    assert {e["version"] for e in examples} == {"2.14", "2.16"}
    assert sum(len(m) for m in ROUNDS) == len(examples) == 175
    counted = sum(len(r) for e in examples for r in example_records(e).values())
    assert counted == 336


@pytest.mark.parametrize("members", ROUNDS, ids=[f"round{n}" for n in range(len(ROUNDS))])
def test_examples_fit_the_schemas(
    fresh_sandbox: t.Callable[..., Sandbox],
    members: list[dict[str, t.Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox = fresh_sandbox(size="tiny")
    responses, expected = canned_bodies(members)
    with caplog.at_level(logging.WARNING):
        messages = sync(sandbox.url, sandbox, responses)
    # singer-sdk drops (with this warning) what a schema does not declare: nothing documented.
    assert not [m for m in caplog.messages if "not found in catalog schema" in m]
    assert not [m for m in caplog.messages if "did not fit its schema" in m]
    schemas: dict[str, list[dict[str, t.Any]]] = {}
    emitted: dict[str, Records] = {}
    for message in messages:
        if message["type"] == "SCHEMA":
            schemas.setdefault(message["stream"], []).append(message)
        elif message["type"] == "RECORD":
            emitted.setdefault(message["stream"], []).append(message["record"])
    for stream, records in emitted.items():
        assert len(schemas[stream]) == 1, f"{stream}: the tap had to widen its schema"
        schema = schemas[stream][0]
        validator = jsonschema.Draft7Validator(
            schema["schema"], format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        for record in records:
            errors = [
                f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)
            ]
            assert not errors, (stream, record.get("id"), errors)
        keys = [key_of(r, schema["key_properties"]) for r in records]
        assert len(keys) == len(set(keys)), f"{stream}: two records share a key"
    for stream, records in expected.items():
        if stream == "custom_object_instances":
            stream = ORDERS  # the stream these records are read through
            got = emitted.get(stream, [])
        elif stream in ("contact_attributes", "company_attributes"):
            got = emitted.get("contact_attributes", []) + emitted.get("company_attributes", [])
        else:
            got = emitted.get(stream, [])
        keys = schemas[stream][0]["key_properties"] if stream in schemas else ["id"]
        # Keys the tap adds (a child's parent id) are not in the documented record.
        keys = [k for k in keys if any(k in r for r in records)]
        missing = {key_of(r, keys) for r in records} - {key_of(r, keys) for r in got}
        assert not missing, f"{stream}: documented records not emitted: {missing}"
        if stream == "call_transcripts":
            # Keyed by the call the tap adds: the text itself must arrive whole.
            assert [r["transcript"] for r in got] == [r["transcript"] for r in records]
