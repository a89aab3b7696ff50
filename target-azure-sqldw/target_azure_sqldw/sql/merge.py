"""Move a batch from its staging table into the target table, in one transaction.

Keyed streams: de-duplicate the staging rows by the key **tuple** (the last row by arrival
order wins), delete the target rows those keys replace with ``DELETE ... WHERE EXISTS`` (an
implicit join: dedicated pools refuse ANSI joins in DELETE), then ``INSERT ... SELECT``.
Streams without keys append. ``hard_delete`` then removes rows whose ``_sdc_deleted_at`` is
set. No CTE follows ``INSERT INTO`` (dedicated pools refuse it): a derived table ranks rows.
"""

from __future__ import annotations

import typing as t

from target_azure_sqldw.names import quote_identifier, quote_table
from target_azure_sqldw.sql.ddl import STAGE_SEQUENCE_COLUMN
from target_azure_sqldw.sql.statement import Statement, option_label

if t.TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

DELETED_AT = "_sdc_deleted_at"
TABLE_VERSION = "_sdc_table_version"
RANK_COLUMN = "_sdc_stage_rank"
SOURCE_ALIAS = "_sdc_stage"


def merge_batch(
    schema: str,
    table: str,
    stage: str,
    columns: Sequence[str],
    keys: Sequence[str],
    label_text: str,
    *,
    replace_all: bool = False,
    hard_delete: bool = False,
) -> list[Statement]:
    """The statements that merge one staged batch (run them in one transaction).

    Args:
        schema: Schema name.
        table: Target table name.
        stage: Staging table name.
        columns: Target column names loaded from the stage.
        keys: Key columns (empty: append).
        label_text: The batch label.
        replace_all: Delete every existing row first (``load_method: overwrite``).
        hard_delete: Delete rows whose ``_sdc_deleted_at`` is set afterwards.

    Returns:
        The statements, in order.
    """
    target = quote_table(schema, table)
    source = quote_table(schema, stage)
    option = option_label(label_text)
    cols = ", ".join(quote_identifier(c) for c in columns)
    statements: list[Statement] = []
    if replace_all:
        statements.append(Statement(f"DELETE FROM {target}\n{option}"))
    alias = quote_identifier(SOURCE_ALIAS)
    if keys and not replace_all:
        match = " AND ".join(
            f"{alias}.{quote_identifier(k)} = {target}.{quote_identifier(k)}" for k in keys
        )
        statements.append(
            Statement(
                f"DELETE FROM {target}\n"
                f"WHERE EXISTS (SELECT 1 FROM {source} AS {alias} WHERE {match})\n{option}"
            )
        )
    if keys:
        partition = ", ".join(quote_identifier(k) for k in keys)
        rank = quote_identifier(RANK_COLUMN)
        seq = quote_identifier(STAGE_SEQUENCE_COLUMN)
        statements.append(
            Statement(
                f"INSERT INTO {target} ({cols})\n"
                f"SELECT {cols}\n"
                f"FROM (SELECT {cols},\n"
                f"             ROW_NUMBER() OVER (PARTITION BY {partition} "
                f"ORDER BY {seq} DESC) AS {rank}\n"
                f"      FROM {source}) AS {alias}\n"
                f"WHERE {alias}.{rank} = 1\n{option}"
            )
        )
    else:
        statements.append(
            Statement(f"INSERT INTO {target} ({cols})\nSELECT {cols}\nFROM {source}\n{option}")
        )
    if hard_delete:
        statements.append(
            Statement(
                f"DELETE FROM {target}\nWHERE {quote_identifier(DELETED_AT)} IS NOT NULL\n{option}"
            )
        )
    return statements


def activate_version(
    schema: str,
    table: str,
    version: int,
    label_text: str,
    *,
    hard_delete: bool,
    deleted_at: dt.datetime,
) -> Statement:
    """Retire rows of versions older than ``version`` (rows without a version count as older).

    Args:
        schema: Schema name.
        table: Table name.
        version: The version being activated.
        label_text: The label.
        hard_delete: Delete the rows; otherwise set ``_sdc_deleted_at`` where it is NULL.
        deleted_at: The soft-delete timestamp (UTC).

    Returns:
        The statement, with the version (and timestamp) bound.
    """
    target = quote_table(schema, table)
    version_col = quote_identifier(TABLE_VERSION)
    older = f"({version_col} < ? OR {version_col} IS NULL)"
    option = option_label(label_text)
    if hard_delete:
        return Statement(f"DELETE FROM {target}\nWHERE {older}\n{option}", (version,))
    deleted = quote_identifier(DELETED_AT)
    return Statement(
        f"UPDATE {target}\nSET {deleted} = ?\nWHERE {older} AND {deleted} IS NULL\n{option}",
        (deleted_at, version),
    )
