"""`devstack up / status / down` from the shell: real processes, real ports, nothing left behind."""

from __future__ import annotations

import os
import pathlib
import shlex
import subprocess
import sys

import pytest

from devstack import envfile
from devstack.processes import RunningProcess, tcp_ready
from devstack.stack import Stack, StackError, StackOptions


def devstack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_up_status_down_from_the_shell(tmp_path: pathlib.Path) -> None:
    directory = str(tmp_path / "stack")
    started = devstack("up", "--dir", directory)
    assert started.returncode == 0, started.stderr
    stack = Stack(pathlib.Path(directory))
    records = stack.records()
    try:
        assert [r.name for r in records] == ["azurite", "intercom", "sqldw"]
        assert all(tcp_ready("127.0.0.1", r.port) for r in records)

        again = devstack("up", "--dir", directory, "--service", "azurite")
        assert again.returncode == 1
        assert "already running" in again.stderr
        assert [r.pid for r in stack.records()] == [r.pid for r in records]

        status = devstack("status", "--dir", directory)
        assert status.returncode == 0
        assert status.stdout.count("running") == 3
    finally:
        stopped = devstack("down", "--dir", directory)
    assert stopped.returncode == 0, stopped.stderr
    assert all(not r.process.is_alive() for r in records)
    assert all(not tcp_ready("127.0.0.1", r.port) for r in records)
    assert not (tmp_path / "stack" / "env").exists()
    after = devstack("status", "--dir", directory)
    assert after.returncode == 1
    assert "no devstack" in after.stdout


PLAIN_CLIENT = """
import os, urllib.request, pyodbc
row = pyodbc.connect(os.environ["DEVSTACK_SQLDW_ODBC"]).execute("SELECT 40 + 2").fetchone()
request = urllib.request.Request(
    os.environ["TAP_INTERCOM_API_URL"] + "/admins",
    headers={"Authorization": "Bearer " + os.environ["TAP_INTERCOM_ACCESS_TOKEN"]},
)
with urllib.request.urlopen(request) as response:
    print(row[0], response.status)
"""


def test_env_file_is_sourceable_and_private(tmp_path: pathlib.Path) -> None:
    stack = Stack(tmp_path)
    values = stack.up()
    try:
        assert stack.env_path.stat().st_mode & 0o777 == 0o600
        script = f"set -a; . {shlex.quote(str(stack.env_path))}; set +a; env"
        shell = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, check=True, env={}
        )
        exported = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
        for key in (
            "TAP_INTERCOM_ACCESS_TOKEN",
            "TAP_INTERCOM_API_URL",
            "TAP_INTERCOM_START_DATE",
            "TARGET_AZURE_SQLDW_STORAGE_ACCOUNT",
            "TARGET_AZURE_SQLDW_STORAGE_ACCOUNT_KEY",
            "TARGET_AZURE_SQLDW_STORAGE_CONTAINER",
            "TARGET_AZURE_SQLDW_STORAGE_BLOB_ENDPOINT",
            "DEVSTACK_INTERCOM_URL",
            "DEVSTACK_AZURITE_BLOB_URL",
            "TARGET_AZURE_SQLDW_HOST",
            "TARGET_AZURE_SQLDW_PORT",
            "TARGET_AZURE_SQLDW_DATABASE",
            "TARGET_AZURE_SQLDW_USER",
            "TARGET_AZURE_SQLDW_PASSWORD",
            "TARGET_AZURE_SQLDW_DRIVER",
            "TARGET_AZURE_SQLDW_TRUST_SERVER_CERTIFICATE",
            "ODBCSYSINI",
            "DEVSTACK_SQLDW_ODBC",
        ):
            assert exported[key] == values[key]
        # A plain pyodbc and HTTP client works from the env file alone.
        client = subprocess.run(
            ["bash", "-c", f'{script} >/dev/null; exec {sys.executable} -c "$0"', PLAIN_CLIENT],
            capture_output=True,
            text=True,
            check=False,
            env={},
        )
        assert client.stdout.split() == ["42", "200"], client.stderr
        # The access token reaches the sandbox through its environment, never its argv.
        intercom = next(r for r in stack.records() if r.name == "intercom")
        cmdline = pathlib.Path(f"/proc/{intercom.pid}/cmdline").read_bytes()
        assert values["TAP_INTERCOM_ACCESS_TOKEN"].encode() not in cmdline
    finally:
        stack.down()


def test_env_file_round_trips_awkward_values() -> None:
    values = {"A": "plain", "B": "with space", "C": "quote'and\"dollar$", "D": ""}
    assert envfile.parse(envfile.render(values)) == values


def test_down_without_a_stack_says_so(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StackError, match="no devstack recorded"):
        Stack(tmp_path).down()


def test_a_failed_start_stops_what_had_started(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken-azurite"
    broken.write_text("#!/bin/sh\necho 'cannot bind' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("DEVSTACK_AZURITE_BLOB", str(broken))
    stack = Stack(tmp_path / "stack")
    with pytest.raises(StackError, match=r"azurite exited during start-up.*cannot bind"):
        stack.up(StackOptions(services=("azurite", "intercom"), timeout=10))
    assert stack.records() == []
    assert not stack.env_path.exists()


def test_a_reused_pid_is_never_signalled() -> None:
    # Our own pid with a marker that is not in our command line: must be treated as gone.
    impostor = RunningProcess(pid=os.getpid(), marker="devstack.not-this-process")
    assert not impostor.is_alive()
    assert impostor.stop() is False


def test_a_service_that_never_answers_is_stopped(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = tmp_path / "silent-azurite"
    silent.write_text("#!/bin/sh\nexec sleep 600\n")
    silent.chmod(0o755)
    monkeypatch.setenv("DEVSTACK_AZURITE_BLOB", str(silent))
    stack = Stack(tmp_path / "stack")
    before = set(pathlib.Path("/proc").glob("[0-9]*"))
    with pytest.raises(StackError, match="did not become ready"):
        stack.up(StackOptions(services=("azurite",), timeout=1))
    leftovers = [
        proc
        for proc in set(pathlib.Path("/proc").glob("[0-9]*")) - before
        if b"silent-azurite" in (proc / "cmdline").read_bytes()
    ]
    assert leftovers == []
