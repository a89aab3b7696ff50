"""The settings object: one field per schema property, defaults from the schema, `--about` kept."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest

from tap_intercom.settings import CONFIG_SCHEMA, TapSettings
from tests.tap.tap_helpers import run_cli

ABOUT_JSON = pathlib.Path(__file__).parent / "golden" / "about.json"


def test_settings_have_one_field_per_schema_property() -> None:
    fields = [field.name for field in dataclasses.fields(TapSettings)]
    assert fields == list(CONFIG_SCHEMA["properties"])


def test_missing_settings_take_the_schema_defaults() -> None:
    settings = TapSettings.from_config({"access_token": "secret"})
    for name, prop in CONFIG_SCHEMA["properties"].items():
        if name == "access_token":
            continue
        assert getattr(settings, name) == prop.get("default"), name
    assert settings.base_url == "https://api.intercom.io"
    assert settings.timestamps_iso
    assert settings.start_timestamp is None


def test_settings_are_parsed_into_their_types() -> None:
    settings = TapSettings.from_config(
        {
            "access_token": "secret",
            "region": "EU",
            "api_version": "",
            "start_date": "2024-06-01T00:00:00Z",
            "lookback_window": -5,
            "retry_backoff_seconds": 2,
            "timestamp_format": "unix",
        }
    )
    assert settings.base_url == "https://api.eu.intercom.io"
    assert settings.api_version == "2.16"  # empty text is the default
    assert settings.start_timestamp == 1717200000
    assert settings.lookback_seconds == 0
    assert settings.retry_backoff_seconds == 2.0
    assert isinstance(settings.retry_backoff_seconds, float)
    assert not settings.timestamps_iso
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.region = "us"  # type: ignore[misc]


def test_about_json_is_unchanged() -> None:
    # A new setting changes this on purpose: regenerate the golden copy with
    # `.venv/bin/tap-intercom --about --format json > tests/tap/golden/about.json`.
    result = run_cli(["--about", "--format", "json"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == ABOUT_JSON.read_text()
