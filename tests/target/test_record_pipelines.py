"""The record pipeline of each stream: chosen once, logged with its reason, forced by a setting.

The parity tests run every singer-sdk sample stream and every bad-input case of
``bad_input_cases.py`` through singer-sdk's own pipeline (``record_pipeline: sdk``) and
through ``auto``, with real uploads to Azurite, and compare the staged files byte for byte
and the error text.
"""

from __future__ import annotations

import csv
import gzip
import importlib.resources
import io
import logging
import typing as t
import uuid

import pytest

from target_azure_sqldw.errors import TargetError
from tests.target.bad_input_cases import LINE, cases
from tests.target.emulator_runs import message_text, run_cli
from tests.target.recording_connector import RecordingConnector, lines, make_target

if t.TYPE_CHECKING:
    import pathlib

    from target_azure_sqldw.load.sql.statement import Statement
    from target_azure_sqldw.stage.blob_store import BlobStage

SAMPLES = importlib.resources.files("singer_sdk.testing") / "target_test_streams"
SAMPLE_NAMES = sorted(
    entry.name.removesuffix(".singer")
    for entry in SAMPLES.iterdir()
    if entry.name.endswith(".singer")
)
BAD_CASES = sorted(cases("s"))
FLATTENING = {"flattening_enabled": True, "flattening_max_depth": 1}


def staged(
    blob_stage: BlobStage, text: str, pipeline: str, method: str, **extra: t.Any
) -> tuple[dict[str, list[bytes]], str | None]:
    """Run the target over ``text``: each stream's staged files in load order, and the error.

    Streams are kept apart because singer-sdk drains sinks in parallel threads at the end,
    so batches of different streams reach the loader in any order.
    """
    target, connector = make_target(
        blob_stage, method, batch_size_rows=1000, record_pipeline=pipeline, **extra
    )
    captured: dict[str, list[bytes]] = {}

    def grab(statement: Statement, cursor: t.Any = None) -> int:
        if statement.sql.startswith(("COPY INTO", "CREATE EXTERNAL TABLE")):
            for name in sorted(connector.stage.list_names("stage")):
                data = connector.stage.client.download_blob(name).readall()
                # stage/<stream>/<run>/<batch>/part-NNNNN
                captured.setdefault(name.split("/")[1], []).append(gzip.decompress(data))
        return RecordingConnector.execute(connector, statement, cursor)

    connector.execute = grab  # type: ignore[method-assign]
    try:
        target.listen(io.StringIO(text))
    except Exception as exc:
        return captured, f"{type(exc).__name__}: {exc}"
    return captured, None


@pytest.mark.parametrize("method", ["copy", "polybase"])
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sdk_sample_streams_stage_the_same_bytes(
    blob_stage: BlobStage, name: str, method: str
) -> None:
    text = (SAMPLES / f"{name}.singer").read_text(encoding="utf-8")
    by_sdk = staged(blob_stage, text, "sdk", method)
    by_auto = staged(blob_stage, text, "auto", method)
    assert by_auto == by_sdk
    files, error = by_sdk
    if '"RECORD"' in text:
        assert files or error, "the sample staged nothing"


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_gives_the_same_error_as_singer_sdk(blob_stage: BlobStage, case: str) -> None:
    """With metadata on, as on the command line (its timestamps differ between runs)."""
    text = message_text(cases("s")[case][0])
    files_sdk, by_sdk = staged(blob_stage, text, "sdk", "copy", add_record_metadata=True)
    files_auto, by_auto = staged(blob_stage, text, "auto", "copy", add_record_metadata=True)
    assert by_auto == by_sdk
    assert by_sdk is not None
    assert {s: len(f) for s, f in files_auto.items()} == {s: len(f) for s, f in files_sdk.items()}


def many(count: int) -> str:
    return lines([{"id": n, "tenant": 1, "name": f"n{n}"} for n in range(count)], stream="s")


@pytest.mark.parametrize("method", ["copy", "polybase"])
@pytest.mark.parametrize("pipeline", ["sdk", "row", "column"])
def test_every_pipeline_stages_the_same_bytes(
    blob_stage: BlobStage, pipeline: str, method: str
) -> None:
    text = many(2500)
    assert staged(blob_stage, text, pipeline, method) == staged(blob_stage, text, "auto", method)


RICH_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "score": {"type": ["number", "null"]},
        "active": {"type": ["boolean", "null"]},
        "seen_at": {"type": ["string", "null"], "format": "date-time"},
        "local_at": {"type": ["string", "null"], "format": "date-time"},
        "tags": {"type": ["object", "null"]},
    },
}


