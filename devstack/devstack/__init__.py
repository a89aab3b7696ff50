"""devstack: local stand-ins for Intercom, Azurite and Azure SQL Data Warehouse."""
