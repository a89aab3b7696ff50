"""Rewrite the settings table in tap-intercom/README.md from ``tap-intercom --about``.

Run from the repository root: ``.venv/bin/python tap-intercom/scripts/update_readme.py``.
tests/tap/test_tap_readme.py fails when the README's table differs from this output.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
START = "<!-- settings:start -->"
END = "<!-- settings:end -->"


def settings_table() -> str:
    """The Settings table of ``tap-intercom --about --format=markdown``."""
    about = subprocess.run(
        [sys.executable, "-m", "tap_intercom", "--about", "--format=markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in about.splitlines() if line.startswith("|")]
    return "\n".join(lines)


def render(readme: str, table: str) -> str:
    """The README text with ``table`` between the markers."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


if __name__ == "__main__":
    README.write_text(render(README.read_text(), settings_table()))
