"""The two staging file formats, ``escaped`` (PolyBase) and ``csv`` (COPY INTO): their fields.

Pure: text in, text out (and the T-SQL expression that decodes an ``escaped`` field).
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

ESCAPED = "escaped"
CSV = "csv"
FIELD_TERMINATOR = "|"
#: The file name ending of each format's gzip parts.
EXTENSIONS = {ESCAPED: ".txt.gz", CSV: ".csv.gz"}
#: What separates the fields of a line in each format.
SEPARATORS = {ESCAPED: FIELD_TERMINATOR, CSV: ","}

#: ``str.translate`` table of the ``escaped`` format's escapes (the empty string aside).
ESCAPE_TABLE = str.maketrans(
    {"\\": "\\b", "\n": "\\n", "\r": "\\r", "|": "\\p", "\x00": "\\0"},
)
#: Characters the ``escaped`` format replaces.
ESCAPED_CHARS = ("\\", "\n", "\r", "|", "\x00")
#: Decoding steps, applied in order: the escape character itself is decoded last.
DECODE_STEPS = (
    ("\\n", "\n"),
    ("\\r", "\r"),
    ("\\p", "|"),
    ("\\0", "\x00"),
    ("\\e", ""),
    ("\\b", "\\"),
)


def _tsql_char(text: str) -> str:
    if len(text) == 1 and ord(text) < 32:
        return f"CHAR({ord(text)})"
    return "N'" + text.replace("'", "''") + "'"


def escape_field(text: str) -> str:
    """Escape one text value for the ``escaped`` format.

    Args:
        text: The canonical text of a value.

    Returns:
        Text free of ``|``, newline, CR and NUL.
    """
    if not text:
        return "\\e"
    return text.translate(ESCAPE_TABLE)


def csv_quote(text: str) -> str:
    """Quote one text value for RFC 4180 CSV (text fields are always quoted).

    Args:
        text: The canonical text of a value.

    Returns:
        The text in double quotes, with its double quotes doubled.
    """
    return '"' + text.replace('"', '""') + '"'


#: Joins a column's texts while they are quoted or escaped (the formats leave it as it is).
FIELD_BREAK = {CSV: "\n", ESCAPED: "\x1f"}
#: Characters a column's texts have on average above which they are edited one by one.
LONG_FIELDS = 256


def _fields_one_by_one(texts: list[str], file_format: str) -> list[str]:
    if file_format == CSV:
        return list(map(csv_quote, texts))
    if any(char in text for text in texts for char in ESCAPED_CHARS):
        return list(map(escape_field, texts))
    return [text or "\\e" for text in texts]


def format_fields(texts: list[str], file_format: str) -> list[str]:
    """The texts as quoted (``csv``) or escaped fields, edited a column at a time.

    The texts are joined by a character none of them holds, quoted or escaped as one text,
    and split again: one edit per column instead of one per value.

    Args:
        texts: Text values (no None).
        file_format: ``csv`` or ``escaped``.

    Returns:
        One field per text.
    """
    if not texts:
        return []
    if sum(map(len, texts)) > LONG_FIELDS * len(texts):
        # Long texts, one by one: the column joined would be copied whole at every edit
        # (four bytes a character as soon as one text holds an emoji).
        return _fields_one_by_one(texts, file_format)
    joint = FIELD_BREAK[file_format]
    body = joint.join(texts)
    if body.count(joint) != len(texts) - 1:  # a text holds it: one by one
        return _fields_one_by_one(texts, file_format)
    if file_format == CSV:
        if '"' in body:
            body = body.replace('"', '""')
        return ('"' + body.replace(joint, '"' + joint + '"') + '"').split(joint)
    if any(char in body for char in ESCAPED_CHARS):
        body = body.translate(ESCAPE_TABLE)
    fields = body.split(joint)
    if "" in fields:
        return [field or "\\e" for field in fields]
    return fields


def check_format(file_format: str) -> None:
    """Refuse a staging format other than ``csv`` and ``escaped``.

    Args:
        file_format: The staging format.

    Raises:
        ValueError: For an unknown format.
    """
    if file_format not in EXTENSIONS:
        msg = f"Unknown staging format {file_format!r}"
        raise ValueError(msg)


def field_writer(file_format: str, *, quoted: bool) -> Callable[[str], str]:
    """The function that writes one canonical text as a field of ``file_format``.

    Args:
        file_format: The staging format.
        quoted: Whether the column is text (quoted or escaped); other fields are written as
            they are.

    Returns:
        :func:`csv_quote`, :func:`escape_field`, or a function returning its text.
    """
    check_format(file_format)
    if not quoted:
        return _as_is
    return csv_quote if file_format == CSV else escape_field


def _as_is(text: str) -> str:
    return text


_UNESCAPES = {"b": "\\", "n": "\n", "r": "\r", "p": "|", "0": "\x00", "e": ""}


def unescape_field(text: str) -> str:
    """Reverse :func:`escape_field` (staged rows read back, tests and tools).

    Every backslash starts an escape, so the text splits at backslashes into the escapes'
    letters and the text between them: a value of megabytes costs one step per escape.

    Args:
        text: An escaped field.

    Returns:
        The original text.

    Raises:
        ValueError: On an unknown escape.
    """
    if "\\" not in text:
        return text
    pieces = text.split("\\")
    out = [pieces[0]]
    offset = len(pieces[0])
    for piece in pieces[1:]:
        code = piece[:1]
        if code not in _UNESCAPES:
            msg = f"Unknown escape \\{code} at offset {offset}"
            raise ValueError(msg)
        out.append(_UNESCAPES[code])
        out.append(piece[1:])
        offset += len(piece) + 1
    return "".join(out)


def escaped_decode_sql(expression: str, collation: str = "Latin1_General_100_BIN2") -> str:
    """T-SQL that decodes an ``escaped`` field, exactly.

    Args:
        expression: The SQL expression of the escaped text (e.g. a quoted column).
        collation: A binary collation: it makes ``REPLACE`` match NUL and case exactly.

    Returns:
        The nested ``REPLACE`` expression.
    """
    sql = f"{expression} COLLATE {collation}"
    for escape, replacement in DECODE_STEPS:
        sql = f"REPLACE({sql}, {_tsql_char(escape)}, {_tsql_char(replacement)})"
    return sql


def escaped_line(row: Sequence[str | None], quoted: Sequence[bool]) -> str:
    """One row of the ``escaped`` format.

    Args:
        row: Canonical texts (None for NULL).
        quoted: Which fields are text (escaped); others are written as is.

    Returns:
        The line, ending with a newline.
    """
    fields = [
        "" if value is None else (escape_field(value) if is_text else value)
        for value, is_text in zip(row, quoted, strict=False)
    ]
    return FIELD_TERMINATOR.join(fields) + "\n"


def csv_line(row: Sequence[str | None], quoted: Sequence[bool]) -> str:
    """One row of RFC 4180 CSV.

    Args:
        row: Canonical texts (None for NULL).
        quoted: Which fields are text (always quoted); others are written as is.

    Returns:
        The line, ending with a newline.
    """
    fields = [
        "" if value is None else (csv_quote(value) if is_text else value)
        for value, is_text in zip(row, quoted, strict=False)
    ]
    return ",".join(fields) + "\n"
