"""Identifier quoting and name conformance for dedicated SQL pools and Fabric Warehouse.

Pure.
"""

from __future__ import annotations

import hashlib
import re
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Iterable

#: The T-SQL identifier limit (``sysname``).
MAX_IDENTIFIER_LENGTH = 128
#: Table names stay this short so ``__stg_<8 hex>`` and ``__ext_<8 hex>`` suffixes still fit.
MAX_TABLE_NAME_LENGTH = 112

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_BLOB_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def quote_identifier(name: str) -> str:
    """Bracket-quote one identifier, escaping ``]`` by doubling it.

    Args:
        name: The raw identifier.

    Returns:
        The quoted identifier, e.g. ``[a]]b]`` for ``a]b``.

    Raises:
        ValueError: If the name is empty or longer than 128 characters.
    """
    if not name:
        msg = "An empty identifier cannot be quoted"
        raise ValueError(msg)
    if len(name) > MAX_IDENTIFIER_LENGTH:
        msg = f"Identifier is longer than {MAX_IDENTIFIER_LENGTH} characters: {name[:40]!r}..."
        raise ValueError(msg)
    return "[" + name.replace("]", "]]") + "]"


def quote_table(schema: str, table: str) -> str:
    """Quote a two-part ``[schema].[table]`` name.

    Args:
        schema: Schema name.
        table: Table name.

    Returns:
        The quoted two-part name.
    """
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def string_literal(value: str) -> str:
    """Render a Unicode string literal (``N'...'`` with ``'`` doubled).

    Only for text T-SQL cannot take as a bound parameter (DDL options, labels, object
    names compared in catalog queries are bound instead).

    Args:
        value: The text.

    Returns:
        The literal.
    """
    return "N'" + value.replace("'", "''") + "'"


def _short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def conform_identifier(name: str, max_length: int = MAX_IDENTIFIER_LENGTH) -> str:
    """Make a name safe to bracket-quote, keeping it as close to the original as possible.

    Args:
        name: The name as the tap sent it.
        max_length: The longest result allowed.

    Returns:
        The conformed name. Names that had to be shortened end with ``_<8 hex>`` computed from
        the original, so distinct long names stay distinct.
    """
    cleaned = _CONTROL_CHARS.sub("_", name).rstrip()
    if not cleaned:
        cleaned = "_"
    if len(cleaned) <= max_length:
        return cleaned
    suffix = "_" + _short_hash(name)
    return cleaned[: max_length - len(suffix)] + suffix


def conform_column_names(names: Iterable[str]) -> dict[str, str]:
    """Conform the property names of one stream, without collisions.

    Earlier names keep their conformed form; a later name that collides with one already
    taken (case-insensitively) gets ``__2``, ``__3``... so adding a column never renames an
    existing one.

    Args:
        names: Property names in schema order.

    Returns:
        A mapping from each original name to its column name.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = conform_identifier(name)
        candidate = base
        counter = 1
        while candidate.casefold() in taken:
            counter += 1
            tail = f"__{counter}"
            candidate = base[: MAX_IDENTIFIER_LENGTH - len(tail)] + tail
        taken.add(candidate.casefold())
        result[name] = candidate
    return result


def table_name_for_stream(stream_name: str) -> str:
    """Return the table name for a stream.

    Follows singer-sdk's convention that ``schema-table`` stream names carry their schema:
    the table is the last ``-`` separated part.

    Args:
        stream_name: The Singer stream name.

    Returns:
        The conformed table name (at most 112 characters).
    """
    table = stream_name.split("-")[-1] if "-" in stream_name else stream_name
    return conform_identifier(table or stream_name, MAX_TABLE_NAME_LENGTH)


def schema_name_for_stream(stream_name: str, default_schema: str | None) -> str:
    """Return the schema name for a stream.

    Args:
        stream_name: The Singer stream name.
        default_schema: The ``default_target_schema`` setting, if any.

    Returns:
        ``default_schema`` when set; else the ``schema`` part of a ``schema-table`` or
        ``db-schema-table`` stream name (``public`` becomes ``dbo``); else ``dbo``.
    """
    if default_schema:
        return conform_identifier(default_schema)
    parts = stream_name.split("-")
    if len(parts) in {2, 3} and parts[-2]:
        schema = parts[-2]
        return "dbo" if schema.lower() == "public" else conform_identifier(schema)
    return "dbo"


def blob_safe(name: str, max_length: int = 60) -> str:
    """Turn a stream name into a blob path segment (letters, digits, ``_.-`` only).

    Args:
        name: Any name.
        max_length: The longest segment returned, hash suffix included.

    Returns:
        A path segment; a hash suffix keeps distinct names distinct when characters were
        replaced or the name was shortened.
    """
    safe = _BLOB_UNSAFE.sub("_", name).strip("._") or "_"
    if safe == name and len(safe) <= max_length:
        return safe
    suffix = "-" + _short_hash(name)
    return safe[: max_length - len(suffix)] + suffix


def staging_table_name(table: str, batch_id: str) -> str:
    """Return the per-batch staging table name.

    Args:
        table: The conformed target table name (at most 112 characters).
        batch_id: The batch identifier (its first 8 characters are used).

    Returns:
        ``<table>__stg_<batch8>``.
    """
    return f"{table}__stg_{batch_id[:8]}"


def external_table_name(table: str, batch_id: str) -> str:
    """Return the per-batch PolyBase external table name.

    Args:
        table: The conformed target table name (at most 112 characters).
        batch_id: The batch identifier (its first 8 characters are used).

    Returns:
        ``<table>__ext_<batch8>``.
    """
    return f"{table}__ext_{batch_id[:8]}"


def rebuild_table_names(table: str, rebuild_id: str) -> tuple[str, str]:
    """Return the names a table rebuild uses: the new copy and the old table while swapping.

    Args:
        table: The conformed target table name (at most 112 characters).
        rebuild_id: An identifier of the rebuild (its first 8 characters are used).

    Returns:
        ``(<table>__new_<id8>, <table>__old_<id8>)``.
    """
    return f"{table}__new_{rebuild_id[:8]}", f"{table}{REBUILD_OLD_MARK}{rebuild_id[:8]}"


#: What a table renamed away during a rebuild carries after the table's name.
REBUILD_OLD_MARK = "__old_"
