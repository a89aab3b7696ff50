"""Write encoded lines as gzip part files (the formats are in ``encode.formats``).

Touches local files in the batch's work folder.
"""

from __future__ import annotations

import array
import collections
import collections.abc
import contextlib
import dataclasses
import gzip
import itertools
import pathlib
import shutil
import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor

from target_azure_sqldw.encode.formats import (
    ESCAPED,
    EXTENSIONS,
    check_format,
    csv_line,
    escaped_line,
)
from target_azure_sqldw.errors import StagingError

if t.TYPE_CHECKING:
    from collections.abc import Sequence
    from concurrent.futures import Future

    from target_azure_sqldw.stage.splitting import SplitPlan, SplitPolicy

DEFAULT_PART_BYTES = 64 * 1024 * 1024
#: PolyBase and COPY INTO refuse a row of more than 1,000,000 bytes of data.
MAX_LOAD_ROW_BYTES = 1_000_000
#: A line with more UTF-8 bytes than this is not written to the parts but kept aside, to be
#: inserted with bound parameters (:mod:`target_azure_sqldw.stage.big_rows`). Half the limit: the
#: platform does not say in which encoding it counts, and UTF-16 takes at most twice the
#: bytes of UTF-8.
ASIDE_ROW_BYTES = MAX_LOAD_ROW_BYTES // 2
#: Lines of up to this many characters are under ``ASIDE_ROW_BYTES`` (UTF-8: 4 bytes at most).
_SAFE_ROW_CHARS = ASIDE_ROW_BYTES // 4
#: Blocks handed to the compressing thread that may wait for it before the writer waits too.
_BLOCKS_IN_FLIGHT = 2


def staging_error(stream: str, folder: pathlib.Path, exc: OSError) -> StagingError:
    """The one-line error for a local write that failed while staging a stream's batch.

    Args:
        stream: The stream.
        folder: The batch's work folder (under ``TMPDIR``).
        exc: The write's error.

    Returns:
        The error naming the stream, the folder and the system's reason.
    """
    reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.strerror else str(exc)
    return StagingError(
        f"stream {stream!r}: its staged rows could not be written to {folder}: {reason} "
        "(free space there, or set TMPDIR to a folder with room)"
    )


def line_ends(lines: Sequence[str], data: bytes) -> array.array[int]:
    """Where each line ends in its chunk's UTF-8 bytes (after its newline).

    Args:
        lines: The lines, without newlines.
        data: The same lines as UTF-8, each ending with a newline.

    Returns:
        The offset just past each line's newline, in order.
    """
    if data.isascii():
        sizes = [len(line) + 1 for line in lines]
    else:
        sizes = [len(line.encode("utf-8")) + 1 for line in lines]
    return array.array("q", itertools.accumulate(sizes))


class EncodedLines(collections.abc.Sequence):
    """A chunk's lines (without newlines) read from its UTF-8 bytes, one when it is asked for.

    Args:
        data: The lines as UTF-8, each ending with a newline.
        ends: Where each line ends (:func:`line_ends`).
    """

    def __init__(self, data: bytes, ends: Sequence[int]) -> None:
        self.data = data
        self.ends = ends

    def __len__(self) -> int:
        """How many lines."""
        return len(self.ends)

    def __getitem__(self, index: t.Any) -> t.Any:
        """One line (or a list of them, for a slice)."""
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        start = self.ends[index - 1] if index > 0 else 0
        return self.data[start : self.ends[index] - 1].decode("utf-8")


@dataclasses.dataclass
class StagedPart:
    """One finished part file."""

    path: pathlib.Path
    rows: int
    raw_bytes: int


