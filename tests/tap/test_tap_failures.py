"""Failures on the command line: one clear line on stderr, exit 1, nothing on stdout.

Each test reads the whole stderr: every line must be one of the tap's log lines, exactly one
of them an ERROR (the last), and nothing else (no traceback, no second error).
"""

from __future__ import annotations

import collections
import json
import re
import typing as t

from devstack.processes import free_port
from tests.tap.tap_helpers import TOKEN, run_cli

if t.TYPE_CHECKING:
    import pathlib

    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| (\w+)\s*\| (\S+)\s*\| (.*)$")


def log_lines(stderr: str) -> list[tuple[str, str, str]]:
    """(level, logger, message) of every stderr line; fails on any other line."""
    parsed = []
    for line in stderr.splitlines():
        match = LOG_LINE.match(line)
        assert match, f"not a log line: {line!r}\n{stderr}"
        parsed.append((match[1], match[2], match[3]))
    return parsed


def the_error(stderr: str, *, allowed_warning: str | None = None) -> str:
    """The one ERROR line, after checking every other line is INFO (or an allowed warning)."""
    lines = log_lines(stderr)
    assert lines, "stderr is empty"
    level, logger, message = lines[-1]
    assert (level, logger) == ("ERROR", "tap-intercom"), stderr
    for level, _, text in lines[:-1]:
        if level == "WARNING" and allowed_warning and re.search(allowed_warning, text):
            continue
        assert level == "INFO", f"unexpected {level}: {text}\n{stderr}"
    return message


def only_line(stderr: str) -> str:
    """The message of a stderr that is exactly one ERROR line."""
    lines = log_lines(stderr)
    assert len(lines) == 1, stderr
    assert lines[0][:2] == ("ERROR", "tap-intercom"), stderr
    return lines[0][2]


