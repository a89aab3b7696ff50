"""Run the tap: ``python -m tap_intercom``."""

from __future__ import annotations

from tap_intercom.tap import TapIntercom

TapIntercom.cli()
