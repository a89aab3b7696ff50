"""The target's command line: --about, settings from the environment, README settings table."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import subprocess
import sys

import pytest

from target_azure_sqldw.target import TargetAzureSQLDW

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "target-azure-sqldw"
SECRETS = {"password", "client_secret", "access_token", "storage_account_key", "storage_sas_token"}
ENV = {
    "TARGET_AZURE_SQLDW_HOST": "127.0.0.1",
    "TARGET_AZURE_SQLDW_PORT": "14330",
    "TARGET_AZURE_SQLDW_DATABASE": "pool",
    "TARGET_AZURE_SQLDW_USER": "loader",
    "TARGET_AZURE_SQLDW_PASSWORD": "pw",
    "TARGET_AZURE_SQLDW_STORAGE_ACCOUNT": "devstoreaccount1",
    "TARGET_AZURE_SQLDW_STORAGE_CONTAINER": "stage",
    "TARGET_AZURE_SQLDW_TRUST_SERVER_CERTIFICATE": "true",
}


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_SQLDW_")}
    return subprocess.run(
        [sys.executable, "-m", "target_azure_sqldw", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=60,
        check=False,
    )


def about_markdown() -> str:
    result = run("--about", "--format=markdown")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_about_json_lists_settings_and_secrets() -> None:
    result = run("--about", "--format=json")
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert about["name"] == "target-azure-sqldw"
    properties = about["settings"]["properties"]
    for name in (
        "host",
        "database",
        "bulk_load_method",
        "flavor",
        "string_overflow",
        "hard_delete",
    ):
        assert name in properties
    flagged = {k for k, v in properties.items() if v.get("secret")}
    assert flagged == SECRETS
    assert "activate-version" in about["capabilities"]
    assert properties["load_method"]["default"] == "upsert"


def test_settings_from_environment() -> None:
    for key, value in ENV.items():
        os.environ[key] = value
    try:
        target = TargetAzureSQLDW(config=None, parse_env_config=True, validate_config=True)
    finally:
        for key in ENV:
            os.environ.pop(key, None)
    assert target.config["port"] == 14330
    assert target.config["trust_server_certificate"] is True
    assert target.config["bulk_load_method"] == "polybase"
    assert target.config["password"] == "pw"


def test_config_env_on_the_command_line_with_empty_input() -> None:
    result = run("--config", "ENV", env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "pw" not in result.stderr.replace("pwd", "")


def test_missing_required_setting_is_an_error() -> None:
    env = {k: v for k, v in ENV.items() if k != "TARGET_AZURE_SQLDW_HOST"}
    result = run("--config", "ENV", env=env)
    assert result.returncode != 0
    assert "host" in result.stderr


def test_readme_settings_table_is_current() -> None:
    markdown = about_markdown()
    start = markdown.index("## Settings")
    end = markdown.index("A full list of supported settings")
    table = markdown[start:end].strip().split("\n", 1)[1].strip()
    readme = (PACKAGE / "README.md").read_text(encoding="utf-8")
    begin, finish = "<!-- settings:start -->", "<!-- settings:end -->"
    assert begin in readme, "README must hold the --about settings table between markers"
    current = readme.split(begin, 1)[1].split(finish, 1)[0].strip()
    if os.environ.get("UPDATE_README"):
        updated = readme.replace(current, table)
        (PACKAGE / "README.md").write_text(updated, encoding="utf-8")
        current = table
    assert current == table, "README settings table is stale: rerun with UPDATE_README=1"


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_meltano_style_secret_flags(secret: str) -> None:
    assert TargetAzureSQLDW.config_jsonschema["properties"][secret].get("secret") is True


def test_azure_http_logging_quieted_unless_configured() -> None:
    config = {key.removeprefix("TARGET_AZURE_SQLDW_").lower(): value for key, value in ENV.items()}
    config["port"] = 14330
    config["trust_server_certificate"] = True
    azure_logger = logging.getLogger("azure")
    saved = azure_logger.level
    try:
        azure_logger.setLevel(logging.NOTSET)
        TargetAzureSQLDW(config=config)
        # azure-core's INFO lines carry request and response headers.
        assert azure_logger.level == logging.WARNING
        azure_logger.setLevel(logging.DEBUG)
        TargetAzureSQLDW(config=config)
        assert azure_logger.level == logging.DEBUG
    finally:
        azure_logger.setLevel(saved)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "STAGING_PROCESSES",
            "two",
            "Invalid config: TARGET_AZURE_SQLDW_STAGING_PROCESSES must be a whole number, "
            "not 'two'",
        ),
        ("STAGING_PROCESSES", "-1", "staging_processes must be 0 or more, not -1"),
        (
            "BATCH_MAX_AGE_SECONDS",
            "soon",
            "Invalid config: 'soon' is not of type 'number', 'null' in "
            "config['batch_max_age_seconds']",
        ),
        (
            "STREAM_MAPS",
            '{"users": ',
            "Invalid config: TARGET_AZURE_SQLDW_STREAM_MAPS must be JSON, not '{\"users\": '",
        ),
    ],
    ids=["integer", "negative", "number", "object"],
)
def test_a_bad_setting_from_the_environment_is_one_line(
    variable: str, value: str, expected: str
) -> None:
    """Each is the whole stderr: singer-sdk alone gives a traceback or two lines."""
    env = {**ENV, f"TARGET_AZURE_SQLDW_{variable}": value, "LOGLEVEL": "ERROR"}
    result = run("--config", "ENV", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.endswith(f"| {expected}"), result.stderr


def test_a_closed_stdout_is_one_line() -> None:
    """STATE written to a pipe nobody reads: click alone would exit 1 saying nothing."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_AZURE_SQLDW_")}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "target_azure_sqldw", "--config", "ENV"],
            input='{"type": "STATE", "value": {"bookmark": 1}}\n',
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={**clean, **ENV, "LOGLEVEL": "ERROR"},
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.endswith(
        "| stdout was closed before the run ended (broken pipe): STATE could not be written; "
        "the run stopped, and what it had committed stays loaded"
    ), result.stderr


@pytest.mark.parametrize("variable", ["LOGLEVEL", "TARGET_AZURE_SQLDW_LOGLEVEL"])
def test_an_unknown_log_level_is_one_line(variable: str) -> None:
    """singer-sdk sets the level before any command runs: ``logging`` would raise there."""
    result = run("--config", "ENV", env={**ENV, "LOGLEVEL": "", variable: "loud"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "target-azure-sqldw: LOGLEVEL 'loud' is not a log level "
        "(DEBUG, INFO, WARNING, ERROR or CRITICAL)\n"
    )
