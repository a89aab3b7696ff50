"""Bad input ends the run with one line naming stream, record and field (no traceback).

Pure: checks schemas and wraps validators.
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.errors import TargetError
from target_azure_sqldw.ingest.validation import CompiledValidator

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

#: Columns a dedicated pool table may have.
MAX_COLUMNS = 1024


class BadStreamError(TargetError, ValueError):
    """A SCHEMA message describes a stream no table can take."""


def check_stream(
    stream: str, properties: Iterable[str], key_properties: Sequence[str], extra_columns: int = 0
) -> None:
    """Refuse a stream whose keys are not properties, or with more columns than a table holds.

    Args:
        stream: The stream name.
        properties: Its schema's properties (with the ``_sdc_*`` metadata, when added).
        key_properties: Its key properties.
        extra_columns: Columns the target adds beyond the properties (``_sdc_truncated``).

    Raises:
        BadStreamError: Naming the stream and the missing key or the column count.
    """
    names = list(properties)
    missing = [key for key in key_properties if key not in names]
    if missing:
        keys = ", ".join(repr(key) for key in missing)
        msg = f"stream {stream!r}: key property {keys} is not a property of its schema"
        raise BadStreamError(msg)
    count = len(names) + extra_columns
    if count > MAX_COLUMNS:
        msg = (
            f"stream {stream!r} needs {count} columns (its properties and the target's "
            f"_sdc_* columns); a table holds at most {MAX_COLUMNS}"
        )
        raise BadStreamError(msg)


def describe_invalid(exc: InvalidRecord) -> str:
    """Where and how a record breaks its schema: ``field 'a.b': must be integer``.

    Args:
        exc: The validator's error (fastjsonschema's or jsonschema's as its cause).

    Returns:
        The field (when the error is inside one) and the reason.
    """
    cause = exc.__cause__
    path: list[t.Any] = []
    reason = str(getattr(exc, "error_message", "") or exc)
    name = getattr(cause, "name", None)
    found_path = getattr(cause, "path", None)
    if isinstance(found_path, list) and name:
        # fastjsonschema: path ['data', 'a', 0], message 'data.a[0] must be integer'.
        path = found_path[1:]
        message = str(getattr(cause, "message", reason))
        reason = message[len(name) :].strip() if message.startswith(name) else message
    elif hasattr(cause, "absolute_path"):
        # jsonschema: absolute_path deque(['a', 0]), message "'x' is not of type 'integer'".
        path = list(getattr(cause, "absolute_path", ()))
        reason = str(getattr(cause, "message", reason))
    if isinstance(found_path, list) and name:
        # fastjsonschema names the place as the message does: 'data.a.b[0]'.
        field = "" if name == "data" else str(name).removeprefix("data.")
    else:
        field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
        field = field.removeprefix(".")
    return f"field {field!r}: {reason}" if field else reason


class NamingValidator(CompiledValidator):
    """The compiled validator, with errors naming the stream, the record and the field.

    Args:
        schema: The stream's JSON Schema.
        stream: The stream name.
        record_number: Returns the number of the record being validated.
    """

    def __init__(
        self, schema: dict[str, t.Any], stream: str, record_number: Callable[[], int]
    ) -> None:
        super().__init__(schema)
        self.stream = stream
        self.record_number = record_number

    def validate(self, record: dict[str, t.Any]) -> None:
        """Raise when the record breaks the schema.

        Args:
            record: The record.

        Raises:
            RecordRejectedError: ``stream 's', record N, field 'f': reason``.
        """
        try:
            super().validate(record)
        except InvalidRecord as exc:
            raise rejected(self.stream, self.record_number(), exc) from None


class NamingWrapper(BaseJSONSchemaValidator):
    """singer-sdk's own validator (a schema fastjsonschema cannot compile), errors named.

    Args:
        validator: The validator.
        stream: The stream name.
        record_number: Returns the number of the record being validated.
    """

    def __init__(
        self, validator: BaseJSONSchemaValidator, stream: str, record_number: Callable[[], int]
    ) -> None:
        super().__init__(validator.schema)
        self.validator = validator
        self.stream = stream
        self.record_number = record_number

    def validate(self, record: dict[str, t.Any]) -> None:
        """Raise when the record breaks the schema.

        Args:
            record: The record.

        Raises:
            RecordRejectedError: ``stream 's', record N, field 'f': reason``.
        """
        try:
            self.validator.validate(record)
        except InvalidRecord as exc:
            raise rejected(self.stream, self.record_number(), exc) from None


def rejected(stream: str, number: int, exc: InvalidRecord) -> RecordRejectedError:
    """The one-line error of a record that breaks its schema.

    Args:
        stream: The stream name.
        number: The record's position in the stream (1-based).
        exc: The validator's error.

    Returns:
        ``stream 's', record N, field 'f': reason`` (no values beyond the validator's).
    """
    where = describe_invalid(exc)
    joiner = ", " if where.startswith("field ") else ": "
    return RecordRejectedError(f"stream {stream!r}, record {number}{joiner}{where}")
