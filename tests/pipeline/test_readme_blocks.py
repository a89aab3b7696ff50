"""The READMEs' shell blocks, run verbatim (read from the READMEs at test time), data checked.

tests/project/test_readme_known_commands.py lists which test runs each README command; this is where
most of them run. Blocks run with ``bash -e`` in a folder prepared as the README assumes (the
settings files it names, ``.devstack/env``, the programs on PATH), so a wrong command fails here.
`make demo KEEP=1` and the `meltano config` lines run in a scratch copy of the project, so
nothing reaches the real project's meltano.yml, .env, .meltano or .devstack.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import typing as t

import pyodbc
import pytest
import yaml

from tap_intercom.tap import TapIntercom
from target_azure_sqldw.target import TargetAzureSQLDW
from tests.pipeline.landed import (
    INCREMENTAL,
    assert_delta,
    mutate,
    row_counts,
    sandbox_totals,
    settings_file,
    snapshot,
)
from tests.pipeline.plugin_venvs import plugin_venv
from tests.pipeline.selection import PIPELINE_STREAMS, meltano_select
from tests.project.readme_commands import ROOT, block_containing

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.stack import Stack

BIN = pathlib.Path(sys.executable).parent
# Other tests mutate the session's sandbox, stamping records "now"; with the default
# indexing delay the tap rightly leaves those for its next run, and the counts below compare
# with everything the sandbox serves.
NO_DELAY = {"TAP_INTERCOM_INDEXING_DELAY": "0"}
# What a scratch copy of the project gets as real files instead of links to the checkout:
# files the commands write (meltano.yml), code that finds the project by its own path
# (scripts/demo.py), and state that must start empty.
COPIED = ("scripts", "meltano.yml", "Makefile")
LEFT_OUT = {".git", ".devstack", ".meltano", ".env", "output", ".pytest_cache", ".mypy_cache"}


def clean_environ() -> dict[str, str]:
    """This process's environment without the stack's or pytest's settings (a user's shell)."""
    prefixes = ("TAP_INTERCOM_", "TARGET_AZURE_SQLDW_", "DEVSTACK_", "MELTANO_", "PYTEST_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env.pop("ODBCSYSINI", None)
    env.pop("KEEP", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return env


def run_block(
    text: str, cwd: pathlib.Path, env: dict[str, str], timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run a README block with ``bash -e``; fail the test with its output when it fails."""
    done = subprocess.run(
        ["bash", "-e", "-c", text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{text}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def digest(path: pathlib.Path) -> str | None:
    """sha256 of a file, or None when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def write_settings(
    folder: pathlib.Path, devstack_env: dict[str, str], schema: str, tap: dict[str, str]
) -> None:
    """tap.json and target.json for the stack, landing in ``schema``; ``tap`` adds settings."""
    settings_file(
        folder / "tap.json", {**devstack_env, **tap}, "TAP_INTERCOM_", TapIntercom.config_jsonschema
    )
    settings_file(
        folder / "target.json",
        {**devstack_env, "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": schema},
        "TARGET_AZURE_SQLDW_",
        TargetAzureSQLDW.config_jsonschema,
    )


@pytest.fixture(scope="module")
def scratch_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """A copy of the project that shares the checkout's code, virtualenv and Azurite.

    Top-level entries are links to the checkout except COPIED (real copies, modification times
    kept so make finds the bootstrap up to date) and LEFT_OUT (absent, as in a fresh clone).
    """
    scratch = tmp_path_factory.mktemp("project")
    for entry in ROOT.iterdir():
        if entry.name in LEFT_OUT or entry.name.startswith(".venv-"):
            continue
        if entry.name in COPIED:
            if entry.is_dir():
                shutil.copytree(entry, scratch / entry.name, copy_function=shutil.copy2)
            else:
                shutil.copy2(entry, scratch / entry.name)
        else:
            (scratch / entry.name).symlink_to(entry)
    yield scratch
    if (scratch / ".devstack" / "stack.json").exists():
        subprocess.run([str(BIN / "devstack"), "down"], cwd=scratch, check=False, timeout=120)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_readme_demo_keep_then_explore(
    scratch_project: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = clean_environ()
    demo = subprocess.run(
        ["bash", "-e", "-c", "make demo KEEP=1"],
        cwd=scratch_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    output = demo.stdout
    assert re.search(r"^demo: loaded \d+ rows into 36 tables", output, re.MULTILINE), output
    assert "demo: the incremental run took" in output
    # The KEEP message prints the README's exploring block, command for command.
    explore = block_containing("README.md", "SELECT COUNT(*) FROM dbo.contacts")
    lines = output.splitlines()
    kept = next(i for i, line in enumerate(lines) if line.startswith("demo: KEEP=1: the devstack"))
    printed = [line.strip() for line in lines[kept + 1 : kept + 1 + len(explore.commands)]]
    assert printed == list(explore.commands)
    env_file = scratch_project / ".devstack" / "env"
    assert env_file.is_file()
    stack_env = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
    )
    stack_env = {key: value.strip("'\"") for key, value in stack_env.items()}

    # What the demo landed (after its mutations and second run) is what the sandbox serves.
    # pyodbc needs the driver registration; the session stack's (same driver) when it is up,
    # otherwise the demo's, for this test only (the demo's folder goes with `devstack down`).
    if "ODBCSYSINI" not in os.environ:
        monkeypatch.setenv("ODBCSYSINI", stack_env["ODBCSYSINI"])
    connection = pyodbc.connect(stack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    totals = sandbox_totals(stack_env)
    landed = row_counts(connection, "dbo", ["contacts", "admins", "teams", "tags"])
    assert landed == {key: totals[key] for key in landed}
    live = connection.execute(
        "SELECT COUNT(*) FROM dbo.conversations "
        "WHERE id NOT IN (SELECT id FROM dbo.deleted_conversations)"
    ).fetchone()
    assert live is not None
    assert live[0] == totals["conversations"]  # 5 added and 2 deleted by the demo included
    connection.close()

    # devstack/README.md's plain pyodbc client, then the root README's exploring block.
    client = block_containing("devstack/README.md", "SELECT @@VERSION")
    version = run_block(client.text, scratch_project, env)
    assert version.stdout.startswith("("), version.stdout
    explored = run_block(explore.text, scratch_project, env)
    for service in ("azurite", "intercom", "sqldw"):
        assert service in explored.stdout, explored.stdout
    assert f"({totals['contacts']},)" in explored.stdout.splitlines()  # pyodbc's Row
    # `devstack down` at the end of the block stopped the stack.
    after = subprocess.run(
        [str(BIN / "devstack"), "status"], cwd=scratch_project, capture_output=True, check=False
    )
    assert after.returncode == 1
    assert not (scratch_project / ".devstack" / "stack.json").exists()


@pytest.mark.slow
def test_readme_meltano_config_in_a_scratch_project(
    scratch_project: pathlib.Path, devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    real = {name: digest(ROOT / name) for name in ("meltano.yml", ".env")}
    env = {
        **clean_environ(),
        # The stack stands in for Azure and Intercom: the variables a user exports for the
        # `azure` environment, which take precedence over the placeholders the block sets;
        # and the streams to load (the tap's `select` extra), as a user narrows a run.
        **devstack_env,
        **meltano_select(),
        "ODBCSYSINI": os.environ["ODBCSYSINI"],
        **NO_DELAY,
        "TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA": "readme_azure",
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    run_block("meltano install", scratch_project, env)
    block = block_containing("README.md", "meltano --environment azure config set")
    run_block(block.text, scratch_project, env)

    # The secret went to the scratch project's .env, the host into its azure environment.
    assert "TAP_INTERCOM_ACCESS_TOKEN='...'" in (scratch_project / ".env").read_text()
    project = yaml.safe_load((scratch_project / "meltano.yml").read_text())
    azure = next(item for item in project["environments"] if item["name"] == "azure")
    loader = next(
        item
        for item in azure["config"]["plugins"]["loaders"]
        if item["name"] == "target-azure-sqldw"
    )
    assert loader["config"]["host"] == "myworkspace.sql.azuresynapse.net"
    # Nothing reached the real project.
    assert {name: digest(ROOT / name) for name in real} == real

    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    totals = sandbox_totals(devstack_env)
    landed = row_counts(connection, "readme_azure", totals)
    assert landed == totals
    tables = connection.execute(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'readme_azure'"
    ).fetchall()
    assert {str(row[0]) for row in tables} == set(PIPELINE_STREAMS)


@pytest.mark.slow
def test_readme_shell_pipe_keeps_state_in_a_file(
    devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    schema = "readme_pipe"
    write_settings(tmp_path, devstack_env, schema, NO_DELAY)
    env = {**clean_environ(), "ODBCSYSINI": os.environ["ODBCSYSINI"]}
    block = block_containing("README.md", "tail -1 new-state.jsonl")

    run_block(block.text, tmp_path, env)
    state = json.loads((tmp_path / "state.json").read_text())
    bookmarks = state["bookmarks"]
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    totals = sandbox_totals(devstack_env)
    assert row_counts(connection, schema, totals) == totals
    before = snapshot(connection, schema, bookmarks)
    changed = mutate(devstack_env, contacts=5, conversations=2)

    run_block(block.text, tmp_path, env)
    assert_delta(connection, schema, before, changed)
    totals = sandbox_totals(devstack_env)
    assert row_counts(connection, schema, totals) == totals
    advanced = json.loads((tmp_path / "state.json").read_text())["bookmarks"]
    for table in INCREMENTAL:
        assert advanced[table]["replication_key_value"] > bookmarks[table]["replication_key_value"]


@pytest.mark.slow
def test_tap_readme_usage_block(
    devstack_stack: Stack, devstack_env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    settings_file(
        tmp_path / "config.json",
        {**devstack_env, **NO_DELAY},
        "TAP_INTERCOM_",
        TapIntercom.config_jsonschema,
    )
    (tmp_path / "state.json").write_text("{}")
    (tmp_path / ".devstack").mkdir()
    shutil.copy2(devstack_stack.env_path, tmp_path / ".devstack" / "env")
    jsonl_bin = plugin_venv("target-jsonl", "target-jsonl==0.1.4")
    env = clean_environ()
    env["PATH"] = f"{env['PATH']}{os.pathsep}{jsonl_bin}"
    # The ENV line lands in its own schema (the env file sets no schema, so this one stays).
    env["TARGET_AZURE_SQLDW_DEFAULT_TARGET_SCHEMA"] = "readme_tap"
    env.update(NO_DELAY)
    install = block_containing("tap-intercom/README.md", "tap-intercom --version")
    usage = block_containing("tap-intercom/README.md", "--discover")
    # `pip install -e` is what the bootstrap already did; the rest runs as written.
    commands = [line for line in install.commands if not line.startswith("pip ")]
    done = run_block("\n".join([*commands, usage.text]), tmp_path, env)

    assert re.search(r"\d+\.\d+", done.stdout.splitlines()[0])
    assert "| access_token |" in done.stdout
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    streams = {entry["tap_stream_id"] for entry in catalog["streams"]}
    assert {"contacts", "conversations", "tickets"} <= streams
    totals = sandbox_totals(devstack_env)
    # Live records only: a deleted conversation also comes as {id, _sdc_deleted_at}.
    written = {
        stream: sum(
            1
            for path in tmp_path.glob(f"{stream}-*.jsonl")
            for line in path.read_text().splitlines()
            if json.loads(line).get("_sdc_deleted_at") is None
        )
        for stream in totals
    }
    assert written == totals
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    assert row_counts(connection, "readme_tap", totals) == totals


@pytest.mark.slow
def test_target_readme_usage_block(devstack_env: dict[str, str], tmp_path: pathlib.Path) -> None:
    write_settings(tmp_path, devstack_env, "readme_target", NO_DELAY)
    env = {**clean_environ(), "ODBCSYSINI": os.environ["ODBCSYSINI"]}
    usage = block_containing("target-azure-sqldw/README.md", "--config target.json")
    # Its second line, the same `--config ENV` pipe as the tap's README, runs in
    # test_tap_readme_usage_block.
    files_line = [line for line in usage.commands if "target.json" in line]
    run_block("\n".join(files_line), tmp_path, env)
    connection = pyodbc.connect(devstack_env["DEVSTACK_SQLDW_ODBC"], autocommit=True)
    totals = sandbox_totals(devstack_env)
    assert row_counts(connection, "readme_target", totals) == totals


@pytest.mark.slow
def test_readme_tap_benchmark_runs(tmp_path: pathlib.Path) -> None:
    # The README's benchmark command with a small workspace and no latency (the defaults take
    # minutes): it runs, and reports the tap's records for the run.
    figures = tmp_path / "bench.json"
    run_block(
        ".venv/bin/python bench/tap_bench.py --contacts 60 --companies 20 --conversations 30 "
        f"--tickets 10 --latency-ms 0 --jitter-ms 0 --skip-serial --json {figures}",
        ROOT,
        clean_environ(),
    )
    run = json.loads(figures.read_text())["parallel"]
    assert run["records"] > 60 + 20 + 30 + 10  # the entities plus their parts, tags, ...
    assert run["requests"] == run["requests_needed"]


@pytest.mark.slow
def test_target_benchmark_runs() -> None:
    # target-azure-sqldw/README.md's benchmark with a small input, one mix: the target loads
    # every record with both methods (the script counts the table's rows and stops when they
    # differ) and the ratios are reported.
    result = subprocess.run(
        [
            ".venv/bin/python",
            "bench/target_bench.py",
            "--records",
            "3000",
            "--repeat",
            "2",
            "--mix",
            "typed",
            "--only",
            "floor",
            "--only",
            "target",
        ],
        cwd=ROOT,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    runs = "{'floor': 2, 'target copy': 2, 'target polybase': 2}"
    assert f"typed: medians of {runs} runs" in result.stdout
    for method in ("copy", "polybase"):
        assert re.search(rf"target {method} +\d+ rec/s .* / floor: [\d.]+x", result.stdout)
