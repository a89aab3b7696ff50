"""BackgroundLoader: loads run one at a time in order; a failure stops the rest and surfaces."""

from __future__ import annotations

import threading
import time

import pytest

from target_azure_sqldw.load.loader import BackgroundLoader


def test_loads_run_in_submission_order_off_the_calling_thread() -> None:
    loader = BackgroundLoader(max_waiting=2)
    done: list[tuple[int, bool, str]] = []

    def job(n: int) -> object:
        def run(cancelled: bool) -> None:
            time.sleep(0.01 * (5 - n))  # earlier jobs take longer: order must still hold
            done.append((n, cancelled, threading.current_thread().name))

        return run

    for n in range(5):
        loader.submit(job(n))
    loader.wait()
    assert [n for n, _, _ in done] == [0, 1, 2, 3, 4]
    assert not any(cancelled for _, cancelled, _ in done)
    assert {name for _, _, name in done} == {"target-azure-sqldw-loader"}
    assert loader.outstanding == 0


def test_submit_blocks_while_max_waiting_loads_wait() -> None:
    loader = BackgroundLoader(max_waiting=1)
    release = threading.Event()
    loader.submit(lambda cancelled: release.wait(5))
    loader.submit(lambda cancelled: None)
    blocked = threading.Thread(target=loader.submit, args=(lambda cancelled: None,))
    blocked.start()
    blocked.join(0.2)
    assert blocked.is_alive()  # one runs, one waits: the third submit waits
    release.set()
    blocked.join(5)
    assert not blocked.is_alive()
    loader.wait()


def test_a_failed_load_cancels_later_ones_and_raises_on_the_reading_thread() -> None:
    loader = BackgroundLoader(max_waiting=3)
    seen: list[tuple[str, bool]] = []
    gate = threading.Event()

    def failing(cancelled: bool) -> None:
        gate.wait(5)
        seen.append(("first", cancelled))
        raise RuntimeError("COPY INTO failed")

    loader.submit(failing)
    loader.submit(lambda cancelled: seen.append(("second", cancelled)))
    gate.set()
    with pytest.raises(RuntimeError, match="COPY INTO failed"):
        loader.wait()
    assert seen == [("first", False), ("second", True)]
    with pytest.raises(RuntimeError, match="COPY INTO failed"):
        loader.check()
    # A load handed over after the failure only cleans up, and the error is raised again.
    with pytest.raises(RuntimeError, match="COPY INTO failed"):
        loader.submit(lambda cancelled: seen.append(("third", cancelled)))
    assert seen[-1] == ("third", True)


def test_abort_cancels_queued_loads() -> None:
    loader = BackgroundLoader(max_waiting=3)
    gate, started = threading.Event(), threading.Event()
    seen: list[bool] = []
    loader.submit(lambda cancelled: (started.set(), gate.wait(5), seen.append(cancelled)))
    loader.submit(lambda cancelled: seen.append(cancelled))
    assert started.wait(5)
    loader.abort()
    gate.set()
    loader.settle()
    assert seen == [False, True]
