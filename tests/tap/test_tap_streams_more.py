"""Issue 17's streams against the sandbox over HTTP: calls and their transcripts, company
notes, handling events, content, workspace settings, ticket type attributes, custom objects.
"""

from __future__ import annotations

import logging
import typing as t

import jsonschema
import pytest
import requests

from devstack.intercom_sandbox import workspace_settings
from tap_intercom.errors import IntercomError
from tap_intercom.tap import TapIntercom
from tests.tap.tap_helpers import EVERY_STREAM, TOKEN, TapRun, base_config, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]

ORDERS = "custom_object_instances_order"
SUBSCRIPTIONS = "custom_object_instances_subscription"
LISTS = {
    # stream: (endpoint, records key)
    "internal_articles": ("/internal_articles", "data"),
    "brands": ("/brands", "data"),
    "emails": ("/emails", "data"),
    "office_hours_schedules": ("/office_hours_schedules", "data"),
    "away_status_reasons": ("/away_status_reasons", "data"),
}
NEW_STREAMS = [
    *LISTS,
    "content_snippets",
    "activity_log_event_types",
    "ticket_type_attributes",
    "calls",
    "call_transcripts",
    "companies",
    "company_notes",
    "conversations",
    "conversation_handling_events",
    "tickets",
    ORDERS,
    SUBSCRIPTIONS,
]
OPT_IN = {
    "company_notes": "include_company_notes",
    "call_transcripts": "include_call_transcripts",
    "conversation_handling_events": "include_conversation_handling_events",
}


