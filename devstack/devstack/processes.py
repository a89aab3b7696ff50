"""Starting, probing and stopping the devstack's background processes, by pid.

Every service runs in its own session (process group) so that stopping it also stops anything
it spawned, and every pid is checked against the command line it was started with before it is
signalled, so a pid the kernel has reused for another program is never touched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import signal
import socket
import subprocess
import time
import typing as t
import urllib.error
import urllib.request

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


class ServiceStartError(RuntimeError):
    """A service did not become ready; the message names it and points at its log."""


@dataclasses.dataclass(frozen=True, slots=True)
class RunningProcess:
    """A background process the devstack started.

    Attributes:
        pid: Process id (also its process-group id).
        marker: A string its command line contains, checked before signalling.
    """

    pid: int
    marker: str

    def is_alive(self) -> bool:
        """Whether the process still runs and is still the program we started."""
        try:
            cmdline = pathlib.Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            return False
        if self.marker.encode() not in cmdline:
            return False
        status = pathlib.Path(f"/proc/{self.pid}/stat").read_text()
        # The state letter follows the parenthesised command name; Z is a zombie.
        return status.rsplit(")", 1)[-1].split()[0] != "Z"

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the process group: SIGTERM, then SIGKILL after ``timeout`` seconds.

        Returns:
            Whether the process was running and has now been stopped.
        """
        child = _CHILDREN.pop(self.pid, None)
        if child is not None:
            # Our own child: its Popen knows for sure whether it runs, and reaps it.
            if child.poll() is not None:
                return False
            _signal_group(self.pid, signal.SIGTERM)
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                child.wait()
            return True
        if not self.is_alive():
            return False
        _signal_group(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_alive():
                return True
            time.sleep(0.05)
        _signal_group(self.pid, signal.SIGKILL)
        return True


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


# Popen objects of the children this process started: kept so that they are not garbage
# collected while running (a ResourceWarning) and so their exit status can be collected.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def stop_children_except(keep: set[int]) -> None:
    """Stop every still-running child this process spawned whose pid is not in ``keep``.

    Used when a multi-service start fails half-way: whatever that start spawned goes.
    """
    for pid in children() - keep:
        RunningProcess(pid=pid, marker="").stop()


def children() -> set[int]:
    """Pids of the children this process spawned that have not been reaped."""
    return set(_CHILDREN)


def _has_exited(process: RunningProcess) -> bool:
    """Whether a process has ended; for our own children, by their exit status.

    Right after fork the child's command line is still ours, so the marker check of
    :meth:`RunningProcess.is_alive` cannot tell a starting child from a dead one.
    """
    child = _CHILDREN.get(process.pid)
    if child is not None:
        return child.poll() is not None
    return not process.is_alive()


def spawn(
    argv: Sequence[str],
    *,
    log_path: pathlib.Path,
    env: Mapping[str, str] | None = None,
    marker: str,
) -> RunningProcess:
    """Start ``argv`` in the background in a new session, output appended to ``log_path``.

    Args:
        argv: The command.
        log_path: File that receives stdout and stderr.
        env: Extra environment variables.
        marker: A string contained in ``argv`` that identifies the process later.

    Returns:
        The started process.
    """
    if not any(marker in arg for arg in argv):
        msg = f"marker {marker!r} must appear in the command line"
        raise ValueError(msg)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    _CHILDREN[process.pid] = process
    return RunningProcess(pid=process.pid, marker=marker)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tcp_ready(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ready(url: str) -> bool:
    """Whether ``url`` answers an HTTP GET with any status (a server is listening)."""
    try:
        with urllib.request.urlopen(url, timeout=1.0):  # noqa: S310 - loopback URL we built
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(
    name: str,
    process: RunningProcess,
    probe: Callable[[], bool],
    *,
    log_path: pathlib.Path,
    timeout: float,
) -> None:
    """Poll ``probe`` until it succeeds, failing fast if the process dies.

    A process that does not become ready is stopped before the error is raised, so a failed
    start leaves nothing running.

    Raises:
        ServiceStartError: when the process exits or ``timeout`` passes first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        if _has_exited(process):
            _CHILDREN.pop(process.pid, None)  # poll() has collected its exit status
            msg = f"{name} exited during start-up; see {log_path}: {_last_line(log_path)}"
            raise ServiceStartError(msg)
        time.sleep(0.1)
    process.stop()
    msg = f"{name} did not become ready within {timeout:.0f} s; see {log_path}"
    raise ServiceStartError(msg)


def _last_line(path: pathlib.Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"
