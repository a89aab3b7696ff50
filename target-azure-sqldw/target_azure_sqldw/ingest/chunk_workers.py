"""Staging processes: forked copies of the target that run one function on jobs, in order.

Touches child processes (forked from the target, never exec'd) and the sockets to them; the
work itself is the caller's (the column pipeline checks and encodes a chunk in them with its
own checker and encoder, so the bytes are the ones it would make itself).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import pickle
import signal
import socket
import typing as t
import warnings
from multiprocessing.connection import Connection

#: Staging processes by default at most (one per CPU beyond that gains little: the reading
#: process, which parses each line's head and writes the files, becomes the bottleneck).
MAX_DEFAULT_PROCESSES = 4
#: Signals a staging process ignores.
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_processes() -> int:
    """Staging processes when the setting is unset: one per CPU, at most 4; none with one CPU."""
    cpus = available_cpus()
    return 0 if cpus < 2 else min(cpus, MAX_DEFAULT_PROCESSES)


class ChunkWorkers:
    """A few forked processes that run ``work`` on jobs; results come back in job order.

    Each process is a copy of the target at the moment of :meth:`start` and runs ``work`` on
    what it holds then (a sink's checker and encoder): nothing of the parent's later state
    reaches it. A job goes to the next process in turn (:meth:`send`); at most one job waits
    per process (:meth:`busy`), so the caller collects the oldest result (:meth:`result`)
    first. ``work`` raising, or a process dying, gives None for its job: the caller then does
    the job itself. The pickles cross a socket pair between this process and its own forks.

    A process ignores SIGINT and SIGTERM (the target's own handling decides), holds no file of
    the target's but its socket (stdin and stdout go to ``/dev/null``, so the tap and the
    downstream see the target's own ends close), and ends when its socket closes: when the
    target closes it (:meth:`close`) or ends, however it ends.

    Args:
        work: The function a process runs on each job (both picklable); in the processes only.
        processes: How many processes.
    """

    def __init__(self, work: t.Callable[[t.Any], t.Any], processes: int) -> None:
        self._work = work
        self.processes = processes
        self._connections: list[Connection] = []
        self._pids: list[int] = []
        #: The process of each job in flight, oldest first.
        self._jobs: collections.deque[int] = collections.deque()
        self._next = 0
        #: Set once a process failed: no more jobs are taken.
        self.broken = False

    @property
    def in_flight(self) -> int:
        """Jobs submitted whose result has not been collected."""
        return len(self._jobs)

    @property
    def started(self) -> bool:
        """Whether the processes run."""
        return bool(self._connections)

    def start(self) -> bool:
        """Fork the processes.

        Returns:
            False when the system refused a process (none is then used).
        """
        # The children never touch what the parent's other threads hold (they run ``work``
        # on their own copy and leave with ``os._exit``), which is what Python 3.12's
        # warning about forking a threaded process is about.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for _ in range(self.processes):
                try:
                    self._fork()
                except OSError:
                    self.close()
                    self.broken = True
                    return False
        return True

    def _fork(self) -> None:
        ours, theirs = socket.socketpair()
        # Held until the child ignores them: a signal to the process group at this moment
        # must not kill the child (the target's own handler decides what a signal does).
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            ours.close()
            theirs.close()
            raise
        if pid == 0:  # pragma: no cover - runs in the child, which leaves with os._exit
            try:
                for stopping in STOPPING_SIGNALS:
                    signal.signal(stopping, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                ours.close()
                serve(Connection(theirs.detach()), self._work)
            finally:
                os._exit(0)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        theirs.close()
        self._connections.append(Connection(ours.detach()))
        self._pids.append(pid)

    def busy(self) -> bool:
        """Whether every process has a job in flight (the next submit would wait)."""
        return len(self._jobs) >= len(self._connections)

    def send(self, job: t.Any) -> bool:
        """Hand a job to the next process, which must be free (see :meth:`busy`).

        Args:
            job: The job (picklable).

        Returns:
            False when the process could not take it (it ended): the caller does the job.
        """
        index = self._next
        try:
            self._connections[index].send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        except OSError:
            self.broken = True
            return False
        self._jobs.append(index)
        self._next = (index + 1) % len(self._connections)
        return True

    def result(self) -> t.Any | None:
        """The oldest job's result (waiting for it).

        Returns:
            What ``work`` returned, or None when it raised or its process ended.
        """
        index = self._jobs.popleft()
        try:
            return pickle.loads(self._connections[index].recv_bytes())  # noqa: S301 (our fork)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.broken = True
            return None

    def close(self) -> None:
        """Close the sockets (the processes end) and wait for the processes."""
        self._jobs.clear()
        for connection in self._connections:
            connection.close()
        for pid in self._pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self._connections.clear()
        self._pids.clear()


def serve(connection: Connection, work: t.Callable[[t.Any], t.Any]) -> None:  # pragma: no cover
    """A staging process's loop: run ``work`` on each job until the socket closes.

    Args:
        connection: The process's end of its socket.
        work: The function to run.
    """
    keep = connection.fileno()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    # The parent's objects are never collected here: leaving their pages shared.
    gc.freeze()
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())  # noqa: S301 (from our parent)
        except (EOFError, OSError):
            return
        try:
            reply = pickle.dumps(work(job), pickle.HIGHEST_PROTOCOL)
        except Exception:  # the parent does the job itself, and reports what is wrong
            reply = pickle.dumps(None)
        try:
            connection.send_bytes(reply)
        except OSError:
            return
