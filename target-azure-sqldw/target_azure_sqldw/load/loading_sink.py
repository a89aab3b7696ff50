"""What a batch's load needs of its stream's sink, as a Protocol.

``staged_batches`` and ``bulk_load`` run a batch's upload, bulk load and merge. They read the
sink's table, columns and settings but never call its singer-sdk side; naming this Protocol
instead of ``AzureSQLDWSink`` keeps them below ``sinks``, which imports them.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    import logging

    from target_azure_sqldw.encode.long_text import OverflowWatch
    from target_azure_sqldw.load.connector import AzureSQLDWConnector
    from target_azure_sqldw.load.sql.ddl import ColumnDef, TableLayout
    from target_azure_sqldw.run import Run
    from target_azure_sqldw.schema.flavor import Flavor
    from target_azure_sqldw.settings import Settings


class LoadingSink(t.Protocol):
    """A stream's table as its loads see it (``AzureSQLDWSink`` is one)."""

    run: Run
    settings: Settings
    connector: AzureSQLDWConnector
    flavor: Flavor
    #: ``escaped`` (PolyBase) or ``csv`` (COPY INTO).
    file_format: str
    schema_name: str
    table_name: str
    columns: list[ColumnDef]
    key_columns: list[str]
    layout: TableLayout
    #: Which staged fields are text, in staging order.
    quoted: list[bool]
    watch: OverflowWatch | None

    @property
    def stream_name(self) -> str:
        """The stream."""

    @property
    def logger(self) -> logging.Logger:
        """The stream's logger."""

    @property
    def bulk_load_method(self) -> str:
        """``copy`` or ``polybase``: the setting, or ``copy`` where the flavor has no PolyBase."""
