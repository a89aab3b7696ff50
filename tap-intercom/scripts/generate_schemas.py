"""Write tap_intercom/schemas/<stream>.json from a vendored Intercom OpenAPI description.

Run from the repository root:

    .venv/bin/python tap-intercom/scripts/generate_schemas.py \
        /work/shared/reference/intercom-openapi/intercom-api-2.16.yaml

Every property is made nullable (the API omits or nulls fields freely), enums are dropped
(Intercom adds values without a new version), integer Unix timestamps keep their integer type
(the spec's ``format: date-time`` on integers would make targets parse them as strings), and
known type drift is widened (see ``DRIFT``).
"""

from __future__ import annotations

import json
import pathlib
import sys
import typing as t

import yaml

SCHEMAS_DIR = pathlib.Path(__file__).resolve().parents[1] / "tap_intercom" / "schemas"
MAX_DEPTH = 7

# stream name -> (component schema, extra properties added by the tap)
STREAMS: dict[str, tuple[str, dict[str, t.Any]]] = {
    "admins": ("admin", {}),
    "teams": ("team", {}),
    "tags": ("tag", {}),
    "ticket_types": ("ticket_type", {}),
    "ticket_states": ("ticket_state_detailed", {}),
    "subscription_types": ("subscription_type", {}),
    "help_centers": ("help_center", {}),
    "help_center_collections": ("collection", {}),
    "articles": ("article_list_item", {}),
    "news_items": ("news_item", {}),
    "newsfeeds": ("newsfeed", {}),
    "contact_attributes": ("data_attribute", {}),
    "company_attributes": ("data_attribute", {}),
    "conversation_attributes": ("conversation_attribute", {}),
    "segments": ("segment", {}),
    "companies": ("company", {}),
    "company_segments": ("segment", {"company_id": {"type": ["string"]}}),
    "contacts": ("contact", {}),
    "contact_notes": ("note", {"contact_id": {"type": ["string"]}}),
    "conversations": ("conversation", {}),
    "conversation_parts": (
        "conversation_part",
        {
            "conversation_id": {"type": ["string"]},
            "conversation_created_at": {"type": ["integer", "null"]},
            "conversation_updated_at": {"type": ["integer", "null"]},
            "conversation_total_parts": {"type": ["integer", "null"]},
            "conversation_parts_truncated": {"type": ["boolean", "null"]},
        },
    ),
    "deleted_conversations": ("deleted_conversation_item", {}),
    "tickets": ("ticket", {}),
    "ticket_parts": (
        "ticket_part",
        {
            "ticket_id": {"type": ["string"]},
            "ticket_created_at": {"type": ["integer", "null"]},
            "ticket_updated_at": {"type": ["integer", "null"]},
            "ticket_total_parts": {"type": ["integer", "null"]},
            "ticket_parts_truncated": {"type": ["boolean", "null"]},
        },
    ),
    "activity_logs": ("activity_log", {}),
    "macros": ("macro", {}),
}

# Properties the tap reads through other streams, so they are not repeated in the record.
DROP: dict[str, tuple[str, ...]] = {
    "conversations": ("conversation_parts",),
    "tickets": ("ticket_parts",),
}

# Fields documented as strings that the API returns as numbers (Intercom-OpenAPI issue #115),
# or the reverse (attachment sizes): accept both so records never fail validation.
DRIFT = {"team_assignee_id", "last_closed_by_id", "admin_assignee_id", "height", "width"}

# Primary keys per stream (default: ``id``); they are never null.
KEYS: dict[str, tuple[str, ...]] = {
    "contact_attributes": ("model", "name"),
    "company_attributes": ("model", "name"),
    "company_segments": ("company_id", "id"),
}


