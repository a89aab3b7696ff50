"""singer-sdk's sample streams loaded into the emulator, with the rows asserted.

The SDK's own target tests only check that nothing raises; these run the same input files and
compare the warehouse with what the messages say should be there: the last record per key
tuple for keyed streams, every record otherwise, values equal (JSON text parsing back equal).
"""

from __future__ import annotations

import decimal
import importlib.resources
import io
import json
import typing as t
import uuid

import pytest

from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.schema.names import (
    conform_column_names,
    quote_identifier,
    quote_table,
    table_name_for_stream,
)
from target_azure_sqldw.target import TargetAzureSQLDW

FILES = [
    "array_data",
    "camelcase",
    "camelcase_complex_schema",
    "duplicate_records",
    "encoded_string_data",
    "multiple_state_messages",
    "no_primary_keys",
    "no_primary_keys_append",
    "optional_attributes",
    "pk_updates",
    "record_missing_fields",
    "schema_no_properties",
    "schema_updates",
    "special_chars_in_attributes",
    "user_location_data",
    "user_location_upsert_data",
]


def sample(name: str) -> str:
    root = importlib.resources.files("singer_sdk.testing") / "target_test_streams"
    return (root / f"{name}.singer").read_text(encoding="utf-8")


def expected_tables(text: str) -> dict[str, tuple[list[str], list[dict]]]:
    """Stream name -> (property names, final records) as the messages define them."""
    keys: dict[str, list[str]] = {}
    props: dict[str, list[str]] = {}
    rows: dict[str, dict[t.Any, dict]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        message = json.loads(line, parse_float=decimal.Decimal)
        stream = message.get("stream")
        if message["type"] == "SCHEMA":
            keys[stream] = message.get("key_properties") or []
            props[stream] = list(message["schema"]["properties"])
            rows.setdefault(stream, {})
        elif message["type"] == "RECORD":
            record = message["record"]
            key = tuple(record.get(k) for k in keys[stream]) if keys[stream] else len(rows[stream])
            rows[stream][key] = record
    return {s: (props[s], list(rows[s].values())) for s in rows}


def normalise(value: t.Any) -> t.Any:
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    return value


def matches(expected: t.Any, actual: t.Any) -> bool:
    if isinstance(expected, (dict, list)):
        return actual is not None and json.loads(actual, parse_float=decimal.Decimal) == expected
    return normalise(expected) == normalise(actual)


@pytest.mark.fabric_too
@pytest.mark.parametrize("name", FILES)
def test_sample_stream_rows(
    name: str, sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    schema = f"sdk_{uuid.uuid4().hex[:8]}"
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": "sdk-data",
        "default_target_schema": schema,
    }
    text = sample(name)
    target = TargetAzureSQLDW(config=config)
    target.listen(io.StringIO(text))
    states = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert len(states) <= 1
    connector = AzureSQLDWConnector(config)
    try:
        for stream, (properties, records) in expected_tables(text).items():
            columns = conform_column_names(properties)
            table = table_name_for_stream(stream)
            cols = ", ".join(quote_identifier(columns[p]) for p in properties)
            if not records:
                # A table is created by its first batch: a stream without records has none.
                assert connector.table_columns(schema, table) == {}, stream
                continue
            actual = connector.query(Statement(f"SELECT {cols} FROM {quote_table(schema, table)}"))
            assert len(actual) == len(records), stream
            unmatched = [dict(zip(properties, row, strict=True)) for row in actual]
            for record in records:
                found = next(
                    (
                        row
                        for row in unmatched
                        if all(matches(record.get(p), row[p]) for p in properties)
                    ),
                    None,
                )
                assert found is not None, f"{stream}: no row for {record}; rows: {unmatched}"
                unmatched.remove(found)
    finally:
        connector.close()


@pytest.mark.fabric_too
def test_record_missing_a_required_property_is_refused(
    sqldw_config: dict[str, t.Any], capsys: pytest.CaptureFixture[str]
) -> None:
    schema = f"sdk_{uuid.uuid4().hex[:8]}"
    config = {**sqldw_config, "bulk_load_method": "copy", "default_target_schema": schema}
    target = TargetAzureSQLDW(config=config)
    with pytest.raises(
        RecordRejectedError,
        match=r"^stream 'test_record_missing_required_property', record 1: must contain \['id'\]",
    ):
        target.listen(io.StringIO(sample("record_missing_required_property")))
    assert capsys.readouterr().out == ""
