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
import logging
import os
import random
import typing as t

import pytest

from target_azure_sqldw.encode.column_formatters import TypedValues
from target_azure_sqldw.encode.values import RecordRejectedError
from target_azure_sqldw.ingest import column_pipeline
from target_azure_sqldw.ingest.column_checks import compiled_check, simple_check
from target_azure_sqldw.ingest.column_pipeline import ChunkColumns
from target_azure_sqldw.ingest.reader import BadInputLineError
from target_azure_sqldw.load.sql.statement import Statement
from target_azure_sqldw.stage.blob_store import BlobStage
from tests.target.recording_connector import RecordingConnector, make_target

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
#: tap-postgres's types: numeric(p,s) as multipleOf, date, time, timestamptz; and bounded
#: integers, anyOf with null, string lengths.
TYPED: dict[str, t.Any] = {
    "amount": {"type": ["number", "null"], "multipleOf": 0.01},
    "rate": {"type": ["number", "null"], "multipleOf": 1e-06},
    "born": {"type": ["string", "null"], "format": "date"},
    "opens": {"type": ["string", "null"], "format": "time"},
    "seen": {"type": ["string", "null"], "format": "date-time"},
    "level": {"type": ["integer", "null"], "minimum": 0, "maximum": 32767},
    "code": {"anyOf": [{"type": "string", "maxLength": 6}, {"type": "null"}]},
    "parts": {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 1}, "at": {"type": "string"}},
            "required": ["n"],
        },
    },
}
D = decimal.Decimal
STAMPS = [
    "2024-01-31T12:00:00Z",
    "2024-01-31T12:00:00.250000Z",
    "2024-01-31T14:00:00+02:00",
    "2024-01-31T12:00:00",
    "2024-01-31T12:00:00.25Z",
]


def typed_values(rng: random.Random, i: int) -> dict[str, t.Any]:
    """Values of the typed properties; numbers as JSON text, placed by :func:`tap_lines`."""
    return {
        "amount": rng.choice(["12.50", "-0.01", "7", "1.230", "99999999999999999999999999999.99"]),
        "rate": rng.choice(["0.000001", "3.141593", "1E-6", "2.5", "0"]),
        "born": rng.choice(["2024-02-29", "1900-01-01", None]),
        "opens": rng.choice(["08:30:00", "23:59:59.999999", None]),
        "seen": rng.choice(["2024-01-31T14:00:00+02:00", "2024-01-31T12:00:00-05:30", None]),
        "level": rng.choice([0, 32767, 12, None]),
        "code": rng.choice(["ABC", "ÄÖÜ123", None]),
        "parts": rng.choice([[{"n": 1, "at": "x"}, {"n": 2}], [], None]),
    }


def make_records(count: int, seed: int, *, typed: bool = False) -> list[dict[str, t.Any]]:
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
        if typed:
            record.update(typed_values(rng, i))
        if i % 700 == 699:
            # An unknown field sends its chunk to the record path; an offset, a short
            # fraction or a naive time leave the UTC text shortcut for the parsed values.
            record.update(
                rng.choice([{"extra": 1}, {"at": STAMPS[2]}, {"at": STAMPS[4]}, {"at": STAMPS[3]}])
            )
        records.append(record)
    return records


def tap_lines(
    records: list[dict[str, t.Any]],
    raw_numbers: dict[int, str] | None = None,
    *,
    typed: bool = False,
) -> str:
    """The Singer lines of the records (``typed``: with the typed properties in the schema).

    The typed numbers are written as the JSON numbers their texts spell, as a tap writes them.
    """
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], **TYPED}} if typed else SCHEMA
    out = [
        json.dumps(
            {"type": "SCHEMA", "stream": "s", "schema": schema, "key_properties": ["id", "tenant"]},
        )
    ]
    for n, record in enumerate(records):
        line = json.dumps({"type": "RECORD", "stream": "s", "record": record})
        if raw_numbers and n in raw_numbers:
            line = line.replace('"score": 7', f'"score": {raw_numbers[n]}')
        for name in ("amount", "rate"):
            if isinstance(record.get(name), str):
                line = line.replace(f'"{name}": "{record[name]}"', f'"{name}": {record[name]}')
        out.append(line)
    out.append(json.dumps({"type": "STATE", "value": {"n": len(records)}}))
    return "\n".join(out) + "\n"


