"""The fast JSON writer of objects and arrays writes the standard library's text, or declines.

``parsed_json_texts`` (msgspec, a column at a time) and ``plain_json_text`` against
``json.dumps`` with the target's options (and ``json_text``, simplejson, for Decimals), over
awkward values: every character, floats at each edge of ``repr``'s notations and random bit
patterns, integers beyond 64 bits, NaN and infinity beside nulls, Decimals of every form,
and values that only simplejson writes (dates).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import random
import struct
import typing as t

from target_azure_sqldw.encode.values import json_text, parsed_json_texts, plain_json_text

D = decimal.Decimal


def reference(value: t.Any) -> str | None:
    """The standard library's text (what the target wrote before msgspec), None if refused."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None


def assert_same(values: list[t.Any], *, parsed: bool = True) -> None:
    """Each writer's text is the standard library's; the column writer also takes Decimals."""
    want = [reference(value) for value in values]
    assert [plain_json_text(value) for value in values] == want
    for value, text in zip(values, want, strict=True):
        if text is not None:
            assert json_text(value) == text
    if not parsed:
        return
    for value, text, got in zip(values, want, parsed_json_texts(values), strict=True):
        if text is not None:
            assert got == text
        elif got is not None:  # a Decimal inside: simplejson's text
            assert got == json_text(value)


def random_floats(count: int, seed: int) -> list[float]:
    """Floats from random bit patterns (every exponent, subnormals) and random decimals."""
    rng = random.Random(seed)
    floats: list[float] = []
    while len(floats) < count:
        number = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(number):
            floats.append(number)
        floats.append(round(rng.uniform(-1e6, 1e6), rng.randrange(0, 12)))
        floats.append(rng.uniform(-1, 1) * 10 ** rng.randrange(-8, 20))
    return floats


EDGE_FLOATS = [
    0.0,
    -0.0,
    0.1,
    1.0,
    -1.5,
    100.0,
    1e-4,
    -1e-4,
    math.nextafter(1e-4, 0),
    math.nextafter(1e-4, 1),
    1e-5,
    1.5e-5,
    1e-7,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e15,
    1e16,
    -1e16,
    math.nextafter(1e16, 0),
    9999999999999998.0,
    123456789012345.6,
    1e21,
    1e22,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    0.30000000000000004,
    2.0**53,
    2.0**53 + 2,
]


def test_floats_at_every_edge_of_repr_and_random_ones() -> None:
    floats = EDGE_FLOATS + random_floats(30_000, seed=13)
    # Alone in an array, as object values, and packed many to an array.
    assert_same([[number] for number in floats])
    assert_same([{"k": number, "n": [number, -number]} for number in floats[:5000]])
    assert_same([floats[start : start + 50] for start in range(0, len(floats), 50)])


def test_every_character_and_lookalike_strings() -> None:
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    strings = [
        every,
        '\u2028\u2029\ufeff\x7f\x00\x1f\b\f\n\r\t"\\/',
        "😀𝄞",
        # Texts that look like what the writer watches for: they must come out as they are.
        "a:1e5",
        ",1.5e-7",
        "[0.00001",
        "-0.0000",
        "null",
        ":e",
    ]
    values: list[t.Any] = [[text] for text in strings]
    values += [{text: text} for text in strings]
    values.append({"a:1e5": None, "b": [None, ",2e3", -1]})
    assert_same(values)


def test_integers_of_any_size_nulls_and_order() -> None:
    integers = [0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 2**64 + 1]
    integers += [10**30, -(10**30), 2**1000, -(2**1000)]
    values: list[t.Any] = [[number] for number in integers]
    values += [
        {"z": 1, "a": 2, "m": {"y": None, "b": [True, False, None]}},
        {"neg": -4097, "none": None},  # a negative integer beside a null: a false alarm
        {},
        [],
        [[[[{}]]]],
        {"": ""},
        [None],
    ]
    assert_same(values)


def test_nan_and_infinity_are_refused_beside_good_values() -> None:
    values: list[t.Any] = [
        {"ok": None},
        {"bad": math.nan},
        [1.5, None, math.inf],
        {"ok": [1, None]},
        [-math.inf],
        {"deep": {"deeper": [None, {"x": math.nan}]}},
        {"fine": 2.5},
    ]
    assert_same(values)
    assert [text is None for text in parsed_json_texts(values)] == [
        False,
        True,
        True,
        False,
        True,
        True,
        False,
    ]


def test_decimals_are_written_as_simplejson_writes_them() -> None:
    rng = random.Random(11)
    decimals = [D("1.50"), D("1E+400"), D("-0"), D("0E-7"), D("1E-7"), D("12.50"), D("3.0")]
    decimals += [
        D(rng.randrange(-(10**20), 10**20)).scaleb(rng.randrange(-30, 30)) for _ in range(3000)
    ]
    values: list[t.Any] = [{"d": number, "f": 0.5, "l": [True]} for number in decimals]
    texts = parsed_json_texts(values)
    # Declined only where a Decimal looks like a tiny float (0.0000...).
    assert [text is None for text in texts] == ["0.0000" in json_text(value) for value in values]
    assert [text or json_text(value) for text, value in zip(texts, values, strict=True)] == [
        json_text(value) for value in values
    ]
    assert texts[0] == '{"d":1.50,"f":0.5,"l":[true]}'
    # Beside a null (which could be NaN's) or a float repr writes with an exponent, a
    # Decimal is left to simplejson.
    assert parsed_json_texts([[D("1.5"), None], [D("1.5"), 1e-7]]) == [None, None]
    # A NaN or infinite Decimal (which simplejson refuses) leaves the column to simplejson.
    assert parsed_json_texts([[D("NaN")], {"x": D("-Infinity")}, [D("1")]]) == [None] * 3


def test_values_only_simplejson_writes_are_left_to_it() -> None:
    values: list[t.Any] = [
        {"d": D("1.50")},
        [D("1E+400")],
        {"when": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)},
        [dt.date(2024, 2, 29)],
        {"s": "\ud800"},  # an unpaired surrogate: the standard library writes it as it is
        {"ok": "yes"},
    ]
    assert_same(values, parsed=False)
    assert json_text(values[0]) == '{"d":1.50}'
    assert json_text(values[2]) == '{"when":"2024-01-01T00:00:00+00:00"}'
    assert parsed_json_texts([values[4]]) == ['{"s":"\ud800"}']
