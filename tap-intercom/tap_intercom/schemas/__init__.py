"""JSON Schema files, one per stream, generated from the pinned Intercom OpenAPI spec."""
