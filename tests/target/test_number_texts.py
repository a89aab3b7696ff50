"""The column-wide proofs about number texts say what the value-by-value rules say."""

from __future__ import annotations

import decimal
import random

import pytest

from target_azure_sqldw.encode.number_texts import (
    FLOAT_REPR_TEXTS,
    float_repr_texts,
    plain_decimal_texts,
    plain_decimals,
)

D = decimal.Decimal


def decimal_texts(rng: random.Random, count: int) -> list[str]:
    """Texts of Decimals and ints of every length, exponent and sign, many at the bounds."""
    texts = []
    for _ in range(count):
        size = rng.choice([1, 2, 8, 14, 15, 16, 17, 37, 38, 39])
        digits = "".join(rng.choice("0123456789") for _ in range(size))
        sign = rng.choice(["", "-"])
        if rng.random() < 0.2:
            texts.append(str(int(sign + digits)))
        else:
            texts.append(str(D(f"{sign}{digits}E{rng.randrange(-40, 18)}")))
    return [*texts, "NaN", "-Infinity", "sNaN", "0E-7", "-0", "0.000", "1E+2", "12.50"]


def test_float_repr_texts_are_those_of_their_floats() -> None:
    """A Decimal text the pattern takes is its float's repr (what the codec writes)."""
    rng = random.Random(3)
    texts = [text for text in decimal_texts(rng, 20_000) if "N" not in text]
    texts += [repr(rng.uniform(-1e6, 1e6)) for _ in range(5_000)]
    texts += ["0.0001", "-0.00012", "100.0", "-0.0", "0.0", "123456789012345.0"]
    taken = [text for text in texts if FLOAT_REPR_TEXTS.fullmatch(text + "\n")]
    assert [repr(float(text)) for text in taken] == taken
    assert len(taken) > 1_000  # it does prove columns
    assert FLOAT_REPR_TEXTS.fullmatch("\n".join(taken) + "\n")
    for text in ("0.00001", "0.00", "1.10", "1234567890123456.0", "0.30000000000000004"):
        assert not FLOAT_REPR_TEXTS.fullmatch(text + "\n")
        assert not float_repr_texts([text])
        assert not float_repr_texts([*taken[:20], text])
    # The column-wide tests say what the pattern says, text by text and for whole columns.
    decimals = [text for text in texts if "E" not in text and "." in text]
    for text in decimals:
        assert float_repr_texts([text]) == bool(FLOAT_REPR_TEXTS.fullmatch(text + "\n")), text
    for _ in range(300):
        column = rng.sample(taken, 30) + rng.sample(decimals, rng.choice([0, 0, 1]))
        assert float_repr_texts(column) == all(
            FLOAT_REPR_TEXTS.fullmatch(text + "\n") for text in column
        ), column


@pytest.mark.parametrize(
    ("whole_digits", "scale"),
    [(None, 0), (None, 2), (None, 6), (34, 4), (10, 2), (12, 6), (36, 2), (0, 4), (1, 37), (38, 0)],
)
def test_plain_decimal_texts_are_those_the_pattern_takes(
    whole_digits: int | None, scale: int
) -> None:
    """Over whole columns and single texts, NULLs ("") among them, as the pattern decides."""
    rng = random.Random((whole_digits or 0) * 100 + scale)
    texts = decimal_texts(rng, 4_000)
    pattern = plain_decimals(whole_digits, scale)
    test = plain_decimal_texts(whole_digits, scale)
    fits = [text for text in texts if pattern.fullmatch(text + "\n")]
    for text in texts:
        assert test([text]) == bool(pattern.fullmatch(text + "\n")), text
    columns = [[*rng.sample(fits, min(len(fits), 50)), ""] for _ in range(20)]
    columns += [[*column, rng.choice(texts)] for column in columns]
    for column in columns:
        assert test(column) == bool(pattern.fullmatch("\n".join(column) + "\n")), column
    assert test([])
    assert test([""])
