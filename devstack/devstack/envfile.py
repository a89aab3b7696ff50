"""The devstack env file: shell-sourceable ``KEY=VALUE`` lines (DESIGN.md §4).

``set -a; . .devstack/env; set +a`` exports every line, so both plugins (``--config ENV``) and
any pyodbc client work against the stack.
"""

from __future__ import annotations

import os
import pathlib
import shlex
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Mapping


def render(values: Mapping[str, str]) -> str:
    """Render ``values`` as sorted, shell-quoted ``KEY=VALUE`` lines."""
    lines = ["# Written by `devstack up`; source with: set -a; . THIS_FILE; set +a"]
    lines += [f"{key}={shlex.quote(value)}" for key, value in sorted(values.items())]
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """Parse lines written by :func:`render` (comments and blank lines are skipped)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, raw = line.partition("=")
        words = shlex.split(raw)
        values[key.strip()] = words[0] if words else ""
    return values


def write(path: pathlib.Path, values: Mapping[str, str]) -> None:
    """Write the env file readable by its owner only: it holds the stack's secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(render(values))


def read(path: pathlib.Path) -> dict[str, str]:
    """Read an env file written by :func:`write`."""
    return parse(path.read_text())
