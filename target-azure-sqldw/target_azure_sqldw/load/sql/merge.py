"""Move a batch from its staging table into the target table, in one transaction.

Pure builders: return statements, execute nothing.
"""

from __future__ import annotations

import typing as t

from target_azure_sqldw.load.sql.ddl import STAGE_SEQUENCE_COLUMN
from target_azure_sqldw.load.sql.statement import Statement, option_label
from target_azure_sqldw.schema.names import quote_identifier, quote_table

if t.TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Sequence

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
    text_keys: Collection[str] = (),
    collation: str = "Latin1_General_100_BIN2",
    delete_markers: bool = True,
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
        text_keys: The keys that are character columns (compared under ``collation``).
        collation: A binary collation (``Flavor.binary_collation``).
        delete_markers: The batch may hold delete markers (rows with ``_sdc_deleted_at``
            set; see :func:`delete_markers_query`). Without them the markers' fill-in
            (:func:`fill_delete_markers`), a join of the staging table with the whole
            target table, is left out.

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
    if delete_markers and needs_marker_fill(
        columns, keys, replace_all=replace_all, hard_delete=hard_delete
    ):
        statements.append(
            fill_delete_markers(
                target, source, columns, keys, option, text_keys=text_keys, collation=collation
            )
        )
    if keys and not replace_all:
        match = " AND ".join(
            key_equals(
                f"{alias}.{quote_identifier(k)}",
                f"{target}.{quote_identifier(k)}",
                text=k in text_keys,
                collation=collation,
            )
            for k in keys
        )
        statements.append(
            Statement(
                f"DELETE FROM {target}\n"
                f"WHERE EXISTS (SELECT 1 FROM {source} AS {alias} WHERE {match})\n{option}"
            )
        )
    if keys:
        partition = ", ".join(
            key_partition(quote_identifier(k), text=k in text_keys, collation=collation)
            for k in keys
        )
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


def needs_marker_fill(
    columns: Collection[str], keys: Sequence[str], *, replace_all: bool, hard_delete: bool
) -> bool:
    """Whether a merge would fill delete markers (so whether to look for any first).

    Args:
        columns: The loaded columns.
        keys: The key columns (empty: append).
        replace_all: The merge empties the table first.
        hard_delete: Marked rows are deleted rather than kept.

    Returns:
        True for a keyed, soft-deleting merge of a table with ``_sdc_deleted_at``.
    """
    return bool(keys) and not replace_all and not hard_delete and DELETED_AT in columns


def delete_markers_query(schema: str, stage: str) -> Statement:
    """Whether a staged batch holds a delete marker: one row when it does, none otherwise.

    Args:
        schema: Schema name.
        stage: Staging table name.

    Returns:
        The query.
    """
    return Statement(
        f"SELECT TOP 1 1 FROM {quote_table(schema, stage)}\n"
        f"WHERE {quote_identifier(DELETED_AT)} IS NOT NULL"
    )


def fill_delete_markers(
    target: str,
    source: str,
    columns: Sequence[str],
    keys: Sequence[str],
    option: str,
    *,
    text_keys: Collection[str],
    collation: str,
) -> Statement:
    """Fill a staged delete marker's empty columns from the row it is about to replace.

    A delete record carries the key and ``_sdc_deleted_at``, and its other columns stage as
    NULL; the merge replaces whole rows, so without this a soft delete would blank the row.
    Values the marker does carry win (``COALESCE``). The form is the implicit-join ``UPDATE ...
    FROM`` that dedicated pools accept (no ANSI join, no alias on the updated table).

    Args:
        target: The quoted target table.
        source: The quoted staging table.
        columns: The loaded columns.
        keys: The key columns.
        option: The ``OPTION (LABEL ...)`` clause.
        text_keys: The keys that are character columns.
        collation: A binary collation.

    Returns:
        The UPDATE of the staging table.
    """
    filled = [c for c in columns if c not in keys and c != DELETED_AT]
    assignments = ",\n    ".join(
        f"{source}.{quote_identifier(c)} = "
        f"COALESCE({source}.{quote_identifier(c)}, {target}.{quote_identifier(c)})"
        for c in filled
    )
    match = " AND ".join(
        key_equals(
            f"{source}.{quote_identifier(k)}",
            f"{target}.{quote_identifier(k)}",
            text=k in text_keys,
            collation=collation,
        )
        for k in keys
    )
    return Statement(
        f"UPDATE {source}\nSET {assignments}\nFROM {target}\n"
        f"WHERE {source}.{quote_identifier(DELETED_AT)} IS NOT NULL AND {match}\n{option}"
    )


def key_equals(left: str, right: str, *, text: bool, collation: str) -> str:
    """An exact comparison of two key expressions.

    Args:
        left: One side.
        right: The other side.
        text: The key is a character column.
        collation: The binary collation to compare text under.

    Returns:
        ``left = right``; for text, under ``collation`` and with equal ``DATALENGTH``.
    """
    if not text:
        return f"{left} = {right}"
    return (
        f"{left} COLLATE {collation} = {right} COLLATE {collation} "
        f"AND DATALENGTH({left}) = DATALENGTH({right})"
    )


def key_partition(column: str, *, text: bool, collation: str) -> str:
    """The ``PARTITION BY`` terms that group exactly equal keys (see :func:`key_equals`).

    Args:
        column: The quoted key column.
        text: The key is a character column.
        collation: The binary collation to group text under.

    Returns:
        The column; for text, under ``collation`` and with its ``DATALENGTH``.
    """
    if not text:
        return column
    return f"{column} COLLATE {collation}, DATALENGTH({column})"


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
