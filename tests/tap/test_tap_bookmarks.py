"""Input STATE over real HTTP: every bookmark form an Intercom tap writes, and what is refused.

The forms: integer seconds (this tap with ``timestamp_format: unix``, MeltanoLabs'
tap-intercom), milliseconds, digits as text, ISO 8601 text (this tap by default; singer-io's
tap-intercom, also in its ``{"<replication key>": value}`` and bare-value layouts). A value
that is none of them ends the run before any output, in one line naming stream and value.
"""

from __future__ import annotations

import datetime
import json
import typing as t

import pytest

from tap_intercom.bookmarks import BookmarkError, bookmark_seconds
from tests.tap.tap_helpers import TOKEN, TapRun, base_config, run_cli, run_tap

if t.TYPE_CHECKING:
    import pathlib

    from devstack.intercom_sandbox import Sandbox


def rk_state(value: t.Any, stream: str = "contacts") -> dict[str, t.Any]:
    return {
        "bookmarks": {stream: {"replication_key": "updated_at", "replication_key_value": value}}
    }


@pytest.fixture(scope="module")
def bookmark(sandbox: Sandbox) -> int:
    """A contact's updated_at in the middle of the workspace's history."""
    run = run_tap(base_config(sandbox.url, timestamp_format="unix"), streams=["contacts"])
    times = sorted(r["updated_at"] for r in run.records("contacts"))
    return int(times[len(times) // 2])


@pytest.fixture(scope="module")
def reference(sandbox: Sandbox, bookmark: int) -> TapRun:
    return run_tap(base_config(sandbox.url), streams=["contacts"], state=rk_state(bookmark))


def iso(seconds: int, *, suffix: str = "+00:00", fraction: str = "") -> str:
    text = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).isoformat()
    return text.replace("+00:00", fraction + suffix)


FORMS: dict[str, t.Callable[[int], dict[str, t.Any]]] = {
    "milliseconds": lambda s: rk_state(s * 1000 + 999),
    "digits": lambda s: rk_state(str(s)),
    "iso": lambda s: rk_state(iso(s)),
    "iso_z_microseconds": lambda s: rk_state(iso(s, suffix="Z", fraction=".000000")),
    "iso_other_offset": lambda s: rk_state(
        datetime.datetime.fromtimestamp(
            s, tz=datetime.timezone(datetime.timedelta(hours=-7))
        ).isoformat()
    ),
    "singer_io": lambda s: {"bookmarks": {"contacts": {"updated_at": iso(s, suffix="Z")}}},
    "singer_io_old": lambda s: {"bookmarks": {"contacts": iso(s, suffix="Z", fraction=".000000")}},
}


@pytest.mark.parametrize("form", FORMS)
def test_every_written_form_reads_as_the_same_second(
    sandbox: Sandbox, bookmark: int, reference: TapRun, form: str
) -> None:
    run = run_tap(base_config(sandbox.url), streams=["contacts"], state=FORMS[form](bookmark))
    assert run.ids("contacts") == reference.ids("contacts")
    assert run.ids("contacts"), "the bookmark is in the middle of the history"
    first = run.messages[0]
    assert first["type"] == "STATE"
    # The state is echoed in this run's own form: ISO text of the same second.
    echoed = first["value"]["bookmarks"]["contacts"]
    assert echoed["replication_key"] == "updated_at"
    assert echoed["replication_key_value"] == iso(bookmark)


def test_the_previous_bug_an_iso_bookmark_syncs_and_reads_back(sandbox: Sandbox) -> None:
    """An ISO bookmark used to be accepted, then end the run in a TypeError."""
    streams = ["contacts", "conversations", "conversation_parts", "tickets"]
    state = {
        "bookmarks": {
            name: {"replication_key": "updated_at", "replication_key_value": "2026-06-01T00:00:00Z"}
            for name in streams
        }
    }
    for timestamp_format in ("iso", "unix"):
        config = base_config(sandbox.url, timestamp_format=timestamp_format)
        run = run_tap(config, streams=streams, state=state)
        assert run.records("conversations")
        for value in run.states():
            again = run_tap(config, streams=["tags"], state=value)
            assert again.error is None


@pytest.mark.parametrize(
    "value",
    ["yesterday", "", True, {"seconds": 1}, [1717200000], "2024-13-45T00:00:00Z", "NaN"],
    ids=["text", "empty", "boolean", "object", "list", "bad-date", "nan"],
)
def test_an_unreadable_bookmark_ends_the_run_before_any_output(
    sandbox: Sandbox, value: t.Any
) -> None:
    run = run_tap(base_config(sandbox.url), state=rk_state(value, "tickets"), expect_error=True)
    assert isinstance(run.error, BookmarkError)
    assert run.messages == []
    message = str(run.error)
    assert "stream tickets" in message
    assert repr(value) in message


def test_bad_bookmark_on_the_command_line_is_one_line(
    sandbox: Sandbox, tmp_path: pathlib.Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"access_token": TOKEN, "api_url": sandbox.url}))
    state = tmp_path / "state.json"
    state.write_text(json.dumps(rk_state("last tuesday", "conversations")))
    result = run_cli(["--config", str(config), "--state", str(state)])
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(
        "| ERROR    | tap-intercom                   | Cannot read the bookmark of stream "
        "conversations: replication_key_value 'last tuesday' is neither Unix seconds, "
        "milliseconds nor ISO 8601 text; fix or remove it in the state"
    ), lines[0]


def test_bookmark_seconds_keeps_exact_seconds() -> None:
    assert bookmark_seconds(1_717_200_000) == 1_717_200_000
    assert bookmark_seconds(1_717_200_000_999) == 1_717_200_000
    assert bookmark_seconds("2024-06-01") == 1_717_200_000
    assert bookmark_seconds("2024-05-31T17:00:00-07:00") == 1_717_200_000
    # A fraction never moves the window past the bookmarked second.
    assert bookmark_seconds("2024-06-01T00:00:00.999Z") == 1_717_200_000
    assert bookmark_seconds(-1) == -1
    for bad in ("soon", None, False, float("inf")):
        with pytest.raises(ValueError, match=r".*"):
            bookmark_seconds(bad)
