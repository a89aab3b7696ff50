"""Load: the warehouse connection, bulk loads, merges, table DDL and the SQL builders."""
