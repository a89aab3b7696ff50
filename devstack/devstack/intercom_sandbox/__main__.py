"""Run the Intercom sandbox: ``python -m devstack.intercom_sandbox --port N ...``."""

from __future__ import annotations

from devstack.intercom_sandbox.cli import intercom_sandbox_command

if __name__ == "__main__":
    intercom_sandbox_command()
