"""Rows too large for PolyBase and COPY INTO: kept aside while staging, inserted one by one.

Touches local files and the connector (bound-parameter INSERTs).
"""

from __future__ import annotations

import gzip
import typing as t

from target_azure_sqldw.encode.formats import (
    ESCAPED,
    FIELD_TERMINATOR,
    check_format,
    unescape_field,
)
from target_azure_sqldw.load.sql.rows import insert_staged_row

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from target_azure_sqldw.load.connector import AzureSQLDWConnector
    from target_azure_sqldw.load.sql.ddl import ColumnDef
    from target_azure_sqldw.stage.parts import StagedPart


def aside_lines(part: StagedPart) -> Iterator[str]:
    """The lines of a writer's ``aside`` file, one at a time.

    Args:
        part: The file (each line follows a line giving its length in bytes).

    Yields:
        Each line, newline included.

    Raises:
        ValueError: When the file ends inside a line.
    """
    with gzip.open(part.path, "rb") as handle:
        while header := handle.readline():
            size = int(header)
            data = handle.read(size)
            if len(data) != size:
                msg = f"{part.path.name} ends inside a line"
                raise ValueError(msg)
            yield data.decode("utf-8")


def split_line(line: str, file_format: str, quoted: Sequence[bool]) -> list[str | None]:
    """Read one staged line back into its fields' texts (None for NULL).

    Args:
        line: A line :func:`escaped_line` or :func:`csv_line` wrote (its newline optional).
        file_format: ``escaped`` or ``csv``.
        quoted: Which fields are text, as the line was written.

    Returns:
        One text per field, decoded.

    Raises:
        ValueError: When the line does not have one field per entry of ``quoted``.
    """
    check_format(file_format)
    line = line[:-1] if line.endswith("\n") else line
    if file_format == ESCAPED:
        fields: list[str | None] = [
            None if not text else (unescape_field(text) if is_text else text)
            for text, is_text in zip(line.split(FIELD_TERMINATOR), quoted, strict=True)
        ]
        return fields
    return _split_csv(line, quoted)


def _split_csv(line: str, quoted: Sequence[bool]) -> list[str | None]:
    """Fields of a ``csv`` line: text always quoted, an empty unquoted field is NULL."""
    fields: list[str | None] = []
    position = 0
    for index, is_text in enumerate(quoted):
        if index:
            if line[position : position + 1] != ",":
                raise ValueError(f"Expected a separator at offset {position}")
            position += 1
        if is_text and line.startswith('"', position):
            start = position + 1
            end = start
            while True:
                end = line.find('"', end)
                if end < 0:
                    raise ValueError(f"Unterminated quoted field at offset {position}")
                if line.startswith('"', end + 1):
                    end += 2
                    continue
                break
            fields.append(line[start:end].replace('""', '"'))
            position = end + 1
            continue
        end = line.find(",", position)
        end = len(line) if end < 0 else end
        text = line[position:end]
        fields.append(text or None)
        position = end
    if position != len(line):
        raise ValueError(f"{len(quoted)} fields expected, more found at offset {position}")
    return fields


def insert_aside_rows(
    connector: AzureSQLDWConnector,
    schema: str,
    stage: str,
    columns: Sequence[ColumnDef],
    part: StagedPart,
    file_format: str,
    quoted: Sequence[bool],
    label_text: str,
) -> int:
    """Insert the lines kept aside into the batch's staging table, one statement each.

    Args:
        connector: The connector (the load's connection).
        schema: Schema name.
        stage: Staging table name.
        columns: The staged columns, in file order (the sequence field follows them).
        part: The writer's ``aside`` file.
        file_format: The staging format the lines are in.
        quoted: Which fields of a line are text.
        label_text: The batch label.

    Returns:
        The rows inserted.
    """
    inserted = 0
    for line in aside_lines(part):
        texts = split_line(line, file_format, quoted)
        connector.execute(insert_staged_row(schema, stage, columns, texts, label_text))
        inserted += 1
    return inserted
