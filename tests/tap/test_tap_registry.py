"""The stream registry: names, order, and opt-in streams declared on their class."""

from __future__ import annotations

import logging
import typing as t

import pytest

from tap_intercom.settings import CONFIG_SCHEMA
from tap_intercom.streams import STREAM_TYPES
from tap_intercom.tap import TapIntercom
from tests.tap.tap_helpers import base_config

if t.TYPE_CHECKING:
    from devstack.intercom_sandbox import Sandbox


def test_registry_names_are_unique_and_parents_come_first() -> None:
    names = [stream_type.name for stream_type in STREAM_TYPES]
    assert len(names) == len(set(names))
    for index, stream_type in enumerate(STREAM_TYPES):
        parent = getattr(stream_type, "parent_stream_type", None)
        if parent is not None:
            assert STREAM_TYPES.index(parent) < index, stream_type.name


def test_opt_in_switches_are_boolean_settings_off_by_default() -> None:
    switches = {s.name: s.opt_in_setting for s in STREAM_TYPES if s.opt_in_setting}
    assert switches["contact_notes"] == "include_contact_notes"
    for setting in switches.values():
        prop = CONFIG_SCHEMA["properties"][setting]
        assert prop["type"] == ["boolean", "null"]
        assert prop["default"] is False


@pytest.mark.parametrize("switched_on", [False, True])
def test_discovery_honours_the_opt_in_switch(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, switched_on: bool
) -> None:
    caplog.set_level(logging.INFO, logger="tap-intercom")
    tap = TapIntercom(
        config=base_config(sandbox.url, include_contact_notes=switched_on),
        parse_env_config=False,
    )
    assert ("contact_notes" in tap.streams) is switched_on
    assert "contacts" in tap.streams
    # One run context, built once, handed to every stream.
    assert all(stream.run is tap.run for stream in tap.streams.values())  # type: ignore[attr-defined]
    line = (
        "Stream contact_notes left out: set include_contact_notes to read notes "
        "(one request per changed contact)"
    )
    assert (line in caplog.messages) is not switched_on
