"""tap-intercom/README.md stays in step with the code (settings table, stream list)."""

from __future__ import annotations

import html
import pathlib
import subprocess
import sys

from tap_intercom.streams import STREAM_TYPES

README = pathlib.Path(__file__).resolve().parents[2] / "tap-intercom" / "README.md"


def test_settings_table_matches_about_output() -> None:
    about = subprocess.run(
        [sys.executable, "-m", "tap_intercom", "--about", "--format=markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = [line for line in about.splitlines() if line.startswith("|")]
    text = README.read_text()
    block = text.split("<!-- settings:start -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    actual = [line for line in block.splitlines() if line.startswith("|")]
    assert actual == expected, (
        "README settings table is stale: run .venv/bin/python tap-intercom/scripts/update_readme.py"
    )


def test_every_stream_is_in_the_streams_table() -> None:
    text = README.read_text()
    table = text.split("## Streams", 1)[1].split("\n## ", 1)[0]
    listed = {
        html.unescape(line.split("|")[1].strip())
        for line in table.splitlines()
        if line.startswith("| ")
    }
    assert {stream.name for stream in STREAM_TYPES} <= listed


def test_readme_explains_events() -> None:
    assert "## Why `events` is not a stream" in README.read_text()


def test_discovered_reporting_streams_are_covered_by_the_tables() -> None:
    from devstack.intercom_sandbox import Sandbox, SandboxConfig
    from tap_intercom.streams import custom_objects
    from tap_intercom.tap import TapIntercom
    from tests.tap.tap_helpers import TOKEN, base_config

    text = README.read_text()
    table = text.split("## Streams", 1)[1].split("\n## ", 1)[0]
    rows = {
        html.unescape(line.split("|")[1].strip())
        for line in table.splitlines()
        if line.startswith("| ")
    }
    permissions = text.split("| Permission | Streams |", 1)[1].split("\n\n", 1)[0]
    with Sandbox(SandboxConfig(size="tiny", access_token=TOKEN)) as sandbox:
        tap = TapIntercom(
            config=base_config(sandbox.url, include_reporting=True), parse_env_config=False
        )
        names = {entry.tap_stream_id for entry in tap.catalog.streams}
        TapIntercom.current_run = None
    # Families have one row: custom_object_instances, reporting_<dataset>.
    families = {
        custom_objects.PREFIX: "custom_object_instances",
        "reporting_": "reporting_<dataset>",
    }
    reporting = {name for name in names if name.startswith("reporting_")}
    assert reporting
    for name in names:
        family = next((row for prefix, row in families.items() if name.startswith(prefix)), name)
        assert family in rows, name
    assert "| `read_reporting_data` | reporting_&lt;dataset&gt;" in permissions
