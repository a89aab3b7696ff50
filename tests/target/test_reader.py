"""The fast message reader returns what singer-sdk's parser returns, number for number."""

from __future__ import annotations

import decimal
import io
import json
import random
import typing as t

import pytest
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_azure_sqldw.encode.values import json_text
from target_azure_sqldw.ingest.reader import FastSingerReader, compares_numbers, exact_number


def sdk_parse(line: str) -> dict:
    return json.loads(line, parse_float=decimal.Decimal)  # type: ignore[no-any-return]


def record_line(value: str) -> str:
    return '{"type":"RECORD","stream":"s","record":{"a":' + value + ',"b":[' + value + "]}}"


def _random_number(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 22)))
    whole, fraction = digits[: rng.randint(0, len(digits))], digits
    text = rng.choice(["", "-"]) + (whole.lstrip("0") or "0") + "." + fraction
    if rng.random() < 0.3:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330))
    return text


@pytest.mark.parametrize(
    "number",
    [
        "1.5",
        "741.55",
        "1.50",
        "2.0",
        "-0.0",
        "1e5",
        "1E-7",
        "0.0001",
        "0.00001",
        "0.1",
        "0.10000000000000001",
        "123456789012345.6",
        "1234567890123456.7",
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "123456789012345678901234567890",
    ],
)
def test_numbers_match_singer_sdk(number: str) -> None:
    reader = FastSingerReader()
    for line in (record_line(number), record_line(number).encode()):
        fast = reader.parse(line)["record"]
        exact = sdk_parse(record_line(number))["record"]
        for got, want in ((fast["a"], exact["a"]), (fast["b"][0], exact["b"][0])):
            # The same value, the same JSON text and the same integer-ness as singer-sdk's.
            assert decimal.Decimal(repr(got) if isinstance(got, float) else got) == want
            assert json_text(got) == json_text(want)
            assert isinstance(got, int) == isinstance(want, int)
            if isinstance(got, float):
                assert not got.is_integer()


def test_random_numbers_match_singer_sdk() -> None:
    rng = random.Random(7)
    reader = FastSingerReader()
    for _ in range(20_000):
        line = record_line(_random_number(rng))
        got, want = reader.parse(line)["record"]["a"], sdk_parse(line)["record"]["a"]
        assert json_text(got) == json_text(want), line
        assert decimal.Decimal(repr(got) if isinstance(got, float) else got) == want


def test_exact_number_keeps_floats_only_when_they_print_as_written() -> None:
    assert type(exact_number("741.55")) is float
    assert exact_number("1.50") == decimal.Decimal("1.50")
    assert type(exact_number("3.0")) is decimal.Decimal


def test_other_messages_and_refused_lines_use_singer_sdk_parsing() -> None:
    reader = FastSingerReader()
    state = '{"type":"STATE","value":{"x":1.5}}'
    assert reader.parse(state)["value"]["x"] == decimal.Decimal("1.5")
    assert isinstance(reader.parse(state)["value"]["x"], decimal.Decimal)
    nan = '{"type":"RECORD","stream":"s","record":{"a":NaN}}'
    assert str(reader.parse(nan)["record"]["a"]) == "nan"
    surrogate = '{"type":"RECORD","stream":"s","record":{"a":"\\ud800"}}'
    assert reader.parse(surrogate)["record"]["a"] == "\ud800"
    with pytest.raises(InvalidInputLine, match=r"^is not valid JSON: .* at character 18$"):
        reader.parse('{"type":"RECORD",')


def test_streams_that_compare_numbers_get_decimals() -> None:
    reader = FastSingerReader()
    reader.decimal_streams.add("s")
    value = reader.parse(record_line("0.25"))["record"]["a"]
    assert value == decimal.Decimal("0.25")
    assert isinstance(value, decimal.Decimal)
    assert compares_numbers({"properties": {"a": {"anyOf": [{"multipleOf": 0.01}]}}})
    assert not compares_numbers({"properties": {"a": {"type": "number"}}})


@pytest.mark.parametrize(
    "line",
    [
        '{"type":"RECORD","stream":"s","record":{"a":1.5,"b":[0.1,2],"c":{"d":1e5}}}',
        '{"type":"STATE","value":{"x":1.5}}',
        '{"type":"SCHEMA","stream":"s","schema":{"multipleOf":0.01},"key_properties":[]}',
        '{"type":"RECORD","stream":"s","record":{"a":NaN}}',
        '{"stream":"s","type":"RECORD","record":{"a":"\\ud800","b":0.5}}',
        '{"type":5,"stream":"s"}',
    ],
)
@pytest.mark.parametrize("after_decimal_record", [False, True])
def test_lines_of_decimal_streams_parse_as_singer_sdk_parses_them(
    line: str, after_decimal_record: bool
) -> None:
    reader = FastSingerReader()
    reader.decimal_streams.add("s")
    if after_decimal_record:
        reader.parse(record_line("0.5"))  # the next line is decoded with Decimals at once
    # The same values of the same types (Decimal numbers), in the same order.
    assert repr(reader.parse(line)) == repr(reader.deserialize_json(line))


