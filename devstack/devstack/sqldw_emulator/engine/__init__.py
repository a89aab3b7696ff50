"""The SQL engine of the SQL DW emulator: the dedicated-SQL-pool dialect of T-SQL on DuckDB.

``DuckDBEngine(EngineConfig(...))`` implements :class:`devstack.sqldw_emulator.api.Engine`.
"""

from __future__ import annotations

from devstack.sqldw_emulator.engine.config import EngineConfig
from devstack.sqldw_emulator.engine.engine import DuckDBEngine
from devstack.sqldw_emulator.engine.faults import FaultSettings

__all__ = ["DuckDBEngine", "EngineConfig", "FaultSettings"]
