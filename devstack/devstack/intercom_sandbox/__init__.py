"""Intercom REST API sandbox over a generated, seeded workspace."""
