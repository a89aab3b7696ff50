"""The record pipeline interface, the sdk pipeline, and the one function that picks a pipeline.

A stream's pipeline is chosen once per sink (:func:`choose_pipeline`) and logged at INFO with
its reason. Touches the sink, the run and singer-sdk's stream maps (public API).
"""

from __future__ import annotations

import typing as t

from singer_sdk.mapper import SameRecordTransform

from target_azure_sqldw.errors import TargetError
from target_azure_sqldw.ingest import column_pipeline
from target_azure_sqldw.ingest.column_pipeline import ColumnPipeline
from target_azure_sqldw.ingest.row_pipeline import RowPipeline

if t.TYPE_CHECKING:
    import logging

    from singer_sdk.mapper import PluginMapper
    from singer_sdk.sinks import Sink

    from target_azure_sqldw.run import Run

#: The values of the ``record_pipeline`` setting.
CHOICES = ("auto", "sdk", "row", "column")


class RecordPipeline(t.Protocol):
    """Takes a stream's RECORD messages to staged rows; errors are one line each.

    ``add`` takes one message (staged now, or at the next ``flush``) and returns False,
    before any effect, when singer-sdk's own path must report the record (it is not an
    object). ``pending`` holds the messages waiting for ``flush``.
    """

    name: str
    pending: list[t.Any]

    @property
    def sink(self) -> Sink:
        """The stream's sink."""

    @property
    def in_flight(self) -> int:
        """Chunks handed to staging processes and not yet staged (column pipeline only)."""

    def add(self, message: dict) -> bool:
        """Take one RECORD message."""

    def flush(self) -> None:
        """Stage every pending message."""


class SDKPipeline:
    """singer-sdk's own RECORD handling (``Target._process_record_message``).

    Args:
        sink: The stream's sink.
        process: singer-sdk's handling of one RECORD message.
    """

    name = "sdk"
    in_flight = 0

    def __init__(self, sink: Sink, process: t.Callable[[dict], None]) -> None:
        self.sink = sink
        self.process = process
        self.pending: list[dict] = []

    def add(self, message: dict) -> bool:
        """Hand the message to singer-sdk.

        Args:
            message: The RECORD message.

        Returns:
            True: singer-sdk reports every record itself.
        """
        self.process(message)
        return True

    def flush(self) -> None:
        """Nothing waits: singer-sdk stages each record as it arrives."""


def stream_map_refusal(mapper: PluginMapper, stream_name: str) -> str | None:
    """Why a stream's records must go through singer-sdk's stream maps, or None.

    Args:
        mapper: The target's stream-map mapper.
        stream_name: The stream.

    Returns:
        ``stream map`` when the stream has anything but the default, identity map.
    """
    maps = mapper.stream_maps.get(stream_name)
    if not maps or len(maps) != 1:
        return "stream map"
    stream_map = maps[0]
    identity = (
        type(stream_map) is SameRecordTransform
        and not stream_map.flattening_enabled
        and stream_map.stream_alias == stream_name
    )
    return None if identity else "stream map"


def choose_pipeline(
    setting: str,
    sink: Sink,
    run: Run,
    mapper: PluginMapper,
    sdk_process: t.Callable[[dict], None],
) -> RecordPipeline:
    """The record pipeline of a sink: chosen once, logged at INFO with its reason.

    ``auto`` takes the column pipeline where every per-record step has a column-wise
    equivalent, the row pipeline where the stream has the default stream map, and
    singer-sdk's own pipeline otherwise. A forced pipeline that cannot take the stream ends
    the run with one line saying why.

    Args:
        setting: ``record_pipeline``: ``auto``, ``sdk``, ``row`` or ``column``.
        sink: The stream's sink.
        run: The run.
        mapper: The target's stream-map mapper.
        sdk_process: singer-sdk's handling of one RECORD message.

    Returns:
        The pipeline.

    Raises:
        TargetError: When a forced pipeline cannot take the stream.
    """
    stream = sink.stream_name
    if setting == "sdk":
        return _chosen(SDKPipeline(sink, sdk_process), "record_pipeline: sdk", run.logger)
    refusal = stream_map_refusal(mapper, stream)
    if refusal is None and not hasattr(sink, "encoder"):
        refusal = "not a staging sink"
    if refusal is not None:
        if setting != "auto":
            raise _cannot(stream, setting, refusal)
        return _chosen(SDKPipeline(sink, sdk_process), refusal, run.logger)
    row = RowPipeline(run, sink)  # type: ignore[arg-type]
    if setting == "row":
        return _chosen(row, "record_pipeline: row", run.logger)
    # Looked up on the module, so a test can take the column checker away.
    checker = column_pipeline.chunk_columns(sink, row)  # type: ignore[arg-type]
    if checker is None:
        reason = column_pipeline.column_refusal(sink, row)  # type: ignore[arg-type]
        reason = reason or "a property the column checks cannot take"
        if setting == "column":
            raise _cannot(stream, setting, reason)
        return _chosen(row, reason, run.logger)
    column = ColumnPipeline(run, sink, row, checker)  # type: ignore[arg-type]
    return _chosen(column, "record_pipeline: column" if setting == "column" else "", run.logger)


def _chosen(pipeline: RecordPipeline, reason: str, logger: logging.Logger) -> RecordPipeline:
    because = f" ({reason})" if reason else ""
    logger.info("%s: %s pipeline%s", pipeline.sink.stream_name, pipeline.name, because)
    return pipeline


def _cannot(stream: str, setting: str, reason: str) -> TargetError:
    return TargetError(
        f"stream {stream!r}: record_pipeline {setting!r} cannot take it ({reason}); "
        "use 'auto' or 'sdk'"
    )
