"""Records staged a chunk at a time give exactly the files and errors of record-by-record staging.

The target runs twice over the same input against real Azurite and the recording connector
of ``test_sink_orchestration``: once as it ships (chunks checked and encoded by column, falling
back to the record path when a chunk cannot be proved) and once with chunks turned off. The
staged files must be byte for byte the same, and a bad record must end both runs with the
same error.
"""

from __future__ import annotations

import decimal
import gzip
import io
import json
import random
import typing as t

import pytest

from target_azure_sqldw import chunkpath
from target_azure_sqldw.blobstore import BlobStage
from target_azure_sqldw.chunkpath import ChunkColumns, simple_check
from target_azure_sqldw.sql.statement import Statement
from target_azure_sqldw.values import RecordRejectedError
from tests.target.test_sink_orchestration import RecordingConnector, make_target

SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "tenant": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"], "maxLength": 12},
        "score": {"type": ["number", "null"]},
        "flag": {"type": ["boolean", "null"]},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "day": {"type": ["string", "null"], "format": "date"},
        "obj": {"type": ["object", "null"], "properties": {"a": {"type": ["string", "null"]}}},
        "arr": {"type": ["array", "null"], "items": {"type": "integer"}},
    },
    "required": ["id"],
}
STAMPS = [
    "2024-01-31T12:00:00Z",
    "2024-01-31T12:00:00.250000Z",
    "2024-01-31T14:00:00+02:00",
    "2024-01-31T12:00:00",
    "2024-01-31T12:00:00.25Z",
]


def make_records(count: int, seed: int) -> list[dict[str, t.Any]]:
    """Valid records; every 700th has a shape the chunk path declines (the record path takes it)."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        record: dict[str, t.Any] = {
            "id": i % 900,
            "tenant": rng.randrange(3),
            "name": rng.choice(["Zoë", 'q"uote', "pipe|back\\slash", "new\nline", "", None]),
            "note": rng.choice(["short", None, "x" * 12]),
            "score": rng.choice([1.5, -0.25, 3.0e-5, None, 7]),
            "flag": rng.choice([True, False, None]),
            "at": STAMPS[0] if i % 2 else STAMPS[1],
            "day": rng.choice(["2024-02-29", None]),
            "obj": rng.choice([{"a": "ü"}, {}, None, {"a": None}]),
            "arr": rng.choice([[1, 2], [], None]),
        }
        if i % 700 == 699:
            # An unknown field, an offset, a short fraction, a naive time, a Decimal-looking
            # number: each sends its chunk to the record path.
            record.update(
                rng.choice([{"extra": 1}, {"at": STAMPS[2]}, {"at": STAMPS[4]}, {"at": STAMPS[3]}])
            )
        records.append(record)
    return records


def tap_lines(records: list[dict[str, t.Any]], raw_numbers: dict[int, str] | None = None) -> str:
    out = [
        json.dumps(
            {"type": "SCHEMA", "stream": "s", "schema": SCHEMA, "key_properties": ["id", "tenant"]}
        )
    ]
    for n, record in enumerate(records):
        line = json.dumps({"type": "RECORD", "stream": "s", "record": record})
        if raw_numbers and n in raw_numbers:
            line = line.replace('"score": 7', f'"score": {raw_numbers[n]}')
        out.append(line)
    out.append(json.dumps({"type": "STATE", "value": {"n": len(records)}}))
    return "\n".join(out) + "\n"


def staged_files(
    blob_stage: BlobStage,
    text: str,
    *,
    chunks: bool,
    monkeypatch: pytest.MonkeyPatch,
    **extra: t.Any,
) -> tuple[list[str], t.Any]:
    """Run the target over ``text``; return every staged file's text, in load order."""
    with monkeypatch.context() as patch:
        if not chunks:
            patch.setattr(chunkpath, "chunk_columns", lambda sink, path: None)
        target, connector = make_target(blob_stage, "copy", batch_size_rows=1000, **extra)
        captured: list[str] = []

        def grab(statement: Statement, cursor: t.Any = None) -> int:
            if statement.sql.startswith("COPY INTO"):
                for name in sorted(connector.stage.list_names("stage")):
                    data = connector.stage.client.download_blob(name).readall()
                    captured.append(gzip.decompress(data).decode())
            return RecordingConnector.execute(connector, statement, cursor)

        connector.execute = grab  # type: ignore[method-assign]
        target.listen(io.StringIO(text))
        paths = list(target._record_paths.values())
    return captured, paths


