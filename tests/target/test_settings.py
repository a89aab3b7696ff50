"""Settings are parsed once, with the schema's defaults, and ``--about`` is unchanged.

``golden/about.json`` is ``target-azure-sqldw --about --format json`` as it was before the
settings were parsed into an object; the only change since is the new ``record_pipeline``
setting.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import subprocess
import sys

import pytest

from target_azure_sqldw.settings import CONFIG_SCHEMA, Settings, unreadable_variable

GOLDEN = pathlib.Path(__file__).parent / "golden" / "about.json"


def test_about_is_unchanged_but_for_the_new_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "target_azure_sqldw", "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    about = json.loads(result.stdout)
    added = about["settings"]["properties"].pop("record_pipeline")
    assert added["default"] == "auto"
    assert added["enum"] == ["auto", "sdk", "row", "column"]
    assert json.dumps(about, indent=2) + "\n" == GOLDEN.read_text(encoding="utf-8")


def test_defaults_are_the_schema_defaults() -> None:
    settings = Settings.from_config({})
    properties = CONFIG_SCHEMA["properties"]
    for field in dataclasses.fields(Settings):
        if field.name in properties and "default" in properties[field.name]:
            assert getattr(settings, field.name) == properties[field.name]["default"], field.name
    assert settings.batch_size_rows == 100_000
    assert settings.hard_delete is False
    assert settings.validate_records is True


def test_zero_means_default_where_it_always_did() -> None:
    settings = Settings.from_config({"staging_part_bytes": 0, "port": None, "driver": ""})
    assert settings.staging_part_bytes == 64 * 1024 * 1024
    assert settings.port == 1433
    assert settings.driver == "ODBC Driver 18 for SQL Server"
    # An explicit null has always turned the orphan sweep off.
    assert Settings.from_config({"orphan_max_age_hours": None}).orphan_max_age_hours == 0
    assert Settings.from_config({}).orphan_max_age_hours == 24


def test_settings_are_frozen_and_hide_secrets() -> None:
    settings = Settings.from_config({"password": "s3cret", "storage_account_key": "k3y"})
    assert "s3cret" not in repr(settings)
    assert "k3y" not in repr(settings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_no_module_reads_the_config_mapping() -> None:
    package = pathlib.Path(__file__).parents[2] / "target-azure-sqldw" / "target_azure_sqldw"
    readers = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name != "settings.py" and "config.get(" in path.read_text(encoding="utf-8")
    ]
    assert readers == []


def test_an_unreadable_variable_is_named_and_a_secret_one_without_its_value() -> None:
    schema = {
        "properties": {
            "pin": {"type": "integer", "secret": True},
            "n": {"type": ["integer", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "maps": {"type": "object"},
        }
    }
    assert unreadable_variable(schema, "X_", {"X_PIN": "12ab"}) == "X_PIN must be a whole number"
    assert unreadable_variable(schema, "X_", {"X_N": "7", "X_TAGS": "a,b"}) is None
    assert unreadable_variable(schema, "X_", {"X_MAPS": "[1"}) == "X_MAPS must be JSON, not '[1'"
