"""How many files a staged batch is split into: the platform's "a multiple of 60, each >= 4 MB".

Pure: sizes in, a plan out.
"""

from __future__ import annotations

import bisect
import dataclasses
import math

#: The platform's 60 distributions: a load reads at most this many files at once per step.
FILES_PER_STEP = 60
#: The smallest file the platform recommends, compressed.
MIN_FILE_BYTES = 4 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class SplitPolicy:
    """Settings of the split plan.

    Attributes:
        expected_rows: Rows in a full batch (``batch_size_rows``), or None when unknown.
        part_bytes: Largest uncompressed part (``staging_part_bytes``).
        file_multiple: Planned part counts are multiples of this (``staging_file_multiple``).
        min_file_bytes: Smallest planned compressed part (``staging_min_file_bytes``).
    """

    expected_rows: int | None
    part_bytes: int
    file_multiple: int = FILES_PER_STEP
    min_file_bytes: int = MIN_FILE_BYTES

    @property
    def sample_bytes(self) -> int:
        """Uncompressed bytes written before the plan is made.

        Half the smallest planned part: a planned part holds at least ``min_file_bytes``
        compressed, so more than that uncompressed, and the sample stays inside the first.
        """
        return max(1, self.min_file_bytes // 2)

    def plan(self, rows: int, raw_bytes: int, compressed_bytes: int) -> SplitPlan | None:
        """Plan a batch from its first rows.

        Args:
            rows: Rows written so far.
            raw_bytes: Their uncompressed bytes.
            compressed_bytes: Their compressed bytes (an estimate is fine).

        Returns:
            The plan, or None when the batch stays one file (split at ``part_bytes``).
        """
        if not self.expected_rows or rows <= 0 or raw_bytes <= 0:
            return None
        expected_compressed = max(compressed_bytes, 1) / rows * self.expected_rows
        expected_raw = raw_bytes / rows * self.expected_rows
        most_steps = int(expected_compressed // (self.file_multiple * self.min_file_bytes))
        if most_steps < 1:
            return None
        wanted = math.ceil(expected_raw / (self.file_multiple * self.part_bytes))
        steps = min(most_steps, max(1, wanted))
        parts = min(self.file_multiple * steps, self.expected_rows)
        return SplitPlan.even(self.expected_rows, parts)


@dataclasses.dataclass(frozen=True)
class SplitPlan:
    """Row boundaries of a planned batch: part ``i`` ends after ``ends[i]`` rows in total.

    Attributes:
        ends: Cumulative row counts at which each part closes, increasing; the last is the
            full batch's row count.
    """

    ends: tuple[int, ...]

    @classmethod
    def even(cls, rows: int, parts: int) -> SplitPlan:
        """Split ``rows`` into ``parts`` parts whose sizes differ by at most one row.

        Args:
            rows: Rows in a full batch.
            parts: Number of parts (at most ``rows``).

        Returns:
            The plan.

        Raises:
            ValueError: When ``parts`` is not between 1 and ``rows``.
        """
        if not 1 <= parts <= rows:
            msg = f"Cannot split {rows} rows into {parts} parts"
            raise ValueError(msg)
        return cls(tuple((i + 1) * rows // parts for i in range(parts)))

    @property
    def parts(self) -> int:
        """How many files a full batch is written to."""
        return len(self.ends)

    def part_end(self, rows_written: int) -> int | None:
        """The row count at which the part holding the next row closes.

        Args:
            rows_written: Rows of the batch written so far.

        Returns:
            The boundary, or None past the last one (a batch longer than planned keeps
            writing its last part).
        """
        index = bisect.bisect_right(self.ends, rows_written)
        return self.ends[index] if index < len(self.ends) else None
