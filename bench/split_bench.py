"""Cost of planning a large batch as 60 x k parts, next to the unsplit writer, in one run.

Writes the same ``--rows`` CSV rows (an id, a 120-character text, a number, a timestamp)
through :class:`~target_azure_sqldw.stage.parts.PartWriter` twice: with no split policy (parts
close at ``staging_part_bytes``) and with the split policy of a full batch of that many rows,
with ``--min-file-bytes`` lowered so the batch counts as large. Reports rows/s of each, the
ratio, and the number and compressed sizes of the files.

    .venv/bin/python bench/split_bench.py [--rows 300000] [--min-file-bytes 65536]
"""

from __future__ import annotations

import argparse
import pathlib
import random
import string
import tempfile
import time

from target_azure_sqldw.encode.formats import CSV
from target_azure_sqldw.stage.parts import DEFAULT_PART_BYTES, PartWriter
from target_azure_sqldw.stage.splitting import SplitPolicy


def make_rows(count: int) -> list[list[str | None]]:
    rng = random.Random(1)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(500)]
    rows: list[list[str | None]] = []
    for i in range(count):
        text = " ".join(rng.choices(words, k=18))[:120]
        rows.append([str(i), text, f"{rng.random() * 1e6:.6f}", f"2024-01-01 00:00:{i % 60:02d}"])
    return rows


def run(rows: list[list[str | None]], policy: SplitPolicy | None) -> tuple[float, list[int]]:
    with tempfile.TemporaryDirectory() as folder:
        writer = PartWriter(pathlib.Path(folder), CSV, [False, True, False, False], split=policy)
        started = time.perf_counter()
        for row in rows:
            writer.write(row)
        parts = writer.close()
        elapsed = time.perf_counter() - started
        return elapsed, [part.path.stat().st_size for part in parts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--min-file-bytes", type=int, default=64 * 1024)
    args = parser.parse_args()
    rows = make_rows(args.rows)
    policy = SplitPolicy(
        expected_rows=args.rows, part_bytes=DEFAULT_PART_BYTES, min_file_bytes=args.min_file_bytes
    )
    plain_s, plain_sizes = run(rows, None)
    split_s, split_sizes = run(rows, policy)
    for name, seconds, sizes in (
        ("unsplit", plain_s, plain_sizes),
        ("split", split_s, split_sizes),
    ):
        print(
            f"{name:8} {args.rows / seconds:12,.0f} rows/s  {len(sizes):4d} file(s)  "
            f"compressed {sum(sizes):,} bytes, smallest {min(sizes):,}, largest {max(sizes):,}"
        )
    print(f"split / unsplit throughput: {plain_s / split_s:.2f}")


if __name__ == "__main__":
    main()