def write(path: pathlib.Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def good_config(tmp_path: pathlib.Path, url: str, **extra: t.Any) -> str:
    settings = {"access_token": TOKEN, "api_url": url, "indexing_delay": 0, **extra}
    return write(tmp_path / "config.json", json.dumps(settings))


def test_malformed_config_json(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "config.json", '{"access_token": "x",}')
    result = run_cli(["--config", config])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == (
        f"--config {config} is not valid JSON: Expecting property name enclosed in double "
        "quotes (line 1, column 22)"
    )


def test_config_that_is_not_an_object(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "config.json", '["access_token"]')
    result = run_cli(["--config", config, "--discover"])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == f"--config {config} must hold a JSON object, not list"


def test_missing_config_file(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nowhere.json"
    result = run_cli(["--config", str(missing)])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == (
        f"--config {missing} cannot be read: No such file or directory"
    )


def test_malformed_state_json(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    state = write(tmp_path / "state.json", '{"bookmarks": {"contacts": }')
    result = run_cli(["--config", good_config(tmp_path, sandbox.url), "--state", state])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == (
        f"--state {state} is not valid JSON: Expecting value (line 1, column 28)"
    )


def test_malformed_catalog_json(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    catalog = write(tmp_path / "catalog.json", '{"streams": [')
    result = run_cli(["--config", good_config(tmp_path, sandbox.url), "--catalog", catalog])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == (
        f"--catalog {catalog} is not valid JSON: Expecting value (line 1, column 14)"
    )


def test_discover_without_config() -> None:
    result = run_cli(["--discover"])
    assert (result.returncode, result.stdout) == (1, "")
    assert only_line(result.stderr) == (
        "--discover needs a config with access_token: --config FILE, or --config ENV with "
        "TAP_INTERCOM_ACCESS_TOKEN set"
    )


def test_invalid_config_value(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    config = good_config(tmp_path, sandbox.url, timestamp_format="excel")
    result = run_cli(["--config", config])
    assert (result.returncode, result.stdout) == (1, "")
    message = the_error(result.stderr)
    assert message.startswith("Invalid config: "), message
    assert "'excel' is not one of ['iso', 'unix']" in message


def test_connection_refused_names_the_host(tmp_path: pathlib.Path) -> None:
    port = free_port()  # nobody listens on it
    config = good_config(tmp_path, f"http://127.0.0.1:{port}", retry_backoff_seconds=0.2)
    result = run_cli(["--config", config])
    assert (result.returncode, result.stdout) == (1, "")
    message = the_error(
        result.stderr, allowed_warning=rf"connection refused at 127\.0\.0\.1:{port}, retry"
    )
    # Discovery's first request: the custom object types (conversation attributes, 2.16).
    assert re.fullmatch(
        rf"Discovery failed: the custom object types could not be read: Cannot reach the "
        rf"Intercom API at 127\.0\.0\.1:{port}: connection refused \(GET "
        r"/conversations/attributes, \d attempts\); check api_url or region and the network",
        message,
    ), message


def test_unknown_host_names_the_host(tmp_path: pathlib.Path) -> None:
    host = "intercom-api.does-not-exist.invalid"
    config = good_config(tmp_path, f"https://{host}", max_retries=1, retry_backoff_seconds=0.1)
    result = run_cli(["--config", config, "--discover"])
    assert (result.returncode, result.stdout) == (1, "")
    message = the_error(result.stderr, allowed_warning=rf"host name not found at {host}, retry")
    assert f"Cannot reach the Intercom API at {host}: host name not found" in message


def test_failed_data_attribute_discovery_fails_discovery(
    fresh_sandbox: SandboxFactory, tmp_path: pathlib.Path
) -> None:
    """A passing outage must not change the SCHEMA to untyped custom_attributes."""
    sb = fresh_sandbox(size="tiny")
    sb.inject("/data_attributes", status=503, count=1_000)
    config = good_config(tmp_path, sb.url, max_retries=1, retry_backoff_seconds=0.01)
    for args in (["--discover"], []):
        result = run_cli(["--config", config, *args])
        assert (result.returncode, result.stdout) == (1, ""), args
        message = the_error(result.stderr, allowed_warning=r"GET /data_attributes: 503, retry")
        assert re.fullmatch(
            r"Discovery failed: the \w+ data attributes could not be read: "
            r"GET /data_attributes returned 503.*",
            message,
        ), message


def test_a_stream_failing_mid_sync_is_one_line(
    fresh_sandbox: SandboxFactory, tmp_path: pathlib.Path
) -> None:
    # singer-sdk logs "An unhandled error occurred while syncing ..." before re-raising any
    # error of a stream's sync: the tap's own line is the only one.
    sb = fresh_sandbox(size="tiny")
    sb.inject("/admins", status=503, count=1_000)
    config = good_config(tmp_path, sb.url, max_retries=1, retry_backoff_seconds=0.01)
    result = run_cli(["--config", config])
    assert result.returncode == 1
    message = the_error(result.stderr, allowed_warning=r"GET /admins\S*: 503, retry")
    assert re.match(r"GET /admins\S* returned 503", message), message


METRIC = re.compile(r"METRIC: (\{.*\})$")


def test_one_metric_line_per_stream_and_metric(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    config = good_config(tmp_path, sandbox.url)
    discovered = run_cli(["--config", config, "--discover"])
    catalog = json.loads(discovered.stdout)
    wanted = {"conversations", "conversation_parts", "tickets", "ticket_parts", "articles"}
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in wanted
    catalog_path = write(tmp_path / "catalog.json", json.dumps(catalog))
    result = run_cli(["--config", config, "--catalog", catalog_path])
    assert result.returncode == 0, result.stderr
    points = [
        json.loads(match[1])
        for line in result.stderr.splitlines()
        if (match := METRIC.search(line))
    ]
    lines = collections.Counter((p["tags"]["stream"], p["metric"]) for p in points)
    assert set(lines.values()) == {1}, lines
    records = collections.Counter(
        m["stream"] for m in map(json.loads, result.stdout.splitlines()) if m["type"] == "RECORD"
    )
    counted = {p["tags"]["stream"]: p["value"] for p in points if p["metric"] == "record_count"}
    assert counted == dict(records)
    assert records["conversation_parts"] > records["conversations"] > 10
    # articles are read in several pages; their request time is one line too.
    assert lines[("articles", "http_request_duration")] == 1
