"""Run the devstack command: ``python -m devstack``."""

from __future__ import annotations

from devstack.cli import main

if __name__ == "__main__":
    main()
