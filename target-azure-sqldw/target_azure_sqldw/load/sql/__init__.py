"""Pure T-SQL builders: each function returns statements and executes nothing."""
