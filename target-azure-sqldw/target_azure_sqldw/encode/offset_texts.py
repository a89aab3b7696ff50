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


def offset_utc_texts(
    texts: list[t.Any], start: int, other_day: t.Callable[[int], str | None]
) -> list[str] | None:
    """The datetime2 texts (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) of a column of one offset shape.

    The date and seconds stay as written and only the clock moves, so the text is edited
    rather than the datetime converted and formatted; an instant on another day in UTC is
    left to ``other_day``.

    Args:
        texts: The column's texts (None for NULL), of the shape :func:`offset_shape` found.
        start: Where the offset starts (:func:`offset_shape`).
        other_day: The text of the value at a position whose UTC day differs (None when
            the value needs the record path).

    Returns:
        One text per value ("" for NULL), or None when ``other_day`` returned None.
    """
    clocks = _CLOCKS
    fraction = start == 26
    result: list[str] = []
    append = result.append
    for position, text in enumerate(texts):
        if text is None:
            append("")
            continue
        key = text[11:16] + text[start:]
        clock = clocks.get(key)
        if clock is None:
            clock = utc_clock(key)
        if clock:
            seconds = text[16:26] if fraction else text[16:19] + ".000000"
            append(text[:10] + " " + clock + seconds)
            continue
        moved = other_day(position)
        if moved is None:
            return None
        append(moved)
    return result
