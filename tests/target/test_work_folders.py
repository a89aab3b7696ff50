"""Local batch folders: the start-up sweep of the ones a killed run left under TMPDIR."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import signal
import time
import typing as t
import uuid

from target_azure_sqldw.stage.work_folders import PREFIX, sweep_work_folders
from tests.target.bad_input_cases import STATE, USERS, record_line, schema_line
from tests.target.emulator_runs import run_cli, start_target, table_rows, write_config

if t.TYPE_CHECKING:
    import pathlib

DAY = dt.timedelta(hours=24)


def _touch(path: pathlib.Path, age: dt.timedelta) -> None:
    """Set the path's times ``age`` back."""
    moment = time.time() - age.total_seconds()
    os.utime(path, (moment, moment))


def _age(folder: pathlib.Path, age: dt.timedelta) -> None:
    """Set a folder's and its files' times ``age`` back."""
    for path in [*folder.iterdir(), folder]:
        _touch(path, age)


def _folder(
    root: pathlib.Path, name: str, files: dict[str, bytes], age: dt.timedelta
) -> pathlib.Path:
    """A folder of files, all last changed ``age`` ago."""
    folder = root / name
    folder.mkdir()
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
    _age(folder, age)
    return folder


def test_only_stale_folders_of_part_files_are_swept(tmp_path: pathlib.Path) -> None:
    part = gzip.compress(b"1,a\n")
    old = dt.timedelta(hours=30)
    stale = _folder(tmp_path, f"{PREFIX}stale", {"part-00000.csv.gz": part}, old)
    escaped = _folder(
        tmp_path, f"{PREFIX}escaped", {"part-00000.txt.gz": part, "aside.txt.gz": part}, old
    )
    empty = _folder(tmp_path, f"{PREFIX}empty", {}, old)
    young = _folder(tmp_path, f"{PREFIX}young", {"part-00000.csv.gz": part}, dt.timedelta(hours=2))
    # An old folder with a file written a minute ago: a long batch still being staged.
    busy = _folder(tmp_path, f"{PREFIX}busy", {"part-00000.csv.gz": part}, old)
    (busy / "part-00001.csv.gz").write_bytes(part)
    _touch(busy, old)
    foreign = _folder(tmp_path, f"{PREFIX}foreign", {"notes.txt": b"mine"}, old)
    other_name = _folder(tmp_path, "someone-else", {"part-00000.csv.gz": part}, old)
    nested = _folder(tmp_path, f"{PREFIX}nested", {"part-00000.csv.gz": part}, old)
    (nested / "sub").mkdir()
    _touch(nested, old)
    elsewhere = _folder(tmp_path, "elsewhere", {"part-00000.csv.gz": part}, old)
    (tmp_path / f"{PREFIX}link").symlink_to(elsewhere)
    (tmp_path / f"{PREFIX}file").write_bytes(b"x")
    _touch(tmp_path / f"{PREFIX}file", old)

    removed = sweep_work_folders(DAY, root=tmp_path)

    assert sorted(removed) == sorted([stale, escaped, empty])
    assert not any(folder.exists() for folder in (stale, escaped, empty))
    for kept in (young, busy, foreign, other_name, nested, elsewhere):
        assert kept.is_dir()
    assert (elsewhere / "part-00000.csv.gz").exists()
    assert (tmp_path / f"{PREFIX}link").is_symlink()
    assert (tmp_path / f"{PREFIX}file").is_file()


def test_a_folder_is_given_six_hours_whatever_the_setting(tmp_path: pathlib.Path) -> None:
    part = gzip.compress(b"1,a\n")
    five = _folder(tmp_path, f"{PREFIX}five", {"part-00000.csv.gz": part}, dt.timedelta(hours=5))
    seven = _folder(tmp_path, f"{PREFIX}seven", {"part-00000.csv.gz": part}, dt.timedelta(hours=7))
    assert sweep_work_folders(dt.timedelta(seconds=2), root=tmp_path) == [seven]
    assert five.is_dir()


def test_a_missing_temporary_folder_sweeps_nothing(tmp_path: pathlib.Path) -> None:
    assert sweep_work_folders(DAY, root=tmp_path / "absent") == []


def test_a_run_sweeps_what_a_killed_run_left(
    sqldw_config: dict[str, t.Any], tmp_path: pathlib.Path
) -> None:
    """A run killed while staging leaves its batch folder; the next run past the age removes
    it (and loads its own records), one within the age keeps it."""
    stream = f"sweep_{uuid.uuid4().hex[:6]}"
    staging = tmp_path / "staging"
    staging.mkdir()
    config = {**sqldw_config, "storage_prefix": f"sweep-{stream}"}
    schema = schema_line(stream, USERS, ["id"])
    # SIGKILL after its first records are staged: nothing can clean up.
    killed = start_target(write_config(config, tmp_path), env={"TMPDIR": str(staging)})
    assert killed.stdin is not None
    killed.stdin.write(schema + "\n")
    for i in range(20_000):
        killed.stdin.write(record_line(stream, {"id": i, "name": "x" * 40}) + "\n")
    killed.stdin.flush()
    deadline = time.monotonic() + 60
    while not [p for p in staging.glob(f"{PREFIX}*/part-*") if p.stat().st_size] and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    [left] = list(staging.iterdir())

    messages = [schema, record_line(stream, {"id": 1, "name": "a"}), STATE]
    kept = run_cli(
        {**config, "orphan_max_age_hours": 1}, messages, tmp_path, {"TMPDIR": str(staging)}
    )
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert list(staging.iterdir()) == [left]

    # Past the setting's hour but within the 6 hours every local folder is given: kept.
    _age(left, dt.timedelta(hours=2))
    within = run_cli(
        {**config, "orphan_max_age_hours": 1}, messages, tmp_path, {"TMPDIR": str(staging)}
    )
    assert within.returncode == 0, within.stderr[-2000:]
    assert list(staging.iterdir()) == [left]

    _age(left, dt.timedelta(hours=7))
    swept = run_cli(
        {**config, "orphan_max_age_hours": 1}, messages, tmp_path, {"TMPDIR": str(staging)}
    )
    assert swept.returncode == 0, swept.stderr[-2000:]
    assert list(staging.iterdir()) == []
    assert f"Swept 1 local batch folder(s) under {staging} unchanged for 6:00:00" in swept.stderr
    assert [json.loads(line) for line in swept.stdout.splitlines()] == [json.loads(STATE)["value"]]
    assert table_rows(config, stream, "[id], [name]") == [(1, "a")]
