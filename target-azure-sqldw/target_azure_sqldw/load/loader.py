"""Load batches on a background thread, in order, while the next batch is being staged.

Touches only its thread and queue; the jobs do the I/O.
"""

from __future__ import annotations

import collections
import threading
import typing as t

#: A load: called with ``cancelled=True`` it must only clean up.
LoadJob = t.Callable[[bool], None]


class LoadAbortedError(Exception):
    """The run is stopping; a load in progress must roll back."""


class BackgroundLoader:
    """Run load jobs one at a time, in order, on a worker thread.

    Args:
        max_waiting: Jobs allowed to wait behind the running one before ``submit`` blocks.
    """

    def __init__(self, max_waiting: int = 1) -> None:
        self.max_waiting = max_waiting
        self._jobs: collections.deque[LoadJob] = collections.deque()
        self._condition = threading.Condition()
        self._outstanding = 0
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        #: Set when the run stops on a signal: queued loads are cancelled and the running
        #: one rolls back at its next check.
        self.aborting = False

    @property
    def outstanding(self) -> int:
        """Jobs submitted and not finished (running or waiting)."""
        return self._outstanding

    def submit(self, job: LoadJob) -> None:
        """Queue a load; block while ``max_waiting`` loads already wait.

        Args:
            job: The load.
        """
        with self._condition:
            while self._outstanding > self.max_waiting and self._error is None:
                self._condition.wait()
            if self._error is not None:
                job(True)
                self._raise()
            self._outstanding += 1
            self._jobs.append(job)
            if self._thread is None:
                # A daemon: the reading thread waits for every load before it writes STATE
                # or exits normally, and a signal waits for the running load (``settle``).
                self._thread = threading.Thread(
                    target=self._run, name="target-azure-sqldw-loader", daemon=True
                )
                self._thread.start()
            self._condition.notify_all()

    def wait(self) -> None:
        """Block until every submitted load has finished; raise the first load error."""
        with self._condition:
            while self._outstanding and self._error is None:
                self._condition.wait()
            self._raise()

    def check(self) -> None:
        """Raise the first load error, if a load has failed."""
        if self._error is not None:
            with self._condition:
                self._raise()

    def abort(self) -> None:
        """Cancel the queued loads and make the running one roll back."""
        self.aborting = True

    def _raise(self) -> None:
        error = self._error
        if error is not None:
            raise error

    def settle(self) -> None:
        """Block until no load runs or waits, without raising (used when stopping)."""
        with self._condition:
            while self._outstanding:
                self._condition.wait()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._jobs:
                    self._condition.wait()
                job = self._jobs.popleft()
                cancelled = self._error is not None or self.aborting
            try:
                job(cancelled)
            except BaseException as exc:
                with self._condition:
                    if self._error is None:
                        self._error = exc
            finally:
                with self._condition:
                    self._outstanding -= 1
                    self._condition.notify_all()
