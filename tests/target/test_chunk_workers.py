"""Staging processes: real forks of the test process, their results in order, their failures.

What the column pipeline stages through them is checked against in-process staging in
``test_chunkpath``; here is the process side: order, a job that raises, a process that dies,
signals, files, and that closing leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import time
import typing as t

import pytest

from target_azure_sqldw.ingest import chunk_workers
from target_azure_sqldw.ingest.chunk_workers import ChunkWorkers, default_processes
from tests.target.emulator_runs import running


def square_slowly(job: t.Any) -> t.Any:
    """Square a number; the first job of a process waits, so later jobs finish before it."""
    number, pause = job
    time.sleep(pause)
    if number == 13:
        raise ValueError("unlucky")
    if number == 66:
        os._exit(3)
    return number * number


def run_all(workers: ChunkWorkers, jobs: list[t.Any]) -> list[t.Any]:
    """Submit every job as the column pipeline does: collect the oldest when all are busy."""
    results = []
    for job in jobs:
        if workers.busy():
            results.append(workers.result())
        assert workers.send(job)
    while workers.in_flight:
        results.append(workers.result())
    return results


def test_results_come_back_in_job_order() -> None:
    workers = ChunkWorkers(square_slowly, 3)
    assert workers.start()
    try:
        jobs = [(n, 0.2 if n % 3 == 0 else 0.0) for n in range(10)]
        assert run_all(workers, jobs) == [n * n for n in range(10)]
    finally:
        workers.close()


def test_a_job_that_raises_gives_none_and_the_process_goes_on() -> None:
    workers = ChunkWorkers(square_slowly, 1)
    assert workers.start()
    try:
        assert run_all(workers, [(12, 0), (13, 0), (14, 0)]) == [144, None, 196]
        assert not workers.broken
    finally:
        workers.close()


def test_a_process_that_dies_gives_none_and_breaks_the_workers() -> None:
    workers = ChunkWorkers(square_slowly, 2)
    assert workers.start()
    try:
        assert workers.send((66, 0))
        assert workers.result() is None
        assert workers.broken
    finally:
        workers.close()


def test_close_ends_every_process_and_waits_for_it() -> None:
    workers = ChunkWorkers(square_slowly, 2)
    assert workers.start()
    pids = list(workers._pids)
    assert len(pids) == 2
    assert all(map(running, pids))
    workers.close()
    assert not any(map(running, pids))
    assert not workers.started
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # already waited for: no zombie left


def test_processes_ignore_sigterm_and_write_nothing_to_our_stdout(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The target's own signal handling decides; a stray print in a process is not output."""

    def shout(job: t.Any) -> t.Any:
        os.write(1, b"from the staging process\n")
        os.write(2, b"to stderr\n")
        return job

    workers = ChunkWorkers(shout, 1)
    assert workers.start()
    try:
        os.kill(workers._pids[0], signal.SIGTERM)
        os.kill(workers._pids[0], signal.SIGINT)
        assert run_all(workers, ["a", "b"]) == ["a", "b"]
    finally:
        workers.close()
    out, err = capfd.readouterr()
    assert "staging process" not in out
    assert "to stderr" not in err


def test_a_refused_fork_starts_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(chunk_workers.os, "fork", refuse)
    workers = ChunkWorkers(square_slowly, 2)
    assert not workers.start()
    assert workers.broken
    assert not workers.started


@pytest.mark.parametrize(("cpus", "expected"), [(1, 0), (2, 2), (3, 3), (4, 4), (64, 4)])
def test_the_default_is_one_process_per_cpu_up_to_four(
    monkeypatch: pytest.MonkeyPatch, cpus: int, expected: int
) -> None:
    monkeypatch.setattr(chunk_workers, "available_cpus", lambda: cpus)
    assert default_processes() == expected
