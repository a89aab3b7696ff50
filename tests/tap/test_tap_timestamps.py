"""timestamp_format over real HTTP: ISO date-times by default, Unix seconds on request.

Every stream is synced twice from the same sandbox, once in each format; the two runs must
carry the same data, the ISO run's timestamps being exactly the Unix run's seconds, and each
run's records must pass its own SCHEMA messages (checked with fastjsonschema, the validator
the target uses, formats included). Bookmarks written in either format are read by both.
"""

from __future__ import annotations

import datetime
import json
import typing as t

import fastjsonschema
import pytest

from tap_intercom.streams import STREAM_TYPES
from tests.tap.tap_helpers import (
    EVERY_STREAM,
    TOKEN,
    TapRun,
    base_config,
    every_stream_name,
    run_cli,
    run_tap,
)

if t.TYPE_CHECKING:
    import pathlib

    from devstack.intercom_sandbox import Sandbox

INCREMENTAL = ["contacts", "conversations", "tickets", "companies", "conversation_parts"]


@pytest.fixture(scope="module")
def iso_run(sandbox: Sandbox) -> TapRun:
    return run_tap(base_config(sandbox.url, **EVERY_STREAM))


@pytest.fixture(scope="module")
def unix_run(sandbox: Sandbox) -> TapRun:
    return run_tap(base_config(sandbox.url, **EVERY_STREAM, timestamp_format="unix"))


def seconds_of(text: str) -> int:
    moment = datetime.datetime.fromisoformat(text)
    assert moment.utcoffset() == datetime.timedelta(0), text
    assert moment.microsecond == 0, text
    return int(moment.timestamp())


def compare(iso: t.Any, unix: t.Any, path: str, converted: list[str]) -> None:
    """Assert two values are equal except for ISO text where the Unix run has seconds."""
    if isinstance(unix, dict):
        assert isinstance(iso, dict), path
        assert iso.keys() == unix.keys(), path
        for key in unix:
            compare(iso[key], unix[key], f"{path}.{key}", converted)
    elif isinstance(unix, list):
        assert isinstance(iso, list), path
        assert len(iso) == len(unix), path
        for index, (a, b) in enumerate(zip(iso, unix, strict=True)):
            compare(a, b, f"{path}[{index}]", converted)
    elif iso != unix:
        assert isinstance(unix, int), (path, iso, unix)
        assert isinstance(iso, str), (path, iso, unix)
        assert seconds_of(iso) == unix, (path, iso, unix)
        converted.append(path)


def by_key(run: TapRun, stream: str, keys: tuple[str, ...]) -> dict[tuple[t.Any, ...], t.Any]:
    return {tuple(r[k] for k in keys): r for r in run.records(stream)}


def test_iso_records_carry_the_unix_seconds_as_date_times(
    iso_run: TapRun, unix_run: TapRun
) -> None:
    converted: list[str] = []
    for stream in STREAM_TYPES:
        iso = by_key(iso_run, stream.name, stream.primary_keys)
        unix = by_key(unix_run, stream.name, stream.primary_keys)
        assert iso.keys() == unix.keys(), stream.name
        for key, record in unix.items():
            compare(iso[key], record, stream.name, converted)
    fields = {(path.split(".", 1)[0], path.rsplit(".", 1)[-1]) for path in converted}
    assert {
        ("contacts", "signed_up_at"),
        ("contacts", "trial_ends_at"),  # a custom attribute of date type
        ("conversations", "waiting_since"),
        ("conversations", "snoozed_until"),
        ("conversations", "first_admin_reply_at"),  # inside statistics
        ("conversations", "applied_at"),  # inside tags.tags[]
        ("conversation_parts", "conversation_created_at"),  # added by the tap
        ("companies", "remote_created_at"),
        ("deleted_conversations", "deleted_at"),
        ("ticket_parts", "ticket_updated_at"),
    } <= fields


def test_custom_date_attributes_are_date_times(iso_run: TapRun) -> None:
    typed = iso_run.schema("contacts")["schema"]["properties"]["custom_attributes"]["properties"]
    dates = [name for name, node in typed.items() if node.get("format") == "date-time"]
    assert dates, "the sandbox has a custom contact attribute of date type"
    values = [
        record["custom_attributes"][name]
        for record in iso_run.records("contacts")
        for name in dates
        if (record.get("custom_attributes") or {}).get(name) is not None
    ]
    assert values
    for value in values:
        seconds_of(value)


