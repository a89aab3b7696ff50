"""A compiled JSON Schema validator for records (``validate_records``).

singer-sdk validates every record with the ``jsonschema`` package, interpreting the schema
on each call; that took most of the target's time. fastjsonschema compiles the schema into
Python code once per sink, checking the same rules. A schema it cannot compile falls back to
singer-sdk's validator, so ``validate_records`` keeps its meaning either way.
"""

from __future__ import annotations

import typing as t

import fastjsonschema
from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator, JSONSchemaValidator


class CompiledValidator(BaseJSONSchemaValidator):
    """Validate records against a stream's schema with a compiled fastjsonschema function."""

    def __init__(self, schema: dict[str, t.Any]) -> None:
        """Compile the schema; string formats are not checked (the value codecs parse them).

        Args:
            schema: The stream's JSON Schema.
        """
        super().__init__(schema)
        # Formats are left to values.py, which parses every date, time and date-time.
        self._check = fastjsonschema.compile(without_formats(schema), use_default=False)
        self._interpreted: JSONSchemaValidator | None = None

    def validate(self, record: dict[str, t.Any]) -> None:
        """Raise ``InvalidRecord`` when the record breaks the schema.

        Args:
            record: The record.

        Raises:
            InvalidRecord: With fastjsonschema's message.
        """
        try:
            self._check(record)
        except fastjsonschema.JsonSchemaValueException as exc:
            # InvalidRecord adds "Record Message Validation Error: " itself.
            raise InvalidRecord(exc.message, record) from exc
        except TypeError:
            # The compiled code divides Decimals by floats for ``multipleOf``; such a record
            # is checked by singer-sdk's validator, which does decimal arithmetic.
            if self._interpreted is None:
                self._interpreted = JSONSchemaValidator(self.schema)
            self._interpreted.validate(record)


def without_formats(schema: t.Any) -> t.Any:
    """A copy of the schema without ``format`` keywords (formats are the codecs' job).

    Args:
        schema: A JSON Schema or part of one.

    Returns:
        The copy.
    """
    if isinstance(schema, dict):
        return {
            key: (without_formats(value) if key != "format" else value)
            for key, value in schema.items()
            if not (key == "format" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [without_formats(item) for item in schema]
    return schema


def compile_validator(schema: dict[str, t.Any]) -> CompiledValidator | None:
    """The compiled validator, or None when fastjsonschema cannot compile the schema.

    Args:
        schema: The stream's JSON Schema.

    Returns:
        The validator, or None.
    """
    try:
        return CompiledValidator(schema)
    except (fastjsonschema.JsonSchemaDefinitionException, TypeError, ValueError):
        return None
