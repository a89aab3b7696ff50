"""The command line: discovery, --config ENV, one-line errors and exit codes."""

from __future__ import annotations

import json
import typing as t

import pytest

from tests.tap.tap_helpers import TOKEN, run_cli

if t.TYPE_CHECKING:
    import pathlib

    from devstack.intercom_sandbox import Sandbox

SandboxFactory = t.Callable[..., "Sandbox"]


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {
        "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
        "TAP_INTERCOM_API_URL": url,
        "TAP_INTERCOM_INDEXING_DELAY": "0",
        **extra,
    }


def catalog_streams(stdout: str) -> dict[str, dict[str, t.Any]]:
    return {entry["tap_stream_id"]: entry for entry in json.loads(stdout)["streams"]}


def test_about_lists_the_settings() -> None:
    result = run_cli(["--about", "--format=json"])
    assert result.returncode == 0
    about = json.loads(result.stdout)
    properties = about["settings"]["properties"]
    for name in (
        "access_token",
        "start_date",
        "region",
        "api_url",
        "api_version",
        "lookback_window",
        "max_requests_per_minute",
        "max_concurrency",
        "request_timeout",
        "user_agent",
        "include_contact_notes",
    ):
        assert name in properties, name
    assert properties["access_token"].get("secret") is True
    assert about["settings"]["required"] == ["access_token"]


def test_discover_with_config_env(sandbox: Sandbox) -> None:
    result = run_cli(["--config", "ENV", "--discover"], env=env_for(sandbox.url))
    assert result.returncode == 0, result.stderr
    streams = catalog_streams(result.stdout)
    assert "contact_notes" not in streams
    assert {"contacts", "conversation_parts", "macros", "deleted_conversations"} <= set(streams)
    custom = streams["contacts"]["schema"]["properties"]["custom_attributes"]
    assert custom.get("properties"), "custom attributes are typed at discovery"
    assert TOKEN not in result.stderr


def test_discover_leaves_out_streams_the_version_lacks(sandbox: Sandbox) -> None:
    result = run_cli(
        ["--config", "ENV", "--discover"],
        env=env_for(sandbox.url, TAP_INTERCOM_API_VERSION="2.14"),
    )
    assert result.returncode == 0, result.stderr
    streams = catalog_streams(result.stdout)
    assert not {"macros", "deleted_conversations", "conversation_attributes"} & set(streams)
    assert "tickets" in streams
    assert "Stream macros left out: API version 2.14 lacks it" in result.stderr


def test_sync_with_config_file_and_state(sandbox: Sandbox, tmp_path: pathlib.Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"access_token": TOKEN, "api_url": sandbox.url, "indexing_delay": 0})
    )
    discovered = run_cli(["--config", str(config), "--discover"])
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        selected = entry["tap_stream_id"] in ("tags", "teams")
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = selected
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    result = run_cli(["--config", str(config), "--catalog", str(catalog_path)])
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    streams = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert streams == {"tags", "teams"}
    assert messages[-1]["type"] == "STATE"
    assert "Requests to GET /tags: 1" in result.stderr


def test_wrong_token_is_one_line_and_exit_1(sandbox: Sandbox) -> None:
    env = env_for(sandbox.url, TAP_INTERCOM_ACCESS_TOKEN="definitely-wrong")
    result = run_cli(["--config", "ENV"], env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert errors
    assert "rejected the access token" in errors[-1]
    assert "Traceback" not in result.stderr
    assert "definitely-wrong" not in result.stderr


def test_missing_permission_names_the_stream(fresh_sandbox: SandboxFactory) -> None:
    sb = fresh_sandbox(size="tiny", missing_scopes=["read_tags"])
    result = run_cli(["--config", "ENV"], env=env_for(sb.url))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last_error = [line for line in result.stderr.splitlines() if "ERROR" in line][-1]
    assert "lacks permissions for: tags" in last_error
    records = {
        json.loads(line)["stream"]
        for line in result.stdout.splitlines()
        if json.loads(line)["type"] == "RECORD"
    }
    assert "tags" not in records
    assert {"admins", "contacts", "conversations"} <= records


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TAP_INTERCOM_MAX_RETRIES", "five", "TAP_INTERCOM_MAX_RETRIES must be a whole number"),
        ("TAP_INTERCOM_STREAM_MAPS", "{x", "TAP_INTERCOM_STREAM_MAPS must be JSON"),
    ],
    ids=["integer", "object"],
)
def test_an_unreadable_variable_is_one_line_naming_it(
    variable: str, value: str, expected: str
) -> None:
    """singer-sdk's own ``int()`` or JSON error would be a traceback naming no variable."""
    env = {"TAP_INTERCOM_ACCESS_TOKEN": TOKEN, variable: value, "LOGLEVEL": "ERROR"}
    result = run_cli(["--config", "ENV"], env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.endswith(f"| Invalid config: {expected}, not {value!r}"), result.stderr


def test_an_unknown_log_level_is_one_line() -> None:
    """singer-sdk sets the level before any command runs: ``logging`` would raise there."""
    result = run_cli(["--about"], env={"LOGLEVEL": "loud"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "tap-intercom: LOGLEVEL 'loud' is not a log level "
        "(DEBUG, INFO, WARNING, ERROR or CRITICAL)\n"
    )