def schema_nodes(node: t.Any, name: str = "") -> t.Iterator[tuple[str, dict[str, t.Any]]]:
    if not isinstance(node, dict):
        return
    yield name, node
    for key, child in (node.get("properties") or {}).items():
        yield from schema_nodes(child, key)
    yield from schema_nodes(node.get("items"), name)
    for option in node.get("anyOf") or []:
        yield from schema_nodes(option, name)


def test_no_integer_timestamp_is_left_in_iso_schemas(iso_run: TapRun, unix_run: TapRun) -> None:
    for stream_name in every_stream_name():
        iso_types = []
        for name, node in schema_nodes(iso_run.schema(stream_name)["schema"]):
            types = node.get("type") or []
            if name.endswith("_at") and "integer" in types:
                iso_types.append(name)
            if node.get("format") == "date-time":
                assert "string" in types, (stream_name, name)
        assert not iso_types, (stream_name, iso_types)
        unix_formats = [
            name
            for name, node in schema_nodes(unix_run.schema(stream_name)["schema"])
            if node.get("format") == "date-time" and "integer" in (node.get("type") or [])
        ]
        assert not unix_formats, (stream_name, unix_formats)


@pytest.mark.parametrize("fixture", ["iso_run", "unix_run"])
def test_records_pass_their_schema_with_formats(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    run: TapRun = request.getfixturevalue(fixture)
    for stream_name in every_stream_name():
        validate = fastjsonschema.compile(run.schema(stream_name)["schema"])
        for record in run.records(stream_name):
            validate(record)


def test_bookmarks_are_the_same_seconds_in_both_formats(iso_run: TapRun, unix_run: TapRun) -> None:
    for stream in INCREMENTAL:
        iso = iso_run.bookmark(stream)
        unix = unix_run.bookmark(stream)
        assert isinstance(iso, str), stream
        assert isinstance(unix, int), stream
        assert seconds_of(iso) == unix, stream
    # Macros' replication key is ISO text in the API itself, in both formats.
    assert iso_run.bookmark("macros") == unix_run.bookmark("macros")


@pytest.mark.parametrize("writer", ["iso", "unix"])
@pytest.mark.parametrize("reader", ["iso", "unix"])
def test_a_state_written_in_either_format_is_read_by_both(
    sandbox: Sandbox, iso_run: TapRun, unix_run: TapRun, writer: str, reader: str
) -> None:
    state = (iso_run if writer == "iso" else unix_run).final_state
    reference = unix_run.final_state
    streams = ["contacts", "conversations", "conversation_parts", "companies", "tickets"]
    config = base_config(sandbox.url, timestamp_format=reader)
    second = run_tap(config, streams=streams, state=state)
    expected = run_tap(config, streams=streams, state=reference)
    for stream in streams:
        ids = sorted(map(str, second.ids(stream)))
        assert ids == sorted(map(str, expected.ids(stream))), stream
        assert ids, f"the window at the bookmark re-reads {stream}'s last second"
    # The state it prints reads back: a third run from it ends cleanly.
    third = run_tap(config, streams=streams, state=second.final_state)
    assert third.final_state["bookmarks"]["contacts"] == second.final_state["bookmarks"]["contacts"]


@pytest.mark.parametrize(("discovered", "run_as"), [("unix", "iso"), ("iso", "unix")])
def test_a_catalog_from_the_other_format_describes_this_runs_records(
    sandbox: Sandbox, tmp_path: pathlib.Path, discovered: str, run_as: str
) -> None:
    def config(timestamp_format: str) -> str:
        path = tmp_path / f"config-{timestamp_format}.json"
        settings = {"timestamp_format": timestamp_format, "indexing_delay": 0}
        path.write_text(json.dumps({"access_token": TOKEN, "api_url": sandbox.url, **settings}))
        return str(path)

    catalog = json.loads(run_cli(["--config", config(discovered), "--discover"]).stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == "conversations"
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    result = run_cli(["--config", config(run_as), "--catalog", str(catalog_path)])
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    schema = next(m["schema"] for m in messages if m["type"] == "SCHEMA")
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert records
    validate = fastjsonschema.compile(schema)
    for record in records:
        validate(record)
    created = schema["properties"]["created_at"]
    if run_as == "iso":
        assert created["format"] == "date-time"
        assert all(isinstance(r["created_at"], str) for r in records)
    else:
        assert "format" not in created
        assert "integer" in created["type"]
        assert all(isinstance(r["created_at"], int) for r in records)
