"""Every setting of both plugins works from the environment (``--config ENV``), as in Meltano.

The settings come from each plugin's ``--about`` schema, so a setting added later is covered
without touching this test: each gets a value of its type (numbers, booleans, arrays and
objects included), set through its ``<PLUGIN>_<SETTING>`` variable, and must reach the
plugin's config as that value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t

import pytest

from devstack.intercom_sandbox import Sandbox, SandboxConfig
from tap_intercom.settings import DEFAULT_API_VERSION
from tap_intercom.tap import TapIntercom
from target_azure_sqldw.target import TargetAzureSQLDW

if t.TYPE_CHECKING:
    from singer_sdk.plugin_base import PluginBase

#: Object settings take shapes their consumers accept (singer-sdk builds mappers and batch
#: writers from them); other objects get a nested value with an array inside.
OBJECTS: dict[str, t.Any] = {
    "stream_maps": {"some_stream": {"__alias__": "renamed_stream"}},
    "stream_map_config": {"tenant": "acme", "weights": [1, 2.5]},
    "faker_config": {"seed": 3, "locale": ["en_US", "fr_FR"]},
    "batch_config": {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": "file:///tmp/batches", "prefix": "b-"},
    },
}
TOKEN = "settings-from-the-environment"


@pytest.fixture(scope="module")
def sandbox() -> t.Iterator[Sandbox]:
    """The Intercom sandbox the tap discovers custom attributes from (at start-up)."""
    started = Sandbox(SandboxConfig(seed=5, size="small", access_token=TOKEN, port=0)).start()
    try:
        yield started
    finally:
        started.stop()


def types_of(schema: dict[str, t.Any]) -> set[str]:
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    for branch in schema.get("anyOf", ()):
        types |= types_of(branch)
    return types - {"null"}


def sample(name: str, schema: dict[str, t.Any], texts: dict[str, str]) -> tuple[str, t.Any]:
    """The variable's text and the value the plugin must read from it."""
    types = types_of(schema)
    if "boolean" in types:
        value = schema.get("default") is not True
        return ("true" if value else "false"), value
    if "integer" in types:
        return "64", 64
    if "number" in types:
        return "2.5", 2.5
    if "object" in types:
        value = OBJECTS.get(name, {"a": [1, {"b": True}]})
        return json.dumps(value), value
    if "array" in types:
        return '["first", "second"]', ["first", "second"]
    if "enum" in schema:
        # The last choice, not the default one: the variable must be what took effect.
        return schema["enum"][-1], schema["enum"][-1]
    if schema.get("format") == "date-time":
        return "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"
    value = texts.get(name, f"value of {name}")
    return value, value


def environment(
    plugin: type[PluginBase], texts: dict[str, str]
) -> tuple[dict[str, str], dict[str, t.Any]]:
    about = plugin.config_jsonschema
    plugin.append_builtin_config(about)
    prefix = plugin.name.upper().replace("-", "_") + "_"
    variables: dict[str, str] = {}
    expected: dict[str, t.Any] = {}
    for name, schema in about["properties"].items():
        variables[prefix + name.upper()], expected[name] = sample(name, schema, texts)
    return variables, expected


def about_settings(command: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-m", command, "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(result.stdout)["settings"]["properties"])


@pytest.mark.parametrize(
    ("plugin", "module"),
    [(TargetAzureSQLDW, "target_azure_sqldw"), (TapIntercom, "tap_intercom")],
)
def test_every_setting_of_the_about_schema_is_read_from_its_variable(
    plugin: type[PluginBase], module: str, monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> None:
    # Text the plugins parse: the tap reads data attributes from the sandbox at start-up.
    texts = {
        "api_url": sandbox.url,
        "access_token": TOKEN,
        "api_version": DEFAULT_API_VERSION,
        "flattening_separator": "__",
    }
    variables, expected = environment(plugin, texts)
    assert set(expected) >= about_settings(module)
    for name in list(os.environ):
        if name.startswith(plugin.name.upper().replace("-", "_") + "_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    instance = plugin(config=None, parse_env_config=True, validate_config=True)
    assert {name: instance.config.get(name) for name in expected} == expected


def test_number_settings_from_the_environment_run_the_tap_cli(sandbox: Sandbox) -> None:
    env = {
        **os.environ,
        "TAP_INTERCOM_ACCESS_TOKEN": TOKEN,
        "TAP_INTERCOM_API_URL": sandbox.url,
        "TAP_INTERCOM_RETRY_BACKOFF_SECONDS": "0.5",
        "TAP_INTERCOM_SCROLL_EXISTS_WAIT_SECONDS": "5",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tap_intercom", "--config", "ENV", "--discover"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["streams"]