def staged_files(
    blob_stage: BlobStage,
    text: str,
    *,
    chunks: bool,
    monkeypatch: pytest.MonkeyPatch,
    method: str = "copy",
    processes: int = 0,
    batch_size_rows: int = 1000,
    **extra: t.Any,
) -> tuple[list[str], t.Any]:
    """Run the target over ``text``; return every staged file's text, in load order.

    With ``processes``, the input is bytes (as stdin is), so full chunks go to that many
    staging processes.
    """
    with monkeypatch.context() as patch:
        if not chunks:
            patch.setattr(column_pipeline, "chunk_columns", lambda sink, path: None)
        target, connector = make_target(
            blob_stage,
            method,
            batch_size_rows=batch_size_rows,
            staging_processes=processes,
            **extra,
        )
        captured: list[str] = []

        def grab(statement: Statement, cursor: t.Any = None) -> int:
            if statement.sql.startswith(("COPY INTO", "CREATE EXTERNAL TABLE")):
                for name in sorted(connector.stage.list_names("stage")):
                    data = connector.stage.client.download_blob(name).readall()
                    captured.append(gzip.decompress(data).decode())
            return RecordingConnector.execute(connector, statement, cursor)

        connector.execute = grab  # type: ignore[method-assign]
        target.listen(io.BytesIO(text.encode()) if processes else io.StringIO(text))
        paths = list(target.pipelines.values())
    return captured, paths


@pytest.mark.parametrize("typed", [False, True], ids=["plain", "typed"])
@pytest.mark.parametrize("method", ["copy", "polybase"])
@pytest.mark.parametrize("validate", [True, False])
def test_chunks_stage_the_same_files_as_records(
    blob_stage: BlobStage,
    monkeypatch: pytest.MonkeyPatch,
    validate: bool,
    method: str,
    typed: bool,
) -> None:
    records = make_records(3000, seed=5, typed=typed)
    for n in (7, 8, 9):
        records[n]["score"] = 7
    text = tap_lines(
        records, raw_numbers={7: "1.50", 8: "2.0", 9: "0.10000000000000001"}, typed=typed
    )
    extra = {"validate_records": validate, "allow_float_rounding": True, "method": method}
    chunked, paths = staged_files(blob_stage, text, chunks=True, monkeypatch=monkeypatch, **extra)
    single, _ = staged_files(blob_stage, text, chunks=False, monkeypatch=monkeypatch, **extra)
    forked, forked_paths = staged_files(
        blob_stage, text, chunks=True, monkeypatch=monkeypatch, processes=2, **extra
    )
    assert len(chunked) == 3
    assert chunked == single
    assert forked == single
    (path,) = paths
    # Most records went by column; the declined chunks (and only those) went one by one.
    assert path.chunked >= 1000
    assert path.single >= 1
    assert path.chunked + path.single == 3000
    # Full chunks were encoded by the staging processes; the declined ones were staged here.
    (forked_path,) = forked_paths
    assert forked_path.handed_over >= 1
    assert (forked_path.chunked, forked_path.single) == (path.chunked, path.single)


