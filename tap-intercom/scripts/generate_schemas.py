"""Write tap_intercom/schemas/<stream>.json from a vendored Intercom OpenAPI description.

Run from the repository root:

    .venv/bin/python tap-intercom/scripts/generate_schemas.py \
        ../shared/reference/intercom-openapi/intercom-api-2.16.yaml \
        ../shared/reference/intercom-openapi/intercom-api-2.14.yaml

The first description is the source of the schemas. Every property is made nullable (the API
omits or nulls fields freely), enums are dropped (Intercom adds values without a new version),
integer Unix timestamps keep their integer type (the spec's ``format: date-time`` on integers
would make targets parse them as strings), known type drift is widened (see ``DRIFT``), and a
property whose structure the spec says "varies" accepts any JSON value.

Then the examples win: every property ``example`` of the schemas and every response example
of every description given (see ``openapi_examples.py``) widens the schema it does not fit,
with the tap's own run-time rule (``tap_intercom.widening``). The examples are written to the
sandbox package for the tests, and a report says how many there were and what they changed.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import sys
import typing as t

import yaml
from openapi_examples import response_examples, stream_records, write_examples

from tap_intercom.widening import Widening, any_value, widen

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
    "conversations": (
        "conversation",
        {
            # A deleted conversation is also sent as {id, _sdc_deleted_at} (Singer's delete
            # convention, understood by targets' hard_delete and soft delete).
            "_sdc_deleted_at": {
                "description": "Set when the conversation was deleted (ISO 8601 UTC).",
                "type": ["string", "null"],
                "format": "date-time",
            },
        },
    ),
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
    "ticket_type_attributes": ("ticket_type_attribute", {}),
    "internal_articles": ("internal_article_list_item", {}),
    "content_snippets": ("content_snippet", {}),
    "brands": ("brand", {}),
    "emails": ("email_setting", {}),
    "office_hours_schedules": ("office_hours_schedule", {}),
    "away_status_reasons": ("away_status_reason", {}),
    # The API lists bare names; the tap makes each one a record.
    "activity_log_event_types": ("", {"event_type": {"type": ["string"]}}),
    "company_notes": ("note", {"company_id": {"type": ["string"]}}),
    "conversation_handling_events": ("handling_event", {"conversation_id": {"type": ["string"]}}),
    "calls": ("call", {}),
    # The transcript endpoint sends a text file (text/plain), not JSON.
    "call_transcripts": (
        "",
        {
            "call_id": {"type": ["string"]},
            "transcript": {"description": "Transcript text", "type": ["string", "null"]},
        },
    ),
    # One stream per custom object type found at discovery, all with this schema.
    "custom_object_instances": ("custom_object_instance", {}),
}

# Properties the tap reads through other streams, so they are not repeated in the record.
DROP: dict[str, tuple[str, ...]] = {
    "conversations": ("conversation_parts",),
    "tickets": ("ticket_parts",),
}

# Fields documented as strings that the API returns as numbers (Intercom-OpenAPI issue #115),
# or the reverse (attachment sizes): accept both so records never fail validation.
DRIFT = {"team_assignee_id", "last_closed_by_id", "admin_assignee_id", "height", "width"}

# Primary keys per stream (default: ``id``); they are never null. A data attribute's ``name``
# repeats within a model (``name`` and ``plan.name`` of companies): ``full_name`` does not.
KEYS: dict[str, tuple[str, ...]] = {
    "contact_attributes": ("model", "full_name"),
    "company_attributes": ("model", "full_name"),
    "company_segments": ("company_id", "id"),
    "activity_log_event_types": ("event_type",),
    "conversation_handling_events": ("conversation_id", "timestamp", "type"),
    "call_transcripts": ("call_id",),
}

# Components that are "a date-time, as ISO text or Unix seconds": the API sends Unix seconds
# (calls), so they are integers like every other Intercom timestamp.
UNIX_TIMESTAMPS = {"datetime"}


def _types(value: t.Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


#: A description saying this means the property's shape depends on something else.
VARIES = "varies"


class Converter:
    """Converts OpenAPI 3.0 schemas to nullable JSON Schema draft 7 with $refs resolved.

    Attributes:
        property_examples: Property ``example`` values met (each widens its schema).
        widened: Widenings the property examples forced, by spec path.
        varies: Paths of properties made "any value" because the spec says they vary.
    """

    def __init__(self, components: dict[str, t.Any]) -> None:
        self.components = components
        self.example_paths: set[str] = set()
        self.widened: dict[str, Widening] = {}
        self.varies: set[str] = set()

    def resolve(self, node: dict[str, t.Any]) -> dict[str, t.Any]:
        """Follow ``$ref`` (sibling keys override the target's)."""
        ref = node.get("$ref")
        if ref:
            target = self.components[ref.rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return self.resolve(merged)
        return node

    def convert(
        self, node: dict[str, t.Any], depth: int, name: str = "", where: str = ""
    ) -> dict[str, t.Any]:
        """Convert one node, widened by its ``example``; ``name`` is the property name.

        ``where`` is the spec path (``activity_log.metadata.before``) for the report.
        """
        ref = str(node.get("$ref") or "")
        where = where or ref.rsplit("/", 1)[-1]
        if ref.rsplit("/", 1)[-1] in UNIX_TIMESTAMPS:
            return {"description": "Unix timestamp (seconds)", "type": ["integer", "null"]}
        node = self.resolve(node)
        out = self._convert(node, depth, name, where)
        if "example" in node and depth <= MAX_DEPTH:
            self.example_paths.add(where)
            for change in widen(out, node["example"], where, add_missing=True):
                self.widened.setdefault(change.path, change)
        return out

    def _convert(
        self, node: dict[str, t.Any], depth: int, name: str, where: str
    ) -> dict[str, t.Any]:
        if depth > MAX_DEPTH:
            return {}
        if VARIES in str(node.get("description") or "").lower():
            self.varies.add(where)
            return any_value(str(node["description"]).strip().split("\n")[0][:300])
        if "allOf" in node:
            return self._merge_objects([*node["allOf"], _without(node, "allOf")], depth, where)
        for key in ("oneOf", "anyOf"):
            if key in node:
                return self._union(node[key], depth, where)
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
                key: self.convert(value, depth + 1, key, f"{where}.{key}")
                for key, value in props.items()
            }
            if not props:
                out.pop("properties")
            return out
        if kind == "array":
            out["type"] = ["array", "null"]
            items = node.get("items")
            out["items"] = self.convert(items, depth + 1, "", f"{where}[]") if items else {}
            if "object" in _types(out["items"].get("type")) and "properties" not in out["items"]:
                # Free-form objects in a list (snippets' json_blocks): singer-sdk conforms list
                # items through their ``properties``, so they are declared open.
                out["items"]["properties"] = {}
                out["items"]["additionalProperties"] = True
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

    def _merge_objects(
        self, parts: list[dict[str, t.Any]], depth: int, where: str
    ) -> dict[str, t.Any]:
        merged: dict[str, t.Any] = {"type": ["object", "null"], "properties": {}}
        for part in parts:
            converted = self.convert(part, depth, "", where)
            merged["properties"].update(converted.get("properties", {}))
            if "description" in converted and "description" not in merged:
                merged["description"] = converted["description"]
        return merged

    def _union(self, options: list[dict[str, t.Any]], depth: int, where: str) -> dict[str, t.Any]:
        converted = [self.convert(option, depth, "", where) for option in options]
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


@dataclasses.dataclass
class Report:
    """What the examples were and what they changed.

    Attributes:
        responses: Response examples read (every description).
        records: Records in them that belong to a stream.
        property_examples: Distinct property ``example`` values of the schemas' components.
        by_property_examples: Widenings forced by property examples, by spec path.
        by_responses: Widenings forced by response examples, as ``stream: path``.
        varies: Spec paths made "any value" because their structure varies.
    """

    responses: int = 0
    records: int = 0
    property_examples: int = 0
    by_property_examples: dict[str, Widening] = dataclasses.field(default_factory=dict)
    by_responses: dict[str, Widening] = dataclasses.field(default_factory=dict)
    varies: list[str] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text lines."""
        out = [
            f"response examples: {self.responses} ({self.records} records of the streams)",
            f"property examples: {self.property_examples}",
            f"schema changes forced by property examples: {len(self.by_property_examples)}",
        ]
        out += [f"  {w.path}: {w.before} -> {w.after}" for w in self.by_property_examples.values()]
        out.append(f"schema changes forced by response examples: {len(self.by_responses)}")
        out += [f"  {key}: {w.before} -> {w.after}" for key, w in self.by_responses.items()]
        out.append(f"properties whose structure varies (any value): {len(self.varies)}")
        out += [f"  {path}" for path in self.varies]
        return out


def build(
    spec_path: pathlib.Path, examples: list[dict[str, t.Any]], report: Report
) -> dict[str, dict[str, t.Any]]:
    """Build every stream schema from the spec at ``spec_path``, widened by ``examples``.

    Args:
        spec_path: The OpenAPI description the schemas come from.
        examples: Response examples (of every description) that must fit.
        report: Filled in with what the examples changed.

    Returns:
        ``{stream: schema}``.
    """
    spec = yaml.safe_load(spec_path.read_text())
    converter = Converter(spec["components"]["schemas"])
    result: dict[str, dict[str, t.Any]] = {}
    for stream, (component, extra) in STREAMS.items():
        schema = (
            converter.convert({"$ref": f"#/components/schemas/{component}"}, 0)
            if component
            else {"type": "object", "properties": {}}
        )
        properties = schema.setdefault("properties", {})
        for key in DROP.get(stream, ()):
            properties.pop(key, None)
        properties.update(extra)
        schema["type"] = "object"
        schema.pop("description", None)
        result[stream] = schema
    report.responses = len(examples)
    for example in examples:
        for stream, record in stream_records(example):
            report.records += 1
            # Properties the tap reads through other streams are not the record's.
            kept = {k: v for k, v in record.items() if k not in DROP.get(stream, ())}
            for change in widen(result[stream], kept, add_missing=True):
                report.by_responses.setdefault(f"{stream}: {change.path}", change)
    for stream, schema in result.items():
        properties = schema["properties"]
        for key in KEYS.get(stream, ("id",)):
            properties[key]["type"] = [
                k for k in _types(properties[key].get("type")) if k != "null"
            ]
        result[stream] = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "description": f"Intercom {STREAMS[stream][0] or stream} "
            f"({spec['info'].get('version', '?')} spec)",
            **schema,
        }
    report.property_examples = len(converter.example_paths)
    report.by_property_examples = converter.widened
    report.varies = sorted(converter.varies)
    return result


def main() -> None:
    """Write the schema files and the examples; print the report."""
    spec_paths = [pathlib.Path(arg) for arg in sys.argv[1:]]
    if not spec_paths:
        sys.exit("usage: generate_schemas.py SPEC.yaml [MORE_SPECS.yaml ...]")
    examples = []
    for spec_path in spec_paths:
        spec = yaml.safe_load(spec_path.read_text())
        examples += response_examples(spec, str(spec["info"].get("version", spec_path.stem)))
    report = Report()
    for stream, schema in build(spec_paths[0], examples, report).items():
        path = SCHEMAS_DIR / f"{stream}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=False) + "\n")
    write_examples(examples)
    print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
