"""Date-time texts with a UTC offset (``+02:00``) edited into datetime2's UTC texts.

Pure: texts in, texts out; used by ``encode.column_formatters`` for a chunk's column.
"""

from __future__ import annotations

import typing as t

#: Lengths of ``YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`` and where the offset starts.
OFFSET_SHAPES = {25: 19, 32: 26}
#: Characters every such text has at these positions (the offset's sign aside).
DATE_TIME_FIXED = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))
#: A UTC clock (``HH:MM``) for each local clock and offset (``10:30+02:00``), or "" when the
#: day changes. At most 1,440 clocks for each offset seen; emptied when it grows past this.
_CLOCKS: dict[str, str] = {}
#: What follows the date in the UTC text, for each tail of a whole-second text
#: (``T10:30:00+02:00``), or "" when the day changes; emptied as ``_CLOCKS`` is.
_TAILS: dict[str, str] = {}
CLOCKS_KEPT = 100_000


def offset_shape(texts: list[t.Any]) -> int | None:
    """Where the offset starts in every text of the column, when all have one shape; else None.

    Args:
        texts: A date-time column's texts (None for NULL), each already parsed by
            ``datetime.fromisoformat`` (which proves the digits and ranges).

    Returns:
        The offset's position (19, or 26 after a six-digit fraction), or None.
    """
    present = [text for text in texts if text is not None]
    if not present:
        return None
    length = len(present[0])
    start = OFFSET_SHAPES.get(length)
    if start is None or set(map(len, present)) != {length}:
        return None
    joined = "".join(present)
    count = len(present)
    fixed = [*DATE_TIME_FIXED, (start + 3, ":")]
    if start == 26:
        fixed.append((19, "."))
    for position, char in fixed:
        if joined[position::length] != char * count:
            return None
    if not set(joined[start::length]) <= {"+", "-"}:
        return None
    return start


def utc_clock(key: str) -> str:
    """The UTC ``HH:MM`` of a local clock and offset such as ``10:30+02:00``; "" past midnight.

    Args:
        key: ``HH:MM`` followed by ``+HH:MM`` or ``-HH:MM``.

    Returns:
        The UTC clock on the same day, or "" when the instant falls on another day.
    """
    clock = _CLOCKS.get(key)
    if clock is not None:
        return clock
    sign = 1 if key[5] == "+" else -1
    offset = int(key[6:8]) * 60 + int(key[9:11])
    minutes = int(key[0:2]) * 60 + int(key[3:5]) - sign * offset
    clock = f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes < 1440 else ""
    if len(_CLOCKS) >= CLOCKS_KEPT:
        _CLOCKS.clear()
    _CLOCKS[key] = clock
    return clock


def utc_tail(tail: str) -> str:
    """The UTC text after the date for a whole-second tail (``THH:MM:SS+HH:MM``), or "".

    Args:
        tail: A date-time text's tail after its date, without a fraction.

    Returns:
        `` HH:MM:SS.000000`` (UTC, on the same day), or "" when the instant is on another day.
    """
    text = _TAILS.get(tail)
    if text is not None:
        return text
    clock = utc_clock(tail[1:6] + tail[9:])
    text = " " + clock + tail[6:9] + ".000000" if clock else ""
    if len(_TAILS) >= CLOCKS_KEPT:
        _TAILS.clear()
    _TAILS[tail] = text
    return text


def _looked_up(keys: list[str], kept: dict[str, str], make: t.Callable[[str], str]) -> list[str]:
    """Each key's text from ``kept``, made (and kept) by ``make`` for the keys not there yet."""
    found = list(map(kept.get, keys))
    if None not in found:
        return t.cast("list[str]", found)
    return [make(key) if text is None else text for key, text in zip(keys, found, strict=True)]


def offset_utc_texts(
    texts: list[t.Any], start: int, other_day: t.Callable[[int], str | None]
) -> list[str] | None:
    """The datetime2 texts (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) of a column of one offset shape.

    The date and seconds stay as written and only the clock moves, so the text is edited
    rather than the datetime converted and formatted; an instant on another day in UTC is
    left to ``other_day``. Each step runs over the whole column (a list comprehension or a
    ``map``): the edit of one text costs less than the loop around it.

    Args:
        texts: The column's texts (None for NULL), of the shape :func:`offset_shape` found.
        start: Where the offset starts (:func:`offset_shape`).
        other_day: The text of the value at a position whose UTC day differs (None when
            the value needs the record path).

    Returns:
        One text per value ("" for NULL), or None when ``other_day`` returned None.
    """
    nulls = None in texts
    present = [text for text in texts if text is not None] if nulls else texts
    if start == 26:
        # A six-digit fraction: few texts repeat, their clock and offset do.
        keys = [text[11:16] + text[26:] for text in present]
        clocks = _looked_up(keys, _CLOCKS, utc_clock)
        moved = "" in clocks
        edited = [
            text[:10] + " " + clock + text[16:26]
            for text, clock in zip(present, clocks, strict=True)
        ]
    else:
        # Whole seconds: the tail after the date (``T10:30:00+02:00``) repeats.
        tails = [text[10:] for text in present]
        ends = _looked_up(tails, _TAILS, utc_tail)
        moved = "" in ends
        clocks = ends
        edited = [text[:10] + end for text, end in zip(present, ends, strict=True)]
    if moved:
        positions = [at for at, text in enumerate(texts) if text is not None] if nulls else None
        for index, clock in enumerate(clocks):
            if not clock:
                other = other_day(index if positions is None else positions[index])
                if other is None:
                    return None
                edited[index] = other
    if not nulls:
        return edited
    remaining = iter(edited)
    return ["" if text is None else next(remaining) for text in texts]
