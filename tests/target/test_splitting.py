"""The split plan of large batches: a multiple of 60 files, each at least the minimum size."""

from __future__ import annotations

import gzip
import pathlib
import random
import string

import pytest

from target_azure_sqldw.encode.formats import CSV
from target_azure_sqldw.stage.parts import PartWriter
from target_azure_sqldw.stage.splitting import MIN_FILE_BYTES, SplitPlan, SplitPolicy

MB = 1024 * 1024


def test_a_small_batch_is_not_planned() -> None:
    policy = SplitPolicy(expected_rows=10_000, part_bytes=64 * MB)
    # 10,000 rows of 500 bytes compressing to 100: 1 MB compressed, far under 60 x 4 MB.
    assert policy.plan(rows=100, raw_bytes=50_000, compressed_bytes=10_000) is None


def test_no_row_limit_no_plan() -> None:
    policy = SplitPolicy(expected_rows=None, part_bytes=64 * MB)
    assert policy.plan(rows=100, raw_bytes=10**9, compressed_bytes=10**9) is None


def test_a_large_batch_is_split_into_60_files() -> None:
    policy = SplitPolicy(expected_rows=1_000_000, part_bytes=64 * MB)
    # 1 GB uncompressed, 400 MB compressed: 60 files of ~6.7 MB compressed, ~17 MB raw.
    plan = policy.plan(rows=1000, raw_bytes=1000 * 1000, compressed_bytes=1000 * 400)
    assert plan is not None
    assert plan.parts == 60
    assert plan.ends[-1] == 1_000_000


def test_a_very_large_batch_uses_a_multiple_of_60_under_the_part_size() -> None:
    policy = SplitPolicy(expected_rows=10_000_000, part_bytes=64 * MB)
    # 10 GB raw: 60 parts would be 167 MB each; 180 parts keep them under 64 MB.
    plan = policy.plan(rows=1000, raw_bytes=1000 * 1000, compressed_bytes=1000 * 400)
    assert plan is not None
    assert plan.parts == 180


def test_the_minimum_file_size_caps_the_number_of_files() -> None:
    policy = SplitPolicy(expected_rows=1_000_000, part_bytes=1 * MB)
    # part_bytes alone would ask for 1,000 parts; 300 MB compressed only allows 60 x 4 MB.
    plan = policy.plan(rows=1000, raw_bytes=1000 * 1000, compressed_bytes=1000 * 300)
    assert plan is not None
    assert plan.parts == 60
    assert 300 * MB / plan.parts >= MIN_FILE_BYTES


def test_other_multiples_follow_the_setting() -> None:
    policy = SplitPolicy(expected_rows=1_000_000, part_bytes=64 * MB, file_multiple=120)
    plan = policy.plan(rows=1000, raw_bytes=1000 * 1000, compressed_bytes=1000 * 600)
    assert plan is not None
    assert plan.parts == 120


def test_even_plan_boundaries() -> None:
    plan = SplitPlan.even(1000, 60)
    sizes = [end - start for start, end in zip((0, *plan.ends), plan.ends, strict=False)]
    assert len(sizes) == 60
    assert sum(sizes) == 1000
    assert max(sizes) - min(sizes) <= 1
    assert plan.part_end(0) == plan.ends[0]
    assert plan.part_end(plan.ends[0]) == plan.ends[1]
    assert plan.part_end(1000) is None
    with pytest.raises(ValueError, match="Cannot split 5 rows into 6 parts"):
        SplitPlan.even(5, 6)


def _rows(count: int, seed: int = 7) -> list[list[str | None]]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    return [[str(i), "".join(rng.choice(alphabet) for _ in range(120))] for i in range(count)]


def _write(
    folder: pathlib.Path, rows: list[list[str | None]], policy: SplitPolicy | None
) -> list[pathlib.Path]:
    writer = PartWriter(folder, CSV, [False, True], part_bytes=64 * MB, split=policy)
    for row in rows:
        writer.write(row)
    return [part.path for part in writer.close()]


def _read_back(paths: list[pathlib.Path]) -> list[str]:
    return [line for p in paths for line in gzip.decompress(p.read_bytes()).decode().splitlines()]


def test_a_full_batch_is_written_as_exactly_60_parts(tmp_path: pathlib.Path) -> None:
    rows = _rows(600)
    policy = SplitPolicy(expected_rows=600, part_bytes=64 * MB, min_file_bytes=400)
    paths = _write(tmp_path, rows, policy)
    assert len(paths) == 60
    assert all(len(gzip.decompress(p.read_bytes()).splitlines()) == 10 for p in paths)
    assert all(p.stat().st_size >= 400 for p in paths)
    assert [line.split(",")[0] for line in _read_back(paths)] == [str(i) for i in range(600)]


def test_a_batch_cut_short_keeps_its_planned_part_size(tmp_path: pathlib.Path) -> None:
    policy = SplitPolicy(expected_rows=600, part_bytes=64 * MB, min_file_bytes=400)
    paths = _write(tmp_path, _rows(305), policy)
    assert len(paths) == 31
    assert [len(gzip.decompress(p.read_bytes()).splitlines()) for p in paths] == [10] * 30 + [5]


def test_a_small_batch_stays_one_file(tmp_path: pathlib.Path) -> None:
    # 600 rows of ~125 bytes cannot give 60 files of 4 MB each.
    policy = SplitPolicy(expected_rows=600, part_bytes=64 * MB)
    paths = _write(tmp_path, _rows(600), policy)
    assert len(paths) == 1
    assert len(_read_back(paths)) == 600
