"""One row inserted with bound parameters (a row too large for the bulk loads)."""

from __future__ import annotations

import typing as t

from target_azure_sqldw.load.sql.ddl import STAGE_SEQUENCE_COLUMN
from target_azure_sqldw.load.sql.statement import Statement, option_label
from target_azure_sqldw.schema.names import quote_identifier, quote_table
from target_azure_sqldw.schema.sql_types import ColumnType

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from target_azure_sqldw.load.sql.ddl import ColumnDef

#: Parameters one statement may bind on a dedicated pool.
MAX_PARAMETERS = 2098


def insert_staged_row(
    schema: str,
    stage: str,
    columns: Sequence[ColumnDef],
    texts: Sequence[str | None],
    label_text: str,
) -> Statement:
    """``INSERT INTO`` the staging table ``SELECT`` one row of bound texts, each cast to its type.

    A dedicated pool has no multi-row ``VALUES``; one ``INSERT ... SELECT`` of parameters
    is its single-row form. Each value is bound as text (the canonical text the staged files
    carry) and cast, so every type converts exactly as it does from the files.

    Args:
        schema: Schema name.
        stage: Staging table name.
        columns: The staged columns in order; the sequence column follows them.
        texts: One text (None for NULL) per column, then the row's sequence number.
        label_text: The batch label.

    Returns:
        The statement with its parameters.

    Raises:
        ValueError: When the texts do not match the columns, or there are too many.
    """
    if len(texts) != len(columns) + 1:
        msg = f"{len(columns) + 1} values expected, {len(texts)} given"
        raise ValueError(msg)
    if len(texts) > MAX_PARAMETERS:
        msg = f"{len(texts)} values exceed the {MAX_PARAMETERS} parameters of one statement"
        raise ValueError(msg)
    types = [c.type for c in columns] + [ColumnType("bigint")]
    names = [quote_identifier(c.name) for c in columns] + [quote_identifier(STAGE_SEQUENCE_COLUMN)]
    casts = [f"CAST(? AS {column_type.sql})" for column_type in types]
    sql = (
        f"INSERT INTO {quote_table(schema, stage)} ({', '.join(names)})\n"
        f"SELECT {', '.join(casts)}\n{option_label(label_text)}"
    )
    return Statement(sql, tuple(texts))
