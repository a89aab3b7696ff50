"""scripts/ensure-unixodbc.sh decides what to do from `id -u` and `ldconfig -p`.

Those two programs (and apt-get) are replaced by stubs on PATH, so each branch of the
decision runs without root, without touching the system, and whatever this machine has.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

from tests.project.readme_commands import ROOT

SCRIPT = ROOT / "scripts" / "ensure-unixodbc.sh"
LIBODBC = "\tlibodbc.so.2 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libodbc.so.2\n"


def run_script(
    tmp_path: pathlib.Path, *, uid: int, ldconfig: str
) -> tuple[subprocess.CompletedProcess[str], pathlib.Path]:
    """Run the script with stub `id`, `ldconfig` and `apt-get`; return it and apt-get's log."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    calls = tmp_path / "apt-get.calls"
    (tmp_path / "ldconfig.out").write_text(ldconfig)
    programs = {
        "id": f'#!/bin/sh\n[ "$1" = -u ] && echo {uid}\n',
        "ldconfig": f"#!/bin/sh\ncat {tmp_path / 'ldconfig.out'}\n",
        "apt-get": f'#!/bin/sh\necho "$@" >> {calls}\n',
    }
    for name, body in programs.items():
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    done = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return done, calls


def test_not_root_without_unixodbc_names_the_command(tmp_path: pathlib.Path) -> None:
    done, calls = run_script(tmp_path, uid=1000, ldconfig="")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines == [
        "bootstrap: unixODBC's driver manager (libodbc.so.2) is missing; run: "
        "sudo apt-get update && sudo apt-get install -y unixodbc"
    ]
    assert not calls.exists()
    # The README's troubleshooting row quotes the message and the command.
    readme = (ROOT / "README.md").read_text()
    assert "unixODBC's driver manager (libodbc.so.2) is missing" in readme
    assert "`sudo apt-get update && sudo apt-get install -y unixodbc`" in readme


def test_not_root_with_unixodbc_goes_on(tmp_path: pathlib.Path) -> None:
    done, calls = run_script(tmp_path, uid=1000, ldconfig=LIBODBC)
    assert (done.returncode, done.stderr) == (0, "")
    assert not calls.exists()


def test_root_without_unixodbc_installs_it(tmp_path: pathlib.Path) -> None:
    done, calls = run_script(tmp_path, uid=0, ldconfig="")
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends unixodbc tdsodbc",
    ]
