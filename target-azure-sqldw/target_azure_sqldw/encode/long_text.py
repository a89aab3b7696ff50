"""Long texts: found while staging, given room before they load, or cut into valid JSON.

Touches the connector (ALTER or rebuild of a table) when a column is widened.
"""

from __future__ import annotations

import dataclasses
import logging
import typing as t

from target_azure_sqldw.encode.formats import ESCAPED
from target_azure_sqldw.encode.values import json_text, utf8_bytes, utf16_units
from target_azure_sqldw.errors import ValueRejectedError
from target_azure_sqldw.load.sql import ddl
from target_azure_sqldw.schema.sql_types import MAX, UNICODE_TYPES, ColumnType

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from target_azure_sqldw.load.connector import AzureSQLDWConnector
    from target_azure_sqldw.schema.flavor import Flavor

LOGGER = logging.getLogger("target_azure_sqldw.encode.long_text")
WIDEN = "widen"
Measure = t.Callable[[str], int]


def measure_of(column: ColumnType) -> tuple[Measure, int]:
    """How a column's length is counted, and the most units one character takes.

    Args:
        column: A character column type.

    Returns:
        ``(measure, units_per_character)``: UTF-16 code units (2 for a character beyond the
        BMP) for ``nvarchar``, UTF-8 bytes (up to 4) for ``varchar``.
    """
    if column.name in UNICODE_TYPES:
        return utf16_units, 2
    return utf8_bytes, 4


def csv_markup(field: str) -> int:
    """Characters a quoted CSV field adds to its value: the two quotes and each doubling."""
    return 2 + (field.count('"') - 2) // 2


def escaped_markup(field: str) -> int:
    r"""Characters an ``escaped`` field adds to its value: one per escape (``\e``: all)."""
    return 2 if field == "\\e" else field.count("\\")


@dataclasses.dataclass(frozen=True)
class WatchedColumn:
    """A bounded text column whose values are staged without a length check.

    Attributes:
        index: The column's field in a staged line.
        name: The column name.
        column: Its type in the table (``nvarchar(4000)``, say).
    """

    index: int
    name: str
    column: ColumnType


class OverflowWatch:
    """Find values longer than their column among a sink's staged fields.

    The staging encoder shows it every staged line's fields (:meth:`record`) or a chunk's
    fields column by column (:meth:`chunk`). A field no longer than its column's length in
    characters is passed over by its length alone; only a longer one is decoded and measured.

    Args:
        file_format: The staging format (how a text field is quoted or escaped).
        columns: The watched columns.
    """

    def __init__(self, file_format: str, columns: Sequence[WatchedColumn]) -> None:
        self.file_format = file_format
        self.columns = [
            (watched.index, watched.name, *measure_of(watched.column), watched.column.length or 0)
            for watched in columns
        ]
        # Quotes and escapes are ASCII, one unit in either measure: a field's value measures
        # the field's size less them, without decoding a copy of the field.
        self._markup: Callable[[str], int] = (
            escaped_markup if file_format == ESCAPED else csv_markup
        )
        #: Column name to the longest value found over its length (in the column's units).
        self.found: dict[str, int] = {}
        #: Columns made ``(max)`` since (by the loader's thread): no longer looked at.
        self.widened: set[str] = set()

    def record(self, fields: Sequence[str]) -> None:
        """Look at one staged line's fields.

        Args:
            fields: The line's fields as staged (quoted or escaped).
        """
        for index, name, measure, per_char, length in self.columns:
            # A quoted or escaped field is at least as long as its value.
            if len(fields[index]) * per_char > length and name not in self.widened:
                self._measure(name, measure, length, [fields[index]])

    def chunk(self, columns: Sequence[Sequence[str]]) -> None:
        """Look at a chunk's fields, column by column.

        Args:
            columns: One list of staged fields per column of the line.
        """
        for index, name, measure, per_char, length in self.columns:
            fields = columns[index]
            if fields and max(map(len, fields)) * per_char > length and name not in self.widened:
                longer = [field for field in fields if len(field) * per_char > length]
                self._measure(name, measure, length, longer)

    def _measure(self, name: str, measure: Measure, length: int, fields: Sequence[str]) -> None:
        """Measure fields that may hold a value longer than ``length``; note the longest."""
        for field in fields:
            size = measure(field) - self._markup(field)
            if size > length:
                self.found[name] = max(size, self.found.get(name, 0))

    def note(self, found: t.Mapping[str, int]) -> None:
        """Add what another watch found (a staging process's), except on columns since widened.

        Args:
            found: Column name to the longest value's size (another watch's :meth:`take`).
        """
        for name, size in found.items():
            if name not in self.widened:
                self.found[name] = max(size, self.found.get(name, 0))

    def take(self) -> dict[str, int]:
        """The columns found over their length since the last call, and forget them.

        Returns:
            Column name to the longest value's size.
        """
        found, self.found = self.found, {}
        return found


def watched_columns(
    columns: Sequence[ddl.ColumnDef], wide: Sequence[ColumnType]
) -> list[WatchedColumn]:
    """The columns ``widen`` stages unchecked: bounded text that a heap would make ``(max)``.

    Args:
        columns: The table's columns (as loaded into), in staging order.
        wide: The type each column's schema maps to when ``(max)`` is allowed (keys never
            ``(max)``).

    Returns:
        The watched columns (either flavor widens them: by ALTER COLUMN, or by a rebuild).
    """
    return [
        WatchedColumn(index, column.name, column.type)
        for index, (column, wide_type) in enumerate(zip(columns, wide, strict=True))
        if column.type.is_string and not column.type.is_max and wide_type.is_max
    ]


