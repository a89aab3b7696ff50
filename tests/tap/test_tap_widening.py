"""A field that changes type in mid-run widens the schema: a new SCHEMA before the record.

The sandbox's ``schedule`` knob changes a conversation between two pages of one search: its
``custom_attributes["Order number"]``, typed ``string`` at discovery from the workspace's
conversation attributes, becomes a number. The tap must send a widened SCHEMA before that
record, log one warning, drop nothing, and every record must fit the SCHEMA in force.
"""

from __future__ import annotations

import logging
import typing as t

import jsonschema
import pytest

from tap_intercom.fitting import closed
from tap_intercom.widening import Widening, any_value, widen
from tests.tap.tap_helpers import base_config, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox

FIELD = "Order number"


def newest_conversation(sandbox: Sandbox) -> str:
    """The live conversation a first run reads last (so it is on the search's last page)."""
    table = sandbox.workspace.conversations
    live = [i for i in range(len(table)) if table.live(i)]
    return sandbox.workspace.conversation_id(max(live, key=lambda i: (table.updated[i], i)))


def test_a_field_that_changes_type_in_mid_run_widens_the_schema(
    fresh_sandbox: t.Callable[..., Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = fresh_sandbox()
    target = newest_conversation(sandbox)
    sandbox.control(
        schedule=[
            {
                "path": "/conversations/search",
                "after": 1,
                "mutations": [
                    {
                        "op": "update",
                        "kind": "conversations",
                        "ids": [target],
                        "at": 1_790_000_000,
                        "fields": {f"custom_attributes.{FIELD}": 4_711},
                    }
                ],
            }
        ]
    )
    with caplog.at_level(logging.WARNING):
        run = run_tap(base_config(sandbox.url), streams=["conversations"])

    schemas = [m for m in run.messages if m["type"] == "SCHEMA"]
    assert len(schemas) == 2
    declared = [
        s["schema"]["properties"]["custom_attributes"]["properties"][FIELD] for s in schemas
    ]
    assert declared[0]["type"] == ["string", "null"]
    assert declared[1]["type"] == ["string", "null", "integer"]
    # Every record fits the SCHEMA sent before it; the changed one comes after the new SCHEMA.
    current: dict[str, t.Any] = {}
    validator = jsonschema.Draft7Validator({})
    for message in run.messages:
        if message["type"] == "SCHEMA":
            current = message["schema"]
            validator = jsonschema.Draft7Validator(current)
        elif message["type"] == "RECORD":
            validator.validate(message["record"])
            if message["record"]["id"] == target:
                assert current is schemas[1]["schema"]
                assert message["record"]["custom_attributes"][FIELD] == 4_711
    widened = [m for m in caplog.messages if "did not fit its schema" in m]
    assert widened == [
        f"Stream conversations: custom_attributes.{FIELD} did not fit its schema "
        "(string|null); widened to string|null|integer in a new SCHEMA message"
    ]
    # Nothing dropped: every live conversation was emitted, the changed one included.
    total = sandbox.control()["settings"]["counts"]["conversations"]
    deleted = len(sandbox.workspace.conversations.deleted)
    assert len(set(run.ids("conversations"))) == total - deleted


@pytest.mark.parametrize(
    ("schema", "value", "after", "changes"),
    [
        pytest.param(
            {"type": ["object", "null"]},
            "renamed",
            {"type": ["object", "null", "string"]},
            [Widening("(record)", "object|null", "object|null|string")],
            id="string-for-object",
        ),
        pytest.param(
            {"type": ["integer", "null"]},
            1.5,
            {"type": ["number", "null"]},
            [Widening("(record)", "integer|null", "number|null")],
            id="number-for-integer",
        ),
        pytest.param(
            {"type": ["number", "null"]},
            3,
            {"type": ["number", "null"]},
            [],
            id="integer-fits",
        ),
        pytest.param(
            {"type": ["string", "null"], "format": "date-time"},
            "soon",
            {"type": ["string", "null"]},
            [Widening("(record)", "string format", "string")],
            id="format",
        ),
        pytest.param(
            {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
            ["a", 2],
            {"type": ["array", "null"], "items": {"type": ["string", "null", "integer"]}},
            [Widening("[]", "string|null", "string|null|integer")],
            id="array-items",
        ),
        pytest.param(
            {"enum": ["a", "b"]},
            "c",
            any_value(),
            [Widening("(record)", "any", "any")],
            id="unmodelled-lifted",
        ),
    ],
)
def test_widen(
    schema: dict[str, t.Any], value: t.Any, after: dict[str, t.Any], changes: list[Widening]
) -> None:
    assert widen(schema, value) == changes
    assert schema == after
    jsonschema.validate(value, schema)


def test_widen_adds_undeclared_properties_only_when_asked() -> None:
    schema = {"type": "object", "properties": {"id": {"type": ["string"]}}}
    assert widen(schema, {"id": "1", "new": {"n": 1}}) == []
    assert widen(schema, {"id": "1", "new": {"n": 1}}, add_missing=True) == [
        Widening("new", "undeclared", "object|null")
    ]
    assert schema["properties"]["new"] == {
        "type": ["object", "null"],
        "properties": {"n": {"type": ["integer", "null"]}},
    }


def test_closed_refuses_undeclared_properties_but_keeps_open_objects_open() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": ["string"]},
            "custom_attributes": {"type": ["object", "null"], "additionalProperties": True},
            "location": {"type": ["object", "null"], "properties": {"city": {}}},
        },
    }
    strict = closed(schema)
    assert "additionalProperties" not in schema
    assert strict["additionalProperties"] is False
    assert strict["properties"]["custom_attributes"]["additionalProperties"] is True
    assert strict["properties"]["location"]["additionalProperties"] is False