@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_staging_processes_stage_the_same_files_with_chunks_in_flight(
    blob_stage: BlobStage, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Several chunks in flight, batches ending inside a chunk, declined chunks among them."""
    records = make_records(7300, seed=11, typed=True)
    text = tap_lines(records, typed=True)
    runs = {
        processes: staged_files(
            blob_stage,
            text,
            chunks=True,
            monkeypatch=monkeypatch,
            method=method,
            processes=processes,
            batch_size_rows=2500,
        )
        for processes in (0, 1, 3)
    }
    files = {processes: run[0] for processes, run in runs.items()}
    assert len(files[0]) == 3
    assert files[1] == files[0]
    assert files[3] == files[0]
    for processes in (1, 3):
        (path,) = runs[processes][1]
        # 2 full chunks per batch of 2,500 (the last 500 are a partial chunk), 7 in all.
        assert path.handed_over >= 5
        assert path.chunked + path.single == 7300


def test_a_staging_process_that_dies_leaves_its_chunk_to_the_target(
    blob_stage: BlobStage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    records = make_records(5000, seed=3)
    text = tap_lines(records)
    expected, _ = staged_files(
        blob_stage, text, chunks=True, monkeypatch=monkeypatch, batch_size_rows=5000
    )
    encode = column_pipeline.ColumnPipeline._encode_lines

    def dies_on_the_third_chunk(self: t.Any, job: t.Any) -> t.Any:
        if job[3] == 2000:  # the batch row of the chunk's first record
            os._exit(9)
        return encode(self, job)

    monkeypatch.setattr(column_pipeline.ColumnPipeline, "_encode_lines", dies_on_the_third_chunk)
    files, paths = staged_files(
        blob_stage, text, chunks=True, monkeypatch=monkeypatch, processes=2, batch_size_rows=5000
    )
    assert files == expected
    (path,) = paths
    assert 1 <= path.handed_over < 5
    assert path.chunked + path.single == 5000
    assert "s: a staging process ended; staging in this one" in caplog.text


@pytest.mark.parametrize("idle", [0.0, 3600.0], ids=["idle", "busy"])
def test_a_stream_s_idle_staging_processes_end_when_the_next_stream_starts_its_own(
    blob_stage: BlobStage,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    idle: float,
) -> None:
    """Two big streams one after the other: the first's processes end before the second's start.

    Unless they handed over a chunk within ``IDLE_PROCESS_SECONDS``; the files are the same.
    """
    first = tap_lines(make_records(2500, seed=3))
    second = tap_lines(make_records(2500, seed=4)).replace('"stream": "s"', '"stream": "t"')
    expected, _ = staged_files(
        blob_stage, first + second, chunks=True, monkeypatch=monkeypatch, batch_size_rows=5000
    )
    monkeypatch.setattr(column_pipeline, "IDLE_PROCESS_SECONDS", idle)
    with caplog.at_level(logging.INFO):
        files, paths = staged_files(
            blob_stage,
            first + second,
            chunks=True,
            monkeypatch=monkeypatch,
            processes=2,
            batch_size_rows=5000,
        )
    assert files == expected
    # Each stream's processes encoded at least one of its two full chunks (a chunk with a
    # record the chunk path declines is staged here), and every record was staged once.
    assert all(path.handed_over >= 1 for path in paths)
    assert [path.chunked + path.single for path in paths] == [2500, 2500]
    messages = [record.getMessage() for record in caplog.records]
    started = [
        m
        for m in messages
        if m.endswith("staging processes decode, check and encode its full chunks")
    ]
    ended = [m for m in messages if "its staging processes ended" in m]
    assert started == [
        f"{s}: 2 staging processes decode, check and encode its full chunks" for s in "st"
    ]
    if idle:
        assert ended == []
    else:
        [end] = ended
        assert end.startswith("s: its staging processes ended (no full chunk for "), end
        assert messages.index(started[0]) < messages.index(ended[0]) < messages.index(started[1])


BAD_TYPED = [
    ({"amount": "12.345"}, RecordRejectedError),
    ({"rate": "0.0000001"}, RecordRejectedError),
    ({"amount": "1E+40"}, RecordRejectedError),
    ({"level": 32768}, RecordRejectedError),
    ({"level": -1}, RecordRejectedError),
    ({"code": "TOOLONG"}, RecordRejectedError),
    ({"code": 5}, RecordRejectedError),
    ({"born": "2024-02-30"}, RecordRejectedError),
    ({"opens": "25:00:00"}, RecordRejectedError),
    ({"seen": "2024-01-31T12:00:00+25:00"}, RecordRejectedError),
    ({"parts": [{"n": 0}]}, RecordRejectedError),
    ({"parts": [{"at": "x"}]}, RecordRejectedError),
]


@pytest.mark.parametrize(
    ("bad", "error"),
    BAD_TYPED,
    ids=[
        "multiple-of-cents",
        "multiple-of-micros",
        "decimal-too-large",
        "above-maximum",
        "below-minimum",
        "any-of-length",
        "any-of-type",
        "bad-date",
        "bad-time",
        "bad-offset",
        "nested-minimum",
        "nested-required",
    ],
)
@pytest.mark.parametrize("method", ["copy", "polybase"])
def test_a_bad_typed_record_ends_both_ways_with_the_same_error(
    blob_stage: BlobStage,
    monkeypatch: pytest.MonkeyPatch,
    bad: dict[str, t.Any],
    error: type[Exception],
    method: str,
) -> None:
    records = make_records(1500, seed=9, typed=True)
    records[1234] = {**records[1234], **bad}
    text = tap_lines(records, typed=True)
    messages = []
    for chunks in (True, False):
        with pytest.raises(error) as info:
            staged_files(blob_stage, text, chunks=chunks, monkeypatch=monkeypatch, method=method)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "record 1235" in messages[0]


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


@pytest.mark.parametrize(
    ("bad", "malformed"),
    [({"name": 5}, False), ({"name": 5}, True), (None, True)],
    ids=["bad-record", "bad-record-then-bad-line", "bad-line"],
)
def test_bad_input_in_chunks_in_flight_ends_with_the_same_error(
    blob_stage: BlobStage,
    monkeypatch: pytest.MonkeyPatch,
    bad: dict[str, t.Any] | None,
    malformed: bool,
) -> None:
    """The first bad record or line ends the run, as when every chunk is staged in turn.

    The bad record's chunk (the second) is still in flight when the reader meets the bad
    line (in the fourth): it is staged first, and its error is the one reported.
    """
    records = make_records(5000, seed=9)
    if bad is not None:
        records[1234] = {**records[1234], **bad}
    lines = tap_lines(records).splitlines()
    if malformed:
        lines[3500] = lines[3500][:-5]
    text = "\n".join(lines) + "\n"
    messages = []
    for processes in (0, 2):
        with pytest.raises((RecordRejectedError, BadInputLineError)) as info:
            staged_files(
                blob_stage,
                text,
                chunks=True,
                monkeypatch=monkeypatch,
                processes=processes,
                batch_size_rows=10_000,
            )
        messages.append((type(info.value), str(info.value)))
    assert messages[0] == messages[1]
    assert ("record 1235" if bad else "input line 3501 is not valid JSON") in messages[0][1]


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


@pytest.mark.parametrize("metadata", [False, True])
def test_columns_are_the_same_read_together_or_one_by_one(metadata: bool) -> None:
    """Records with every field are read in one pass; a left-out NULL reads column by column."""
    sources = [*SCHEMA["properties"], *(["_sdc_deleted_at", "_sdc_batched_at"] if metadata else [])]
    columns = ChunkColumns(SCHEMA, sources, validate=True, metadata=metadata)
    full = [
        {
            "id": n,
            "tenant": 1,
            "name": None if n % 2 else f"n{n}",
            "note": "short",
            "score": n / 4,
            "flag": n % 3 == 0,
            "at": "2024-01-31T12:00:00Z",
            "day": "2024-02-29",
            "obj": {"a": "x"},
            "arr": [n],
        }
        for n in range(6)
    ]
    # The same records with their NULL names left out.
    sparse = [{k: v for k, v in r.items() if v is not None} for r in full]
    constants = {"_sdc_batched_at": "now"} if metadata else {}
    messages = [{"record": r} for r in full]
    together = columns.columns(messages, full, constants)
    one_by_one = columns.columns(messages, sparse, constants)
    assert together is not None
    assert together == one_by_one
    # Both ways were taken.
    assert columns._read_together(full) is not None
    assert columns._read_together(sparse) is None
    # Each column with the set of its values' types, for the formatters.
    assert together[2] == TypedValues(
        [None if n % 2 else f"n{n}" for n in range(6)], {str, type(None)}
    )
    assert together[4] == TypedValues([n / 4 for n in range(6)], {float})
    single = ChunkColumns(SCHEMA, ["id"], validate=True, metadata=False)
    assert single.columns(messages, [{"id": 1}, {"id": 2}], {}) == [TypedValues([1, 2], {int})]


NESTED = {
    "type": ["object", "null"],
    "properties": {
        "type": {"type": "string"},
        "count": {"type": ["integer", "null"]},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
                "required": ["id"],
            },
        },
        "where": {"type": ["object", "null"], "properties": {"city": {"type": "string"}}},
    },
}


def test_nested_checks_agree_with_the_compiled_validator() -> None:
    """Objects with every property (read in one pass) or some left out, valid or not."""
    simple = simple_check(NESTED)
    compiled = compiled_check(NESTED)
    assert simple is not None
    assert compiled is not None
    rng = random.Random(3)
    pool = {
        "type": ["list", "x", 5, None],
        "count": [0, 7, None, "7", 1.5, True],
        "data": [[], [{"id": "a"}], [{"id": "a", "n": 1}, {"n": 2}], [{"id": 1}], "no", None],
        "where": [{"city": "Zürich"}, {}, None, {"city": None}, []],
    }
    checked = {True: 0, False: 0}
    for size in [1, 2, 5, 30] * 40:
        values: list[t.Any] = []
        for _ in range(size):
            full = rng.random() < 0.7  # mostly objects with every property
            value = {k: rng.choice(v[:2]) for k, v in pool.items() if full or rng.random() < 0.5}
            if rng.random() < 0.3:
                name = rng.choice(list(pool))
                value[name] = rng.choice(pool[name])
            values.append(None if rng.random() < 0.05 else value)
        verdict = compiled(values)
        assert simple(values) == verdict, values
        checked[verdict] += 1
    assert min(checked.values()) > 20


def test_column_checks_of_bounds_lengths_multiples_and_nullable_any_of() -> None:
    level = simple_check(TYPED["level"], top_level=True)
    assert level is not None
    assert level([0, 32767, None])
    assert not level([32768])
    assert not level([-1, 5])
    cents = simple_check(TYPED["amount"], top_level=True)
    assert cents is not None
    assert cents([D("12.50"), D("1.230"), 7, None, D("99999999999999999999999999999999999.99")])
    assert not cents([D("12.505")])
    assert not cents([12.5])  # floats keep the compiled float arithmetic (record path)
    # A nested or anyOf-branch multipleOf is left to the compiled code, as the record path does.
    assert simple_check(TYPED["amount"]) is None
    assert (
        simple_check({"anyOf": [{"type": "number", "multipleOf": 0.01}, {"type": "null"}]}) is None
    )
    code = simple_check(TYPED["code"], top_level=True)
    assert code is not None
    assert code(["ABC", "ÄÖÜ123", None])
    assert not code(["ABCDEFG"])
    assert not code([5])
    assert simple_check({"anyOf": [{"type": "string"}, {"type": "integer"}]}) is None
    assert simple_check({"type": "integer", "exclusiveMinimum": 0}) is None
    assert simple_check({"type": "integer", "minimum": True}) is None


def test_compiled_check_judges_each_value_it_cannot_compute_with_singer_sdk() -> None:
    nested = {"type": "object", "properties": {"p": {"type": "number", "multipleOf": D("0.01")}}}
    check = compiled_check(nested)
    assert check is not None
    # The compiled code divides the Decimal by a float: only that value is judged again.
    assert check([{"p": D("1.25")}, {"p": 3}, {}])
    assert not check([{"p": D("1.255")}])


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["integer", "null"], "minimum": 0},
        {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
        {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.01")},
        {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        {"type": ["array", "null"], "items": {"type": "boolean"}},
        {"type": "string", "pattern": "^a"},  # compiled
    ],
)
def test_checks_given_the_types_decide_as_without(schema: dict) -> None:
    """The column pipeline hands each check the set of its values' types: the same verdicts."""
    check = simple_check(schema, top_level=True) or compiled_check(schema)
    assert check is not None
    samples = [None, 0, -1, 7, True, 1.5, decimal.Decimal("0.25"), decimal.Decimal("0.001")]
    samples += ["a", "abcd", "", {"a": 1}, {"b": 1}, [True], [1], []]
    rng = random.Random(11)
    for values in [[value] for value in samples] + [rng.sample(samples, 4) for _ in range(200)]:
        assert check(values, set(map(type, values))) == check(values), (schema, values)