@pytest.mark.parametrize("validate", [True, False])
def test_chunks_stage_the_same_files_as_records(
    blob_stage: BlobStage, monkeypatch: pytest.MonkeyPatch, validate: bool
) -> None:
    records = make_records(3000, seed=5)
    for n in (7, 8, 9):
        records[n]["score"] = 7
    text = tap_lines(records, raw_numbers={7: "1.50", 8: "2.0", 9: "0.10000000000000001"})
    extra = {"validate_records": validate, "allow_float_rounding": True}
    chunked, paths = staged_files(blob_stage, text, chunks=True, monkeypatch=monkeypatch, **extra)
    single, _ = staged_files(blob_stage, text, chunks=False, monkeypatch=monkeypatch, **extra)
    assert len(chunked) == 3
    assert chunked == single
    (path,) = paths
    # Most records went by column; the declined chunks (and only those) went one by one.
    assert path.chunked >= 1000
    assert path.single >= 1
    assert path.chunked + path.single == 3000


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ({"obj": {"a": 5}}, RecordRejectedError),
        ({"note": "x" * 13}, RecordRejectedError),
        ({"arr": [1, "2"]}, RecordRejectedError),
        ({"name": 5}, RecordRejectedError),
        ({"id": None}, RecordRejectedError),
        ({"at": "2024-13-01T00:00:00Z"}, RecordRejectedError),
        ({"score": float("inf")}, RecordRejectedError),
    ],
    ids=["nested-type", "max-length", "item-type", "type", "null-key", "bad-date", "infinity"],
)
def test_a_bad_record_ends_both_ways_with_the_same_error(
    blob_stage: BlobStage,
    monkeypatch: pytest.MonkeyPatch,
    bad: dict[str, t.Any],
    error: type[Exception],
) -> None:
    records = make_records(1500, seed=9)
    records[1234] = {**records[1234], **bad}
    text = tap_lines(records)
    messages = []
    for chunks in (True, False):
        with pytest.raises(error) as info:
            staged_files(blob_stage, text, chunks=chunks, monkeypatch=monkeypatch)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_simple_check_follows_json_schema_types() -> None:
    check = simple_check(SCHEMA["properties"]["obj"])
    assert check is not None
    assert check([{"a": "x"}, None, {}, {"a": None, "other": [1]}])
    assert not check([{"a": 1}])
    assert not check(["x"])
    items = simple_check(SCHEMA["properties"]["arr"])
    assert items is not None
    assert items([[1, 2], None, []])
    assert not items([[1, 2.5]])
    assert not items([[True]])  # a boolean is not an integer
    number = simple_check({"type": "number"})
    assert number is not None
    assert number([1, 1.5, decimal.Decimal("1.50")])
    assert not number([True])
    assert simple_check({"type": "string", "pattern": "^a"}) is None
    assert simple_check({"type": "object", "additionalProperties": False}) is None


def test_unknown_and_missing_required_fields_decline_the_chunk() -> None:
    columns = ChunkColumns(SCHEMA, list(SCHEMA["properties"]), validate=True, metadata=False)
    good = [{"id": 1, "tenant": 1}, {"id": 2, "tenant": 1, "name": "x"}]
    messages = [{"record": r} for r in good]
    assert columns.columns(messages, good, {}) is not None
    assert columns.columns(messages, [*good[:1], {"id": 3, "x": 1}], {}) is None
    assert columns.columns(messages, [*good[:1], {"tenant": 3}], {}) is None