def _types(value: t.Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


class Converter:
    """Converts OpenAPI 3.0 schemas to nullable JSON Schema draft 7 with $refs resolved."""

    def __init__(self, components: dict[str, t.Any]) -> None:
        self.components = components

    def resolve(self, node: dict[str, t.Any]) -> dict[str, t.Any]:
        """Follow ``$ref`` (sibling keys override the target's)."""
        ref = node.get("$ref")
        if ref:
            target = self.components[ref.rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return self.resolve(merged)
        return node

    def convert(self, node: dict[str, t.Any], depth: int, name: str = "") -> dict[str, t.Any]:
        """Convert one node; ``name`` is the property name (for ``DRIFT``)."""
        node = self.resolve(node)
        if depth > MAX_DEPTH:
            return {}
        if "allOf" in node:
            return self._merge_objects([*node["allOf"], _without(node, "allOf")], depth)
        for key in ("oneOf", "anyOf"):
            if key in node:
                return self._union(node[key], depth)
        kind = node.get("type")
        if kind is None and "properties" in node:
            kind = "object"
        out: dict[str, t.Any] = {}
        if description := node.get("description"):
            out["description"] = str(description).strip().split("\n")[0][:300]
        if kind == "object" or "properties" in node:
            props = dict(node.get("properties") or {})
            # Embedded lists ({"type": "list", "data": [...]}) carry a type the spec omits.
            if "data" in props and "type" not in props:
                props["type"] = {"type": "string"}
            out["type"] = ["object", "null"]
            out["properties"] = {
                key: self.convert(value, depth + 1, key) for key, value in props.items()
            }
            if not props:
                out.pop("properties")
            return out
        if kind == "array":
            out["type"] = ["array", "null"]
            items = node.get("items")
            out["items"] = self.convert(items, depth + 1) if items else {}
            return out
        if name in DRIFT and kind in ("string", "integer", "number"):
            out["type"] = ["string", "integer", "null"] if kind != "number" else ["number", "null"]
            return out
        if kind in ("string", "integer", "number", "boolean"):
            out["type"] = [kind, "null"]
            if kind == "string" and node.get("format") == "date-time":
                out["format"] = "date-time"
            return out
        # Untyped: accept anything.
        return out

    def _merge_objects(self, parts: list[dict[str, t.Any]], depth: int) -> dict[str, t.Any]:
        merged: dict[str, t.Any] = {"type": ["object", "null"], "properties": {}}
        for part in parts:
            converted = self.convert(part, depth)
            merged["properties"].update(converted.get("properties", {}))
            if "description" in converted and "description" not in merged:
                merged["description"] = converted["description"]
        return merged

    def _union(self, options: list[dict[str, t.Any]], depth: int) -> dict[str, t.Any]:
        converted = [self.convert(option, depth) for option in options]
        kinds = {tuple(_types(c.get("type"))) for c in converted}
        if all("object" in k for k in kinds) and converted:
            merged: dict[str, t.Any] = {"type": ["object", "null"], "properties": {}}
            for option in converted:
                merged["properties"].update(option.get("properties", {}))
            return merged
        scalar: list[str] = []
        for kind in kinds:
            for name in kind:
                if name not in scalar and name not in ("object", "array"):
                    scalar.append(name)
        if kinds and all(not ({"object", "array"} & set(k)) for k in kinds):
            if "null" in scalar:
                scalar.remove("null")
            return {"type": [*scalar, "null"]}
        return {}


def _without(node: dict[str, t.Any], key: str) -> dict[str, t.Any]:
    return {k: v for k, v in node.items() if k != key}


def build(spec_path: pathlib.Path) -> dict[str, dict[str, t.Any]]:
    """Build every stream schema from the spec at ``spec_path``."""
    spec = yaml.safe_load(spec_path.read_text())
    converter = Converter(spec["components"]["schemas"])
    result: dict[str, dict[str, t.Any]] = {}
    for stream, (component, extra) in STREAMS.items():
        schema = converter.convert({"$ref": f"#/components/schemas/{component}"}, 0)
        properties = schema.setdefault("properties", {})
        for key in DROP.get(stream, ()):
            properties.pop(key, None)
        properties.update(extra)
        for key in KEYS.get(stream, ("id",)):
            properties[key]["type"] = [
                k for k in _types(properties[key].get("type")) if k != "null"
            ]
        schema["type"] = "object"
        schema.pop("description", None)
        result[stream] = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "description": f"Intercom {component} ({spec['info'].get('version', '?')} spec)",
            **schema,
        }
    return result


def main() -> None:
    """Write the schema files."""
    spec_path = pathlib.Path(sys.argv[1])
    for stream, schema in build(spec_path).items():
        path = SCHEMAS_DIR / f"{stream}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