def api(sandbox: Sandbox, path: str, **params: t.Any) -> t.Any:
    response = requests.get(
        sandbox.url + path,
        params=params,
        headers={"Authorization": f"Bearer {TOKEN}", "Intercom-Version": "2.16"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json() if "json" in response.headers["Content-Type"] else response.text


def every_page(sandbox: Sandbox, path: str, key: str, per_page: int) -> list[dict[str, t.Any]]:
    """Every record of a numbered list, read page by page as a client would."""
    found: list[dict[str, t.Any]] = []
    page = 1
    while True:
        body = api(sandbox, path, page=page, per_page=per_page)
        found += body[key]
        pages = body.get("pages") or body
        if page >= pages["total_pages"]:
            return found
        page += 1


@pytest.fixture(scope="module")
def run(sandbox: Sandbox) -> TapRun:
    config = base_config(sandbox.url, **EVERY_STREAM, timestamp_format="unix")
    return run_tap(config, streams=NEW_STREAMS)


def test_records_validate_against_their_schemas(run: TapRun) -> None:
    for stream in NEW_STREAMS:
        records = run.records(stream)
        assert records, stream
        schema = run.schema(stream)
        validator = jsonschema.Draft7Validator(
            schema["schema"], format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        for record in records:
            errors = [
                f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)
            ]
            assert not errors, (stream, errors)
        keys = [tuple(r[k] for k in schema["key_properties"]) for r in records]
        assert len(keys) == len(set(keys)), stream


def test_lists_are_read_whole(sandbox: Sandbox, run: TapRun) -> None:
    for stream, (path, key) in LISTS.items():
        assert run.records(stream) == api(sandbox, path)[key], stream
    snippets = every_page(sandbox, "/content_snippets", "data", per_page=50)
    assert len(snippets) > 50  # more than one page
    assert run.records("content_snippets") == snippets
    names = api(sandbox, "/admins/activity_log_event_types")["event_types"]
    assert run.ids("activity_log_event_types", key="event_type") == names
    assert run.schema("activity_log_event_types")["key_properties"] == ["event_type"]


def test_ticket_type_attributes_come_from_every_ticket_type(sandbox: Sandbox, run: TapRun) -> None:
    types = api(sandbox, "/ticket_types")["data"]
    expected = [a for tt in types for a in tt["ticket_type_attributes"]["ticket_type_attributes"]]
    assert run.records("ticket_type_attributes") == expected
    assert {a["ticket_type_id"] for a in expected} == {int(tt["id"]) for tt in types}


def test_tickets_attributes_are_typed_from_the_ticket_types(sandbox: Sandbox, run: TapRun) -> None:
    typed = run.schema("tickets")["schema"]["properties"]["ticket_attributes"]
    assert typed["additionalProperties"] is True  # attributes created after discovery
    assert {k: v["type"] for k, v in typed["properties"].items()} == {
        "_default_title_": ["string", "null"],
        "_default_description_": ["string", "null"],
        "Severity": ["string", "null"],
        "Refund amount": ["number", "null"],
        "Outage start": ["integer", "null"],
    }
    values = {k for r in run.records("tickets") for k in r["ticket_attributes"]}
    assert values == set(typed["properties"])
    # With ISO timestamps (the default), a datetime attribute is a date-time.
    tap = TapIntercom(config=base_config(sandbox.url), parse_env_config=False)
    iso = tap.streams["tickets"].schema["properties"]["ticket_attributes"]["properties"]
    assert iso["Outage start"]["format"] == "date-time"
    outages = [
        r["ticket_attributes"]["Outage start"]
        for r in run.records("tickets")
        if "Outage start" in r["ticket_attributes"]
    ]
    assert outages
    assert all(isinstance(value, int) for value in outages)


def test_calls_are_read_25_a_page_with_their_transcripts(sandbox: Sandbox, run: TapRun) -> None:
    calls = every_page(sandbox, "/calls", "data", per_page=25)
    assert len(calls) > 50
    assert sorted(run.ids("calls")) == sorted(c["id"] for c in calls)
    assert {r["call_id"] for r in run.records("call_transcripts")} == {c["id"] for c in calls}
    some = calls[0]["id"]
    text = api(sandbox, f"/calls/{some}/transcript")
    transcripts = {r["call_id"]: r["transcript"] for r in run.records("call_transcripts")}
    assert transcripts[some] == text
    assert "—" in text  # non-ASCII text arrives intact
    # A missed call has an empty transcript, kept as such (not null).
    missed = [c["id"] for c in calls if c["state"] == "missed"]
    assert missed
    assert {transcripts[m] for m in missed} == {""}
    requests_made = run.requests.by_path
    assert requests_made["GET /calls"] == -(-len(calls) // 25)


def test_children_carry_their_parent(sandbox: Sandbox, run: TapRun) -> None:
    notes = run.records("company_notes")
    for company in run.records("companies"):
        expected = api(sandbox, f"/companies/{company['id']}/notes")["data"]
        got = [n for n in notes if n["company_id"] == company["id"]]
        assert [{k: v for k, v in n.items() if k != "company_id"} for n in got] == expected
    events = run.records("conversation_handling_events")
    conversation = next(e["conversation_id"] for e in events)
    expected = api(sandbox, f"/conversations/{conversation}/handling_events")["handling_events"]
    got = [e for e in events if e["conversation_id"] == conversation]
    assert [{k: v for k, v in e.items() if k != "conversation_id"} for e in got] == expected


def test_one_stream_per_custom_object_type(sandbox: Sandbox, run: TapRun) -> None:
    for stream, name in ((ORDERS, "Order"), (SUBSCRIPTIONS, "Subscription")):
        listed = every_page(sandbox, f"/custom_object_instances/{name}", "data", per_page=150)
        assert run.records(stream) == listed
        assert len(listed) == workspace_settings.CUSTOM_OBJECT_TYPES[name]
        assert {r["type"] for r in run.records(stream)} == {name}
    # Full table: ACTIVATE_VERSION tells the target to drop instances deleted in Intercom.
    activated = {m["stream"] for m in run.messages if m["type"] == "ACTIVATE_VERSION"}
    assert {ORDERS, SUBSCRIPTIONS, "activity_log_event_types"} <= activated


def test_opt_in_children_are_off_by_default(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tap-intercom")
    tap = TapIntercom(config=base_config(sandbox.url), parse_env_config=False)
    assert not set(OPT_IN) & set(tap.streams)
    for stream, setting in OPT_IN.items():
        assert any(
            m.startswith(f"Stream {stream} left out: set {setting} to") for m in caplog.messages
        )
        switched = TapIntercom(
            config=base_config(sandbox.url, **{setting: True}), parse_env_config=False
        )
        assert stream in switched.streams
        assert not (set(OPT_IN) - {stream}) & set(switched.streams)


@pytest.mark.parametrize(
    ("version", "offered", "left_out"),
    [
        (
            "2.13",
            {"internal_articles", "ticket_type_attributes"},
            {"calls", "away_status_reasons", "brands", "company_notes", "content_snippets"},
        ),
        (
            "2.14",
            {"calls", "call_transcripts", "away_status_reasons", "internal_articles"},
            {"brands", "emails", "company_notes", "content_snippets", ORDERS},
        ),
        ("2.15", {"brands", "emails", "company_notes"}, {"office_hours_schedules", ORDERS}),
        (
            "2.16",
            {"content_snippets", "office_hours_schedules", "activity_log_event_types", ORDERS},
            set(),
        ),
    ],
)
def test_each_stream_is_gated_by_the_version_that_introduced_it(
    fresh_sandbox: SandboxFactory, version: str, offered: set[str], left_out: set[str]
) -> None:
    sb = fresh_sandbox(size="tiny")
    config = base_config(sb.url, **EVERY_STREAM, api_version=version)
    tap = TapIntercom(config=config, parse_env_config=False)
    assert offered <= set(tap.streams)
    assert not left_out & set(tap.streams)
    # The sandbox refuses what the version lacks: a stream offered is one the version has.
    run = run_tap(config, streams=sorted(offered))
    assert set(sb.stats()["statuses"]) == {"200"}
    assert offered - {"call_transcripts"} <= run.streams()


def test_second_run_reads_exactly_the_calls_that_changed(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox()
    config = base_config(sb.url, include_call_transcripts=True, timestamp_format="unix")
    streams = ["calls", "call_transcripts"]
    first = run_tap(config, streams=streams)
    calls = {c["id"]: c for c in first.records("calls")}
    # A call changes with its conversation (the sandbox's model of a call's updated_at).
    changed = [c["conversation_id"] for c in list(calls.values())[:3]]
    sb.update("conversations", ids=changed)
    second = run_tap(config, streams=streams, state=first.final_state)
    boundary = {i for i, c in calls.items() if c["updated_at"] == first.bookmark("calls")}
    touched = {i for i, c in calls.items() if c["conversation_id"] in changed}
    assert touched <= set(second.ids("calls")) <= touched | boundary
    assert {r["call_id"] for r in second.records("call_transcripts")} == set(second.ids("calls"))
    # Nothing lost: every call, at its newest updated_at, is in one of the two runs.
    latest = {c["id"]: c["updated_at"] for c in every_page(sb, "/calls", "data", per_page=25)}
    seen = {
        **{i: c["updated_at"] for i, c in calls.items()},
        **{r["id"]: r["updated_at"] for r in second.records("calls")},
    }
    assert seen == latest
    assert second.bookmark("calls") >= first.bookmark("calls")


@pytest.mark.parametrize(
    ("scope", "refused", "kept"),
    [
        ("read_content", {"internal_articles", "content_snippets"}, {"brands", ORDERS}),
        ("read_custom_objects", {ORDERS, SUBSCRIPTIONS}, {"brands", "internal_articles"}),
        ("read_admins", {"brands", "emails", "away_status_reasons"}, {"internal_articles"}),
    ],
)
def test_a_missing_permission_ends_only_its_streams(
    fresh_sandbox: SandboxFactory, scope: str, refused: set[str], kept: set[str]
) -> None:
    sb = fresh_sandbox(size="tiny", missing_scopes=[scope])
    run = run_tap(base_config(sb.url), streams=sorted(refused | kept), expect_error=True)
    assert kept <= run.streams()
    assert not refused & run.streams()
    assert isinstance(run.error, IntercomError)
    named = str(run.error).split("lacks permissions for: ", 1)[1].split(" (other", 1)[0]
    assert set(named.split(", ")) == refused
