"""singer-sdk's private API the tap relies on is still there, with the same signatures.

Every private name is reached through ``tap_intercom.sdk_adapter`` only; these tests fail,
naming the method or attribute, when an upgrade of singer-sdk renames or changes one. The
adapter's hooks are checked on a real singer-sdk tap: what they change is on stdout.
"""

from __future__ import annotations

import inspect
import io
import json
import pathlib
import typing as t
from contextlib import redirect_stdout

import pytest
from singer_sdk import Stream

import tap_intercom
from tap_intercom.sdk_adapter import (
    PRIVATE_ATTRIBUTES,
    RELIED_ON,
    SDK_SYNC_ERROR,
    AdaptedStream,
    AdaptedTap,
    announce_schema,
    input_schema,
    write_record,
)
from tests.sdk_private_api import described, private_sdk_names, private_sdk_uses, resolve

PACKAGE = pathlib.Path(tap_intercom.__file__).parent
SCHEMA = {"type": "object", "properties": {"id": {"type": "string"}}}


@pytest.mark.parametrize("name", sorted(RELIED_ON))
def test_private_method_keeps_its_signature(name: str) -> None:
    try:
        obj = resolve(name)
    except AttributeError:
        pytest.fail(f"singer-sdk no longer has {name}")
    assert described(obj) == RELIED_ON[name], f"singer-sdk changed {name}"


class _Stream(AdaptedStream):
    name = "things"
    schema: t.ClassVar[dict] = SCHEMA
    primary_keys: t.ClassVar[list[str]] = ["id"]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[dict] = []
        self.schemas_allowed = True

    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        yield {"id": "a"}
        yield {"id": "b"}

    def before_record_written(self, record: dict) -> None:
        self.seen.append(dict(record))
        record["id"] = record["id"].upper()

    def writes_schema_message(self) -> bool:
        return self.schemas_allowed

    def writes_state_message(self) -> bool:
        return False


class _Tap(AdaptedTap):
    name = "tap-adapter-check"
    config_jsonschema: t.ClassVar[dict] = {"type": "object", "properties": {}}

    def discover_streams(self) -> list[Stream]:
        return [_Stream(self)]


def _messages(run: t.Callable[[], None]) -> list[dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        run()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_private_attribute_exists() -> None:
    stream = _Tap(config={}).streams["things"]
    for owner, attributes in PRIVATE_ATTRIBUTES.items():
        for attribute in attributes:
            assert hasattr(stream, attribute), f"singer-sdk's {owner} no longer has {attribute}"


def test_the_hooks_see_each_record_and_decide_the_schema_and_state_messages() -> None:
    stream = _Tap(config={}).streams["things"]
    stream.schemas_allowed = False
    messages = _messages(stream.sync)
    assert stream.seen == [{"id": "a"}, {"id": "b"}]
    assert [(m["type"], m.get("record")) for m in messages] == [
        ("RECORD", {"id": "A"}),
        ("RECORD", {"id": "B"}),
    ]


def test_a_record_written_from_outside_passes_the_hook_and_the_stream_maps() -> None:
    tap = _Tap(config={"stream_maps": {"things": {"id": "id + '!'"}}})
    stream = tap.streams["things"]
    messages = _messages(lambda: write_record(stream, {"id": "x"}))
    assert stream.seen == [{"id": "x"}]
    assert [(m["type"], m["stream"], m["record"]) for m in messages] == [
        ("RECORD", "things", {"id": "X!"})
    ]


def test_an_announced_schema_reaches_stdout_and_the_next_records() -> None:
    tap = _Tap(config={})
    stream = tap.streams["things"]
    assert input_schema(stream) is None
    wider = {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}}
    messages = _messages(lambda: announce_schema(stream, wider))
    assert [(m["type"], m["schema"]) for m in messages] == [("SCHEMA", wider)]
    assert stream.stream_maps[0].transformed_schema == wider


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "sdk_adapter.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_private_sdk_api_outside_the_adapter(path: pathlib.Path) -> None:
    """No module but the adapter imports a private singer-sdk module or overrides its hooks."""
    assert private_sdk_uses(path, RELIED_ON, PRIVATE_ATTRIBUTES) == []


def test_every_private_sdk_name_the_tap_uses_is_listed() -> None:
    # Any `_name` the tap reaches on an object that singer-sdk's Stream or Tap defines must be
    # in the adapter's lists (so the checks above cover it).
    sdk_defined = {
        name
        for owner in (Stream, AdaptedTap.__mro__[1])
        for klass in owner.__mro__
        for name in vars(klass)
        if name.startswith("_") and not name.startswith("__")
    }
    stream = _Tap(config={}).streams["things"]
    sdk_defined |= {name for name in vars(stream) if name.startswith("_")}
    listed = {name.rpartition(".")[2] for name in RELIED_ON} | {
        a for attributes in PRIVATE_ATTRIBUTES.values() for a in attributes
    }
    used = {
        name.rpartition(".")[2]
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "sdk_adapter.py"
        for name in private_sdk_names(path)
    }
    assert sorted((used & sdk_defined) - listed) == []


def test_the_sdk_line_left_out_is_still_the_one_singer_sdk_logs() -> None:
    # AdaptedStream.log drops this exact line of Stream.sync: a new wording would reach stderr.
    source = inspect.getsource(Stream.sync)
    assert f'"{SDK_SYNC_ERROR}"' in source


class _Failing(_Stream):
    def get_records(self, context: dict | None) -> t.Iterable[dict]:
        raise LookupError("gone")
        yield {}

    def reports_in_one_line(self, exc: BaseException) -> bool:
        return isinstance(exc, LookupError)


def test_the_sync_error_line_is_left_out_only_for_reported_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tap = _Tap(config={})
    failing = _Failing(tap)
    with caplog.at_level("ERROR"), pytest.raises(LookupError), redirect_stdout(io.StringIO()):
        failing.sync()
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    other = tap.streams["things"]
    with caplog.at_level("ERROR"), redirect_stdout(io.StringIO()):
        other.log(SDK_SYNC_ERROR, "things", level=40)
    assert [r.getMessage() for r in caplog.records] == [
        "An unhandled error occurred while syncing 'things'"
    ]