def widen_columns(
    connector: AzureSQLDWConnector,
    schema: str,
    table: str,
    found: Mapping[str, int],
    flavor: Flavor,
    primary_key: Sequence[str] = (),
) -> dict[str, ColumnType]:
    """Make columns that received longer values ``(max)``, rebuilding a columnstore table.

    Reads the table's columns and layout from the catalog, so it does nothing for columns
    already ``(max)`` and can run again after a failure.

    Args:
        connector: The connector.
        schema: Schema name.
        table: Table name.
        found: Column name to the longest value found (for the warning).
        flavor: Synapse or Fabric.
        primary_key: Columns of the ``PRIMARY KEY ... NOT ENFORCED`` to declare again after a
            rebuild (``primary_key_not_enforced``), or none.

    Returns:
        Each column of ``found`` and its type now.
    """
    current = connector.table_columns(schema, table)
    types = {name: current[name][0] for name in found if name in current}
    pending = {name: dataclasses.replace(kind, length=MAX) for name, kind in types.items()}
    pending = {name: kind for name, kind in pending.items() if not types[name].is_max}
    if not pending:
        return types
    sizes = ", ".join(f"{name} ({found[name]} > {types[name].sql})" for name in pending)
    if not flavor.alter_column:
        LOGGER.warning(
            "Values longer than their column in %s.%s: %s. Fabric cannot ALTER COLUMN: "
            "rebuilding the table (CTAS and sp_rename) with these columns varchar(max) "
            "(string_overflow 'widen')",
            schema,
            table,
            sizes,
        )
        connector._rebuild(schema, table, pending, None, primary_key)
    elif (layout := connector.table_layout(schema, table)) is not None and layout.index == "cci":
        LOGGER.warning(
            "Values longer than their column in %s.%s: %s. A columnstore table cannot hold "
            "(max) columns: rebuilding it as a HEAP (same distribution) with these columns "
            "nvarchar(max) (string_overflow 'widen'; 'error' or 'truncate' keep columnstore)",
            schema,
            table,
            sizes,
        )
        heap = dataclasses.replace(layout, index="heap")
        connector._rebuild(schema, table, pending, heap, primary_key)
    else:
        LOGGER.warning(
            "Values longer than their column in %s.%s: %s. Altering them to (max) "
            "(string_overflow 'widen')",
            schema,
            table,
            sizes,
        )
        for name, kind in pending.items():
            column = ddl.ColumnDef(name, kind, nullable=current[name][1])
            connector.execute(ddl.alter_column(schema, table, column, flavor))
    types.update(pending)
    return types


def json_within(value: t.Any, limit: int, measure: Measure) -> str | None:
    """JSON text of ``value`` at most ``limit`` units long that still parses.

    Members of objects and elements of arrays are kept in order while they fit; the first
    that does not is cut the same way (a string to a prefix), and the rest are left out.

    Args:
        value: A JSON value.
        limit: The most units the text may have.
        measure: How units are counted.

    Returns:
        The text, or None when not even an empty container or string fits.

    Raises:
        ValueRejectedError: If the value cannot be written as JSON.
    """
    text = json_text(value)
    if measure(text) <= limit:
        return text
    if isinstance(value, dict):
        return _fit_container(list(value.items()), "{", "}", limit, measure)
    if isinstance(value, list):
        return _fit_container([(None, item) for item in value], "[", "]", limit, measure)
    if isinstance(value, str):
        return _fit_string(value, limit, measure)
    return None


def _fit_container(
    members: list[tuple[t.Any, t.Any]], opening: str, closing: str, limit: int, measure: Measure
) -> str | None:
    used = measure(opening) + measure(closing)
    if used > limit:
        return None
    parts = [opening]
    for key, item in members:
        head = ("," if len(parts) > 1 else "") + ("" if key is None else json_text(key) + ":")
        text = head + json_text(item)
        size = measure(text)
        if used + size <= limit:
            parts.append(text)
            used += size
            continue
        room = limit - used - measure(head)
        cut = json_within(item, room, measure) if room > 0 else None
        if cut is not None:
            parts.append(head + cut)
        break
    parts.append(closing)
    return "".join(parts)


def _fit_string(value: str, limit: int, measure: Measure) -> str | None:
    """The longest prefix of ``value`` whose JSON string fits (each character is 1+ unit)."""
    low, high = 0, min(len(value), limit)
    if measure('""') > limit:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if measure(json_text(value[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return json_text(value[:low])


def truncating_json_encoder(column: ColumnType, overflowed: list[bool]) -> Callable[[t.Any], str]:
    """The encoder of a JSON column under ``string_overflow: truncate``: cut, still JSON.

    Args:
        column: The column's type (bounded).
        overflowed: The flag list set to True when a value was cut (``_sdc_truncated``).

    Returns:
        The encoder.
    """
    measure, _per_char = measure_of(column)
    limit = column.length or 0

    def encode(value: t.Any) -> str:
        text = json_text(value)
        size = measure(text)
        if size < 0:
            raise ValueRejectedError("contains an unpaired surrogate (invalid Unicode)")
        if size <= limit:
            return text
        cut = json_within(value, limit, measure)
        if cut is None:
            raise ValueRejectedError(f"cannot be cut to valid JSON of {limit} units")
        overflowed[0] = True
        return cut

    return encode