class PartWriter:
    """Write rows into ``part-NNNNN`` gzip files in a folder, starting a new part when full.

    Args:
        folder: Local folder for the parts.
        file_format: ``escaped`` or ``csv``.
        quoted: Which columns are text.
        part_bytes: Uncompressed size at which a part is closed.
        compresslevel: gzip level (1 is fastest; the warehouse reads any).
        split: Plan a large batch as a multiple of 60 parts (see
            :mod:`target_azure_sqldw.stage.splitting`); without it parts close at ``part_bytes``.
        stream: The stream whose batch this is, for error messages.

    A line over ``ASIDE_ROW_BYTES`` goes to :attr:`aside` (a gzip file of such lines, each
    after a line giving its length in bytes) instead of a part: the warehouse's bulk loads
    would refuse it.

    Blocks of about 1 MB are compressed on a thread of the writer's own, in order: zlib lets
    go of the GIL while it compresses and computes the CRC, so the next rows are read and
    encoded meanwhile. The files are the same bytes as written in line; a write error is
    raised by the next write, :meth:`close`, or the split plan's flush.

    A local write that fails (a full disk, a file-size limit) raises :class:`StagingError`,
    one line naming the stream and the folder, and removes the folder: a failed run leaves no
    part files behind on the disk that refused them.
    """

    def __init__(
        self,
        folder: pathlib.Path,
        file_format: str,
        quoted: Sequence[bool],
        part_bytes: int = DEFAULT_PART_BYTES,
        compresslevel: int = 3,
        split: SplitPolicy | None = None,
        stream: str = "",
    ) -> None:
        check_format(file_format)
        self.stream = stream
        #: The lines kept out of the parts, and how many.
        self.aside: StagedPart | None = None
        self._aside_file: gzip.GzipFile | None = None
        self.folder = folder
        self.file_format = file_format
        self.quoted = list(quoted)
        self.part_bytes = part_bytes
        self.compresslevel = compresslevel
        self.parts: list[StagedPart] = []
        self._line = escaped_line if file_format == ESCAPED else csv_line
        self._file: gzip.GzipFile | None = None
        self._current: StagedPart | None = None
        #: Lines (``write_line``) or UTF-8 blocks (``write_chunk``), never both at once.
        self._buffer: list[t.Any] = []
        self._buffered = 0
        self._flush_at = min(1 << 20, part_bytes)
        # Split planning: rows written, and the row count at which the current planned part
        # closes (one integer comparison per row; no plan means never).
        self._split = split
        self._plan: SplitPlan | None = None
        self._plan_pending = split is not None and bool(split.expected_rows)
        self._written = 0
        self._rotate_at = sys.maxsize
        self._compressor: ThreadPoolExecutor | None = None
        self._in_flight: collections.deque[Future[int]] = collections.deque()
        if self._plan_pending:
            assert split is not None
            self._flush_at = min(self._flush_at, split.sample_bytes)

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return self._written

    def write(self, row: Sequence[str | None]) -> None:
        """Append one row.

        Args:
            row: Canonical texts (None for NULL), one per column.
        """
        self.write_line(self._line(row, self.quoted))

    def write_line(self, line: str) -> None:
        """Append one row already formatted in the writer's format.

        Args:
            line: The row's line, newline included.
        """
        try:
            if len(line) > _SAFE_ROW_CHARS and self._set_aside(line):
                return
            self.write_line_unchecked(line)
        except OSError as exc:
            raise self._abandoned(exc) from None

    def write_line_unchecked(self, line: str) -> None:
        """Append one formatted row to the current part (already watched and measured).

        Args:
            line: The row's line, newline included.
        """
        if self._current is None:
            self._open()
        assert self._current is not None
        if self._buffer and not isinstance(self._buffer[-1], str):
            self._flush()
        self._buffer.append(line)
        self._buffered += len(line)
        self._current.rows += 1
        self._written += 1
        if self._written >= self._rotate_at:
            self._flush()
            self._close_part()
            self._next_planned_part()
        elif self._buffered >= self._flush_at:
            self._flush_buffer()

    def write_chunk(self, lines: Sequence[str], data: bytes, longest: int | None = None) -> None:
        """Append rows already formatted, as one block.

        Args:
            lines: The rows' lines, without newlines (read only where rows go one by one).
            data: The same lines as UTF-8, each ending with a newline.
            longest: The longest line's length in characters, when known.
        """
        try:
            self._write_chunk(lines, data, longest)
        except OSError as exc:
            raise self._abandoned(exc) from None

    def _write_chunk(self, lines: Sequence[str], data: bytes, longest: int | None) -> None:
        if (
            len(data) > _SAFE_ROW_CHARS
            and (max(map(len, lines)) if longest is None else longest) > _SAFE_ROW_CHARS
        ):
            # A long line among them: it may need setting aside.
            for line in lines:
                if not self._set_aside(line + "\n"):
                    self.write_line_unchecked(line + "\n")
            return
        if self._current is None:
            self._open()
        assert self._current is not None
        size = self._current.raw_bytes + self._buffered + len(data)
        crosses_part = self._plan is None and size > self.part_bytes
        # The plan is made as soon as its sample is written, wherever that falls.
        ends_sample = self._plan_pending and size >= self._split.sample_bytes  # type: ignore[union-attr]
        if crosses_part or ends_sample or self._written + len(lines) >= self._rotate_at:
            # The block crosses a part boundary or ends the sample: rows go one by one.
            for line in lines:
                self.write_line(line + "\n")
            return
        if self._buffer and isinstance(self._buffer[-1], str):
            self._flush()
        self._buffer.append(data)
        self._buffered += len(data)
        self._current.rows += len(lines)
        self._written += len(lines)
        if self._buffered >= self._flush_at:
            self._flush_buffer()

    def _set_aside(self, line: str) -> bool:
        """Keep a line out of the parts when it is over ``ASIDE_ROW_BYTES``.

        Returns:
            True when the line was set aside (it is counted, as a row of the batch).
        """
        if len(line) <= _SAFE_ROW_CHARS:
            return False
        data = line.encode("utf-8")
        if len(data) <= ASIDE_ROW_BYTES:
            return False
        if self._aside_file is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"aside{EXTENSIONS[self.file_format]}"
            self._aside_file = gzip.GzipFile(path, "wb", compresslevel=1, mtime=0)
            self.aside = StagedPart(path, 0, 0)
        assert self.aside is not None
        # CSV text keeps its newlines: each line is framed by its length.
        self._aside_file.write(b"%d\n" % len(data))
        self._aside_file.write(data)
        self.aside.rows += 1
        self.aside.raw_bytes += len(data)
        self._written += 1
        return True

    def _flush_buffer(self) -> None:
        """Write the buffer out; plan the batch once its sample is in; close a full part."""
        assert self._current is not None
        self._flush()
        if self._plan_pending:
            self._make_plan()
        # Without a plan (a small batch) parts close at ``part_bytes``.
        if self._plan is None and self._current.raw_bytes >= self.part_bytes:
            self._close_part()

    def _make_plan(self) -> None:
        """Plan the batch once the sample is written (see :mod:`.splitting`)."""
        assert self._split is not None
        assert self._file is not None
        assert self._current is not None
        raw = sum(p.raw_bytes for p in self.parts) + self._current.raw_bytes
        if raw < self._split.sample_bytes:
            return
        self._plan_pending = False
        # A sync flush pushes the compressor's output to disk, so the file sizes are exact.
        self._settle()
        self._file.flush()
        compressed = sum(p.path.stat().st_size for p in [*self.parts, self._current])
        self._plan = self._split.plan(self._written, raw, compressed)
        if self._plan is None:
            self._flush_at = min(1 << 20, self.part_bytes)
            return
        self._flush_at = 1 << 20
        if self._plan.ends[0] <= self._written:
            self._close_part()
        self._next_planned_part()

    def _next_planned_part(self) -> None:
        assert self._plan is not None
        self._rotate_at = self._plan.part_end(self._written) or sys.maxsize

    def close(self) -> list[StagedPart]:
        """Finish the last part.

        Returns:
            Every part written, in order (the lines set aside are in :attr:`aside`).
        """
        try:
            try:
                if self._current is not None:
                    self._flush()
                    self._close_part()
            finally:
                self._stop_compressor()
            if self._aside_file is not None:
                self._aside_file.close()
                self._aside_file = None
        except OSError as exc:
            raise self._abandoned(exc) from None
        return self.parts

    def _stop_compressor(self) -> None:
        if self._compressor is not None:
            self._compressor.shutdown()
            self._compressor = None

    def discard(self) -> None:
        """Close what is open, without finishing it, and remove the folder and its files."""
        self._in_flight.clear()
        self._stop_compressor()
        for file in (self._file, self._aside_file):
            if file is not None:
                # The batch is given up: a failed write here changes nothing.
                with contextlib.suppress(OSError):
                    file.close()
        self._file = self._aside_file = None
        self._current = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def _abandoned(self, exc: OSError) -> StagingError:
        """Discard the batch after a failed write; the error to raise."""
        self.discard()
        return staging_error(self.stream, self.folder, exc)

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{len(self.parts):05d}{EXTENSIONS[self.file_format]}"
        path = self.folder / name
        self._file = gzip.GzipFile(path, "wb", compresslevel=self.compresslevel, mtime=0)
        self._current = StagedPart(path, 0, 0)

    def _flush(self) -> None:
        if self._file is None or self._current is None or not self._buffer:
            return
        if isinstance(self._buffer[0], str):
            data = "".join(self._buffer).encode("utf-8")
        else:
            data = b"".join(self._buffer)
        self._current.raw_bytes += len(data)
        self._buffer.clear()
        self._buffered = 0
        if self._compressor is None:
            self._compressor = ThreadPoolExecutor(1, "target-azure-sqldw-gzip")
        while len(self._in_flight) >= _BLOCKS_IN_FLIGHT:
            self._in_flight.popleft().result()
        self._in_flight.append(self._compressor.submit(self._file.write, data))

    def _settle(self) -> None:
        """Wait for the blocks being compressed; raise the first write error."""
        while self._in_flight:
            self._in_flight.popleft().result()

    def _close_part(self) -> None:
        assert self._file is not None
        assert self._current is not None
        try:
            self._settle()
        finally:
            self._file.close()
        self.parts.append(self._current)
        self._file = None
        self._current = None
