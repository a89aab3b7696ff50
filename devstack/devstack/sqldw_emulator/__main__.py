"""Run the SQL DW emulator: ``python -m devstack.sqldw_emulator --port N ...``."""

from __future__ import annotations

from devstack.sqldw_emulator.cli import main

if __name__ == "__main__":
    main()