def test_records_of_streams_with_and_without_decimals_interleaved() -> None:
    """Each line gets its own stream's numbers, whatever stream the line before was of."""
    reader = FastSingerReader()
    reader.decimal_streams.add("s")
    plain = FastSingerReader()
    lines = [
        record_line("0.25"),
        record_line("0.25").replace('"stream":"s"', '"stream":"f"'),
        '{"type":"STATE","value":{"x":1.5}}',
        '{"type":"RECORD","stream":"s","record":{"a":NaN}}',
        '{"type":"RECORD","stream":"f","record":{"a":1.5,"b":[2.5e3]}}',
        '{"stream":"s","type":"RECORD","record":{"a":741.55}}',
        "[1.5]",
    ]

    def outcome(parse: t.Callable[[str], dict], line: str) -> str:
        try:
            return repr(parse(line))
        except InvalidInputLine as exc:
            return f"error: {exc}"

    rng = random.Random(5)
    seen = set()
    for line in rng.choices(lines, k=400):
        got = outcome(reader.parse, line)
        want_parse = plain.parse if '"stream":"f"' in line else reader.deserialize_json
        assert got == outcome(want_parse, line), line
        seen.add(got)
    # Both kinds of numbers were read, after lines of either stream.
    assert any("'a': Decimal('0.25')" in text for text in seen)
    assert any("'a': 0.25" in text for text in seen)


def test_process_lines_counts_and_dispatches() -> None:
    reader = FastSingerReader()
    seen: list[dict] = []
    text = "\n".join(
        [
            '{"type":"SCHEMA","stream":"s","schema":{"properties":{}}}',
            record_line("1.25"),
            '{"type":"STATE","value":{}}',
        ]
    )
    callbacks = dict.fromkeys(("SCHEMA", "RECORD", "STATE"), seen.append)
    stats = reader.process_lines(io.StringIO(text + "\n"), callbacks)
    assert [m["type"] for m in seen] == ["SCHEMA", "RECORD", "STATE"]
    assert stats == {"SCHEMA": 1, "RECORD": 1, "STATE": 1}
    with pytest.raises(ValueError, match="Unknown message type"):
        reader.process_lines(io.StringIO('{"type":"NOPE"}\n'), callbacks)


class CollectingLane:
    """A lane that keeps what each flush took."""

    raw = False
    in_flight = 0

    def __init__(self, limit: int) -> None:
        self.pending: list[t.Any] = []
        self.numbers: list[int] = []
        self.limit = limit
        self.started = 0.0
        self.flushed: list[list[int]] = []

    def flush(self, *, wait: bool = True) -> None:
        self.flushed.append([m["record"]["n"] for m in self.pending])
        self.pending = []

    def settle(self) -> None:
        """Nothing is in flight."""


def test_lane_records_skip_dispatch_and_flush_at_the_limit() -> None:
    reader = FastSingerReader()
    lane = CollectingLane(limit=3)
    reader.open_lane("a", lane)
    ages: list[int] = []
    reader.on_age = lambda: ages.append(1)
    dispatched: list[dict] = []
    lines = [{"type": "RECORD", "stream": "a", "record": {"n": n}} for n in range(7)] + [
        {"type": "RECORD", "stream": "b", "record": {"n": 99}},
        {"type": "RECORD", "stream": "a", "record": "not an object"},
        {"type": "STATE", "value": {}},
    ]
    text = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
    stats = reader.process_lines(text, {"RECORD": dispatched.append, "STATE": dispatched.append})
    assert lane.flushed == [[0, 1, 2], [3, 4, 5]]
    assert [m["record"]["n"] for m in lane.pending] == [6]
    # Other streams, records that are not objects and other messages are dispatched.
    assert [m.get("stream") for m in dispatched] == ["b", "a", None]
    assert stats["RECORD"] == 9
    assert ages == []
    reader.age_deadline = 0.0  # the record-age limit has passed
    reader.process_lines(io.StringIO(json.dumps(lines[0]) + "\n"), {})
    assert ages == [1]


def test_a_lane_is_flushed_when_its_oldest_record_has_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow tap's records are staged within LANE_WAIT of arriving, not when 1,000 are in."""
    from target_azure_sqldw.ingest import reader as reader_module

    clock = iter(n * 0.6 for n in range(100))
    monkeypatch.setattr(reader_module.time, "time", lambda: next(clock))
    reader = FastSingerReader()
    lane = CollectingLane(limit=1000)
    reader.open_lane("a", lane)
    lines = [{"type": "RECORD", "stream": "a", "record": {"n": n}} for n in range(5)]
    text = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
    reader.process_lines(text, {})
    # Arrivals at 0.0, 0.6, 1.2 (1.2 s after the first: flush), 1.8, 2.4 (0.6 s: kept).
    assert lane.flushed == [[0, 1, 2]]
    assert [m["record"]["n"] for m in lane.pending] == [3, 4]
