"""The sandbox's documented shapes through a full sync: every record fits its SCHEMA.

The sandbox serves every activity type of the 2.16 description with the metadata it
documents (``before``/``after`` strings, numbers, lists, objects; ``auto_changed`` as a
boolean) and data attributes whose ``name`` repeats within a model (``name``/``plan.name``).
"""

from __future__ import annotations

import collections
import typing as t

import jsonschema
import pytest

from devstack.intercom_sandbox.activity import ACTIVITY_TYPES
from tests.tap.tap_helpers import EVERY_STREAM, TapRun, base_config, every_stream_name, run_tap

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


@pytest.fixture(scope="module")
def run(sandbox: Sandbox) -> TapRun:
    return run_tap(base_config(sandbox.url, **EVERY_STREAM))


def test_every_record_fits_the_one_schema_of_its_stream(run: TapRun) -> None:
    schemas = collections.Counter(m["stream"] for m in run.messages if m["type"] == "SCHEMA")
    assert schemas == dict.fromkeys(every_stream_name(), 1)
    validators = {
        m["stream"]: jsonschema.Draft7Validator(
            m["schema"], format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        for m in run.messages
        if m["type"] == "SCHEMA"
    }
    for message in run.messages:
        if message["type"] == "RECORD":
            errors = list(validators[message["stream"]].iter_errors(message["record"]))
            assert not errors, (message["stream"], message["record"].get("id"), errors[0].message)


def test_every_activity_type_is_synced(run: TapRun) -> None:
    records = run.records("activity_logs")
    assert {r["activity_type"] for r in records} == set(ACTIVITY_TYPES)
    shapes = {type(r["metadata"].get("before")).__name__ for r in records}
    assert {"str", "int", "list", "dict", "NoneType"} <= shapes
    renamed = [r for r in records if r["activity_type"] == "app_name_change"]
    assert all(isinstance(r["metadata"]["before"], str) for r in renamed)


def test_data_attributes_that_share_a_name_keep_their_own_rows(run: TapRun) -> None:
    keys = [(r["model"], r["full_name"]) for r in run.records("company_attributes")]
    assert len(keys) == len(set(keys))
    named = {r["full_name"] for r in run.records("company_attributes") if r["name"] == "name"}
    assert named == {"name", "plan.name"}
    assert run.schema("company_attributes")["key_properties"] == ["model", "full_name"]
    assert run.schema("contact_attributes")["key_properties"] == ["model", "full_name"]
