"""Schema: JSON Schema to T-SQL types, identifier names and the platform flavor."""
