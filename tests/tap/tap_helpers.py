"""Running the tap in-process or as a command, and reading its Singer output."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
import typing as t

from devstack.intercom_sandbox import workspace_settings
from tap_intercom.streams import STREAM_TYPES, custom_objects
from tap_intercom.streams.reporting import ReportingStream
from tap_intercom.tap import TapIntercom

TOKEN = "tap-test-token"


@dataclasses.dataclass
class TapRun:
    """The Singer messages of one run."""

    messages: list[dict[str, t.Any]]
    error: Exception | None = None
    #: The tap's request counters (``TransportStats``) and limiter counters.
    requests: t.Any = None
    limiter: t.Any = None

    def records(self, stream: str, *, deletes: bool = False) -> list[dict[str, t.Any]]:
        """Records of one stream, in output order (delete records ``{id, _sdc_deleted_at}``
        only with ``deletes``)."""
        return [
            m["record"]
            for m in self.messages
            if m["type"] == "RECORD"
            and m["stream"] == stream
            and (deletes or "_sdc_deleted_at" not in m["record"])
        ]

    def ids(self, stream: str, key: str = "id") -> list[t.Any]:
        """Primary keys of one stream's records, in output order."""
        return [r[key] for r in self.records(stream)]

    def streams(self) -> set[str]:
        """Streams with at least one record."""
        return {m["stream"] for m in self.messages if m["type"] == "RECORD"}

    def schema(self, stream: str) -> dict[str, t.Any]:
        """The first SCHEMA message of a stream."""
        for m in self.messages:
            if m["type"] == "SCHEMA" and m["stream"] == stream:
                return t.cast("dict[str, t.Any]", m)
        raise AssertionError(f"no SCHEMA for {stream}")

    def states(self) -> list[dict[str, t.Any]]:
        """Every STATE value, in order."""
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict[str, t.Any]:
        """The last STATE value."""
        return self.states()[-1]

    def bookmark(self, stream: str) -> t.Any:
        """The stream's bookmark in the final STATE."""
        return self.final_state["bookmarks"].get(stream, {}).get("replication_key_value")


#: Settings that switch on every opt-in stream (a run with them reads every stream).
EVERY_STREAM: dict[str, t.Any] = {
    "include_contact_notes": True,
    "include_company_notes": True,
    "include_call_transcripts": True,
    "include_conversation_handling_events": True,
}


def every_stream_name() -> set[str]:
    """The streams a sandbox workspace offers: the registry's and one per custom object type.

    The reporting streams are left out (``EVERY_STREAM`` does not switch them on: their
    export jobs would slow every full run); tests/tap/test_tap_reporting.py reads them.
    """
    families = {custom_objects.CustomObjectInstancesStream.name, ReportingStream.name}
    return {stream.name for stream in STREAM_TYPES if stream.name not in families} | {
        custom_objects.stream_name(name) for name in workspace_settings.CUSTOM_OBJECT_TYPES
    }


def base_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    """A config for the sandbox at ``url`` with fast retries and no indexing delay."""
    config: dict[str, t.Any] = {
        "access_token": TOKEN,
        "api_url": url,
        "indexing_delay": 0,
        "retry_backoff_seconds": 0.01,
        "max_concurrency": 8,
        "scroll_exists_wait_seconds": 0.2,
    }
    config.update(overrides)
    return config


def run_tap(
    config: dict[str, t.Any],
    *,
    streams: t.Iterable[str] | None = None,
    state: dict[str, t.Any] | None = None,
    expect_error: bool = False,
) -> TapRun:
    """Run a sync in-process and collect its messages.

    Args:
        config: Tap config.
        streams: Streams to select (None: all). Children need their parent listed too only if
            the parent's records are wanted; the parent is read either way.
        state: Input STATE.
        expect_error: Return the run's exception instead of raising it.

    Returns:
        The run.
    """
    try:
        tap = TapIntercom(config=config, state=state or {}, parse_env_config=False)
    except Exception as exc:
        # Discovery (data attributes) and the state are read when the tap is created.
        if not expect_error:
            raise
        return TapRun(messages=[], error=exc)
    if streams is not None:
        wanted = set(streams)
        for stream in tap.streams.values():
            stream.selected = stream.name in wanted
    buffer = io.StringIO()
    error: Exception | None = None
    with contextlib.redirect_stdout(buffer):
        try:
            try:
                tap.sync_all()
            finally:
                tap.close_quietly()
            if tap.refused_streams:
                tap.finish_run()
        except Exception as exc:
            if not expect_error:
                raise
            error = exc
    messages = [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    return TapRun(
        messages=messages,
        error=error,
        requests=tap.run.transport.stats,
        limiter=tap.run.transport.limiter.stats,
    )


def run_cli(
    args: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``tap-intercom`` as a command (``python -m tap_intercom``)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_INTERCOM_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tap_intercom", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        timeout=300,
        check=False,
    )
