"""The SQL DW emulator's DuckDB memory limit: engine setting, emulator flag, `devstack up` flag.

A load bigger than the limit still runs (DuckDB spills to a private folder, removed on close);
the figures are in ``bench/emulator_bench.py --load``.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from devstack.stack import Stack
from tests.devstack.engine_support import DATABASE, USER, make_engine, results, rows

ROWS = 300_000


def test_a_load_past_the_limit_spills_and_keeps_every_row() -> None:
    engine = make_engine(memory_limit="48MB")
    session = engine.open_session(USER, DATABASE)
    try:
        limit = session.cursor.execute("SELECT current_setting('memory_limit')").fetchone()
        spill = session.cursor.execute("SELECT current_setting('temp_directory')").fetchone()
        assert limit == ("45.7 MiB",)  # 48,000,000 bytes
        assert spill is not None
        assert pathlib.Path(spill[0]).name.startswith("sqldw-spill-")
        # About 300 MB of text in a 48 MB budget.
        results(
            session,
            "CREATE TABLE dbo.wide WITH (DISTRIBUTION = ROUND_ROBIN, HEAP) AS "
            "SELECT CAST(value AS bigint) AS id, CAST(REPLICATE(CONCAT('row ', value, ' '), 60) "
            f"AS nvarchar(1000)) AS payload FROM GENERATE_SERIES(1, {ROWS}) AS s(value)",
        )
        assert rows(session, "SELECT count(*), count(DISTINCT payload), max(id) FROM dbo.wide") == [
            (ROWS, ROWS, ROWS)
        ]
        assert rows(session, "SELECT LEFT(payload, 12) FROM dbo.wide WHERE id = 123456") == [
            ("row 123456 r",)
        ]
    finally:
        session.close()
        engine.close()
    assert not pathlib.Path(spill[0]).exists()


def test_an_unreadable_limit_is_one_line_on_stderr() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devstack.sqldw_emulator", "--port", "0", "--memory-limit", "lots"],
        env={**os.environ, "DEVSTACK_SQLDW_PASSWORD": "Pass-word-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "Error: the SQL engine rejected its settings: memory limit 'lots' is not a size such as "
        "512MB or 2GB\n"
    )


@pytest.mark.parametrize("limit", ["300MB", None])
def test_devstack_up_passes_the_limit_to_the_emulator(
    tmp_path: pathlib.Path, limit: str | None
) -> None:
    directory = tmp_path / "stack"
    flag = ["--sqldw-memory-limit", limit] if limit else []
    command = [sys.executable, "-m", "devstack", "up", "--dir", str(directory)]
    started = subprocess.run(
        [*command, "--service", "sqldw", *flag],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    stack = Stack(directory)
    try:
        (record,) = stack.records()
        argv = pathlib.Path(f"/proc/{record.pid}/cmdline").read_bytes().split(b"\0")
    finally:
        stack.down()
    expected = [b"--memory-limit", limit.encode()] if limit else []
    found = [argv[i : i + 2] for i, arg in enumerate(argv) if arg == b"--memory-limit"]
    assert [part for pair in found for part in pair] == expected
