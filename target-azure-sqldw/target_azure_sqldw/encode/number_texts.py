"""Proofs about a column's number texts at once: plain decimals within digits, floats' reprs.

Pure: texts in, a verdict out; used by ``encode.column_formatters`` and
``ingest.column_checks``.
"""

from __future__ import annotations

import re
import typing as t

#: Lines of Decimal texts that are their float's ``repr``: at most 15 significant digits
#: (so no shorter text rounds to the same float), no trailing zero in the fraction but a
#: lone ``.0``, and no more than three zeros after ``0.`` (``repr`` writes ``1e-05``).
FLOAT_REPR_TEXTS = re.compile(
    r"(?:-?(?:(?=[0-9.]{3,16}\n)[1-9][0-9]*\.(?:0|[0-9]*[1-9])"
    r"|0\.(?:0|0{0,3}(?=[0-9]{1,15}\n)[1-9](?:[0-9]*[1-9])?))\n)*"
)


def float_repr_texts(texts: list[str]) -> bool:
    """Whether each of a column's Decimal texts (``str``) is its float's ``repr``.

    Texts of at most 16 characters with one point each hold at most 15 digits, and then two
    counts find a trailing zero and one search a fraction starting ``0.0000``; that is most
    columns, at about a third of :data:`FLOAT_REPR_TEXTS`'s cost, which decides the others.

    Args:
        texts: ``str`` of each Decimal (no NULLs).

    Returns:
        True when every text is its float's ``repr``.
    """
    joined = "\n".join(texts) + "\n"
    if (
        not joined.translate(NOT_PLAIN)
        and joined.count(".") == len(texts)
        and max(map(len, texts), default=0) <= 16  # 15 digits and a point
        and ("0\n" not in joined or joined.count("0\n") == joined.count(".0\n"))
        and not joined.startswith(("0.0000", "-0.0000"))
        and "\n0.0000" not in joined
        and "\n-0.0000" not in joined
    ):
        return True
    return FLOAT_REPR_TEXTS.fullmatch(joined) is not None


#: Deletes what a plain decimal text is made of: a text left with anything has an exponent
#: (``1E+2``) or is a special value (``NaN``, ``Infinity``).
NOT_PLAIN = str.maketrans("", "", "0123456789.-\n")


def plain_decimals(whole_digits: int | None, scale: int) -> re.Pattern[str]:
    """Lines of plain decimal texts with at most these digits (empty lines for NULL).

    Args:
        whole_digits: The most digits before the point (None: any number of them).
        scale: The most digits after it.

    Returns:
        The pattern, for ``fullmatch`` of the texts joined by newlines, each line ended.
    """
    fraction = rf"(?:\.[0-9]{{1,{scale}}})?" if scale else ""
    if whole_digits is None:
        whole = "-?[0-9]+"
    else:
        whole = rf"-?[0-9]{{1,{whole_digits}}}" if whole_digits > 0 else "(?!)"
    return re.compile(rf"(?:(?:{whole}{fraction})?\n)*")


def plain_decimal_texts(whole_digits: int | None, scale: int) -> t.Callable[[list[str]], bool]:
    """A test of a column's texts of ints and Decimals: all plain and within these digits.

    The texts are ``str`` of each value ("" for NULL), so a text of only digits, points and
    minus signs is ``-?D+(.D+)?``; then a fraction longer than ``scale`` (one search for
    ``.`` and ``scale + 1`` digits) or a text longer than ``whole_digits`` is all that can
    break the bounds. These tests are ten times faster than the pattern of
    :func:`plain_decimals`, which decides what they leave open.

    Args:
        whole_digits: The most digits before the point (None: any number of them).
        scale: The most digits after it.

    Returns:
        ``test(texts)``: True when every text is empty or a plain decimal within the digits.
    """
    pattern = plain_decimals(whole_digits, scale)
    long_fraction = re.compile(rf"\.[0-9]{{{scale + 1}}}") if scale else None
    # A run of more digits than the fraction holds is a whole part.
    long_whole = (
        re.compile(rf"[0-9]{{{whole_digits + 1}}}")
        if whole_digits is not None and whole_digits + 1 > scale
        else None
    )

    def test(texts: list[str]) -> bool:
        joined = "\n".join(texts) + "\n"
        if not joined.translate(NOT_PLAIN) and (
            long_fraction.search(joined) is None if long_fraction else "." not in joined
        ):
            if whole_digits is None:
                return True
            if whole_digits > 0 and max(map(len, texts), default=0) <= whole_digits:
                return True
            if long_whole is not None and long_whole.search(joined) is None:
                return True
        return pattern.fullmatch(joined) is not None

    return test
