"""Encode: turn checked record values into lines of the staging file formats."""
