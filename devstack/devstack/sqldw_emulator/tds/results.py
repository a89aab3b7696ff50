"""Encoding engine results into token streams: COLMETADATA, ROW, DONE and ERROR sequences.

Writes to the connection's message writer.
"""

from __future__ import annotations

import logging
import struct
import typing as t

from devstack.sqldw_emulator.api import ConnectionDropped, SQLError
from devstack.sqldw_emulator.tds import tokens
from devstack.sqldw_emulator.tds.datatypes import codec_for
from devstack.sqldw_emulator.tds.wire import b_varchar

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from devstack.sqldw_emulator.api import ResultSet, StatementResult
    from devstack.sqldw_emulator.tds.packets import MessageWriter

LOG = logging.getLogger("devstack.sqldw_emulator.tds")
# How many rows go out between two checks for a client's ATTENTION.
ATTENTION_CHECK_ROWS = 2000


class Cancelled(Exception):  # noqa: N818 - names the event
    """The client sent ATTENTION while the response was being produced."""


class StatementSink:
    """Writes the per-statement tokens of a batch or procedure, holding back the last DONE.

    A DONE token's MORE bit says whether another follows; the engine yields statements lazily,
    so each DONE is written only once the next statement (or the end) is known.

    Args:
        writer: The response message.
        in_proc: Whether statements run inside a procedure (DONEINPROC instead of DONE).
        check_attention: Raises :class:`Cancelled` when the client asked to stop.
        on_statement: Called after each statement (transaction-state ENVCHANGE tokens).
        utf8: Send char/varchar results as UTF-8 (a Fabric Warehouse's UTF-8 collation).
    """

    def __init__(
        self,
        writer: MessageWriter,
        *,
        in_proc: bool,
        check_attention: Callable[[], None],
        on_statement: Callable[[], None],
        server_name: str,
        utf8: bool = False,
    ) -> None:
        self.writer = writer
        self.utf8 = utf8
        self.token = tokens.DONEINPROC if in_proc else tokens.DONE
        self.check_attention = check_attention
        self.on_statement = on_statement
        self.server_name = server_name
        self.pending: tuple[int, int, int] | None = None
        self.failed = False
        self.last_rowcount: int | None = None

    def _flush_pending(self, more: bool) -> None:
        if self.pending is not None:
            status, cmd, count = self.pending
            self.writer.write(tokens.done(status | (tokens.DONE_MORE if more else 0), cmd, count,
                                          self.token))  # fmt: skip
            self.pending = None

    def consume(self, results: Iterator[StatementResult]) -> None:
        """Write every statement's tokens; engine errors become ERROR tokens.

        Raises:
            Cancelled: when ATTENTION arrived (the caller answers it).
        """
        try:
            for result in results:
                self._flush_pending(more=True)
                self.on_statement()
                for message in result.messages:
                    self.writer.write(tokens.info(0, message, self.server_name))
                if result.result_set is not None and result.result_set.columns:
                    count = write_result_set(
                        self.writer, result.result_set, self.check_attention, utf8=self.utf8
                    )
                    self.pending = (tokens.DONE_COUNT, tokens.CMD_SELECT, count)
                    self.last_rowcount = count
                elif result.rowcount is not None:
                    self.pending = (tokens.DONE_COUNT, tokens.CMD_INSERT, result.rowcount)
                    self.last_rowcount = result.rowcount
                else:
                    self.pending = (0, tokens.CMD_NONE, 0)
                self.check_attention()
        except SQLError as exc:
            self._fail(exc)
        except (Cancelled, ConnectionDropped):
            raise
        except Exception as exc:
            # An engine bug must reach the client as an error, not as a dropped connection.
            LOG.exception("internal error while executing a batch")
            self._fail(SQLError(50000, f"Internal error in the SQL DW emulator: {exc}"))
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()

    def _fail(self, exc: SQLError) -> None:
        self._flush_pending(more=True)
        self.on_statement()
        self.writer.write(
            tokens.error(exc.number, exc.message, self.server_name, state=exc.state,
                         severity=exc.severity, line=exc.line)
        )  # fmt: skip
        self.pending = (tokens.DONE_ERROR, tokens.CMD_NONE, 0)
        self.failed = True

    def finish(self, *, more: bool) -> None:
        """Write the held-back DONE (or an empty one when nothing ran)."""
        if self.pending is None:
            self.pending = (0, tokens.CMD_NONE, 0)
        self._flush_pending(more=more)


def colmetadata(result: ResultSet, *, utf8: bool = False) -> tuple[bytes, list[t.Any]]:
    """The COLMETADATA token of a result set and the value encoders of its columns.

    ``utf8``: char/varchar travel as UTF-8 (see :func:`datatypes.codec_for`).
    """
    out = bytearray((tokens.COLMETADATA,))
    out += struct.pack("<H", len(result.columns))
    encoders = []
    for column in result.columns:
        codec = codec_for(column.type, utf8=utf8)
        flags = 0x0009 if column.nullable else 0x0008
        out += struct.pack("<IH", 0, flags)
        out += codec.type_info
        out += b_varchar(column.name)
        encoders.append(codec.encode)
    return bytes(out), encoders


def write_result_set(
    writer: MessageWriter,
    result: ResultSet,
    check_attention: Callable[[], None],
    *,
    utf8: bool = False,
) -> int:
    """Write COLMETADATA and one ROW per row; return the row count.

    Raises:
        Cancelled: when ATTENTION arrived mid-result.
    """
    header, encoders = colmetadata(result, utf8=utf8)
    writer.write(header)
    buffer = writer.buffer
    pairs = encoders
    count = 0
    for row in result.rows:
        start = len(buffer)
        buffer.append(tokens.ROW)
        try:
            for encode, value in zip(pairs, row, strict=True):
                encode(value, buffer)
        except (ValueError, TypeError, AttributeError, OverflowError, struct.error) as exc:
            # Drop the half-written row so the stream stays parseable, then report it.
            del buffer[start:]
            names = ", ".join(c.type.name for c in result.columns)
            msg = f"Conversion failed when sending a row of ({names}): {exc}"
            raise SQLError(245, msg) from exc
        count += 1
        if count % ATTENTION_CHECK_ROWS == 0:
            writer.write(b"")
            check_attention()
    return count
