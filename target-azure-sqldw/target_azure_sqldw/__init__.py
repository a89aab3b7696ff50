"""target-azure-sqldw: a Singer target for Azure SQL Data Warehouse."""
