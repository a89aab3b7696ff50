"""Ingest: read Singer messages, check records against their schema, pick a record pipeline."""
