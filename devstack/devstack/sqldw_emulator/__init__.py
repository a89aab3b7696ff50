"""SQL DW emulator: a TDS server executing the dedicated-SQL-pool dialect on DuckDB."""
