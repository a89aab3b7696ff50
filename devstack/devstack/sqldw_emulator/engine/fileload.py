"""Running one load: list and download the blobs, stage them, convert and insert.

Reads storage through the blob bridge into temporary files; inserts through the session.
"""

from __future__ import annotations

import dataclasses
import pathlib
import tempfile
import typing as t

from devstack.sqldw_emulator.engine import errors, loader

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.sqldw_emulator.engine.blob_bridge import BlobLocation, Credential
    from devstack.sqldw_emulator.engine.loader import (
        ConvertedView,
        CsvOptions,
        Reject,
        TargetColumn,
    )
    from devstack.sqldw_emulator.engine.protocols import StatementSession

_PARQUET_UNSUPPORTED_UNITS = ("_MICROS", "_NANOS", "MICROS=Micro", "NANOS=Nano")


@dataclasses.dataclass
class LoadOutcome:
    """What a load did."""

    inserted: int
    rejects: list[Reject]
    total: int


def load(
    session: StatementSession,
    locations: list[BlobLocation],
    credential: Credential,
    file_type: str,
    csv: CsvOptions,
    columns: list[TargetColumn],
    target: str,
    max_errors: int | None,
    *,
    parquet_type_rules: bool = False,
    discover: Callable[[list[tuple[str, str]]], tuple[list[TargetColumn], list[str]]] | None = None,
    view: ConvertedView | None = None,
) -> LoadOutcome:
    """Load the files at ``locations`` into the DuckDB table ``target``.

    Args:
        session: The session whose connection (and transaction) runs the load.
        locations: Files, folders or wildcard patterns.
        credential: How to reach storage.
        file_type: ``CSV`` (delimited text) or ``PARQUET``.
        csv: Delimited-text options.
        columns: Target columns and the fields feeding them.
        target: DuckDB name of the table.
        max_errors: Rejected rows allowed before nothing is inserted (None: unlimited).
        parquet_type_rules: Apply dedicated pools' PolyBase Parquet rules (no MICROS/NANOS
            timestamps).
        discover: For Parquet, automatic schema discovery: called with the files' (column,
            DuckDB type) list once they are read, it returns the target columns and the file
            column feeding each field number (and may create the table first).
        view: Create ``target`` as a view of the converted rows (see
            :class:`~devstack.sqldw_emulator.engine.loader.ConvertedView`) instead of
            inserting into the table ``target``.

    Raises:
        SQLError: 105019 when no file matches or storage refuses access; 106000 for Parquet
            types the pool cannot read; 107090 for a row over ``csv.max_row_bytes``.
    """
    bridge = session.engine.blob_bridge
    found = [(location, bridge.list_files(location, credential)) for location in locations]
    if not any(names for _location, names in found):
        shown = ", ".join(f"{loc.container}/{loc.path}" for loc in locations)
        raise errors.error(105019, f"External file access failed: no files found at '{shown}'.")
    with tempfile.TemporaryDirectory(prefix="dw-load-") as folder:
        paths: list[pathlib.Path] = []
        names: list[str] = []
        for index, (location, blob_names) in enumerate(found):
            sub = pathlib.Path(folder) / str(index)
            sub.mkdir()
            paths += bridge.download(location, blob_names, credential, sub)
            names += [f"{location.container}/{name}" for name in blob_names]
        cursor = session.cursor
        if file_type == "PARQUET":
            if parquet_type_rules:
                _check_parquet_types(session, paths, names)
            staged, schema = loader.stage_parquet(cursor, paths, names)
            if discover is not None:
                columns, source_names = discover(schema)
            else:
                source_names = _parquet_mapping(schema, columns)
            inserted, rejects = loader.convert_and_insert(
                cursor, staged, target, columns, csv, max_errors, source_names=source_names,
                view=view,
            )  # fmt: skip
        else:
            fields = max((c.field for c in columns if c.field is not None), default=-1) + 1
            # Extra fields in the files are ignored rather than rejected, as COPY does.
            if csv.ignore_extra_fields and paths:
                fields = max(fields, loader.sniff_fields(paths[0], csv))
            staged = loader.stage_csv(cursor, paths, names, max(fields, 1), csv, numbered=False)
            inserted, rejects = loader.convert_and_insert(
                cursor, staged, target, columns, csv, max_errors, clean_only=True, view=view
            )
            if rejects:
                # Rare path: read again, numbering rows, so rejects name their row.
                staged = loader.stage_csv(cursor, paths, names, max(fields, 1), csv)
                inserted, rejects = loader.convert_and_insert(
                    cursor, staged, target, columns, csv, max_errors, view=view
                )
    too_large = loader.row_size_error(rejects, csv.max_row_bytes or loader.DUCKDB_MAX_LINE_BYTES)
    if too_large is not None:
        raise too_large
    return LoadOutcome(inserted, rejects, staged.total)


def _parquet_mapping(schema: list[tuple[str, str]], columns: list[TargetColumn]) -> list[str]:
    by_name = {name.lower(): name for name, _kind in schema}
    names = [name for name, _kind in schema]
    if all(column.name.lower() in by_name for column in columns):
        mapping = []
        for position, column in enumerate(columns):
            column.field = position
            mapping.append(by_name[column.name.lower()])
        return mapping
    return names


def _check_parquet_types(
    session: StatementSession, paths: list[pathlib.Path], names: list[str]
) -> None:
    for path, name in zip(paths, names, strict=True):
        for column, converted, logical in session.cursor.execute(
            "SELECT name, converted_type, CAST(logical_type AS VARCHAR) FROM parquet_schema(?)",
            [str(path)],
        ).fetchall():
            text = f"{converted or ''} {logical or ''}"
            if "TIME" in text and any(unit in text for unit in _PARQUET_UNSUPPORTED_UNITS):
                raise errors.error(
                    106000,
                    "HdfsBridge::recordReaderFillBuffer - Unexpected error encountered filling "
                    f"record reader buffer: ClassCastException: column '{column}' of '{name}' is "
                    "a Parquet TIMESTAMP/TIME in MICROS or NANOS, which dedicated SQL pools "
                    "cannot read (use MILLIS, INT96 or strings).",
                )