def rich(count: int, *, long_names: bool) -> str:
    """Records with text that each format quotes or escapes, numbers, dates and JSON."""
    records = [
        {
            "id": n,
            "name": 'Zoë "q" | \\ é' * 500 if long_names and n % 7 == 0 else f'n|{n}\\"',
            "note": None if n % 5 == 0 else ("line\nbreak\r|pipe" if n % 2 else ""),
            "score": n / 8,
            "active": n % 3 == 0,
            "seen_at": f"2026-12-07T01:{n % 60:02d}:00Z",
            # Some cross midnight in UTC.
            "local_at": f"2026-12-07T{n % 24:02d}:{n % 60:02d}:00.{n:06d}+05:30",
            "tags": {"k": [n, "ü"], "q": 'a"b', "f": [n / 7, -n / 8], "none": None},
        }
        for n in range(count)
    ]
    messages = [
        {"type": "SCHEMA", "stream": "s", "schema": RICH_SCHEMA, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "s", "record": record} for record in records),
        {"type": "STATE", "value": {"bookmarks": {"s": {"n": count}}}},
    ]
    return message_text(messages)


@pytest.mark.parametrize("method", ["copy", "polybase"])
@pytest.mark.parametrize("overflow", ["widen", "truncate"])
def test_each_format_stages_every_kind_of_value_as_singer_sdk_does(
    blob_stage: BlobStage, method: str, overflow: str
) -> None:
    """Record at a time (sdk), by column (auto) and with the truncate flag (auto: row)."""
    text = rich(2500, long_names=overflow == "truncate")
    by_sdk = staged(blob_stage, text, "sdk", method, string_overflow=overflow)
    by_auto = staged(blob_stage, text, "auto", method, string_overflow=overflow)
    assert by_auto == by_sdk
    files, error = by_sdk
    assert error is None
    (data,) = files.values()
    text = b"".join(data).decode("utf-8")
    if method == "copy":
        rows = list(csv.reader(io.StringIO(text)))  # text fields keep their newlines
    else:
        rows = [line.split("|") for line in text.splitlines()]
    assert len(rows) == 2500
    if overflow == "truncate":
        flags = [row[-2] for row in rows]  # _sdc_truncated, then the row number
        assert flags.count("1") == len(range(0, 2500, 7))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "s: column pipeline"),
        ({"record_pipeline": "row"}, "s: row pipeline (record_pipeline: row)"),
        ({"record_pipeline": "sdk"}, "s: sdk pipeline (record_pipeline: sdk)"),
        ({"string_overflow": "truncate"}, "s: row pipeline (string_overflow truncate)"),
        (FLATTENING, "s: sdk pipeline (stream map)"),
    ],
    ids=["auto", "row", "sdk", "truncate", "stream-map"],
)
def test_the_choice_is_logged_once_with_its_reason(
    blob_stage: BlobStage,
    caplog: pytest.LogCaptureFixture,
    extra: dict[str, t.Any],
    expected: str,
) -> None:
    target, _ = make_target(blob_stage, "copy", **extra)
    with caplog.at_level(logging.INFO, logger="target-azure-sqldw"):
        target.listen(io.StringIO(many(30)))
    chosen = [r.getMessage() for r in caplog.records if " pipeline" in r.getMessage()]
    assert chosen == [expected]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"record_pipeline": "column", "string_overflow": "truncate"}, "string_overflow truncate"),
        ({"record_pipeline": "row", **FLATTENING}, "stream map"),
        ({"record_pipeline": "column", **FLATTENING}, "stream map"),
    ],
    ids=["column-truncate", "row-stream-map", "column-stream-map"],
)
def test_a_forced_pipeline_that_cannot_take_a_stream_says_why(
    blob_stage: BlobStage, extra: dict[str, t.Any], reason: str
) -> None:
    target, _ = make_target(blob_stage, "copy", **extra)
    with pytest.raises(TargetError) as failure:
        target.listen(io.StringIO(many(3)))
    forced = extra["record_pipeline"]
    assert str(failure.value) == (
        f"stream 's': record_pipeline {forced!r} cannot take it ({reason}); use 'auto' or 'sdk'"
    )


def test_forced_pipeline_refusal_is_one_line_on_the_command_line(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = f"forced_{uuid.uuid4().hex[:6]}"
    config = {
        **sqldw_config,
        "storage_prefix": f"forced-{stream}",
        "record_pipeline": "column",
        "string_overflow": "truncate",
    }
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    messages = [
        {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": stream, "record": {"id": 1}},
    ]
    monkeypatch.setenv("LOGLEVEL", "ERROR")
    result = run_cli(config, messages, tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    parsed = LINE.fullmatch(line)
    assert parsed is not None, line
    assert (parsed["level"], parsed["logger"], parsed["message"]) == (
        "ERROR",
        "target-azure-sqldw",
        f"stream {stream!r}: record_pipeline 'column' cannot take it (string_overflow "
        "truncate); use 'auto' or 'sdk'",
    )
