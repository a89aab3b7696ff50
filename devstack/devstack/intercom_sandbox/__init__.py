"""Intercom REST API sandbox over a generated, seeded workspace.

``Sandbox(SandboxConfig(...)).start()`` serves the API on a loopback port; ``sb.url`` is the
tap's ``api_url``, ``sb.control(...)`` turns the knobs and mutates data, ``sb.workspace`` lets
tests compute expected results. See devstack/README.md ("The Intercom sandbox").
"""

from __future__ import annotations

from devstack.intercom_sandbox.config import SIZES, SandboxConfig
from devstack.intercom_sandbox.sandbox import Sandbox

__all__ = ["SIZES", "Sandbox", "SandboxConfig"]
