"""Run the target: ``python -m target_azure_sqldw``."""

from __future__ import annotations

from target_azure_sqldw.target import TargetAzureSQLDW

TargetAzureSQLDW.cli()
