"""Virtualenvs of third-party plugins and clients from PyPI, whose pins clash with ours.

Each gets its own virtualenv under ``.venv-plugins/``, kept so later runs reuse it. A lock
file per virtualenv makes a second process (a parallel test worker) wait for the first to
finish building it instead of building it again over the first.
"""

from __future__ import annotations

import fcntl
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLUGINS = ROOT / ".venv-plugins"


def plugin_venv(
    name: str, requirement: str, *more: str, python: str = sys.executable
) -> pathlib.Path:
    """A virtualenv of ``python`` with ``requirement`` (and ``more``); returns its bin folder."""
    venv = PLUGINS / name
    wanted = "+".join((requirement, *more)).replace("/", "_")
    stamp = venv / f".installed-{wanted}"
    PLUGINS.mkdir(exist_ok=True)
    with (PLUGINS / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", requirement, *more],
                check=True,
                capture_output=True,
            )
            stamp.touch()
    return venv / "bin"
