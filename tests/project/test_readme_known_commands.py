"""Every command a README gives a user to copy is exercised somewhere, so the READMEs cannot drift.

EXERCISED maps each command (whitespace normalised) to what runs it: ``tests/...py::test`` is
a test function, ``Makefile::target`` a make target (`make test` runs lint, typecheck and
every test; `.ci/run` runs `make test`), ``scripts/...::text`` a script containing that text.
A new command in a README fails here until it is added with the test that runs it.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.project.readme_commands import ROOT, all_commands, block_containing

PIPELINE = "tests/pipeline/test_readme_blocks.py"
PIPE_TEST = f"{PIPELINE}::test_readme_shell_pipe_keeps_state_in_a_file"
DEMO_TEST = f"{PIPELINE}::test_readme_demo_keep_then_explore"
AZURE_TEST = f"{PIPELINE}::test_readme_meltano_config_in_a_scratch_project"
TAP_USAGE = f"{PIPELINE}::test_tap_readme_usage_block"
TARGET_USAGE = f"{PIPELINE}::test_target_readme_usage_block"
LAYOUT = "tests/project/test_layout.py::test_distribution_is_installed_from_its_folder"
HERE = "tests/project/test_readme_known_commands.py"
FEDAUTH = "tests/devstack/test_tds_fedauth.py"

EXERCISED: dict[str, tuple[str, ...]] = {
    # README.md: the two commands, the demo and exploring its stack
    "make demo": ("Makefile::demo", DEMO_TEST),
    "make demo KEEP=1": (DEMO_TEST,),
    # Run by hand (about 3 min; figures in target-azure-sqldw/README.md): the FLAVOR switch.
    "make demo FLAVOR=fabric": ("Makefile::demo", "scripts/demo.py::main"),
    "make test": ("Makefile::test", ".ci/run::make test"),
    "set -a; . .devstack/env; set +a": (DEMO_TEST,),
    ".venv/bin/devstack status": (DEMO_TEST,),
    ".venv/bin/python -c 'import os, pyodbc; c = pyodbc.connect(os.environ["
    '"DEVSTACK_SQLDW_ODBC"]); print(c.execute("SELECT COUNT(*) FROM dbo.contacts").fetchone())\'': (
        DEMO_TEST,
    ),
    ".venv/bin/meltano run tap-intercom target-azure-sqldw": (DEMO_TEST,),
    ".venv/bin/devstack down": (DEMO_TEST,),
    "meltano run tap-intercom target-azure-sqldw": (
        "tests/pipeline/test_meltano_run.py::test_meltano_run_then_incremental_from_stored_state",
        DEMO_TEST,
    ),
    "meltano run": (
        "tests/pipeline/test_meltano_run.py::test_meltano_run_then_incremental_from_stored_state",
    ),
    "meltano install": (
        "tests/pipeline/test_meltano_run.py::test_meltano_run_then_incremental_from_stored_state",
        DEMO_TEST,
    ),
    # README.md: running it for real (the azure environment, in a scratch copy of the project)
    "meltano --environment azure config set tap-intercom access_token '...'": (AZURE_TEST,),
    "meltano --environment azure config set target-azure-sqldw host "
    "myworkspace.sql.azuresynapse.net": (AZURE_TEST,),
    "meltano --environment azure run tap-intercom target-azure-sqldw": (AZURE_TEST,),
    "[ -f state.json ] || echo '{}' > state.json": (PIPE_TEST,),
    "set -o pipefail": (PIPE_TEST,),
    "tap-intercom --config tap.json --state state.json | target-azure-sqldw --config "
    "target.json > new-state.jsonl && tail -1 new-state.jsonl > state.json": (PIPE_TEST,),
    # The bootstrap installs the plugins this way (editable, from their folders).
    "pip install -e ./tap-intercom -e ./target-azure-sqldw": ("Makefile::bootstrap", LAYOUT),
    "pip install -e ./tap-intercom": ("Makefile::bootstrap", LAYOUT),
    "pip install -e ./target-azure-sqldw": ("Makefile::bootstrap", LAYOUT),
    # What the bootstrap runs as root, and what it tells everyone else to run.
    "apt-get update && apt-get install -y unixodbc tdsodbc": (
        "scripts/ensure-unixodbc.sh::apt-get install -y -qq --no-install-recommends unixodbc "
        "tdsodbc",
        "Makefile::bootstrap",
    ),
    "sudo apt-get update && sudo apt-get install -y unixodbc": (
        "tests/project/test_ensure_unixodbc.py::test_not_root_without_unixodbc_names_the_command",
    ),
    ".venv/bin/python scripts/meltano_yml.py": (
        "tests/project/test_meltano_yml.py::test_meltano_yml_is_generated_from_the_plugins_about_output",
    ),
    # Development
    ".venv/bin/python -m pytest -m tap": (f"{HERE}::test_folder_markers_select_one_folder",),
    "make lint": ("Makefile::test",),
    "make typecheck": ("Makefile::test",),
    'make unit-tests PYTEST_ARGS="-m devstack"': (
        f"{HERE}::test_folder_markers_select_one_folder",
    ),
    ".venv/bin/python bench/tap_bench.py": (f"{PIPELINE}::test_readme_tap_benchmark_runs",),
    # tap-intercom/README.md quick start
    "tap-intercom --version": (TAP_USAGE,),
    "tap-intercom --about --format=markdown": (TAP_USAGE,),
    "tap-intercom --config config.json --discover > catalog.json": (TAP_USAGE,),
    "tap-intercom --config config.json --catalog catalog.json --state state.json | target-jsonl": (
        TAP_USAGE,
    ),
    "set -a; . .devstack/env; set +a; "
    "tap-intercom --config ENV | target-azure-sqldw --config ENV": (
        TAP_USAGE,
        TARGET_USAGE,
    ),
    # target-azure-sqldw/README.md quick start
    "tap-intercom --config tap.json | target-azure-sqldw --config target.json": (TARGET_USAGE,),
    # devstack/README.md: the stack
    ".venv/bin/devstack up [--dir .devstack] [--service azurite|intercom|sqldw ...] [--seed 42] "
    "[--size tiny|small|medium|large] [--timezone America/Los_Angeles] [--rate-limit N_PER_10S] "
    "[--latency-ms MS] [--persist] [--timeout 60] [--sqldw-memory-limit 1GB] "
    "[--flavor synapse|fabric]": (
        "tests/devstack/test_devstack_cli.py::test_up_status_down_from_the_shell",
        "tests/devstack/test_engine_memory.py::test_devstack_up_passes_the_limit_to_the_emulator",
        f"{FEDAUTH}::test_devstack_up_fabric_writes_a_token_login",
        DEMO_TEST,
    ),
    ".venv/bin/devstack token [--lifetime 3600]": (
        f"{FEDAUTH}::test_devstack_up_fabric_writes_a_token_login",
    ),
    ".venv/bin/python -c 'import os, pyodbc; print(pyodbc.connect(os.environ["
    '"DEVSTACK_SQLDW_ODBC"]).execute("SELECT @@VERSION").fetchone())\'': (DEMO_TEST,),
    ".venv/bin/python -c 'import os, pyodbc; from target_azure_sqldw.load.odbc import "
    'access_token_attrs as a; print(pyodbc.connect(os.environ["DEVSTACK_SQLDW_ODBC_TOKEN"], '
    'attrs_before=a(os.environ["DEVSTACK_SQLDW_ACCESS_TOKEN"])).execute("SELECT SUSER_SNAME()")'
    ".fetchone())'": (DEMO_TEST, f"{FEDAUTH}::test_the_readme_token_client_works_on_both_flavors"),
}


def reference_exists(reference: str) -> bool:
    """Whether ``path::name`` names a real test, make target or text in a script."""
    path, _, name = reference.partition("::")
    file = ROOT / path
    if not file.is_file():
        return False
    text = file.read_text()
    if path.endswith(".py"):
        return re.search(rf"^def {re.escape(name)}\(", text, re.MULTILINE) is not None
    if path == "Makefile":
        return re.search(rf"^{re.escape(name)}:", text, re.MULTILINE) is not None
    return name in text


def test_every_readme_command_is_known_to_be_exercised() -> None:
    unknown = [
        f"{source}:{line}: {command}"
        for source, line, command in all_commands()
        if command not in EXERCISED
    ]
    assert not unknown, "commands no test is known to run:\n" + "\n".join(unknown)


def test_every_listed_command_is_still_in_a_readme() -> None:
    written = {command for _, _, command in all_commands()}
    assert sorted(set(EXERCISED) - written) == []


def test_every_reference_exists() -> None:
    missing = [ref for refs in EXERCISED.values() for ref in refs if not reference_exists(ref)]
    assert missing == []


def test_blocks_are_found_whole() -> None:
    # The pipe block as the pipeline test runs it: three commands, continuations joined.
    block = block_containing("README.md", "tail -1 new-state.jsonl")
    assert len(block.commands) == 3
    assert block.commands[-1].startswith("tap-intercom --config tap.json --state state.json |")


@pytest.mark.parametrize(
    ("command", "folder"),
    [
        (
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-m", "tap"],
            "tests/tap/",
        ),
        (["make", "unit-tests", "PYTEST_ARGS=-m devstack"], "tests/devstack/"),
    ],
    ids=["python -m pytest -m tap", "make unit-tests PYTEST_ARGS"],
)
def test_folder_markers_select_one_folder(command: list[str], folder: str) -> None:
    # The README's development commands, collecting instead of running (the full folders run
    # under `make test`): each selects exactly one folder's tests.
    if command[0] == "make":
        command = [*command[:-1], command[-1] + " --collect-only -q"]
    else:
        command = [*command, "--collect-only", "-q"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    selected = [line for line in done.stdout.splitlines() if "::" in line]
    assert selected
    assert all(line.startswith(folder) for line in selected), selected[:5]
