"""Long texts end to end: default settings load them whole, with PolyBase and with COPY INTO.

A value longer than ``nvarchar(4000)`` turns its (columnstore) table into a HEAP with
``nvarchar(max)`` columns; a row over the bulk loads' 1,000,000 bytes is inserted with bound
parameters into the batch's staging table (the emulator refuses such rows in files with the
pool's 107090, as a dedicated pool does). Every value is read back and compared whole.
"""

from __future__ import annotations

import json
import logging
import typing as t
import uuid

import pytest

from target_azure_sqldw.load.connector import AzureSQLDWConnector
from target_azure_sqldw.schema.names import quote_table
from target_azure_sqldw.schema.sql_types import MAX, ColumnType
from tests.target.emulator_runs import query, staged_blobs
from tests.target.long_text_cases import rows, run, text_of


def column_types(config: dict[str, t.Any], stream: str) -> dict[str, ColumnType]:
    connector = AzureSQLDWConnector(config)
    try:
        return {
            name: kind for name, (kind, _null) in connector.table_columns("dbo", stream).items()
        }
    finally:
        connector.close()


def layout_index(config: dict[str, t.Any], stream: str) -> str:
    connector = AzureSQLDWConnector(config)
    try:
        layout = connector.table_layout("dbo", stream)
        assert layout is not None
        return layout.index
    finally:
        connector.close()


@pytest.fixture(params=["polybase", "copy"])
def config(request: pytest.FixtureRequest, sqldw_config: dict[str, t.Any]) -> dict[str, t.Any]:
    """Default settings but for the load method (and a prefix of the test's own)."""
    prefix = f"long-{request.param}-{uuid.uuid4().hex[:6]}"
    return {**sqldw_config, "bulk_load_method": request.param, "storage_prefix": prefix}


def test_short_texts_keep_the_columnstore_table(config: dict[str, t.Any]) -> None:
    stream = run(config, f"short_{uuid.uuid4().hex[:6]}", [{"id": 1, "body": "x" * 4000}])
    assert rows(config, stream) == {1: (None, "x" * 4000, None)}
    assert layout_index(config, stream) == "cci"
    assert column_types(config, stream)["body"] == ColumnType("nvarchar", length=4000)


@pytest.mark.parametrize("length", [5_000, 50_000, 2_000_000, 10_000_000])
def test_long_texts_load_whole_with_default_settings(
    config: dict[str, t.Any],
    length: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = f"long_{length}_{uuid.uuid4().hex[:6]}"
    long_text = text_of(length, "body:")
    long_json = {"html": text_of(length, "json:"), "n": 1, "nested": [{"x": "y"}]}
    records = [
        {"id": 1, "title": "short", "body": "before", "source": {"a": 1}},
        {"id": 2, "title": "long", "body": long_text, "source": long_json},
        {"id": 3, "title": None, "body": "after", "source": None},
    ]
    with caplog.at_level(logging.WARNING, logger="target_azure_sqldw"):
        run(config, stream, records)
    assert capsys.readouterr().out.strip() == json.dumps({"done": stream})
    landed = rows(config, stream)
    assert landed[1] == ("short", "before", {"a": 1})
    assert landed[2][1] == long_text
    assert landed[2][2] == long_json
    assert landed[3] == (None, "after", None)
    types = column_types(config, stream)
    assert types["body"].is_max
    assert types["source"].is_max
    assert types["title"] == ColumnType("nvarchar", length=200)
    assert layout_index(config, stream) == "heap"
    (warning,) = [
        r.getMessage() for r in caplog.records if "rebuilding it as a HEAP" in r.getMessage()
    ]
    assert f"dbo.{stream}" in warning
    assert staged_blobs(config) == []


def test_later_batches_load_into_the_widened_table(config: dict[str, t.Any]) -> None:
    stream = f"later_{uuid.uuid4().hex[:6]}"
    config = {**config, "batch_size_rows": 2}
    records = [{"id": i, "body": f"short {i}"} for i in range(1, 4)]
    records.append({"id": 4, "body": text_of(6_000, "four:")})
    records += [{"id": 5, "body": text_of(4_500, "five:")}, {"id": 1, "body": "one again"}]
    run(config, stream, records)
    landed = {key: value[1] for key, value in rows(config, stream).items()}
    assert landed == {
        1: "one again",
        2: "short 2",
        3: "short 3",
        4: text_of(6_000, "four:"),
        5: text_of(4_500, "five:"),
    }
    assert column_types(config, stream)["body"] == ColumnType("nvarchar", length=MAX)


def test_a_batch_of_only_rows_too_large_for_the_files(config: dict[str, t.Any]) -> None:
    stream = f"aside_{uuid.uuid4().hex[:6]}"
    big = [{"id": i, "body": text_of(700_000 + i, f"{i}:")} for i in (1, 2)]
    run(config, stream, [*big, {"id": 1, "body": text_of(800_000, "again:")}])
    landed = {key: value[1] for key, value in rows(config, stream).items()}
    # The last record of a key wins among rows inserted one by one, as among staged ones.
    assert landed == {1: text_of(800_000, "again:"), 2: text_of(700_002, "2:")}


def test_truncate_keeps_json_valid(sqldw_config: dict[str, t.Any]) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": f"long-trunc-{uuid.uuid4().hex[:6]}",
        "string_overflow": "truncate",
    }
    stream = f"trunc_{uuid.uuid4().hex[:6]}"
    source = {
        "type": "email",
        "body": "<p>" + "quoted reply " * 400 + "</p>",
        "author": {"name": "Ann"},
    }
    parts = [{"id": i, "html": "é" * 900} for i in range(10)]
    run(
        config,
        stream,
        [
            {"id": 1, "source": source},
            {"id": 2, "source": {"parts": parts}},
            {"id": 3, "source": {}},
        ],
    )
    found = dict(query(config, f"SELECT id, source FROM {quote_table('dbo', stream)}"))
    first, second = json.loads(found[1]), json.loads(found[2])
    assert first["type"] == "email"
    assert source["body"].startswith(first["body"])
    assert len(found[1]) <= 4000
    kept = second["parts"]
    # Whole elements while they fit, then the first that does not, cut the same way.
    assert 1 < len(kept) < len(parts)
    assert kept[:-1] == parts[: len(kept) - 1]
    assert parts[len(kept) - 1]["html"].startswith(kept[-1].get("html", ""))
    assert json.loads(found[3]) == {}
    flags = dict(query(config, f"SELECT id, _sdc_truncated FROM {quote_table('dbo', stream)}"))
    assert flags == {1: True, 2: True, 3: False}


def test_a_hundred_megabytes_in_one_value(sqldw_config: dict[str, t.Any]) -> None:
    config = {
        **sqldw_config,
        "bulk_load_method": "copy",
        "storage_prefix": f"long-100mb-{uuid.uuid4().hex[:6]}",
    }
    stream = f"huge_{uuid.uuid4().hex[:6]}"
    # Latin-1 characters only: Python then keeps one byte per character (an emoji would make
    # every copy of the text four times larger); the escapes and quotes are still there.
    huge = ("huge:" + "aé|\\\n\"'" * 12_500_000)[:100_000_000]
    run(config, stream, [{"id": 1, "body": huge}, {"id": 2, "body": "small"}])
    (body,) = query(config, f"SELECT body FROM {quote_table('dbo', stream)} WHERE id = 1")[0]
    assert body == huge
